"""The veiligheidsplan per casus and the casus over time (seed 004, Visie gefaseerd samenwerken;
CONTRACT.md, Additions 2026-12-06): the shared plan with its voorwaarden, the veiligheidsschaal
ratings over time, the phase of the casus from ratings and incidents, and the signals of what asks
for action now. The terms are dated parameters of the rule set (85_veiligheidsplan.yaml, a region may
change them); the signals' words, sources and examples are rules/beleid/veiligheid.yaml."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from . import schema, yamlfile
from .errors import ZorgstrafError

Fase = Literal["directe_veiligheid", "risicogestuurd", "herstelgericht"]
Soort = Literal["verdachte_heengezonden", "thv_opgelegd", "thv_verlengd", "gedragsaanwijzing_opgelegd", "voorwaarde_geschonden"]
SIGNALEN = (
    "toetsmoment_verstreken",
    "geen_stabiele_veiligheid",
    "voorwaarde_geschonden",
    "thv_loopt_af",
    "gedragsaanwijzing_loopt_af",
    "verdachte_heengezonden",
)


def _in_calendar(value: date) -> date:
    if not schema.FIRST_DAY <= value <= schema.LAST_DAY:
        raise ValueError(f"valt buiten {schema.FIRST_DAY.year}-{schema.LAST_DAY.year}")
    return value


Dag = Annotated[date, AfterValidator(_in_calendar)]


class Voorwaarde(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")] | None = None  # given by the server when left out
    tekst: Annotated[schema.Tekst, Field(min_length=1, max_length=1000)]
    status: Literal["open", "gerealiseerd", "geschonden"] = "open"


class PlanIn(BaseModel):
    """The whole plan as a PUT gives it."""

    model_config = ConfigDict(extra="forbid")
    onveilige_situaties: Annotated[list[Annotated[schema.Tekst, Field(min_length=1, max_length=1000)]], Field(max_length=20)] = Field(
        default_factory=list
    )
    voorwaarden: Annotated[list[Voorwaarde], Field(max_length=20)] = Field(default_factory=list)
    regie: schema.Partner | None = None  # who coordinates
    toetsmomenten: Annotated[list[Dag], Field(max_length=50)] = Field(default_factory=list)
    gevolgen_bij_schending: Annotated[schema.Tekst, Field(max_length=2000)] = ""


class Veiligheidsplan(PlanIn):
    gewijzigd_op: str  # ISO date-time, Europe/Amsterdam
    versie: int = 1


class BeoordelingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    datum: Dag
    schaal: Annotated[int, Field(ge=0, le=7)]  # 7 stands for 7 and 7+
    door: schema.Partner


class Beoordeling(BeoordelingIn):
    pass


class GebeurtenisIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    soort: Soort
    datum: Dag


class Signaal(BaseModel):
    code: str
    sinds: date
    reden: str
    bron: str


class DayRefused(ZorgstrafError):
    """A day that cannot be: a rating or event after today, a toetsmoment to check back before today."""


# --- the policy: signals' words and examples --------------------------------------------------------


class _SignaalTekst(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reden: str
    bron: str


class _Voorbeeld(BaseModel):
    model_config = ConfigDict(extra="forbid")
    naam: str
    peildatum: date
    incidenten: list[date] = Field(default_factory=list)
    beoordelingen: list[dict] = Field(default_factory=list)
    gebeurtenissen: list[GebeurtenisIn] = Field(default_factory=list)
    toetsmomenten: list[date] = Field(default_factory=list)
    fase: Fase
    signalen: list[str]


class VeiligheidBeleid(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bron: str
    signalen: dict[str, _SignaalTekst]
    voorbeelden: list[_Voorbeeld] = Field(default_factory=list)


@lru_cache(maxsize=8)
def policy(rules_dir: str | None = None) -> VeiligheidBeleid:
    from .variants import default_rules_dir

    doc = yamlfile.load(Path(rules_dir or default_rules_dir()) / "beleid" / "veiligheid.yaml")
    try:
        loaded = VeiligheidBeleid.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise doc.error(tuple(first["loc"]), f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    missing = [c for c in SIGNALEN if c not in loaded.signalen]
    if missing:
        raise doc.error(("signalen",), f"signalen: woorden ontbreken voor {', '.join(missing)}")
    return loaded


# --- phase and signals -------------------------------------------------------------------------------


@dataclass
class CasusStaat:
    """What the store knows of a casus over time, as the phase and the signals read it."""

    incidenten: list[date] = field(default_factory=list)  # days of its meldingen
    beoordelingen: list[Beoordeling] = field(default_factory=list)
    gebeurtenissen: list[GebeurtenisIn] = field(default_factory=list)
    plan: PlanIn | None = None


def _param(ruleset, name: str, day: date) -> int:
    return int(ruleset.param(name, day))


def fase(staat: CasusStaat, peildatum: date, ruleset) -> Fase:
    """Below 6 (or none) directe veiligheid; a 6 reached: risicogestuurd; herstelgericht only when the
    latest ratings are 7 at two moments at least the tussenpoos apart and no incident for the
    parameter's period; a new incident (or a broken condition) drops back: ratings before it no
    longer count."""
    incidents = [d for d in staat.incidenten if d <= peildatum]
    incidents += [g.datum for g in staat.gebeurtenissen if g.soort == "voorwaarde_geschonden" and g.datum <= peildatum]
    last_incident = max(incidents, default=None)
    ratings = sorted((b for b in staat.beoordelingen if b.datum <= peildatum), key=lambda b: b.datum)
    if last_incident is not None:
        ratings = [b for b in ratings if b.datum >= last_incident]
    if not ratings or ratings[-1].schaal < 6:
        return "directe_veiligheid"
    sevens: list[date] = []
    for b in reversed(ratings):  # the trailing run of 7s
        if b.schaal < 7:
            break
        sevens.append(b.datum)
    quiet = last_incident is None or (peildatum - last_incident).days >= _param(ruleset, "herstel_zonder_incident_dagen", peildatum)
    if len(sevens) >= 2 and (sevens[0] - sevens[-1]).days >= _param(ruleset, "herstel_tussenpoos_dagen", peildatum) and quiet:
        return "herstelgericht"
    return "risicogestuurd"


def signalen(staat: CasusStaat, peildatum: date, ruleset, rules_dir: str | None = None) -> list[Signaal]:
    """What asks for action on `peildatum`, oldest first."""
    words = policy(rules_dir).signalen
    out: list[Signaal] = []

    def add(code: str, sinds: date, **values) -> None:
        values = {k: (schema_date(v) if isinstance(v, date) else v) for k, v in values.items()}
        out.append(
            Signaal(code=code, sinds=sinds, reden=words[code].reden.strip().format(**values), bron=" ".join(words[code].bron.split()))
        )

    ratings = [b for b in staat.beoordelingen if b.datum <= peildatum]
    events = [g for g in staat.gebeurtenissen if g.datum <= peildatum]
    for moment in sorted(staat.plan.toetsmomenten if staat.plan else []):
        if moment < peildatum and not any(moment <= b.datum <= peildatum for b in ratings):
            add("toetsmoment_verstreken", moment, datum=moment)
    starts = [d for d in staat.incidenten if d <= peildatum] + [b.datum for b in ratings]
    if starts:
        start = min(starts)
        term = _param(ruleset, "stabiele_veiligheid_termijn_dagen", peildatum)
        if (peildatum - start).days > term and not any(b.schaal >= 6 for b in ratings):
            add("geen_stabiele_veiligheid", start + timedelta(days=term), dagen=term, datum=start)
    # a breach asks for action until safety is assessed again after it (or, in the plan, while a
    # voorwaarde stands as geschonden)
    broken = [d for d in (g.datum for g in events if g.soort == "voorwaarde_geschonden") if not any(b.datum >= d for b in ratings)]
    if broken or (staat.plan and any(v.status == "geschonden" for v in staat.plan.voorwaarden)):
        since = max(broken) if broken else peildatum
        add("voorwaarde_geschonden", since, datum=since)
    thv = [g.datum for g in events if g.soort == "thv_opgelegd"]
    if thv:
        start = max(thv)
        extended = any(g.soort == "thv_verlengd" and g.datum >= start for g in events)
        end = start + timedelta(days=_param(ruleset, "thv_duur_dagen", start) - 1)
        from_day = start + timedelta(days=_param(ruleset, "thv_signaal_vanaf_dag", start) - 1)
        if not extended and from_day <= peildatum <= end:
            add("thv_loopt_af", from_day, datum=start, einde=end, verlenging=_param(ruleset, "thv_verlenging_dagen", start))
    aanwijzing = [g.datum for g in events if g.soort == "gedragsaanwijzing_opgelegd"]
    if aanwijzing:
        start = max(aanwijzing)
        end = start + timedelta(days=_param(ruleset, "gedragsaanwijzing_duur_dagen", start))
        warn = end - timedelta(days=_param(ruleset, "gedragsaanwijzing_signaal_dagen", start))
        if warn <= peildatum <= end:
            add("gedragsaanwijzing_loopt_af", warn, datum=start, einde=end)
    sent_home = [g.datum for g in events if g.soort == "verdachte_heengezonden"]
    if sent_home:
        day = max(sent_home)
        if not any(b.datum >= day for b in ratings):
            add("verdachte_heengezonden", day, datum=day)
    return sorted(out, key=lambda s: (s.sinds, SIGNALEN.index(s.code)))


def schema_date(day: date) -> str:
    from .labels import dutch_date

    return dutch_date(day.isoformat())


# --- reading and changing a casus' plan (the use cases; scope as for every casus) -------------------


def _scoped(store, casus_id: str, key) -> int:
    from .casusview import scoped_casus

    return scoped_casus(store, casus_id, key)


def _not_after(day: date, today: date, what: str) -> None:
    if day > today:
        raise DayRefused(f"{what}: {day.isoformat()} ligt na vandaag ({today.isoformat()}); leg vast wat gebeurd is")


def put_plan(store, casus_id: str, plan: PlanIn, key, today: date) -> Veiligheidsplan:
    """A new version of the whole plan; a voorwaarde without id gets the next free one (V1, V2, ...)."""
    number = _scoped(store, casus_id, key)

    def make(previous: str | None) -> str:
        used = {v.id for v in plan.voorwaarden if v.id}
        if previous:
            used |= {v.get("id") for v in json.loads(previous).get("voorwaarden", []) if v.get("id")}
        n = 0
        voorwaarden = []
        for v in plan.voorwaarden:
            if v.id is None:
                n += 1
                while f"V{n}" in used:
                    n += 1
                used.add(f"V{n}")
                v = v.model_copy(update={"id": f"V{n}"})
            voorwaarden.append(v)
        return plan.model_copy(update={"voorwaarden": voorwaarden}).model_dump_json()

    row = store.save_plan(number, make, key.key_id if key is not None else "cli")
    return _plan_of(row)


def _plan_of(row) -> Veiligheidsplan:
    data = json.loads(row.inhoud)
    return Veiligheidsplan(**data, gewijzigd_op=schema.dutch_time(row.gewijzigd_op).isoformat(), versie=row.versie)


def add_beoordeling(store, casus_id: str, given: BeoordelingIn, key, today: date) -> Beoordeling:
    number = _scoped(store, casus_id, key)
    _not_after(given.datum, today, "datum")
    row = store.add_beoordeling(number, given.datum, given.schaal, given.door.value, key.key_id if key is not None else "cli")
    return Beoordeling(datum=row.datum, schaal=row.schaal, door=schema.Partner(row.door))


def add_gebeurtenis(store, casus_id: str, given: GebeurtenisIn, key, today: date) -> GebeurtenisIn:
    number = _scoped(store, casus_id, key)
    _not_after(given.datum, today, "datum")
    row = store.add_gebeurtenis(number, given.soort, given.datum, key.key_id if key is not None else "cli")
    return GebeurtenisIn(soort=row.soort, datum=row.datum)


def staat_of(store, number: int) -> tuple[CasusStaat, Veiligheidsplan | None]:
    versions = store.plan_versions(number)
    plan = _plan_of(versions[-1]) if versions else None
    incidents = sorted({schema.dutch_time(r.ontvangen_op).date() for r in store.casus_records(number)})
    staat = CasusStaat(
        incidenten=incidents,
        beoordelingen=[Beoordeling(datum=b.datum, schaal=b.schaal, door=schema.Partner(b.door)) for b in store.beoordelingen(number)],
        gebeurtenissen=[GebeurtenisIn(soort=g.soort, datum=g.datum) for g in store.gebeurtenissen(number)],  # type: ignore[arg-type]
        plan=plan,
    )
    return staat, plan


def handover(store, casus_id: str, regie: schema.Partner, toetsmoment: date, key, today: date) -> Veiligheidsplan:
    """An Actie-overleg outcome: the casus goes to (for instance) the local field, which takes the
    regie, with a toetsmoment to check back. A new version of the plan; everything else stays."""
    if toetsmoment < today:
        raise DayRefused(f"toetsmoment: {toetsmoment.isoformat()} ligt vóór vandaag; kies een dag om terug te kijken")
    number = _scoped(store, casus_id, key)
    versions = store.plan_versions(number)
    current = PlanIn.model_validate_json(versions[-1].inhoud) if versions else PlanIn()
    moments = sorted(set(current.toetsmomenten) | {toetsmoment})
    return put_plan(store, casus_id, current.model_copy(update={"regie": regie, "toetsmomenten": moments}), key, today)


def signals_for(store, numbers: set[int], day: date) -> dict[int, list[Signaal]]:
    """The signals of many casussen on `day` (the reader's inbox marks a casus that asks for action)."""
    from .triage import Triage

    runner = Triage()
    out: dict[int, list[Signaal]] = {}
    for number, raw in store.casus_states(numbers).items():
        if not raw["beoordelingen"] and not raw["gebeurtenissen"] and raw["plan"] is None:
            continue  # nothing kept of the casus over time: no signal can fire
        regions = sorted(r for r in raw["regios"] if r and r != "landelijk")
        staat = staat_from(raw)
        found = signalen(staat, day, runner.engine_for(regions[0] if len(regions) == 1 else None).ruleset)
        if found:
            out[number] = found
    return out


def staat_from(raw: dict) -> CasusStaat:
    """A casus over time from Store.casus_states (the rater's partner is not needed for phase or signals)."""
    return CasusStaat(
        incidenten=sorted(set(raw["incidenten"])),
        beoordelingen=[Beoordeling(datum=d, schaal=n, door=schema.Partner.veilig_thuis) for d, n in sorted(raw["beoordelingen"])],
        gebeurtenissen=[GebeurtenisIn(soort=k, datum=d) for d, k in sorted(raw["gebeurtenissen"])],
        plan=PlanIn.model_validate_json(raw["plan"]) if raw["plan"] else None,
    )
