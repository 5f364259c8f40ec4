"""The condition language of rule files: parse, evaluate (reference), compile (durable-rules).

Grammar (YAML):

    als:                           # a mapping of field tests is an AND
      verdachte.aangehouden: true  # equality
      sash: null                   # the value is unknown
      eerdere_incidenten_12m: {">=": {parameter: herhaling_drempel}}
      incidentsoort: {bevat_iets_anders_dan: [overig]}
    als: {alle: [...]}  {een_van: [...]}  {niet: ...}  {minstens: 2, van: [...]}

Semantics: a test on an unknown value (null, or a field of an absent `verdachte`) is false;
`niet` is plain negation. The reference evaluator and the durable-rules compiler implement
the same semantics; a property test checks they agree.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Union

from .errors import did_you_mean
from .fields import CATALOGUE, FieldSpec

Path = tuple  # location inside a YAML document, for file:line errors


class ConditionError(Exception):
    def __init__(self, path: Path, message: str):
        self.path = path
        self.message = message
        super().__init__(message)


# --- AST -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """A reference to a dated parameter, resolved per melding date."""

    name: str


@dataclass(frozen=True)
class Leaf:
    field: str
    op: str
    operand: Any  # a value, a tuple of values, None, or a Param


@dataclass(frozen=True)
class ParamTest:
    """A test on a parameter itself (constant per period), e.g. `parameter.ao_themas: {bevat: zeden}`."""

    name: str
    op: str
    operand: Any


@dataclass(frozen=True)
class All:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    child: Condition


@dataclass(frozen=True)
class AtLeast:
    count: int
    children: tuple[Condition, ...]


@dataclass(frozen=True)
class DayRange:
    """Receipt day within [start, end] (either may be None). Compiled from geldig_van/tot."""

    start: date | None
    end: date | None


# A parsed condition: the typed AST every backend compiles or evaluates.
Condition = Union[Leaf, ParamTest, All, AnyOf, Not, AtLeast, DayRange]

TRUE = All(())
FALSE = AnyOf(())

LIST_OPS = {"bevat", "bevat_niet", "bevat_een_van", "bevat_geen_van", "bevat_iets_anders_dan"}
VALUE_OPS = {"==", "!=", ">=", ">", "<=", "<", "in", "niet_in"}
ORDER_OPS = {">=", ">", "<=", "<"}


# --- parsing ---------------------------------------------------------------------------------


@dataclass
class ParseContext:
    parameters: dict[str, Any]  # name -> Parameter (must have .kind-compatible values)
    fields_used: list[str] = field(default_factory=list)
    reads: set[tuple[str, str]] = field(default_factory=set)  # (output, value) read


def parse(raw: Any, ctx: ParseContext, path: Path = ()) -> Condition:
    """A list or a mapping is an AND of its items; combinators may stand beside field tests."""
    if isinstance(raw, list) and raw:
        return _all(tuple(parse(item, ctx, path + (i,)) for i, item in enumerate(raw)))
    if not isinstance(raw, dict) or not raw:
        raise ConditionError(path, "een voorwaarde is een niet-lege mapping of lijst")
    if ("minstens" in raw) != ("van" in raw):
        raise ConditionError(path, "'minstens' en 'van' horen bij elkaar")
    parts = []
    for k, v in raw.items():
        k = str(k)
        if k in ("alle", "een_van"):
            if not isinstance(v, list) or not v:
                raise ConditionError(path + (k,), f"'{k}' verwacht een niet-lege lijst")
            children = tuple(parse(item, ctx, path + (k, i)) for i, item in enumerate(v))
            parts.append(_all(children) if k == "alle" else AnyOf(children))
        elif k == "niet":
            parts.append(Not(parse(v, ctx, path + ("niet",))))
        elif k == "minstens":
            parts.append(_parse_at_least(raw["minstens"], raw["van"], ctx, path))
        elif k != "van":
            parts.append(_parse_test(k, v, ctx, path + (k,)))
    return _all(tuple(parts))


def _all(children: tuple[Condition, ...]) -> Condition:
    return children[0] if len(children) == 1 else All(children)


def _parse_at_least(count: Any, items: Any, ctx: ParseContext, path: Path) -> Condition:
    if not isinstance(items, list) or not items:
        raise ConditionError(path + ("van",), "'van' verwacht een niet-lege lijst")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= len(items):
        raise ConditionError(path + ("minstens",), f"'minstens' moet een getal van 1 tot {len(items)} zijn")
    if len(list(itertools.combinations(range(len(items)), count))) > 64:
        raise ConditionError(path, "'minstens' over te veel voorwaarden (meer dan 64 combinaties)")
    return AtLeast(count, tuple(parse(item, ctx, path + ("van", i)) for i, item in enumerate(items)))


def _parse_param_test(name: str, raw: Any, ctx: ParseContext, path: Path) -> Condition:
    pname = name[len("parameter.") :]
    if pname not in ctx.parameters:
        raise ConditionError(path, f"onbekende parameter '{pname}'{did_you_mean(pname, ctx.parameters, brackets=True)}")
    values = list(ctx.parameters[pname].values())
    is_list = isinstance(values[0], list)
    op, operand = next(iter(raw.items())) if isinstance(raw, dict) and len(raw) == 1 else ("==", raw)
    allowed = LIST_OPS if is_list else VALUE_OPS
    if op not in allowed:
        raise ConditionError(path, f"operator '{op}' past niet bij parameter '{pname}'{did_you_mean(op, allowed, brackets=True)}")
    if op in ("in", "niet_in", "bevat_een_van", "bevat_geen_van", "bevat_iets_anders_dan"):
        if not isinstance(operand, list) or not operand:
            raise ConditionError(path, f"'{op}' verwacht een niet-lege lijst")
        operand = tuple(operand)
    return ParamTest(pname, str(op), operand)


def _parse_test(name: str, raw: Any, ctx: ParseContext, path: Path) -> Condition:
    if name.startswith("parameter."):
        return _parse_param_test(name, raw, ctx, path)
    if name in ("toelichting",):
        raise ConditionError(path, "'toelichting' is vrije tekst en mag nooit door regels worden gebruikt")
    spec = CATALOGUE.get(name)
    if spec is None:
        raise ConditionError(path, f"onbekend veld '{name}'{did_you_mean(name, CATALOGUE, brackets=True)}")
    ctx.fields_used.append(name)
    if isinstance(raw, dict):
        if len(raw) != 1:
            raise ConditionError(path, "een veldtest heeft precies één operator")
        op, operand = next(iter(raw.items()))
        op = str(op)
    else:
        op, operand = "==", raw
    allowed = LIST_OPS if spec.kind == "list" else VALUE_OPS
    if op not in allowed:
        raise ConditionError(path, f"operator '{op}' past niet bij veld '{name}'{did_you_mean(op, allowed, brackets=True)}")
    operand = _check_operand(spec, op, operand, ctx, path + (op,) if isinstance(raw, dict) else path)
    if spec.output:
        values = operand if isinstance(operand, tuple) else (operand,)
        if op == "bevat_iets_anders_dan":
            values = tuple(v for v in spec.values if v not in values)
        ctx.reads.update((spec.name, v) for v in values)
    return Leaf(name, op, operand)


def _check_operand(spec: FieldSpec, op: str, operand: Any, ctx: ParseContext, path: Path) -> Any:
    if isinstance(operand, dict) and set(operand) == {"parameter"}:
        name = operand["parameter"]
        if name not in ctx.parameters:
            raise ConditionError(path, f"onbekende parameter '{name}'{did_you_mean(name, ctx.parameters, brackets=True)}")
        wants_list = op in ("in", "niet_in", "bevat_een_van", "bevat_geen_van", "bevat_iets_anders_dan")
        if spec.kind == "list" and not wants_list:
            raise ConditionError(path, "een parameter kan hier niet worden gebruikt")
        for value in ctx.parameters[name].values():
            if wants_list != isinstance(value, list):
                raise ConditionError(path, f"parameter '{name}' moet {'een lijst' if wants_list else 'één waarde'} zijn voor '{op}'")
            for item in value if wants_list else [value]:
                _check_scalar(spec, item, path, allow_null=False)
        return Param(name)
    if op in ("in", "niet_in", "bevat_een_van", "bevat_geen_van", "bevat_iets_anders_dan"):
        if not isinstance(operand, list) or not operand:
            raise ConditionError(path, f"'{op}' verwacht een niet-lege lijst")
        return tuple(_check_scalar(spec, v, path, allow_null=False) for v in operand)
    if operand is None:
        if op not in ("==", "!=") or not (spec.nullable or spec.kind == "object"):
            raise ConditionError(path, f"veld '{spec.name}' kan niet onbekend (null) zijn")
        return None
    if op in ORDER_OPS and spec.kind != "int":
        raise ConditionError(path, f"'{op}' kan alleen met getallen; '{spec.name}' is geen getal")
    return _check_scalar(spec, operand, path, allow_null=False)


def _check_scalar(spec: FieldSpec, value: Any, path: Path, allow_null: bool) -> Any:
    kind = spec.kind
    if kind == "object":
        raise ConditionError(path, f"'{spec.name}' kan alleen met null worden vergeleken")
    if kind == "bool" and not isinstance(value, bool):
        raise ConditionError(path, f"'{spec.name}' verwacht true of false, niet {value!r}")
    if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
        raise ConditionError(path, f"'{spec.name}' verwacht een geheel getal, niet {value!r}")
    if kind in ("enum", "list") and value not in spec.values:
        raise ConditionError(path, f"onbekende waarde '{value}' voor '{spec.name}'{did_you_mean(value, spec.values, brackets=True)}")
    return value


# --- reference evaluation --------------------------------------------------------------------


def evaluate(node: Condition, facts: dict, day: date, params: Callable[[str, date], Any]) -> bool:
    """Evaluate a parsed condition on domain facts (the reference semantics)."""
    if isinstance(node, All):
        return all(evaluate(c, facts, day, params) for c in node.children)
    if isinstance(node, AnyOf):
        return any(evaluate(c, facts, day, params) for c in node.children)
    if isinstance(node, Not):
        return not evaluate(node.child, facts, day, params)
    if isinstance(node, AtLeast):
        return sum(evaluate(c, facts, day, params) for c in node.children) >= node.count
    if isinstance(node, DayRange):
        return (node.start is None or day >= node.start) and (node.end is None or day <= node.end)
    if isinstance(node, ParamTest):
        value = params(node.name, day)
        return _apply(node.op, tuple(value) if isinstance(value, list) else value, node.operand, isinstance(value, list))
    value = facts.get(node.field)
    operand = params(node.operand.name, day) if isinstance(node.operand, Param) else node.operand
    if isinstance(operand, list):
        operand = tuple(operand)
    return _apply(node.op, value, operand, CATALOGUE[node.field].kind == "list")


def decisive(node: Condition, facts: dict, day: date, params: Callable[[str, date], Any]) -> list[str]:
    """The fields whose tests made a (true) condition true, in the order the rule names them: all
    of an `alle`, the true branches of an `een_van` or `minstens`, everything under a `niet`.
    What a reader needs to see of why a rule fired, without the facts it merely looked at."""
    out: dict[str, None] = {}
    _decisive(node, facts, day, params, out)
    return list(out)


def _decisive(node: Condition, facts: dict, day: date, params: Callable[[str, date], Any], out: dict[str, None]) -> None:
    if isinstance(node, Leaf):
        out.setdefault(node.field)
    elif isinstance(node, All):
        for child in node.children:
            _decisive(child, facts, day, params, out)
    elif isinstance(node, (AnyOf, AtLeast)):
        for child in node.children:
            if evaluate(child, facts, day, params):
                _decisive(child, facts, day, params, out)
    elif isinstance(node, Not):
        for name in _fields(node.child):
            out.setdefault(name)


def _fields(node: Condition) -> list[str]:
    if isinstance(node, (All, AnyOf, AtLeast)):
        return [f for c in node.children for f in _fields(c)]
    if isinstance(node, Not):
        return _fields(node.child)
    return [node.field] if isinstance(node, Leaf) else []


def branch_fields(node: Condition) -> list[str]:
    """The fields whose values decide which branches `decisive` names: those under an `een_van` or
    `minstens` (everything under an `alle` or a `niet` is named whatever its value)."""
    if isinstance(node, (AnyOf, AtLeast)):
        return list(dict.fromkeys(_fields(node)))
    if isinstance(node, All):
        return list(dict.fromkeys(f for c in node.children for f in branch_fields(c)))
    return []


def parameters_in(node: Condition) -> set[str]:
    """The names of the dated parameters a condition reads."""
    if isinstance(node, (All, AnyOf, AtLeast)):
        return set().union(*(parameters_in(c) for c in node.children))
    if isinstance(node, Not):
        return parameters_in(node.child)
    if isinstance(node, ParamTest):
        return {node.name}
    return {node.operand.name} if isinstance(node, Leaf) and isinstance(node.operand, Param) else set()


def uses_parameters(node: Condition) -> bool:
    if isinstance(node, (All, AnyOf, AtLeast)):
        return any(uses_parameters(c) for c in node.children)
    if isinstance(node, Not):
        return uses_parameters(node.child)
    return isinstance(node, (ParamTest, DayRange)) or (isinstance(node, Leaf) and isinstance(node.operand, Param))


def _apply(op: str, value: Any, operand: Any, is_list: bool) -> bool:
    """One test; a test on an unknown (None) value is false."""
    if is_list:
        value = value or ()
        if op == "bevat":
            return operand in value
        if op == "bevat_niet":
            return operand not in value
        if op == "bevat_een_van":
            return any(v in value for v in operand)
        if op == "bevat_geen_van":
            return not any(v in value for v in operand)
        return any(v not in operand for v in value)  # bevat_iets_anders_dan
    if op == "==":
        return value is None if operand is None else (value is not None and value == operand)
    # Like every test on an unknown value, `!=` and `niet_in` are false when the value is unknown:
    # "wapen != gebruikt" means "known, and not gebruikt". For "anything but, unknown included"
    # write `niet: {veld: waarde}` (plain negation).
    if op == "!=":
        return value is not None if operand is None else (value is not None and value != operand)
    if op == "in":
        return value is not None and value in operand
    if op == "niet_in":
        return value is not None and value not in operand
    if value is None:
        return False
    return {">=": value >= operand, ">": value > operand, "<=": value <= operand, "<": value < operand}[op]
