"""Batch triage: route each melding to the rule variant that applies, evaluate in chunks."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import schema
from .engine import Engine
from .errors import ConfigError, InputError
from .ruleset import load_ruleset

CHUNK = 1000
NATIONAL = "landelijk"


def default_rules_dir() -> Path:
    """`ZORGSTRAF_RULES_DIR` (or the older `ZORGSTRAF_RULES`), else the rule files shipped inside the
    package (zorgstraf/rules), so an installed wheel works anywhere."""
    env = os.environ.get("ZORGSTRAF_RULES_DIR") or os.environ.get("ZORGSTRAF_RULES")
    return Path(env) if env else Path(__file__).resolve().parent / "rules"


@lru_cache(maxsize=32)
def _engine(rules_dir: str, regio: str | None) -> Engine:
    # One compiled engine per (rule directory, variant) per process: compile once, evaluate many.
    return Engine(load_ruleset(rules_dir, regio))


@lru_cache(maxsize=256)
def _variant(rules_dir: str, regio: str | None) -> str | None:
    if regio and (Path(rules_dir) / "regions" / f"{regio}.yaml").is_file():
        return regio
    return None


def check_regio(regio: str | None) -> str | None:
    """A valid region name, `landelijk`, or None; anything else is a usage error."""
    if regio is None or regio == NATIONAL:
        return regio
    try:
        return schema.Regio(regio).value
    except ValueError:
        names = ", ".join(r.value for r in schema.Regio)
        raise ConfigError(f"onbekende regio '{regio}'; kies uit {names} of {NATIONAL}") from None


@dataclass
class Triage:
    rules_dir: Path = field(default_factory=default_rules_dir)
    regio: str | None = None  # overrides every melding's own regio ("landelijk" forces national)
    score: bool = False  # fill the optional risk score (a second opinion)
    model_dir: Path | None = None

    def __post_init__(self):
        self.regio = check_regio(self.regio)
        self._scorer = None
        if self.score:
            from .score import load

            self._scorer = load(self.model_dir)  # refuses a model file whose hash does not match

    @property
    def model_hash(self) -> str | None:
        """The hash of the score model in use, for the audit trail (None when scoring is off)."""
        return self._scorer.digest if self._scorer else None

    def variant_for(self, regio: str | None) -> str | None:
        """The variant that decides for `regio`: the region's overlay if it has one, else national."""
        return None if regio == NATIONAL else _variant(str(self.rules_dir), regio)

    def engine_for(self, regio: str | None) -> Engine:
        return _engine(str(self.rules_dir), self.variant_for(regio))

    def evaluate(self, meldingen: list[schema.Melding]) -> list[schema.Advies]:
        """Advies for each melding, in input order, each by the variant that applies to it."""
        groups: dict[str | None, list[int]] = {}
        for i, m in enumerate(meldingen):
            regio = self.regio or (m.regio.value if m.regio else None)
            groups.setdefault(self.variant_for(regio), []).append(i)
        out: list[schema.Advies | None] = [None] * len(meldingen)
        scores = self._scorer.score(meldingen) if self._scorer else None
        for regio, indexes in groups.items():
            chunk_scores = [scores[i] for i in indexes] if scores else None
            for i, advies in zip(indexes, self.engine_for(regio).evaluate([meldingen[i] for i in indexes], chunk_scores)):
                out[i] = advies
        return out  # type: ignore[return-value]

    def stream(
        self,
        items: Iterable[tuple[int | None, schema.Melding | InputError]],
        on_error: Callable[[InputError], None],
        on_progress: Callable[[int], None] = lambda n: None,
    ) -> Iterator[tuple[schema.Melding, schema.Advies]]:
        """Evaluate a stream in chunks (bounded memory); bad meldingen go to `on_error`."""
        chunk: list[schema.Melding] = []
        for _, item in items:
            if isinstance(item, InputError):
                on_error(item)
                on_progress(1)
                continue
            chunk.append(item)
            if len(chunk) >= CHUNK:
                yield from zip(chunk, self.evaluate(chunk))
                on_progress(len(chunk))
                chunk = []
        if chunk:
            yield from zip(chunk, self.evaluate(chunk))
            on_progress(len(chunk))


def urgency_key(urgentie: str, prioriteit: int | None, ontvangen_op) -> tuple:
    """Most urgent first: urgentie (acuut first), then Actie-overleg priority, then oldest first."""
    return (-schema.URGENTIE_ORDE[schema.Urgentie(urgentie)], prioriteit if prioriteit is not None else 99, ontvangen_op)


def most_urgent_first(pairs: list[tuple[schema.Melding, schema.Advies]]) -> list[tuple[schema.Melding, schema.Advies]]:
    return sorted(pairs, key=lambda p: urgency_key(p[1].urgentie, p[1].actie_overleg.prioriteit, p[0].ontvangen_op))
