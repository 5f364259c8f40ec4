"""Rule files as data: load, validate (file:line errors), stratify, hash.

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
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import conditions as cond
from . import schema
from .errors import RuleFileError, RuleFileErrors, did_you_mean
from .fields import CATALOGUE
from .yamlfile import YamlDoc, load

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
    condition: Any  # parsed AST, with the validity range folded in
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


# --- loading ---------------------------------------------------------------------------------


def _pydantic_errors(doc: YamlDoc, exc: ValidationError, prefix: tuple) -> list[RuleFileError]:
    errors = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        shown = ".".join(str(p) for p in loc)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = f"onbekende sleutel '{loc[-1]}'"
        errors.append(doc.error(loc, f"{shown}: {msg}"))
    return errors


def _example_melding(raw: dict, rule_id: str, index: int) -> dict:
    data = {"melding_id": f"{rule_id}-{index + 1}", "ontvangen_op": DEFAULT_TEST_TIME}
    data.update(raw)
    return data


def _build_rule(doc: YamlDoc, raw: RegelBestand, loc: tuple, parameters: dict[str, Parameter]) -> Rule:
    ctx = cond.ParseContext(parameters={k: p.waarden for k, p in parameters.items()})
    try:
        condition = cond.parse(raw.als, ctx, loc + ("als",))
    except cond.ConditionError as exc:
        raise doc.error(exc.path, f"regel {raw.id}: {exc.message}") from None
    for name in PLACEHOLDER.findall(raw.reden) + PLACEHOLDER.findall(raw.dan.thv.reden if raw.dan.thv else ""):
        if name not in CATALOGUE:
            raise doc.error(
                loc + ("reden",), f"regel {raw.id}: onbekend feit '{{{name}}}' in de reden{did_you_mean(name, CATALOGUE, brackets=True)}"
            )
    if raw.geldig_van and raw.geldig_tot and raw.geldig_tot < raw.geldig_van:
        raise doc.error(loc + ("geldig_tot",), f"regel {raw.id}: geldig_tot ligt voor geldig_van")
    if raw.geldig_van or raw.geldig_tot:
        condition = cond.All((cond.DayRange(raw.geldig_van, raw.geldig_tot), condition))
    if "score.band" in ctx.fields_used:
        lowering = sorted(k for k in raw.dan.single() if k != "urgentie")
        if lowering:
            raise doc.error(
                loc + ("dan",),
                f"regel {raw.id} leest de risicoscore en mag de aandacht alleen verhogen (urgentie, lijsten), niet {', '.join(lowering)} zetten",
            )
    writes = raw.dan.writes()
    if writes & ctx.reads:
        raise doc.error(loc + ("dan",), f"regel {raw.id} leest en schrijft dezelfde uitkomst: {sorted(writes & ctx.reads)}")
    examples = []
    for i, ex in enumerate(raw.voorbeelden):
        ex_loc = loc + ("voorbeelden", i)
        try:
            melding = schema.Melding.model_validate(_example_melding(ex.melding, raw.id, i))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise doc.error(
                ex_loc + ("melding",) + tuple(first["loc"]),
                f"regel {raw.id}, voorbeeld '{ex.naam}': {'.'.join(map(str, first['loc']))}: {first['msg']}",
            ) from None
        for pname in ex.parameters:
            if pname not in parameters:
                raise doc.error(
                    ex_loc + ("parameters", pname),
                    f"regel {raw.id}, voorbeeld '{ex.naam}': onbekende parameter '{pname}'{did_you_mean(pname, parameters, brackets=True)}",
                )
        examples.append(
            Example(
                ex.naam,
                melding,
                ex.vuurt,
                ex.verwacht,
                f"{doc.path}:{doc.line(ex_loc)}",
                dict(ex.parameters),
                ex.score_band.value if ex.score_band else None,
            )
        )
    return Rule(
        id=raw.id,
        title=raw.titel,
        reason=raw.reden.strip(),
        source=raw.bron,
        condition=condition,
        effects=raw.dan,
        fields_used=tuple(dict.fromkeys(ctx.fields_used)),
        reads=frozenset(ctx.reads),
        writes=frozenset(writes),
        valid_from=raw.geldig_van,
        valid_to=raw.geldig_tot,
        examples=examples,
        where=f"{doc.path}:{doc.line(loc)}",
    )


@dataclass
class _Raw:
    head: tuple[YamlDoc, RegelsetKop] | None = None
    parameters: dict[str, tuple[YamlDoc, tuple, Parameter]] = field(default_factory=dict)
    rules: list[tuple[YamlDoc, tuple, RegelBestand]] = field(default_factory=list)
    docs: list[YamlDoc] = field(default_factory=list)
    errors: list[RuleFileError] = field(default_factory=list)


def _read_docs(paths: list[Path], base: Path) -> _Raw:
    raw = _Raw()
    for path in paths:
        try:
            doc = load(path, _display(path, base))
        except RuleFileError as exc:
            raw.errors.append(exc)
            continue
        raw.docs.append(doc)
        if not isinstance(doc.data, dict):
            raw.errors.append(doc.error((), "een regelbestand is een mapping met regelset, parameters en/of regels"))
            continue
        for key in doc.data:
            if key not in ("regelset", "parameters", "regels"):
                raw.errors.append(
                    doc.error((key,), f"onbekende sleutel '{key}'{did_you_mean(key, ['regelset', 'parameters', 'regels'], brackets=True)}")
                )
        if "regelset" in doc.data:
            try:
                head = RegelsetKop.model_validate(doc.data["regelset"])
                if raw.head is not None:
                    raw.errors.append(doc.error(("regelset",), f"tweede regelset-kop; de eerste staat in {raw.head[0].path}"))
                raw.head = (doc, head)
            except ValidationError as exc:
                raw.errors.extend(_pydantic_errors(doc, exc, ("regelset",)))
        for name, body in (doc.data.get("parameters") or {}).items():
            try:
                param = Parameter.model_validate(body)
            except ValidationError as exc:
                raw.errors.extend(_pydantic_errors(doc, exc, ("parameters", name)))
                continue
            if name in raw.parameters:
                raw.errors.append(doc.error(("parameters", name), f"parameter '{name}' bestaat al in {raw.parameters[name][0].path}"))
            raw.parameters[name] = (doc, ("parameters", name), param)
        rules = doc.data.get("regels") or []
        if not isinstance(rules, list):
            raw.errors.append(doc.error(("regels",), "'regels' is een lijst"))
            continue
        for i, body in enumerate(rules):
            try:
                raw.rules.append((doc, ("regels", i), RegelBestand.model_validate(body)))
            except ValidationError as exc:
                raw.errors.extend(_pydantic_errors(doc, exc, ("regels", i)))
    return raw


def _display(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def _stratify(rules: list[Rule]) -> None:
    """Order rules in layers so every rule reads outputs only from earlier layers."""
    writers: dict[tuple[str, str], list[Rule]] = {}
    for rule in rules:
        for w in rule.writes:
            writers.setdefault(w, []).append(rule)
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(rule: Rule, chain: list[str]) -> int:
        if state.get(rule.id) == 2:
            return rule.stratum
        if state.get(rule.id) == 1:
            raise RuleFileError(
                rule.where.rsplit(":", 1)[0],
                int(rule.where.rsplit(":", 1)[1]),
                f"kringredenering tussen regels: {' -> '.join(chain + [rule.id])}",
            )
        state[rule.id] = 1
        level = 0
        for read in rule.reads:
            for writer in writers.get(read, []):
                if writer is not rule:
                    level = max(level, visit(writer, chain + [rule.id]) + 1)
        rule.stratum = level
        state[rule.id] = 2
        return level

    for rule in rules:
        visit(rule, [])


def digest_files(docs: list[YamlDoc], paths: list[Path]) -> str:
    h = hashlib.sha256()
    for doc, path in sorted(zip(docs, paths), key=lambda p: p[0].path):
        h.update(doc.path.encode() + b"\0" + Path(path).read_bytes() + b"\0")
    return h.hexdigest()


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.yaml") if p.is_file())


def overlay_path(directory: Path | str, variant: str) -> Path:
    """A region name means rules/regions/<regio>.yaml; anything ending in .yaml is a path."""
    if variant.endswith((".yaml", ".yml")):
        return Path(variant)
    return Path(directory) / "regions" / f"{variant}.yaml"


def load_ruleset(directory: Path | str, variant: str | None = None) -> RuleSet:
    """Load and validate the national rules, with a region's overlay on top when `variant` is given
    (a region name or the path of an edited overlay file). Raises RuleFileErrors with every problem."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleFileErrors([RuleFileError(str(directory), None, "map met regelbestanden bestaat niet")])
    paths = rule_files(directory)
    base = directory.parent
    raw = _read_docs(paths, base)
    overlay = None
    if variant:
        path = overlay_path(directory, variant)
        if not path.is_file():
            raise RuleFileErrors([RuleFileError(str(path), None, f"geen overlaybestand voor variant '{variant}'")])
        overlay = _apply_overlay(raw, path, base)
        paths = paths + [path]
    return _assemble(raw, paths, overlay)


