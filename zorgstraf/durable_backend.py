"""durable-rules behind one small interface, with its sharp edges absorbed here.

What this module knows about durable-rules (each has a test in tests/test_durable_edges.py):

- An *event* is consumed by one rule only: we assert *facts*, so every matching rule fires.
- Nothing matching raises MessageNotHandledException: every ruleset has a catch-all rule.
- Re-asserting an identical fact raises MessageObservedException: each fact carries a unique `_n`.
- The C engine holds at most 1,024 live session ids: we use one session and retract our facts.
- A ruleset name registers once per process: names are content hashes, registered once.
- `pri` runs the *lower* value first: we never rely on firing order (uitleg follows file order).
- Not thread-safe: one process-wide lock around every call; the host's polling threads are off.
- `$nex` hung and `$neq` never matches a missing field: every field is always present.
- `$or` fires once per matching branch: fired rules are collected as a set.
- Without `cap`, actions of a batch went missing: every rule uses `cap` (one call per batch).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import threading
from datetime import date
from typing import Any, Callable

from durable import engine as durable_engine

from . import conditions as cond
from .errors import EngineError
from .fields import CATALOGUE, FieldSpec
from .ruleset import Rule, RuleSet, expand_parameters

BATCH = 1000  # facts per assert call; also the action cap, so one action call per rule per batch
CATCH_ALL = "__alle__"
_LOCK = threading.RLock()
_SEQUENCE = itertools.count()  # unique `_n` per asserted fact, process-wide


class _QuietHost(durable_engine.Host):
    """A Host without its background dispatch threads: we use no timers and no async
    actions, and those threads would call into the C engine outside our lock."""

    def _run(self):  # noqa: D401 - overrides the thread starter
        return None


_HOST: _QuietHost | None = None
_REGISTERED: set[str] = set()


def _host() -> _QuietHost:
    global _HOST
    if _HOST is None:
        _HOST = _QuietHost()
    return _HOST


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


def compile_condition(node: Any, negate: bool = False) -> dict:
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
            return _or([{"$lt": {"_dag": day_number(node.start)}} if node.start else _FALSE,
                        {"$gt": {"_dag": day_number(node.end)}} if node.end else _FALSE])
        return _and([lo, hi])
    return _compile_leaf(node, negate)


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
    if op in ("in", "niet_in"):
        alternatives = tuple(cond.Leaf(leaf.field, "==", v) for v in operand)
        inner = cond.AnyOf(alternatives)
        return compile_condition(inner, negate != (op == "niet_in"))
    if op in ("==", "!="):
        positive = (op == "==") != negate
        if operand is None:  # "is unknown"
            if spec.kind == "object":
                return _eq(k, 0 if positive else 1)
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


def _encoder_for(spec: FieldSpec) -> list[tuple[str, str, Callable[[Any], Any]]]:
    """(engine key, domain field, encode) triples; every key is always present in a fact."""
    k, name = key(spec.name), spec.name
    if spec.kind == "list":
        return [(f"{k}__{v}", name, (lambda vals, v=v: 1 if vals and v in vals else 0)) for v in spec.values]
    if spec.kind == "object":
        return [(k, name, lambda x: 1 if x else 0)]
    if spec.kind == "bool":  # -1: unknown (absent parent), so neither `== true` nor `== false` holds
        return [(k, name, lambda x: -1 if x is None else 1 if x else 0)]
    if spec.kind == "enum":
        return [(k, name, lambda x: "" if x is None else x)]
    out = [(k, name, lambda x: -1 if x is None else x)]
    presence = _presence_key(spec)
    if presence:
        out.append((presence, name, lambda x: 0 if x is None else 1))
    return out


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


class _CompiledStratum:
    def __init__(self, name: str, rules: list[Rule], ruleset: RuleSet):
        self.name = name
        self.rule_ids = [r.id for r in rules]
        fields: set[str] = set()
        uses_day = False
        self.definition: dict[str, dict] = {
            CATCH_ALL: {"all": [{"m": {CATCH_ALL: 1}}], "cap": BATCH},
        }
        for index, rule in enumerate(rules):
            expanded = expand_parameters(rule.condition, ruleset)
            uses_day |= _fields_in(expanded, fields)
            self.definition[f"r{index}"] = {"all": [{"m": compile_condition(expanded)}], "cap": BATCH}
        self.encoders = [enc for name in sorted(fields) for enc in _encoder_for(CATALOGUE[name])]
        self.uses_day = uses_day


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
            self._register(stratum)
            self._strata.append(stratum)

    def _register(self, stratum: _CompiledStratum) -> None:
        with _LOCK:
            if stratum.name in _REGISTERED:
                return
            definition = copy.deepcopy(stratum.definition)  # durable-rules mutates what it gets
            for rule_name, body in definition.items():
                body["run"] = self._collector(rule_name)
            try:
                _host().set_rulesets({stratum.name: definition})
            except Exception as exc:  # the C engine reports numeric codes only
                raise EngineError(f"durable-rules weigerde regelset {stratum.name}: {exc}") from None
            _REGISTERED.add(stratum.name)

    # One collector per compiled rule name, shared by every backend that uses the ruleset;
    # results are routed through the thread-local sink set by fire().
    _sink = threading.local()

    @classmethod
    def _collector(cls, rule_name: str):
        def action(c):
            sink = cls._sink.hits
            matches = c.m if isinstance(c.m, list) else [c.m]
            for m in matches:
                sink.append((rule_name, m["_n"]))
        return action

    def fire(self, stratum_index: int, facts: list[dict], days: list[date]) -> list[set[str]]:
        stratum = self._strata[stratum_index]
        fired: list[set[str]] = [set() for _ in facts]
        if len(stratum.rule_ids) == 0 or not facts:
            return fired
        encoded = []
        first = None
        for fact, day in zip(facts, days):
            n = next(_SEQUENCE)
            first = n if first is None else first
            row = {"_n": n, CATCH_ALL: 1}
            if stratum.uses_day:
                row["_dag"] = day_number(day)
            for engine_key, name, encode in stratum.encoders:
                row[engine_key] = encode(fact[name])
            encoded.append(row)
        with _LOCK:
            for start in range(0, len(encoded), BATCH):
                chunk = encoded[start:start + BATCH]
                self._sink.hits = hits = []
                try:
                    _host().assert_facts(stratum.name, chunk)
                    _host().retract_facts(stratum.name, chunk)
                except Exception as exc:
                    raise EngineError(f"durable-rules faalde op regelset {stratum.name}: {type(exc).__name__}") from None
                finally:
                    self._sink.hits = None
                for rule_name, n in hits:
                    if rule_name != CATCH_ALL:
                        fired[n - first].add(stratum.rule_ids[int(rule_name[1:])])
        return fired

