"""Evaluate meldingen with a rule set and combine the fired rules into one Advies.

Rules run in strata (see ruleset.stratify): the outputs of earlier strata are facts for later
ones (forward chaining). Which rules fire is decided by a backend: durable-rules in
production, a plain-Python reference backend as the test oracle.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, Sequence

from . import conditions as cond
from . import schema
from . import termijnen as deadlines
from .fields import OUTPUTS, domain_facts, getter, received_day
from .labels import fact_sentence, reader_source, value_text
from .ruleset import LIST_OUTPUTS, PLACEHOLDER, Rule, RuleSet
from .samenvatting import summarise

_ENUM_ORDER = {
    "urgentie": [u.value for u in schema.Urgentie],
    "route": [r.value for r in schema.Route],
    "fase": [f.value for f in schema.Fase],
    "thv": [t.value for t in schema.ThvBeoordeling],
}
_NO_DEADLINES = schema.Termijnen()
# Explanations shared by every engine in the process: a rule that a region did not change explains
# itself the same way under every variant, so a batch of all ten regions explains each case once.
# Keyed by the rule's content, the facts it shows and (for dated rules) the parameter values in force.
_EXPLANATIONS: dict[tuple, tuple[schema.Uitleg, str | None]] = {}
_PARAMETER_PERIODS: dict[tuple, int] = {}
_DECISIVE: dict[tuple, list[str]] = {}  # (rule, facts under its een_van/minstens, period) -> decisive facts
_NOTHING: frozenset[str] = frozenset()
_LIST_ORDER = {name: {v.value: i for i, v in enumerate(enum)} for name, enum in OUTPUTS.items()}
_CACHE_LIMIT = 10_000  # per engine and cache of fired-rule sets: memory stays small with ten engines
_SHARED: dict = {}  # one object per distinct output list: few distinct values, held by many cache entries


def _remember(cache: dict, key: Any, value: Any, limit: int) -> Any:
    """Store a computed value in a cache that is emptied when it reaches `limit` entries."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value


def _shared(value: Any) -> Any:
    hit = _SHARED.get(value)
    return _remember(_SHARED, value, value, 100_000) if hit is None else hit


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
        return [{r.id for r in rules if cond.evaluate(r.condition, fact, day, self.ruleset.param)} for fact, day in zip(facts, days)]


def make_backend(ruleset: RuleSet, kind: str = "durable") -> Backend:
    if kind == "durable":
        from .durable_backend import DurableBackend

        return DurableBackend(ruleset)
    if kind == "referentie":
        return ReferenceBackend(ruleset)
    raise ValueError(f"unknown backend {kind!r}")


def render(text: str, facts: dict) -> str:
    """Fill `{veld}` placeholders with the melding's facts (names were checked at load), in the
    reader's words: labels from the catalogue, not codes."""
    return PLACEHOLDER.sub(lambda m: value_text(m.group(1), facts.get(m.group(1))), text)


def _plain(value: Any) -> Any:
    """A fact as the uitleg keeps it: plain str for enum members, lists for tuples."""
    if isinstance(value, tuple):
        return [str(v) for v in value]
    return str(value) if isinstance(value, str) else value


@dataclass(frozen=True, slots=True)
class Outcome:
    """The decisions of an advies without its explanation: what `compare` counts."""

    urgentie: str
    route: str
    fase: str
    thv: str
    agenderen: bool
    afstemming: tuple[str, ...]
    partners: tuple[str, ...]
    interventies: tuple[str, ...]
    indicatoren: tuple[str, ...]
    rules: tuple[str, ...]


