"""The rule model: what a rule file may contain (pydantic, validated with file:line errors) and the
compiled rules and rule set the engine runs.

Layout of a rule directory (all `*.yaml` files directly in it are read, sorted by name):

    regelset:   {naam, versie, beslissingen}      # exactly one file holds this block
    parameters: {naam: {beschrijving, bron, waarden: {datum: waarde}}}
    regels:     [ {id, titel, reden, bron, als, dan, geldig_van?, geldig_tot?, voorbeelden} ]
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import conditions as cond
from . import schema

SINGLE_OUTPUTS = ("urgentie", "route", "fase", "thv", "actie_overleg.prioriteit")
LIST_OUTPUTS = ("afstemming", "partners", "interventies", "indicatoren")
PLACEHOLDER = re.compile(r"\{([a-z0-9_.]+)\}")
DEFAULT_TEST_TIME = "2026-03-10T10:00:00+01:00"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Beslissing(_Model):
    """How one single-valued output is decided when several rules set it (a DMN hit policy)."""

    beleid: Literal["maximum", "minimum", "uniek", "eerste", "prioriteit"]
    volgorde: list[str] = Field(default_factory=list)
    standaard: str | int | None = None
    toelichting: str = ""


class RegelsetKop(_Model):
    naam: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    versie: str
    beschrijving: str = ""
    beslissingen: dict[str, Beslissing]

    @field_validator("beslissingen")
    @classmethod
    def _known_outputs(cls, value: dict[str, Beslissing]) -> dict[str, Beslissing]:
        for key in value:
            if key not in SINGLE_OUTPUTS:
                raise ValueError(f"onbekende beslissing '{key}'; kies uit {', '.join(SINGLE_OUTPUTS)}")
        return value


class Parameter(_Model):
    beschrijving: str
    bron: str
    waarden: Annotated[dict[date, bool | int | str | list[str]], Field(min_length=1)]

    def at(self, day: date) -> Any:
        """The value in force on `day`; the first value also covers earlier days."""
        starts = sorted(self.waarden)
        current = self.waarden[starts[0]]
        for start in starts[1:]:
            if start > day:
                break
            current = self.waarden[start]
        return current

    def periods(self) -> list[tuple[date | None, date | None, Any]]:
        starts = sorted(self.waarden)
        out = []
        for i, start in enumerate(starts):
            end = date.fromordinal(starts[i + 1].toordinal() - 1) if i + 1 < len(starts) else None
            out.append((None if i == 0 else start, end, self.waarden[start]))
        return out


class ThvEffect(_Model):
    beoordeling: schema.ThvBeoordeling
    reden: str


class AoEffect(_Model):
    prioriteit: Annotated[int, Field(ge=1)]


class Effecten(_Model):
    urgentie: schema.Urgentie | None = None
    route: schema.Route | None = None
    fase: schema.Fase | None = None
    thv: ThvEffect | None = None
    actie_overleg: AoEffect | None = None
    afstemming: list[schema.Afstemming] = Field(default_factory=list)
    partners: list[schema.Partner] = Field(default_factory=list)
    interventies: list[schema.Interventie] = Field(default_factory=list)
    indicatoren: list[schema.Indicator] = Field(default_factory=list)

    def single(self) -> dict[str, Any]:
        values = {
            "urgentie": self.urgentie,
            "route": self.route,
            "fase": self.fase,
            "thv": self.thv.beoordeling if self.thv else None,
            "actie_overleg.prioriteit": self.actie_overleg.prioriteit if self.actie_overleg else None,
        }
        return {k: v for k, v in values.items() if v is not None}

    def writes(self) -> set[tuple[str, str]]:
        return {(name, v.value) for name in LIST_OUTPUTS for v in getattr(self, name)}


class Verwachting(_Model):
    """Expected advies of a rule test; the same vocabulary as shared/tools/check_cases.py."""

    urgentie: schema.Urgentie | None = None
    urgentie_min: schema.Urgentie | None = None
    route: schema.Route | None = None
    route_in: list[schema.Route] | None = None
    thv: schema.ThvBeoordeling | None = None
    fase: schema.Fase | None = None
    agenderen: bool | None = None
    afstemming_bevat: list[schema.Afstemming] = Field(default_factory=list)
    afstemming_niet: list[schema.Afstemming] = Field(default_factory=list)
    afstemming_gelijk: list[schema.Afstemming] | None = None
    partners_bevat: list[schema.Partner] = Field(default_factory=list)
    partners_niet: list[schema.Partner] = Field(default_factory=list)
    partners_gelijk: list[schema.Partner] | None = None
    interventies_bevat: list[schema.Interventie] = Field(default_factory=list)
    interventies_niet: list[schema.Interventie] = Field(default_factory=list)
    interventies_gelijk: list[schema.Interventie] | None = None


class Voorbeeld(_Model):
    naam: str
    melding: dict[str, Any]
    vuurt: bool
    verwacht: Verwachting = Field(default_factory=Verwachting)
    # Evaluate this example as if these parameters had these values (OpenFisca-style).
    parameters: dict[str, bool | int | str | list[str]] = Field(default_factory=dict)
    # The risk score band the example assumes (the score itself comes from the model).
    score_band: schema.ScoreBand | None = None


class RegelBestand(_Model):
    id: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]
    titel: str
    reden: str
    bron: str
    als: Any
    dan: Effecten
    geldig_van: date | None = None
    geldig_tot: date | None = None
    voorbeelden: list[Voorbeeld] = Field(default_factory=list)


class Wijziging(_Model):
    """One change a region makes to the national rules; always with a reason and a source."""

    parameter: str | None = None
    waarden: dict[date, bool | int | str | list[str]] | None = None
    vervang: str | None = None
    regel: RegelBestand | None = None
    schakel_uit: str | None = None
    voeg_toe: RegelBestand | None = None
    waarom: str
    bron: str

    def kind(self) -> str:
        kinds = [k for k in ("parameter", "vervang", "schakel_uit", "voeg_toe") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("een wijziging is precies één van: parameter, vervang, schakel_uit, voeg_toe")
        if kinds == ["parameter"] and not self.waarden:
            raise ValueError("een parameterwijziging heeft 'waarden' nodig")
        if kinds == ["vervang"] and self.regel is None:
            raise ValueError("'vervang' heeft een 'regel' nodig")
        return kinds[0]


class RegioVoorbeeld(_Model):
    """A region's own test: a melding, the rules that must (not) fire, and the expected advies."""

    naam: str
    melding: dict[str, Any]
    vuren: list[str] = Field(default_factory=list)
    vuren_niet: list[str] = Field(default_factory=list)
    verwacht: Verwachting = Field(default_factory=Verwachting)