@dataclass
class _Overlay:
    head: OverlayKop
    changes: list[Change]
    examples: list[tuple[YamlDoc, tuple, RegioVoorbeeld]]
    origins: dict[str, str]


def _apply_overlay(raw: _Raw, path: Path, base: Path) -> _Overlay | None:
    try:
        doc = load(path, _display(path, base))
    except RuleFileError as exc:
        raw.errors.append(exc)
        return None
    raw.docs.append(doc)
    data = doc.data if isinstance(doc.data, dict) else {}
    for key in data:
        if key not in ("overlay", "wijzigingen", "voorbeelden"):
            raw.errors.append(
                doc.error((key,), f"onbekende sleutel '{key}'{did_you_mean(key, ['overlay', 'wijzigingen', 'voorbeelden'], brackets=True)}")
            )
    try:
        head = OverlayKop.model_validate(data.get("overlay"))
    except ValidationError as exc:
        raw.errors.extend(_pydantic_errors(doc, exc, ("overlay",)))
        return None
    changes: list[Change] = []
    origins: dict[str, str] = {}
    disabled: set[int] = set()  # positions of rules a region switches off
    ids = {body.id: i for i, (_, _, body) in enumerate(raw.rules)}
    for i, item in enumerate(data.get("wijzigingen") or []):
        loc = ("wijzigingen", i)
        where = f"{doc.path}:{doc.line(loc)}"
        try:
            change = Wijziging.model_validate(item)
            kind = change.kind()
        except (ValidationError, ValueError) as exc:
            if isinstance(exc, ValidationError):
                raw.errors.extend(_pydantic_errors(doc, exc, loc))
            else:
                raw.errors.append(doc.error(loc, str(exc)))
            continue
        if kind == "parameter":
            assert change.parameter is not None and change.waarden is not None  # Wijziging.kind() checked them
            if change.parameter not in raw.parameters:
                raw.errors.append(
                    doc.error(
                        loc + ("parameter",),
                        f"parameter '{change.parameter}' bestaat niet landelijk{did_you_mean(change.parameter, raw.parameters, brackets=True)}",
                    )
                )
                continue
            pdoc, ploc, old = raw.parameters[change.parameter]
            new = Parameter(beschrijving=old.beschrijving, bron=change.bron, waarden=change.waarden)
            raw.parameters[change.parameter] = (doc, loc, new)
            changes.append(Change(kind, change.parameter, change.waarom, change.bron, where, old.waarden, new.waarden))
            continue
        target = change.vervang or change.schakel_uit or (change.voeg_toe.id if change.voeg_toe else None)
        assert target is not None  # Wijziging.kind() requires one of them
        if kind in ("vervang", "schakel_uit") and target not in ids:
            raw.errors.append(
                doc.error(loc + (kind,), f"regel-id {target} bestaat niet landelijk{did_you_mean(target, ids, brackets=True)}")
            )
            continue
        if kind == "voeg_toe" and target in ids:
            raw.errors.append(doc.error(loc + ("voeg_toe", "id"), f"regel-id {target} bestaat al; gebruik 'vervang'"))
            continue
        if kind == "vervang":
            assert change.regel is not None
            if change.regel.id != target:
                raw.errors.append(doc.error(loc + ("regel", "id"), f"vervangende regel moet id {target} houden, niet {change.regel.id}"))
                continue
            raw.rules[ids[target]] = (doc, loc + ("regel",), change.regel)
            origins[target] = f"{head.regio.value} (vervangen)"
        elif kind == "schakel_uit":
            disabled.add(ids[target])
        else:
            assert change.voeg_toe is not None
            raw.rules.append((doc, loc + ("voeg_toe",), change.voeg_toe))
            ids[target] = len(raw.rules) - 1
            origins[target] = f"{head.regio.value} (toegevoegd)"
        changes.append(Change(kind, target, change.waarom, change.bron, where))
    raw.rules = [r for i, r in enumerate(raw.rules) if i not in disabled]
    examples = []
    for i, item in enumerate(data.get("voorbeelden") or []):
        try:
            examples.append((doc, ("voorbeelden", i), RegioVoorbeeld.model_validate(item)))
        except ValidationError as exc:
            raw.errors.extend(_pydantic_errors(doc, exc, ("voorbeelden", i)))
    return _Overlay(head, changes, examples, origins)


