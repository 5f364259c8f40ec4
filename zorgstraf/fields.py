"""The fields rules may read: derived from the Melding schema, plus the derived outputs.

A rule names fields in domain terms (`verdachte.wapen`, `incidentsoort`). This module knows
each field's kind and values, turns a Melding into a flat dict of domain facts, and is the
single place that decides what a rule may *not* see (`toelichting`, ids, timestamps).
"""

from __future__ import annotations

import enum
import operator
import types
import typing
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel

from . import schema

# Never available to rules: free text (privacy), identifiers, the raw timestamp
# (time-dependence goes through geldig_van/geldig_tot and dated parameters).
HIDDEN = {"melding_id", "ontvangen_op", "toelichting", "casus_sleutels"}

# Derived outputs that later rules may read (forward chaining), with their value sets.
OUTPUTS: dict[str, type[enum.Enum]] = {
    "afstemming": schema.Afstemming,
    "partners": schema.Partner,
    "interventies": schema.Interventie,
    "indicatoren": schema.Indicator,
}


@dataclass(frozen=True)
class FieldSpec:
    name: str  # domain name, e.g. "verdachte.wapen"
    kind: str  # "bool" | "int" | "enum" | "list" | "object"
    values: tuple[str, ...] = ()  # enum / list values
    nullable: bool = False  # the field itself may be null
    parent: str | None = None  # nullable parent object (its absence makes this unknown)
    output: bool = False  # a derived output, not an input field
    minimum: int | None = None
    maximum: int | None = None


def _unwrap_optional(annotation):
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return annotation, False


def _base_type(annotation):
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _build_catalogue() -> dict[str, FieldSpec]:
    specs: dict[str, FieldSpec] = {}

    def visit(model: type[BaseModel], prefix: str, parent: str | None):
        for name, info in model.model_fields.items():
            full = f"{prefix}{name}"
            if full in HIDDEN:
                continue
            ann, nullable = _unwrap_optional(info.annotation)
            ann = _base_type(ann)
            bounds = {}
            for meta in info.metadata:
                if hasattr(meta, "ge"):
                    bounds["minimum"] = meta.ge
                if hasattr(meta, "le"):
                    bounds["maximum"] = meta.le
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                if nullable:
                    specs[full] = FieldSpec(full, "object", nullable=True, parent=parent)
                visit(ann, f"{full}.", full if nullable else parent)
            elif typing.get_origin(ann) is list:
                item = typing.get_args(ann)[0]
                specs[full] = FieldSpec(full, "list", tuple(v.value for v in item), parent=parent)
            elif isinstance(ann, type) and issubclass(ann, enum.Enum):
                specs[full] = FieldSpec(full, "enum", tuple(v.value for v in ann), nullable, parent)
            elif ann is bool:
                specs[full] = FieldSpec(full, "bool", nullable=nullable, parent=parent)
            elif ann is int:
                specs[full] = FieldSpec(full, "int", nullable=nullable, parent=parent, **bounds)
            else:  # pragma: no cover - guards future schema changes
                raise TypeError(f"field {full} has a type rules cannot read: {ann!r}")

    visit(schema.Melding, "", None)
    for name, values in OUTPUTS.items():
        specs[name] = FieldSpec(name, "list", tuple(v.value for v in values), output=True)
    return specs


WEEKDAGEN = ("ma", "di", "wo", "do", "vr", "za", "zo")

# Derived from `ontvangen_op`, in the melding's own offset: for time-dependent regional rules
# (is VT present at ZSM right now?) without exposing the raw timestamp.
TIME_FIELDS = {
    "ontvangen.weekdag": FieldSpec("ontvangen.weekdag", "enum", WEEKDAGEN),
    "ontvangen.tijd": FieldSpec("ontvangen.tijd", "int", minimum=0, maximum=2359),  # HHMM, e.g. 1730
}

# The optional risk score's band: known only when scoring is on. A rule may read it only to raise
# attention (checked when rule files load).
SCORE_FIELD = FieldSpec("score.band", "enum", ("laag", "midden", "hoog"), nullable=True)

CATALOGUE: dict[str, FieldSpec] = _build_catalogue() | TIME_FIELDS | {SCORE_FIELD.name: SCORE_FIELD}
INPUT_FIELDS = [s for s in CATALOGUE.values() if not s.output and s.name not in TIME_FIELDS and s is not SCORE_FIELD]


def getter(names: typing.Sequence[str]) -> typing.Callable[[dict], tuple]:
    """The values under these keys of a dict, as one tuple, in one C-level call."""
    if not names:
        return lambda d: ()
    get = operator.itemgetter(*names)
    return get if len(names) > 1 else lambda d: (get(d),)


def _plan() -> tuple:
    """How to read the input facts of a Melding: straight from the model's attribute dicts, a
    group of values per `itemgetter` (the melding is validated, so every attribute is there)."""
    top: list[tuple[str, str]] = []
    lists: list[tuple[str, str]] = []
    objects: list[tuple[str, str]] = []
    nested: dict[str, list[tuple[str, str]]] = {}
    for spec in INPUT_FIELDS:
        parts = spec.name.split(".")
        if spec.kind == "object":
            objects.append((spec.name, parts[0]))
        elif len(parts) == 2 and spec.kind != "list":
            nested.setdefault(parts[0], []).append((spec.name, parts[1]))
        elif len(parts) == 1:
            (lists if spec.kind == "list" else top).append((spec.name, parts[0]))
        else:  # pragma: no cover - guards future schema changes
            raise TypeError(f"field {spec.name}: rules read lists at the top level only")
    groups = [
        (outer, tuple(n for n, _ in fields), getter([a for _, a in fields]), dict.fromkeys(n for n, _ in fields))
        for outer, fields in nested.items()
    ]
    return tuple(n for n, _ in top), getter([a for _, a in top]), lists, objects, groups


_TOP_NAMES, _TOP, _LISTS, _OBJECTS, _GROUPS = _plan()


def domain_facts(melding: schema.Melding) -> dict[str, object]:
    """Flat domain facts: dotted names, lists as tuples, enums as their values, unknown as None."""
    d = melding.__dict__
    facts: dict[str, object] = dict(zip(_TOP_NAMES, _TOP(d)))
    for name, attr in _LISTS:
        facts[name] = tuple(d[attr])
    for name, attr in _OBJECTS:
        facts[name] = None if d[attr] is None else True
    for outer, names, get, unknown in _GROUPS:
        inner = d[outer]
        facts.update(unknown if inner is None else zip(names, get(inner.__dict__)))
    moment = melding.ontvangen_op
    facts["ontvangen.weekdag"] = WEEKDAGEN[moment.weekday()]
    facts["ontvangen.tijd"] = moment.hour * 100 + moment.minute
    facts["score.band"] = None
    return facts


def received_day(melding: schema.Melding) -> date:
    """The calendar day of receipt, in the offset the melding itself gives."""
    return melding.ontvangen_op.date()
