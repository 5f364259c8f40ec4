"""durable-rules behind one small interface, with its sharp edges absorbed here.

We drive durable-rules' C engine (`durable_rules_engine`, the Rete core that `durable.engine`
wraps) directly: its Python Host decodes every match into objects and runs polling threads,
which cost about 90% of the time and were not thread-safe. All matching still happens in
durable-rules; we read back only which rule matched which fact.

What this module knows about durable-rules (each has a test in tests/test_durable_edges.py):

- An *event* is consumed by one rule only: we assert *facts*, so every matching rule fires.
- A batch with an unmatched fact returns "not handled" (MessageNotHandledException in the
  Python Host, which then drops the whole batch's actions); we read the actions anyway.
- A fact is known by its `id`; without one, by a hash of its content, and two different facts
  can hash alike (durable-rules #376; we met a pair in 330,000). The engine then refuses the batch
  as "already observed" and its memory is corrupt from then on (free(): invalid pointer). Every
  fact carries its own `id`: its place in the batch (the batch is dropped before the next).
- The C engine holds at most 1,024 live session ids: we use one session and delete its state
  after each batch (which removes the batch's facts; cheaper than retracting them).
- A ruleset name registers once per process: names are content hashes, registered once.
- `pri` runs the *lower* value first: we never rely on firing order (uitleg follows file order).
- Not thread-safe: one process-wide lock around every call; no polling threads are started.
- `$nex` hung and `$neq` never matches a missing field: every field is always present.
- `$or` fires once per matching branch: fired rules are collected as a set.
- Without `cap` one action per match is started: every rule uses `cap` (one call per batch).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
from datetime import date
from typing import Any, Callable

import durable_rules_engine as _c

from . import conditions as cond
from .errors import EngineError
from .fields import CATALOGUE, FieldSpec
from .ruleset import Rule, RuleSet, expand_parameters

BATCH = 1000  # facts per assert call; also the action cap, so about one action per rule per batch
CATCH_ALL = "__alle__"  # constant-true/false marker in compiled expressions (always 1 in facts)
_LOCK = threading.RLock()
_HANDLES: dict[str, int] = {}  # ruleset name -> C handle; a name is registered once per process
_SESSION = "0"  # every fact goes to durable-rules' default session
_RESULT_CODES = {0: "ok", 1: "niet afgehandeld", 2: "al waargenomen"}
_ACTION = re.compile(r'^\{"(\w+)":\[')
_FACT_ID = re.compile(r'"id": ?(\d+)')


def key(name: str) -> str:
    return name.replace(".", "__")


def day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _presence_key(spec: FieldSpec) -> str | None:
    """The flag that says the value is known; None when it is always known."""
    if spec.kind == "int" and (spec.nullable or spec.parent):
        return key(spec.name) + "__bekend"
    return None


# --- compiling conditions ----------------------------------------------------------------------

_TRUE = {CATCH_ALL: 1}
_FALSE = {CATCH_ALL: 0}
_NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">="}
_DURABLE_OP = {">=": "$gte", ">": "$gt", "<=": "$lte", "<": "$lt"}


def _and(parts: list) -> dict:
    parts = [p for p in parts if p != _TRUE]
    if any(p == _FALSE for p in parts):
        return _FALSE
    return _TRUE if not parts else parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list) -> dict:
    parts = [p for p in parts if p != _FALSE]
    if any(p == _TRUE for p in parts):
        return _TRUE
    return _FALSE if not parts else parts[0] if len(parts) == 1 else {"$or": parts}


def _eq(k: str, v: Any) -> dict:
    return {k: v}


def _neq(k: str, v: Any) -> dict:
    return {"$neq": {k: v}}


def _encode_scalar(spec: FieldSpec, value: Any) -> Any:
    if spec.kind in ("bool", "object"):
        return 1 if value else 0
    return value


def compile_condition(node: cond.Condition, negate: bool = False) -> dict:
    """Compile a parameter-free condition AST to a durable-rules expression (negation pushed down)."""
    if isinstance(node, cond.All):
        parts = [compile_condition(c, negate) for c in node.children]
        return _or(parts) if negate else _and(parts)
    if isinstance(node, cond.AnyOf):
        parts = [compile_condition(c, negate) for c in node.children]
        return _and(parts) if negate else _or(parts)
    if isinstance(node, cond.Not):
        return compile_condition(node.child, not negate)
    if isinstance(node, cond.AtLeast):
        n = len(node.children)
        if negate:  # "fewer than k hold" == "at least n-k+1 fail"
            return compile_condition(cond.AtLeast(n - node.count + 1, tuple(cond.Not(c) for c in node.children)))
        return _or([_and([compile_condition(c) for c in combo]) for combo in itertools.combinations(node.children, node.count)])
    if isinstance(node, cond.DayRange):
        lo = {"$gte": {"_dag": day_number(node.start)}} if node.start else _TRUE
        hi = {"$lte": {"_dag": day_number(node.end)}} if node.end else _TRUE
        if negate:
            return _or(
                [
                    {"$lt": {"_dag": day_number(node.start)}} if node.start else _FALSE,
                    {"$gt": {"_dag": day_number(node.end)}} if node.end else _FALSE,
                ]
            )
        return _and([lo, hi])
    if isinstance(node, cond.ParamTest):  # parameters are expanded to constants before compiling
        raise EngineError("parameters must be expanded before compiling")
    return _compile_leaf(node, negate)


def _known(field: str) -> cond.Leaf:
    """The test 'this value is known' (`veld != null`)."""
    return cond.Leaf(field, "!=", None)


def _compile_leaf(leaf: cond.Leaf, negate: bool) -> dict:
    spec = CATALOGUE[leaf.field]
    k = key(spec.name)
    op, operand = leaf.op, leaf.operand
    if isinstance(operand, cond.Param):
        raise EngineError("parameters must be expanded before compiling")
    if spec.kind == "list":

        def has(v, yes=True):
            return _eq(f"{k}__{v}", 1 if yes else 0)

        if op in ("bevat", "bevat_niet"):
            positive = op == "bevat"
            return has(operand, positive != negate)
        if op == "bevat_iets_anders_dan":
            members = [v for v in spec.values if v not in operand]
            op, operand = "bevat_een_van", tuple(members)
        if op in ("bevat_een_van", "bevat_geen_van"):
            any_of = op == "bevat_een_van"
            if any_of != negate:
                return _or([has(v) for v in operand])
            return _and([has(v, False) for v in operand])
    if op == "in":
        return compile_condition(cond.AnyOf(tuple(cond.Leaf(leaf.field, "==", v) for v in operand)), negate)
    if op == "niet_in":  # known and none of them (unknown makes the test false, its negation true)
        return compile_condition(cond.All((_known(leaf.field), *(cond.Leaf(leaf.field, "!=", v) for v in operand))), negate)
    if op == "!=" and operand is not None:  # known and other than the operand
        return compile_condition(cond.All((_known(leaf.field), cond.Not(cond.Leaf(leaf.field, "==", operand)))), negate)
    if op in ("==", "!="):
        positive = (op == "==") != negate
        if operand is None:  # "is unknown"
            if spec.kind == "object":
                return _eq(k, 0 if positive else 1)
            if spec.kind == "bool":  # encoded -1 when unknown (see _encoder_for)
                return _eq(k, -1) if positive else _neq(k, -1)
            presence = _presence_key(spec)
            if presence:
                return _eq(presence, 0 if positive else 1)
            return _eq(k, "") if positive else _neq(k, "")
        encoded = _encode_scalar(spec, operand)
        return _eq(k, encoded) if positive else _neq(k, encoded)
    # ordered comparison on an int: unknown makes the test false, its negation true
    presence = _presence_key(spec)
    if negate:
        test = {_DURABLE_OP[_NEGATED[op]]: {k: operand}}
        return _or([_eq(presence, 0), test]) if presence else test
    test = {_DURABLE_OP[op]: {k: operand}}
    return _and([_eq(presence, 1), test]) if presence else test


# --- encoding facts --------------------------------------------------------------------------


def _member(value: str) -> Callable[[Any], int]:
    """1 when `value` is in the list, else 0."""
    return lambda values: 1 if value in values else 0


def _encoder_for(spec: FieldSpec) -> list[tuple[str, str, Callable[[Any], Any]]]:
    """(engine key, domain field, encode) triples; every key is always present in a fact."""
    k, name = key(spec.name), spec.name
    if spec.kind == "list":
        return [(f"{k}__{v}", name, _member(v)) for v in spec.values]
    if spec.kind == "object":
        return [(k, name, lambda x: 1 if x else 0)]
    if spec.kind == "bool":  # -1: unknown (absent parent), so neither `== true` nor `== false` holds
        return [(k, name, lambda x: -1 if x is None else 1 if x else 0)]
    if spec.kind == "enum":  # the value as JSON text (rows are written with _CompiledStratum.template)
        quoted = {v: json.dumps(v) for v in spec.values} | {None: '""'}
        return [(k, name, quoted.__getitem__)]
    out = [(k, name, lambda x: -1 if x is None else x)]
    presence = _presence_key(spec)
    if presence:
        out.append((presence, name, lambda x: 0 if x is None else 1))
    return out


def _build_aliases() -> dict[str, str]:
    """Short, stable names for engine keys. durable-rules hands every match back as JSON, so
    row size drives the cost per match; the order follows the schema, so names never drift."""
    keys = [k for spec in CATALOGUE.values() for k, _, _ in _encoder_for(spec)]
    return {k: f"k{i}" for i, k in enumerate(keys)} | {"_dag": "_d", CATCH_ALL: "_a"}


def _aliased(expr: Any) -> Any:
    """Rename field keys (not $-operators) in a compiled expression to their aliases."""
    if isinstance(expr, list):
        return [_aliased(e) for e in expr]
    if isinstance(expr, dict):
        return {(k if k.startswith("$") else ALIAS[k]): _aliased(v) for k, v in expr.items()}
    return expr


def _fields_in(node: Any, out: set[str]) -> bool:
    """Collect field names; return True when the node uses the receipt day."""
    if isinstance(node, (cond.All, cond.AnyOf, cond.AtLeast)):
        return any([_fields_in(c, out) for c in node.children])
    if isinstance(node, cond.Not):
        return _fields_in(node.child, out)
    if isinstance(node, cond.DayRange):
        return True
    out.add(node.field)
    return False


ALIAS = _build_aliases()


class _CompiledStratum:
    def __init__(self, name: str, rules: list[Rule], ruleset: RuleSet):
        self.name = name
        self.rule_ids = [r.id for r in rules]
        fields: set[str] = set()
        uses_day = False
        self.definition: dict[str, dict] = {}
        for index, rule in enumerate(rules):
            expanded = expand_parameters(rule.condition, ruleset)
            uses_day |= _fields_in(expanded, fields)
            self.definition[f"r{index}"] = {"all": [{"m": _aliased(compile_condition(expanded))}], "cap": BATCH}
        # Only the keys a test refers to are sent: a list field has a key per value, and most tests
        # name one or two values. Fewer keys per fact means less to encode, parse and match.
        referenced = set(re.findall(r'"(k\d+)"', json.dumps(self.definition)))
        self.encoders = [
            (ALIAS[k], name, enc) for name in sorted(fields) for k, name, enc in _encoder_for(CATALOGUE[name]) if ALIAS[k] in referenced
        ]
        self.uses_day = uses_day
        # One row is one `%` on a template: every value is an int, or an enum value already in JSON
        # text; writing rows this way instead of json.dumps on dicts halves the cost of a row.
        parts = ['"id":%d', '"_a":1'] + (['"_d":%d'] if uses_day else [])
        parts += [f'"{alias}":%s' if CATALOGUE[name].kind == "enum" else f'"{alias}":%d' for alias, name, _ in self.encoders]
        self.template = "{" + ",".join(parts) + "}"


class DurableBackend:
    """Evaluates rule strata on durable-rules. Compile once, evaluate many."""

    name = "durable-rules"

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._strata: list[_CompiledStratum] = []
        for index, rules in enumerate(ruleset.strata):
            stratum = _CompiledStratum("", rules, ruleset)
            # The name is a hash of what was compiled: the same content is registered once
            # per process, changed content always gets a new name.
            blob = json.dumps(stratum.definition, sort_keys=True).encode()
            stratum.name = f"zs_{ruleset.name}_{index}_{hashlib.sha256(blob).hexdigest()[:20]}"
            self._handle(stratum)
            self._strata.append(stratum)

    @staticmethod
    def _handle(stratum: _CompiledStratum) -> int:
        with _LOCK:
            if stratum.name not in _HANDLES:
                try:
                    _HANDLES[stratum.name] = _c.create_ruleset(stratum.name, json.dumps(stratum.definition))
                except Exception as exc:  # the C engine reports numeric codes only
                    raise EngineError(f"durable-rules weigerde regelset {stratum.name}: {exc}") from None
            return _HANDLES[stratum.name]

    def fire(self, stratum_index: int, facts: list[dict], days: list[date]) -> list[set[str]]:
        stratum = self._strata[stratum_index]
        fired: list[set[str]] = [set() for _ in facts]
        if not stratum.rule_ids or not facts:
            return fired
        handle = self._handle(stratum)
        template, encoders = stratum.template, stratum.encoders
        with _LOCK:
            for start in range(0, len(facts), BATCH):
                part = facts[start : start + BATCH]
                lead: list[tuple[int, ...]] = (
                    [(o, day_number(d)) for o, d in enumerate(days[start : start + BATCH])]
                    if stratum.uses_day
                    else [(o,) for o in range(len(part))]
                )
                rows = [template % (*head, *[enc(f[name]) for _, name, enc in encoders]) for head, f in zip(lead, part)]
                for action, ids in self._run(handle, rows):
                    rule_id = stratum.rule_ids[int(action[1:])]
                    for n in ids:
                        fired[start + n].add(rule_id)
        return fired

    @staticmethod
    def _run(handle: int, rows: list[str]) -> list[tuple[str, list[int]]]:
        """Assert a batch (JSON rows), collect (action, fact ids) for every activation, then drop the batch."""
        out = []
        try:
            code, state = _c.assert_facts(handle, "[" + ",".join(rows) + "]")
            if code not in (0, 1):  # 1: some fact matched no rule, which is normal for us
                raise EngineError(f"durable-rules: {_RESULT_CODES.get(code, code)}")
            result = _c.start_action_for_state(handle, state)
            while result:
                message = result[1]
                action = _ACTION.match(message)
                if action is None:
                    raise EngineError("durable-rules gaf een onverwacht antwoord")
                out.append((action.group(1), [int(n) for n in _FACT_ID.findall(message)]))
                following = _c.complete_and_start_action(handle, state)
                result = (None, following) if following else None
        finally:
            _c.delete_state(handle, _SESSION)  # drops the batch's facts; cheaper than retracting them one by one
        return out