def _assemble(raw: _Raw, paths: list[Path], overlay: _Overlay | None = None) -> RuleSet:
    errors = list(raw.errors)
    if errors:
        # Rules cannot be checked against files that did not load; report the root causes only.
        raise RuleFileErrors(errors)
    if raw.head is None and not errors:
        where = raw.docs[0].path if raw.docs else "rules"
        errors.append(RuleFileError(where, 1, "geen 'regelset'-kop (naam, versie, beslissingen) gevonden"))
    parameters = {name: p for name, (_, _, p) in raw.parameters.items()}
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for doc, loc, body in raw.rules:
        if body.id in seen:
            errors.append(doc.error(loc + ("id",), f"regel-id {body.id} bestaat al ({seen[body.id]})"))
            continue
        try:
            rule = _build_rule(doc, body, loc, parameters)
        except RuleFileError as exc:
            errors.append(exc)
            continue
        seen[body.id] = rule.where
        rules.append(rule)
    if errors:
        raise RuleFileErrors(errors)
    try:
        _stratify(rules)
    except RuleFileError as exc:
        raise RuleFileErrors([exc]) from None
    assert raw.head is not None  # a missing regelset head is reported as an error above
    head_doc, head = raw.head
    ruleset = RuleSet(
        name=head.naam,
        version=head.versie,
        digest=digest_files(raw.docs, paths),
        decisions=head.beslissingen,
        parameters=parameters,
        rules=rules,
        files=[d.path for d in raw.docs],
    )
    if overlay is not None:
        ruleset.name = overlay.head.regio.value
        ruleset.regio = overlay.head.regio.value
        ruleset.version = f"{head.versie}+{overlay.head.versie}"
        ruleset.changes = overlay.changes
        for rule in rules:
            rule.origin = overlay.origins.get(rule.id, "landelijk")
        known = {r.id for r in rules}
        problems = []
        for doc, loc, ex in overlay.examples:
            for rid in ex.vuren + ex.vuren_niet:
                if rid not in known:
                    problems.append(
                        doc.error(loc, f"voorbeeld '{ex.naam}': onbekende regel {rid}{did_you_mean(rid, known, brackets=True)}")
                    )
            try:
                melding = schema.Melding.model_validate(_example_melding(ex.melding, "REGIO", loc[-1]))
            except ValidationError as exc:
                first = exc.errors()[0]
                problems.append(
                    doc.error(
                        loc + ("melding",) + tuple(first["loc"]),
                        f"voorbeeld '{ex.naam}': {'.'.join(map(str, first['loc']))}: {first['msg']}",
                    )
                )
                continue
            ruleset.region_examples.append(
                RegionExample(ex.naam, melding, ex.vuren, ex.vuren_niet, ex.verwacht, f"{doc.path}:{doc.line(loc)}")
            )
        if problems:
            raise RuleFileErrors(problems)
    return ruleset


