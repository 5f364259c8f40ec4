"""`rules test` (the examples written beside each rule) and `rules check` (static checks)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import schema
from .engine import Engine
from .ruleset import SINGLE_OUTPUTS, RuleSet, Verwachting


def unmet(advies: schema.Advies, expect: Verwachting) -> list[str]:
    """What in `advies` does not meet `expect`; empty when it all holds."""
    bad: list[str] = []
    order = schema.URGENTIE_ORDE
    if expect.urgentie and advies.urgentie != expect.urgentie:
        bad.append(f"urgentie {advies.urgentie.value} is niet {expect.urgentie.value}")
    if expect.urgentie_min and order[advies.urgentie] < order[expect.urgentie_min]:
        bad.append(f"urgentie {advies.urgentie.value} is lager dan {expect.urgentie_min.value}")
    if expect.route and advies.route != expect.route:
        bad.append(f"route {advies.route.value} is niet {expect.route.value}")
    if expect.route_in and advies.route not in expect.route_in:
        bad.append(f"route {advies.route.value} niet in {[r.value for r in expect.route_in]}")
    if expect.thv and advies.thv.beoordeling != expect.thv:
        bad.append(f"thv {advies.thv.beoordeling.value} is niet {expect.thv.value}")
    if expect.fase and advies.fase != expect.fase:
        bad.append(f"fase {advies.fase.value} is niet {expect.fase.value}")
    if expect.agenderen is not None and advies.actie_overleg.agenderen != expect.agenderen:
        bad.append(f"agenderen {advies.actie_overleg.agenderen} is niet {expect.agenderen}")
    for name in ("afstemming", "partners", "interventies"):
        have = {v.value for v in getattr(advies, name)}
        missing = {v.value for v in getattr(expect, f"{name}_bevat")} - have
        if missing:
            bad.append(f"{name} mist {sorted(missing)}")
        extra = {v.value for v in getattr(expect, f"{name}_niet")} & have
        if extra:
            bad.append(f"{name} bevat ten onrechte {sorted(extra)}")
        equal = getattr(expect, f"{name}_gelijk")
        if equal is not None and have != {v.value for v in equal}:
            bad.append(f"{name} {sorted(have)} is niet {sorted(v.value for v in equal)}")
    return bad


@dataclass
class TestReport:
    passed: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)


def run_examples(ruleset: RuleSet, engine: Engine | None = None) -> TestReport:
    """Run every rule's examples (and a region's own examples) through the real engine."""
    engine = engine or Engine(ruleset)
    report = TestReport()
    groups: dict[tuple, list] = {}
    for rule in ruleset.rules:
        for ex in rule.examples:
            groups.setdefault(tuple(sorted((k, repr(v)) for k, v in ex.parameters.items())), []).append((rule, ex))
    for key, cases in groups.items():
        eng = engine if not key else Engine(ruleset.with_parameters(cases[0][1].parameters))
        meldingen = [ex.melding for _, ex in cases]
        scores = [schema.Score(punten=0, band=ex.score_band, bijdragen={}) if ex.score_band else None for _, ex in cases]
        bands = [ex.score_band for _, ex in cases]
        for (rule, ex), (_, fired), adv in zip(cases, eng.fired_rules(meldingen, bands=bands), eng.evaluate(meldingen, scores)):
            did_fire = any(r.id == rule.id for r in fired)
            problems = (
                [] if did_fire == ex.fires else [f"regel vuurt {'wel' if did_fire else 'niet'}, verwacht: {'wel' if ex.fires else 'niet'}"]
            )
            _record(report, f"{ex.where}: {rule.id} '{ex.name}'", problems + unmet(adv, ex.expect))
    if ruleset.region_examples:
        meldingen = [ex.melding for ex in ruleset.region_examples]
        for rex, (_, fired), adv in zip(ruleset.region_examples, engine.fired_rules(meldingen), engine.evaluate(meldingen)):
            ids = {r.id for r in fired}
            problems = [f"{rid} vuurt niet" for rid in rex.fires if rid not in ids]
            problems += [f"{rid} vuurt wel" for rid in rex.not_fires if rid in ids]
            _record(report, f"{rex.where}: '{rex.name}'", problems + unmet(adv, rex.expect))
    return report


def _record(report: TestReport, label: str, problems: list[str]) -> None:
    if problems:
        report.failures.append(f"{label}: " + "; ".join(problems))
    else:
        report.passed += 1


def check(ruleset: RuleSet, probe: list[schema.Melding]) -> list[str]:
    """Static and sampled checks. Returns problems as `file:line: message` lines."""
    problems: list[str] = []
    for rule in ruleset.rules:
        fires = sum(ex.fires for ex in rule.examples)
        if fires == 0 or fires == len(rule.examples):
            problems.append(f"{rule.where}: regel {rule.id} heeft minstens één voorbeeld nodig waarin hij vuurt én één waarin niet")
    # A single-valued output that several rules set differently needs a declared hit policy.
    for output in SINGLE_OUTPUTS:
        writers = [(r, r.effects.single()[output]) for r in ruleset.rules if output in r.effects.single()]
        if len({str(v) for _, v in writers}) > 1 and output not in ruleset.decisions:
            ids = ", ".join(r.id for r, _ in writers)
            problems.append(
                f"{writers[0][0].where}: onopgelost conflict: {ids} zetten '{output}' verschillend en er is geen beslissing (hit policy) voor '{output}'"
            )
    # `uniek` promises that at most one value applies; look for a melding that breaks it.
    unique = [o for o, d in ruleset.decisions.items() if d.beleid == "uniek"]
    if unique and probe:
        engine = Engine(ruleset, backend="referentie")
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for melding, (_, fired) in zip(probe, engine.fired_rules(probe)):
            for output in unique:
                setters = [(r, r.effects.single()[output]) for r in fired if output in r.effects.single()]
                if len({str(v) for _, v in setters}) > 1:
                    setter_ids = tuple(r.id for r, _ in setters)
                    if (output, setter_ids) not in seen:
                        seen.add((output, setter_ids))
                        problems.append(
                            f"{setters[0][0].where}: onopgelost conflict: '{output}' is 'uniek' maar {', '.join(setter_ids)} vuren samen met verschillende waarden (bijv. melding {melding.melding_id})"
                        )
    return problems