class Engine:
    """Compile once, evaluate many."""

    def __init__(self, ruleset: RuleSet, backend: str = "durable", label: str | None = None):
        self.ruleset = ruleset
        self.label = label or ruleset.regio or "landelijk"
        self.backend = make_backend(ruleset, backend)
        self._order = {r.id: i for i, r in enumerate(ruleset.rules)}
        self._by_id = {r.id: r for r in ruleset.rules}
        self._info = ruleset.info()
        self._signature = {
            r.id: hashlib.sha256(
                repr((r.id, r.title, r.reason, r.source, r.condition, r.effects.thv.reden if r.effects.thv else None)).encode()
            ).hexdigest()
            for r in ruleset.rules
        }
        self._small_cache: dict[tuple, Any] = {}  # Thv / ActieOverleg objects: few distinct values
        # Single-valued effects as plain values, per rule, for the hit policies.
        self._singles = {r.id: [(k, getattr(v, "value", v)) for k, v in r.singles.items()] for r in ruleset.rules}
        self._adds = {
            r.id: [(name, frozenset(v.value for v in getattr(r.effects, name))) for name in LIST_OUTPUTS if getattr(r.effects, name)]
            for r in ruleset.rules
        }
        self._enum = {name: {v.value: v for v in enum} for name, enum in OUTPUTS.items()}
        self._sources = {r.id: reader_source(r.source) for r in ruleset.rules}  # seed document and section
        self._dated = {r.id for r in ruleset.rules if cond.uses_parameters(r.condition)}
        self._branches = {r.id: getter(cond.branch_fields(r.condition)) for r in ruleset.rules}
        # What an explanation is cached by: the rule's content, the facts it shows, dated or not.
        self._explain_keys = {r.id: (self._signature[r.id], getter(r.shown_fields), r.id in self._dated) for r in ruleset.rules}
        self._epochs: dict[date, int] = {}
        self._day_deadlines: dict[date, tuple[int, str, str | None]] = {}
        self._score_rules = {r.id for r in ruleset.rules if "score.band" in r.fields_used}
        self._strata = ruleset.strata
        self._grown: dict[frozenset[str], dict[str, frozenset[str]]] = {}
        self._final: dict[frozenset[str], tuple[dict[str, tuple[str, ...]], tuple[Rule, ...]]] = {}
        self._outcomes: dict[frozenset[str], Outcome] = {}
        # Which rules fire in stratum k depends on the melding, the conditions (parameters folded in)
        # of strata 0..k and the outputs strata before k add: engines agreeing on all of that fire
        # alike there (most regions differ from the national rules in a later stratum or in
        # parameters alone). `compare` evaluates such a stratum once for all of them.
        self._prefix_keys: list[str] = []
        digest = hashlib.sha256(self.backend.name.encode())
        for stratum in self._strata:
            for r in stratum:
                read = sorted((name, sorted(ruleset.parameters[name].waarden.items())) for name in cond.parameters_in(r.condition))
                digest.update(repr((r.id, r.condition, read, sorted(self._adds[r.id]))).encode())
            digest.update(b"|")
            self._prefix_keys.append(digest.copy().hexdigest())

    def fired_rules(
        self, meldingen: list[schema.Melding], base_facts: list[dict] | None = None, bands: list[str | None] | None = None
    ) -> list[tuple[dict, list[Rule]]]:
        """The domain facts (with derived outputs) and the rules that fired, per melding.
        `base_facts` (from fields.domain_facts) may be shared between engines; they are copied.
        `bands` are the risk score bands, when scoring is on."""
        return [(f, list(self._after(ids)[1])) for f, ids in self._fire(meldingen, base_facts, bands)]

    def _fire(
        self,
        meldingen: list[schema.Melding],
        base_facts: list[dict] | None = None,
        bands: list[str | None] | None = None,
        shared: dict[str, list[set[str]]] | None = None,
    ) -> list[tuple[dict, frozenset[str]]]:
        """Facts (outputs in catalogue order) and the set of fired rules, per melding. `shared`: what
        each stratum fired for these meldingen and base facts, by prefix key, across engines."""
        facts: list[dict[str, Any]] = []
        nothing = self._so_far(_NOTHING)
        for i, m in enumerate(meldingen):
            f: dict[str, Any] = dict(base_facts[i]) if base_facts is not None else domain_facts(m)
            if bands is not None:
                f["score.band"] = bands[i]
            f.update(nothing)  # the outputs grow stratum by stratum: facts for the next one
            facts.append(f)
        days = [received_day(m) for m in meldingen]
        fired = [_NOTHING] * len(meldingen)
        last = len(self._strata) - 1
        for index in range(len(self._strata)):
            key = self._prefix_keys[index]
            results = shared.get(key) if shared is not None else None
            if results is None:
                results = self.backend.fire(index, facts, days)
                if shared is not None:
                    shared[key] = results
            for i, new in enumerate(results):
                if new:
                    fired[i] = now = fired[i] | new
                    if index < last:
                        facts[i].update(self._so_far(now))
        for f, ids in zip(facts, fired):
            f.update(self._after(ids)[0])
        return list(zip(facts, fired))

    # What a set of fired rules gives is worked out once per distinct set: sets repeat a lot.
    def _so_far(self, ids: frozenset[str]) -> dict[str, frozenset[str]]:
        """The list outputs these rules add, as facts for a later stratum."""
        hit = self._grown.get(ids)
        if hit is None:
            adds: dict[str, set[str]] = {name: set() for name in LIST_OUTPUTS}
            for rid in ids:
                for name, values in self._adds[rid]:
                    adds[name] |= values
            hit = _remember(self._grown, ids, {name: _shared(frozenset(values)) for name, values in adds.items()}, _CACHE_LIMIT)
        return hit

    def _after(self, ids: frozenset[str]) -> tuple[dict[str, tuple[str, ...]], tuple[Rule, ...]]:
        """The list outputs in catalogue order, and the rules in file order."""
        hit = self._final.get(ids)
        if hit is None:
            outputs = {
                name: _shared(tuple(sorted(values, key=_LIST_ORDER[name].__getitem__))) for name, values in self._so_far(ids).items()
            }
            rules = tuple(sorted((self._by_id[r] for r in ids), key=lambda r: self._order[r.id]))
            hit = _remember(self._final, ids, (outputs, rules), _CACHE_LIMIT)
        return hit

    def outcomes(
        self, meldingen: list[schema.Melding], base_facts: list[dict] | None = None, shared: dict[str, list[set[str]]] | None = None
    ) -> list[Outcome]:
        """Decisions only (no explanation or deadlines): cheaper, for comparing variants at scale.
        They follow from the set of fired rules alone, so each distinct set is decided once.
        `shared` (one dict per batch and `base_facts`) lets engines share strata they agree on."""
        out = []
        known = self._outcomes
        for facts, ids in self._fire(meldingen, base_facts, shared=shared):
            hit = known.get(ids)
            if hit is None:
                rules = self._after(ids)[1]
                singles = self._single_values(rules)
                outcome = Outcome(
                    urgentie=self._decide("urgentie", singles.get("urgentie", [])),
                    route=self._decide("route", singles.get("route", [])),
                    fase=self._decide("fase", singles.get("fase", [])),
                    thv=self._decide("thv", singles.get("thv", [])),
                    agenderen="actie_overleg" in facts["afstemming"],
                    afstemming=facts["afstemming"],
                    partners=facts["partners"],
                    interventies=facts["interventies"],
                    indicatoren=facts["indicatoren"],
                    rules=tuple(r.id for r in rules),
                )
                hit = _remember(known, ids, outcome, _CACHE_LIMIT)
            out.append(hit)
        return out

    def _single_values(self, rules: Sequence[Rule]) -> dict[str, list[Any]]:
        singles: dict[str, list[Any]] = {}
        for rule in rules:
            for name, value in self._singles[rule.id]:
                singles.setdefault(name, []).append(value)
        return singles

    def evaluate(self, meldingen: list[schema.Melding], scores: Sequence[schema.Score | None] | None = None) -> list[schema.Advies]:
        bands = [s.band.value if s else None for s in scores] if scores is not None else None
        advies = [self._combine(m, f, self._after(ids)[1]) for m, (f, ids) in zip(meldingen, self._fire(meldingen, bands=bands))]
        if scores is not None:
            for a, s in zip(advies, scores):
                a.score = s
        return advies

    # --- combining ---------------------------------------------------------------------------

    def _decide(self, output: str, values: list[Any]) -> Any:
        """Apply the output's hit policy to the values fired rules gave it (in rule order)."""
        decision = self.ruleset.decisions.get(output)
        if not values:
            return decision.standaard if decision else None
        if decision is None or decision.beleid in ("eerste", "uniek") or len(values) == 1:
            return values[0]  # rules check reports where `uniek` is violated
        if decision.beleid == "prioriteit":
            order = decision.volgorde or _ENUM_ORDER.get(output, [])
            return min(values, key=lambda v: order.index(v) if v in order else len(order))
        rank = decision.volgorde or _ENUM_ORDER.get(output)
        keyf = (lambda v: rank.index(v)) if rank else (lambda v: v)
        return max(values, key=keyf) if decision.beleid == "maximum" else min(values, key=keyf)

    def _small(self, model, **values):
        key = (model.__name__,) + tuple(values.values())
        hit = self._small_cache.get(key)
        if hit is None:
            if "redenen" in values:
                values["redenen"] = list(values["redenen"])
            hit = self._small_cache[key] = model.model_construct(**values)
        return hit

    def _epoch(self, day: date) -> int:
        """Days with the same parameter values share one number: the facts that made a rule fire depend
        on the day only through them (a validity date adds no fact), so the cache holds per period."""
        epoch = self._epochs.get(day)
        if epoch is None:
            values = tuple((name, repr(self.ruleset.param(name, day))) for name in sorted(self.ruleset.parameters))
            epoch = self._epochs[day] = _PARAMETER_PERIODS.setdefault(values, len(_PARAMETER_PERIODS))
        return epoch

    def _explain(self, rule: Rule, facts: dict, day: date) -> tuple[schema.Uitleg, str | None]:
        """The rule's uitleg and THV reason for these facts; cached, as they repeat a lot (per day
        only for rules whose tests read dated parameters)."""
        signature, shown, dated = self._explain_keys[rule.id]
        key = (signature, shown(facts), self._epoch(day) if dated else None)
        hit = _EXPLANATIONS.get(key)
        if hit is None:
            # Which facts were decisive depends only on the facts under an `een_van`/`minstens`:
            # far fewer combinations than the facts the uitleg shows.
            branch = self._branches[rule.id]
            why_key = (signature, branch(facts), key[2])
            why = _DECISIVE.get(why_key)
            if why is None:
                why = _remember(_DECISIVE, why_key, cond.decisive(rule.condition, facts, day, self.ruleset.param), 100_000)
            # Built without re-validation: every value is a str, a plain fact or a list of str.
            uitleg = schema.trusted(
                schema.Uitleg,
                {
                    "regel": rule.id,
                    "titel": rule.title,
                    "reden": render(rule.reason, facts),
                    "feiten": {name: _plain(facts[name]) for name in rule.fields_used},
                    "bron": self._sources[rule.id],
                    "waarom": [fact_sentence(name, facts.get(name)) for name in why],
                },
            )
            thv_reason = render(rule.effects.thv.reden, facts) if rule.effects.thv else None
            hit = _remember(_EXPLANATIONS, key, (uitleg, thv_reason), 400_000)  # bounded: distinct fact combinations are few
        return hit

    def _combine(self, melding: schema.Melding, facts: dict, rules: Sequence[Rule]) -> schema.Advies:
        singles = self._single_values(rules)
        day = received_day(melding)
        explained = [self._explain(r, facts, day) for r in rules]
        thv = self._decide("thv", singles.get("thv", []))
        thv_reasons = [reason for r, (_, reason) in zip(rules, explained) if reason is not None and r.singles["thv"] == thv]
        afstemming = facts["afstemming"]
        on_agenda = schema.Afstemming.actie_overleg.value in afstemming
        urgentie = self._decide("urgentie", singles.get("urgentie", []))
        raised_by_score = False
        if self._score_rules and any(r.id in self._score_rules for r in rules):  # the score is a second opinion: say when it decided
            without = self._single_values([r for r in rules if r.id not in self._score_rules])
            raised_by_score = self._decide("urgentie", without.get("urgentie", [])) != urgentie
        route = self._decide("route", singles.get("route", []))
        termijnen = self._deadlines(melding, facts, urgentie, on_agenda)
        enum = self._enum
        # Every value below is already valid (enum members from validated rule files), so the
        # Advies is assembled without re-validating it field by field.
        return schema.trusted(
            schema.Advies,
            dict(
                melding_id=melding.melding_id,
                regio=self.label,
                samenvatting=summarise(urgentie, afstemming, facts["indicatoren"], route, thv, termijnen, day, raised_by_score),
                regelset=self._info,
                urgentie=schema.Urgentie(urgentie),
                route=schema.Route(route),
                afstemming=[enum["afstemming"][v] for v in afstemming],
                partners=[enum["partners"][v] for v in facts["partners"]],
                interventies=[enum["interventies"][v] for v in facts["interventies"]],
                thv=self._small(schema.Thv, beoordeling=schema.ThvBeoordeling(thv), redenen=tuple(thv_reasons)),
                fase=schema.Fase(self._decide("fase", singles.get("fase", []))),
                actie_overleg=self._small(
                    schema.ActieOverleg,
                    agenderen=on_agenda,
                    prioriteit=self._decide("actie_overleg.prioriteit", singles.get("actie_overleg.prioriteit", [])) if on_agenda else None,
                ),
                uitleg=[u for u, _ in explained],
                score=None,
                indicatoren=[enum["indicatoren"][v] for v in facts["indicatoren"]],
                termijnen=termijnen,
                casus=None,
            ),
        )

    def _deadlines(self, melding: schema.Melding, facts: dict, urgentie: str, on_agenda: bool) -> schema.Termijnen:
        """Deadlines in Dutch time. Sizes are dated parameters (ovj_termijn_uren, vt_termijn_werkdagen)
        when the rule set has them; at ZSM, VT's veiligheidsbeoordeling must inform the OvJ's decision,
        so its deadline is the OvJ's."""
        received = melding.ontvangen_op
        day = received.date()
        ovj_hours, vt_day, ao_day = self._day_deadlines.get(day) or self._deadlines_of(day)
        ovj = None
        if facts["verdachte.aangehouden"] and "vt_op_zsm" in facts["afstemming"]:
            ovj = deadlines.ovj_deadline(received, ovj_hours).isoformat()
        vt = None
        # VT assesses safety for every case it gets: asked for (veiligheidsbeoordeling) or reported to it (zorgmelding_vt)
        if "veiligheidsbeoordeling" in facts["interventies"] or "zorgmelding_vt" in facts["interventies"]:
            vt = day.isoformat() if urgentie == "acuut" else ovj if ovj is not None else vt_day
        ao = ao_day if on_agenda else None
        if ovj is None and vt is None and ao is None:
            return _NO_DEADLINES
        return schema.trusted(
            schema.Termijnen, {"ovj_beslissing_uiterlijk": ovj, "vt_veiligheidsbeoordeling_uiterlijk": vt, "volgend_actie_overleg": ao}
        )

    def _deadlines_of(self, day: date) -> tuple[int, str, str | None]:
        """What a day of receipt fixes: the OvJ's hours, VT's last day, the next Actie-overleg."""
        params = self.ruleset.parameters
        hours = self.ruleset.param("ovj_termijn_uren", day) if "ovj_termijn_uren" in params else deadlines.OVJ_HOURS
        days = self.ruleset.param("vt_termijn_werkdagen", day) if "vt_termijn_werkdagen" in params else deadlines.VT_WORKING_DAYS
        ao = deadlines.next_weekday(day, self.ruleset.param("ao_weekdag", day)).isoformat() if "ao_weekdag" in params else None
        hit = self._day_deadlines[day] = (hours, deadlines.add_working_days(day, days).isoformat(), ao)
        return hit