def expand_parameters(node: Any, ruleset: RuleSet) -> Any:
    """Replace parameter references by per-period alternatives (for engines without lookups)."""
    if isinstance(node, cond.All):
        return cond.All(tuple(expand_parameters(c, ruleset) for c in node.children))
    if isinstance(node, cond.AnyOf):
        return cond.AnyOf(tuple(expand_parameters(c, ruleset) for c in node.children))
    if isinstance(node, cond.Not):
        return cond.Not(expand_parameters(node.child, ruleset))
    if isinstance(node, cond.AtLeast):
        return cond.AtLeast(node.count, tuple(expand_parameters(c, ruleset) for c in node.children))
    if isinstance(node, cond.Leaf) and isinstance(node.operand, cond.Param):
        return _per_period(ruleset, node.operand.name, lambda v: cond.Leaf(node.field, node.op, tuple(v) if isinstance(v, list) else v))
    if isinstance(node, cond.ParamTest):
        # A test on a parameter alone is a constant within each period: TRUE or FALSE.
        def constant(v):
            holds = cond._apply(node.op, tuple(v) if isinstance(v, list) else v, node.operand, isinstance(v, list))
            return cond.TRUE if holds else cond.FALSE

        return _per_period(ruleset, node.name, constant)
    return node


def _per_period(ruleset: RuleSet, name: str, build) -> Any:
    """One alternative per period of a dated parameter; exactly one period holds on any day."""
    periods = ruleset.parameters[name].periods()
    if len(periods) == 1:
        return build(periods[0][2])
    return cond.AnyOf(tuple(cond.All((cond.DayRange(start, end), build(value))) for start, end, value in periods))
