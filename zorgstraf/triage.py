"""Batch triage: route each melding to the rule variant that applies, evaluate in chunks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import schema
from .engine import Engine
from .errors import InputError
from .variants import NATIONAL, Catalogue, Variant, check_regio, default_rules_dir

CHUNK = 1000


@dataclass
class Triage:
    rules_dir: Path = field(default_factory=default_rules_dir)
    regio: str | None = None  # overrides every melding's own regio ("landelijk" forces national)
    score: bool = False  # fill the optional risk score (a second opinion)
    model_dir: Path | None = None

    def __post_init__(self):
        self.regio = check_regio(self.regio)
        self.catalogue = Catalogue.of(self.rules_dir)
        self._scorer = None
        if self.score:
            from .score import load

            self._scorer = load(self.model_dir)  # refuses a model file whose hash does not match

    @property
    def model_hash(self) -> str | None:
        """The hash of the score model in use, for the audit trail (None when scoring is off)."""
        return self._scorer.digest if self._scorer else None

    def variant_for(self, regio: str | None) -> Variant:
        """The variant that decides for `regio`: the region's overlay if it has one, else national."""
        return self.catalogue.for_region(None if regio == NATIONAL else regio)

    def engine_for(self, regio: str | None) -> Engine:
        return self.catalogue.engine(self.variant_for(regio))

    def evaluate(self, meldingen: list[schema.Melding]) -> list[schema.Advies]:
        """Advies for each melding, in input order, each by the variant that applies to it."""
        groups: dict[Variant, list[int]] = {}
        for i, m in enumerate(meldingen):
            regio = self.regio or (m.regio.value if m.regio else None)
            groups.setdefault(self.variant_for(regio), []).append(i)
        out: list[schema.Advies | None] = [None] * len(meldingen)
        scores = self._scorer.score(meldingen) if self._scorer else None
        for variant, indexes in groups.items():
            chunk_scores = [scores[i] for i in indexes] if scores else None
            for i, advies in zip(indexes, self.catalogue.engine(variant).evaluate([meldingen[i] for i in indexes], chunk_scores)):
                out[i] = advies
        return out  # type: ignore[return-value]

    def stream(
        self,
        items: Iterable[tuple[int | None, schema.Melding | InputError]],
        on_error: Callable[[InputError], None],
        on_progress: Callable[[int], None] = lambda n: None,
        evaluate: Callable[[list[schema.Melding]], Iterable[tuple[schema.Melding, schema.Advies]]] | None = None,
    ) -> Iterator[tuple[schema.Melding, schema.Advies]]:
        """Evaluate a stream in chunks (bounded memory); bad meldingen go to `on_error`. `evaluate`
        replaces plain evaluation of a chunk (e.g. triage-and-record with the casus from the store)."""
        run = evaluate or (lambda chunk: zip(chunk, self.evaluate(chunk)))
        chunk: list[schema.Melding] = []
        for _, item in items:
            if isinstance(item, InputError):
                on_error(item)
                on_progress(1)
                continue
            chunk.append(item)
            if len(chunk) >= CHUNK:
                yield from run(chunk)
                on_progress(len(chunk))
                chunk = []
        if chunk:
            yield from run(chunk)
            on_progress(len(chunk))


def urgency_key(urgentie: str, prioriteit: int | None, ontvangen_op) -> tuple:
    """Most urgent first: urgentie (acuut first), then Actie-overleg priority, then oldest first."""
    return (-schema.URGENTIE_ORDE[schema.Urgentie(urgentie)], prioriteit if prioriteit is not None else 99, ontvangen_op)


def most_urgent_first(pairs: list[tuple[schema.Melding, schema.Advies]]) -> list[tuple[schema.Melding, schema.Advies]]:
    return sorted(pairs, key=lambda p: urgency_key(p[1].urgentie, p[1].actie_overleg.prioriteit, p[0].ontvangen_op))


# --- both cores: chunks of raw records to worker processes, results back in input order ---------

_WORKER: Triage | None = None


def _init_worker(rules_dir: str, regio: str | None, score: bool, model_dir: str | None) -> None:
    from .perf import batch_mode

    global _WORKER
    _WORKER = Triage(rules_dir=Path(rules_dir), regio=regio, score=score, model_dir=Path(model_dir) if model_dir else None)
    _WORKER.engine_for(regio)
    batch_mode()


def _triage_chunk(job: tuple[str, list[tuple[int | None, object]]]) -> tuple[str, list[str], int]:
    """Parse, evaluate and write one chunk in a worker: JSONL text, the rejected lines (as their
    one-line Dutch error), and how many records the chunk held."""
    from .io import dumps_jsonl, parse_raw

    assert _WORKER is not None
    source, records = job
    good: list[schema.Melding] = []
    errors: list[str] = []
    for line, raw in records:
        item = parse_raw(source, line, raw)
        if isinstance(item, InputError):
            errors.append(str(item))
        else:
            good.append(item)
    return (dumps_jsonl(_WORKER.evaluate(good)) if good else ""), errors, len(records)


def parallel_jsonl(
    runner: Triage, source: str, records: Iterable[tuple[int | None, object]], workers: int, chunk: int = 2000
) -> Iterator[tuple[str, list[str], int]]:
    """JSONL text per chunk, in input order, from `workers` processes; at most 2 chunks per worker
    are in flight, so memory stays bounded whatever the size of the input."""
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor
    from itertools import islice

    iterator = iter(records)
    model_dir = str(runner.model_dir) if runner.model_dir else None
    with ProcessPoolExecutor(
        workers, initializer=_init_worker, initargs=(str(runner.rules_dir), runner.regio, runner.score, model_dir)
    ) as pool:
        pending: deque = deque()
        while True:
            while len(pending) < 2 * workers:
                part = list(islice(iterator, chunk))
                if not part:
                    break
                pending.append(pool.submit(_triage_chunk, (source, part)))
            if not pending:
                return
            yield pending.popleft().result()
