"""Evaluate meldingen with a rule set and combine the fired rules into one Advies.

Rules run in strata (see ruleset._stratify): the outputs of earlier strata are facts for later
ones (forward chaining). Which rules fire is decided by a backend: durable-rules in
production, a plain-Python reference backend as the test oracle.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from . import conditions as cond
from . import schema
from .fields import OUTPUTS, domain_facts, received_day
from .ruleset import PLACEHOLDER, LIST_OUTPUTS, Rule, RuleSet

_ENUM_ORDER = {
    "urgentie": [u.value for u in schema.Urgentie],
    "route": [r.value for r in schema.Route],
    "fase": [f.value for f in schema.Fase],
    "thv": [t.value for t in schema.ThvBeoordeling],
}
_LIST_ORDER = {name: {v.value: i for i, v in enumerate(enum)} for name, enum in OUTPUTS.items()}


class Backend(Protocol):
    name: str

    def fire(self, stratum_index: int, facts: list[dict], days: list[date]) -> list[set[str]]: ...


class ReferenceBackend:
    """Plain-Python evaluation of the same conditions: the oracle the durable backend is tested against."""

    name = "referentie"

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._strata = ruleset.strata

    def fire(self, stratum_index: int, facts: list[dict], days: list[date]) -> list[set[str]]:
        rules = self._strata[stratum_index]
        return [
            {r.id for r in rules if cond.evaluate(r.condition, fact, day, self.ruleset.param)}
            for fact, day in zip(facts, days)
        ]


def make_backend(ruleset: RuleSet, kind: str = "durable") -> Backend:
    if kind == "durable":
        from .durable_backend import DurableBackend

        return DurableBackend(ruleset)
    if kind == "referentie":
        return ReferenceBackend(ruleset)
    raise ValueError(f"unknown backend {kind!r}")


def _show(value: Any) -> str:
    if value is None:
        return "onbekend"
    if value is True:
        return "ja"
    if value is False:
        return "nee"
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value) if value else "geen"
    return str(value)


def render(text: str, facts: dict) -> str:
    """Fill `{veld}` placeholders with the melding's facts (names were checked at load)."""
    return PLACEHOLDER.sub(lambda m: _show(facts.get(m.group(1))), text)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class Engine:
    """Compile once, evaluate many."""

    def __init__(self, ruleset: RuleSet, backend: str = "durable", label: str = "landelijk"):
        self.ruleset = ruleset
        self.label = label
        self.backend = make_backend(ruleset, backend)
        self._order = {r.id: i for i, r in enumerate(ruleset.rules)}
        self._by_id = {r.id: r for r in ruleset.rules}
        self._info = ruleset.info()

    def fired_rules(self, meldingen: list[schema.Melding]) -> list[tuple[dict, list[Rule]]]:
        """The domain facts (with derived outputs) and the rules that fired, per melding."""
        facts = []
        for m in meldingen:
            f = domain_facts(m)
            for name in LIST_OUTPUTS:
                f[name] = ()
            facts.append(f)
        days = [received_day(m) for m in meldingen]
        fired: list[set[str]] = [set() for _ in meldingen]
        for index in range(len(self.ruleset.strata)):
            results = self.backend.fire(index, facts, days)
            for i, ids in enumerate(results):
                if not ids:
                    continue
                fired[i] |= ids
                for name in LIST_OUTPUTS:
                    added = {v.value for rid in ids for v in getattr(self._by_id[rid].effects, name)}
                    if added - set(facts[i][name]):
                        facts[i][name] = tuple(sorted(set(facts[i][name]) | added, key=_LIST_ORDER[name].__getitem__))
        return [(f, sorted((self._by_id[r] for r in ids), key=lambda r: self._order[r.id])) for f, ids in zip(facts, fired)]

    def evaluate(self, meldingen: list[schema.Melding]) -> list[schema.Advies]:
        return [self._combine(m, f, rules) for m, (f, rules) in zip(meldingen, self.fired_rules(meldingen))]

    # --- combining ---------------------------------------------------------------------------

    def _decide(self, output: str, candidates: list[tuple[Rule, Any]]) -> Any:
        decision = self.ruleset.decisions.get(output)
        if not candidates:
            return decision.standaard if decision else None
        if decision is None or decision.beleid in ("eerste", "uniek"):
            return candidates[0][1]  # rules check reports where `uniek` is violated
        values = [v for _, v in candidates]
        if decision.beleid == "prioriteit":
            order = decision.volgorde or _ENUM_ORDER.get(output, [])
            return min(values, key=lambda v: order.index(v) if v in order else len(order))
        rank = decision.volgorde or _ENUM_ORDER.get(output)
        keyf = (lambda v: rank.index(v)) if rank else (lambda v: v)
        return max(values, key=keyf) if decision.beleid == "maximum" else min(values, key=keyf)

    def _combine(self, melding: schema.Melding, facts: dict, rules: list[Rule]) -> schema.Advies:
        singles: dict[str, list[tuple[Rule, Any]]] = {}
        for rule in rules:
            for name, value in rule.effects.single().items():
                singles.setdefault(name, []).append((rule, value.value if hasattr(value, "value") else value))
        thv = self._decide("thv", singles.get("thv", []))
        thv_reasons = [render(r.effects.thv.reden, facts) for r, v in singles.get("thv", []) if v == thv]
        afstemming = list(facts["afstemming"])
        on_agenda = schema.Afstemming.actie_overleg.value in afstemming
        return schema.Advies(
            melding_id=melding.melding_id,
            regio=self.label,
            regelset=self._info,
            urgentie=self._decide("urgentie", singles.get("urgentie", [])),
            route=self._decide("route", singles.get("route", [])),
            afstemming=afstemming,
            partners=list(facts["partners"]),
            interventies=list(facts["interventies"]),
            thv=schema.Thv(beoordeling=thv, redenen=thv_reasons),
            fase=self._decide("fase", singles.get("fase", [])),
            actie_overleg=schema.ActieOverleg(
                agenderen=on_agenda,
                prioriteit=self._decide("actie_overleg.prioriteit", singles.get("actie_overleg.prioriteit", [])) if on_agenda else None,
            ),
            uitleg=[
                schema.Uitleg(
                    regel=r.id, titel=r.title, reden=render(r.reason, facts),
                    feiten={name: _plain(facts[name]) for name in r.fields_used}, bron=r.source,
                )
                for r in rules
            ],
            indicatoren=list(facts["indicatoren"]),
        )
