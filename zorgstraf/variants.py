"""Which rules apply: one `Variant` value, parsed once, and one catalogue that lists, loads and caches
the rule sets and engines of a rule directory. Every other module asks here.

A variant is the national base (`landelijk`), a region with an overlay file (`limburg`), or the path
of an edited overlay file (`mijn_voorstel.yaml`, for a policy team's what-if).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from . import schema
from .errors import ConfigError, did_you_mean


def names_a_file(text: str) -> bool:
    """The one rule for what a variant string means: a file when it ends in .yaml/.yml or holds a
    path separator (`./voorstel.txt` is a file, and is then refused as not YAML); else a region name."""
    return text.endswith((".yaml", ".yml")) or os.sep in text or "/" in text


if TYPE_CHECKING:
    from .engine import Engine
    from .ruleset import RuleSet

NATIONAL = "landelijk"


def default_rules_dir() -> Path:
    """`ZORGSTRAF_RULES_DIR` (or the older `ZORGSTRAF_RULES`), else the rule files shipped inside the
    package (zorgstraf/rules), so an installed wheel works anywhere."""
    env = os.environ.get("ZORGSTRAF_RULES_DIR") or os.environ.get("ZORGSTRAF_RULES")
    return Path(env) if env else Path(__file__).resolve().parent / "rules"


def check_regio(regio: str | None) -> str | None:
    """A valid region name, `landelijk`, or None; anything else is a usage error (with a suggestion)."""
    if regio is None or regio == NATIONAL:
        return regio
    try:
        return schema.Regio(regio).value
    except ValueError:
        names = [r.value for r in schema.Regio]
        hint = (
            did_you_mean(regio.casefold().strip().replace("-", "_").replace(" ", "_"), names)
            or f"; kies uit {', '.join(names)} of {NATIONAL}"
        )
        raise ConfigError(f"onbekende regio '{regio}'{hint}") from None


@dataclass(frozen=True)
class Variant:
    kind: Literal["landelijk", "regio", "bestand"]
    regio: str | None = None  # the region, for kind "regio"
    path: str | None = None  # the overlay file, for kind "bestand"

    @classmethod
    def parse(cls, text: str | None) -> Variant:
        """`None`/`landelijk`, a region name (checked), or a path ending in .yaml/.yml."""
        if text in (None, "", NATIONAL):
            return NATIONAL_VARIANT
        assert text is not None
        if names_a_file(text):
            return cls("bestand", path=text)
        return cls("regio", regio=check_regio(text))

    @property
    def name(self) -> str:
        """How the variant is named in output: `landelijk`, the region, or the file as given."""
        return self.regio or self.path or NATIONAL

    @property
    def overlay(self) -> str | None:
        """What the rule loader takes: None for national, else the region or the file."""
        return self.regio or self.path


NATIONAL_VARIANT = Variant("landelijk")


@dataclass(frozen=True)
class Catalogue:
    """The variants of one rule directory, their rule sets and their compiled engines (cached per process)."""

    rules_dir: str

    @classmethod
    def of(cls, rules_dir: Path | str | None = None) -> Catalogue:
        return cls(str(rules_dir or default_rules_dir()))

    def regions(self) -> list[str]:
        """The regions that have an overlay file."""
        return sorted(p.stem for p in (Path(self.rules_dir) / "regions").glob("*.yaml"))

    def all(self) -> list[Variant]:
        return [NATIONAL_VARIANT, *(Variant("regio", regio=r) for r in self.regions())]

    def for_region(self, regio: str | None) -> Variant:
        """The variant that decides for a melding of `regio`: its overlay if the region has one, else national."""
        return Variant("regio", regio=regio) if regio and regio in _overlays(self.rules_dir) else NATIONAL_VARIANT

    def ruleset(self, variant: Variant) -> RuleSet:
        if variant.kind == "bestand":  # an edited file may change between calls: read it each time
            from .ruleset import load_ruleset

            return load_ruleset(self.rules_dir, variant.path)
        return _ruleset(self.rules_dir, variant.overlay)

    def engine(self, variant: Variant) -> Engine:
        if variant.kind == "bestand":
            from .engine import Engine

            return Engine(self.ruleset(variant))
        return _engine(self.rules_dir, variant.overlay)


@lru_cache(maxsize=16)
def _overlays(rules_dir: str) -> frozenset[str]:
    return frozenset(p.stem for p in (Path(rules_dir) / "regions").glob("*.yaml"))


@lru_cache(maxsize=32)
def _ruleset(rules_dir: str, overlay: str | None) -> RuleSet:
    from .ruleset import load_ruleset

    return load_ruleset(rules_dir, overlay)


@lru_cache(maxsize=32)
def _engine(rules_dir: str, overlay: str | None) -> Engine:
    # One compiled engine per (rule directory, variant) per process: compile once, evaluate many.
    from .engine import Engine
    from .perf import compiled

    engine = Engine(_ruleset(rules_dir, overlay))
    compiled()
    return engine