class OverlayKop(_Model):
    regio: schema.Regio
    versie: str
    beschrijving: str = ""


@dataclass
class Change:
    kind: str
    target: str
    reason: str
    source: str
    where: str
    before: Any = None
    after: Any = None


@dataclass
class Example:
    name: str
    melding: schema.Melding
    fires: bool
    expect: Verwachting
    where: str  # file:line
    parameters: dict[str, Any] = field(default_factory=dict)
    score_band: str | None = None


@dataclass
class Rule:
    id: str
    title: str
    reason: str
    source: str
    condition: cond.Condition  # parsed AST, with the validity range folded in
    effects: Effecten
    fields_used: tuple[str, ...]
    reads: frozenset
    writes: frozenset
    valid_from: date | None
    valid_to: date | None
    examples: list[Example]
    where: str  # file:line, for messages
    origin: str = "landelijk"  # "landelijk" or the region that added/replaced it
    stratum: int = 0

    def __post_init__(self):
        self.singles = self.effects.single()
        # Every fact the explanation of this rule shows: its condition's fields and its placeholders.
        texts = self.reason + (self.effects.thv.reden if self.effects.thv else "")
        self.shown_fields = tuple(dict.fromkeys(self.fields_used + tuple(PLACEHOLDER.findall(texts))))


@dataclass
class RegionExample:
    name: str
    melding: schema.Melding
    fires: list[str]
    not_fires: list[str]
    expect: Verwachting
    where: str


@dataclass
class RuleSet:
    name: str
    version: str
    digest: str
    decisions: dict[str, Beslissing]
    parameters: dict[str, Parameter]
    rules: list[Rule]
    files: list[str] = field(default_factory=list)
    regio: str | None = None  # None: the national rules
    changes: list[Change] = field(default_factory=list)
    region_examples: list[RegionExample] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict, repr=False)  # the exact files, for the archive (replay)

    @property
    def strata(self) -> list[list[Rule]]:
        depth = max((r.stratum for r in self.rules), default=0)
        return [[r for r in self.rules if r.stratum == s] for s in range(depth + 1)]

    def param(self, name: str, day: date) -> Any:
        return self.parameters[name].at(day)

    def with_parameters(self, values: dict[str, Any]) -> "RuleSet":
        """A copy in which the given parameters hold one value for all time (for tests and what-ifs)."""
        import copy

        changed = copy.copy(self)
        changed.parameters = dict(self.parameters)
        for name, value in values.items():
            old = self.parameters[name]
            changed.parameters[name] = Parameter(beschrijving=old.beschrijving, bron="test", waarden={date(1900, 1, 1): value})
        changed.digest = hashlib.sha256((self.digest + repr(sorted(values.items()))).encode()).hexdigest()
        return changed

    def info(self) -> schema.RegelsetInfo:
        return schema.RegelsetInfo(naam=self.name, versie=self.version, hash=self.digest)
