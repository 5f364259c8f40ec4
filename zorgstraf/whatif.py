"""The policy what-if: one regional parameter changed, and the shift on a region's year of meldingen.

The region's current rules give the base outcomes once (cached by the caller); the changed rule set
is compiled once per value (durable-rules, named by content hash) and evaluated without explanations,
so a policy officer sees the shift in well under a second for a year of a region (13,000 meldingen).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import yaml

from . import schema
from .engine import Engine, Outcome
from .errors import ConfigError
from .fields import domain_facts
from .labels import label
from .variants import Catalogue

CATEGORIES = ("urgentie", "route", "afstemming", "partners", "agenderen")


@dataclass
class Verschuiving:
    categorie: str
    waarde: str
    basis: int
    wat_als: int

    @property
    def verschil(self) -> int:
        return self.wat_als - self.basis


@dataclass
class WatAls:
    regio: str
    parameter: str
    oud: Any
    nieuw: Any
    meldingen: int
    gewijzigd: int
    verschuivingen: list[Verschuiving] = field(default_factory=list)
    voorbeelden: list[tuple[str, str]] = field(default_factory=list)  # melding, what changed


def current_value(regio: str, name: str, day: date, rules_dir=None) -> Any:
    catalogue = Catalogue.of(rules_dir)
    ruleset = catalogue.ruleset(catalogue.for_region(regio))
    if name not in ruleset.parameters:
        raise ConfigError(f"parameter '{name}' bestaat niet in de regels van {label('regio', regio)}")
    return ruleset.param(name, day)


def parse_value(current: Any, text: str) -> Any:
    """A new value typed as the current one (a number, ja/nee, a word, or a list like [a, b])."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ConfigError(f"'{text[:40]}' is geen waarde; schrijf bijvoorbeeld 3, ja, di of [stalking, hg]") from None
    if isinstance(current, bool):
        words = {"ja": True, "nee": False, True: True, False: False}
        if value not in words:
            raise ConfigError("kies ja of nee")
        return words[value]
    if isinstance(current, int):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
            raise ConfigError("een geheel getal van 0 tot en met 1000")
        return value
    if isinstance(current, list):
        items = value if isinstance(value, list) else [value] if value is not None else []
        if not all(isinstance(v, str) for v in items):
            raise ConfigError("een lijst van woorden, bijvoorbeeld [stalking, hg]")
        return items
    if not isinstance(value, str) or not value:
        raise ConfigError("een woord, zoals de huidige waarde")
    return value


@lru_cache(maxsize=16)  # a handful of tried values per process; each is a compiled rule set
def _engine(regio: str, name: str, value_repr: str, rules_dir: str | None) -> Engine:
    catalogue = Catalogue.of(rules_dir)
    ruleset = catalogue.ruleset(catalogue.for_region(regio)).with_parameters({name: yaml.safe_load(value_repr)})
    return Engine(ruleset, label=regio)


def base_outcomes(meldingen: list[schema.Melding], regio: str, rules_dir=None) -> tuple[list[dict], list[Outcome]]:
    """The facts and the region's current outcomes, once per data set (the caller keeps them)."""
    catalogue = Catalogue.of(rules_dir)
    facts = [domain_facts(m) for m in meldingen]
    return facts, catalogue.engine(catalogue.for_region(regio)).outcomes(meldingen, facts)


def _tally(outcomes: list[Outcome]) -> Counter:
    counts: Counter = Counter()
    for o in outcomes:
        counts[("urgentie", o.urgentie)] += 1
        counts[("route", o.route)] += 1
        counts[("agenderen", "ja" if o.agenderen else "nee")] += 1
        for v in o.afstemming:
            counts[("afstemming", v)] += 1
        for v in o.partners:
            counts[("partners", v)] += 1
    return counts


def what_if(
    meldingen: list[schema.Melding], regio: str, name: str, value: Any, base: tuple[list[dict], list[Outcome]] | None = None, rules_dir=None
) -> WatAls:
    facts, before = base or base_outcomes(meldingen, regio, rules_dir)
    day = meldingen[0].ontvangen_op.date() if meldingen else date.today()
    old = current_value(regio, name, day, rules_dir)
    after = _engine(regio, name, yaml.safe_dump(value), str(rules_dir) if rules_dir else None).outcomes(meldingen, facts)
    a, b = _tally(before), _tally(after)
    shifts = [
        Verschuiving(cat, value_, a[(cat, value_)], b[(cat, value_)])
        for cat, value_ in sorted(set(a) | set(b), key=lambda k: (CATEGORIES.index(k[0]), k[1]))
        if a[(cat, value_)] != b[(cat, value_)]
    ]
    examples: list[tuple[str, str]] = []
    changed = 0
    for m, x, y in zip(meldingen, before, after):
        if (x.urgentie, x.route, x.afstemming, x.partners, x.agenderen) != (y.urgentie, y.route, y.afstemming, y.partners, y.agenderen):
            changed += 1
            if len(examples) < 20:
                parts = []
                if x.urgentie != y.urgentie:
                    parts.append(f"urgentie {label('urgentie', x.urgentie)} → {label('urgentie', y.urgentie)}")
                new = [label("afstemming", v) for v in y.afstemming if v not in x.afstemming]
                gone = [label("afstemming", v) for v in x.afstemming if v not in y.afstemming]
                parts += [f"+ {v}" for v in new] + [f"− {v}" for v in gone]
                if x.route != y.route:
                    parts.append(f"route {label('route', x.route)} → {label('route', y.route)}")
                examples.append((m.melding_id, "; ".join(parts) or "andere partners"))
    return WatAls(regio, name, old, value, len(meldingen), changed, shifts, examples)
