"""Seeded generator of synthetic police meldingen (no real persons, ever).

Frequencies are rough orders of magnitude from the sources (shared/reference/domain.md §9 and
seed 002): most meldingen are partner violence, about a third involve an arrest, children are
present in a large share, few are acute. A latent severity per melding correlates the risk
factors the way they cluster in practice (a death threat rarely comes alone).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import schema

if TYPE_CHECKING:
    from .spreadsheet import Kolommen

INCIDENT_WEIGHTS = {
    "partnergeweld": 50,
    "ex_partnerstalking": 12,
    "kindermishandeling": 15,
    "ouderenmishandeling": 4,
    "eergerelateerd_geweld": 2,
    "seksueel_geweld": 3,
    "financiele_uitbuiting": 2,
    "intiem_terreur": 2,
    "overig_huiselijk_geweld": 7,
    "overig": 5,
}
BRON_WEIGHTS = {"politie": 80, "veilig_thuis": 6, "zsm": 6, "huisarts": 2, "school": 2, "ziekenhuis": 2, "overig": 2}
REGIONS = [r.value for r in schema.Regio]


def generate_one(rng: random.Random, index: int, start: datetime, span_days: int, prefix: str = "S") -> dict[str, Any]:
    severity = rng.betavariate(1.6, 4.0)  # most cases mild, a long tail of severe ones

    def p(base: float, weight: float = 0.0) -> bool:
        return rng.random() < min(0.98, base + weight * severity)

    kinds = rng.choices(list(INCIDENT_WEIGHTS), weights=list(INCIDENT_WEIGHTS.values()))
    if rng.random() < 0.08:
        extra = rng.choices(list(INCIDENT_WEIGHTS), weights=list(INCIDENT_WEIGHTS.values()))[0]
        if extra not in kinds and "overig" not in (extra, kinds[0]):
            kinds.append(extra)
    moment = start + timedelta(seconds=rng.randrange(span_days * 86400))
    moment = moment.replace(tzinfo=schema.AMSTERDAM)  # Dutch wall-clock time, with the right offset on either side of a clock change
    n_children = rng.choices([0, 1, 2, 3, 4], weights=[52, 20, 17, 8, 3])[0]
    if "kindermishandeling" in kinds:
        n_children = max(1, n_children)
    stalking = "ex_partnerstalking" in kinds
    melding: dict[str, Any] = {
        "melding_id": f"{prefix}{index:06d}",
        "ontvangen_op": moment.isoformat(),
        "regio": rng.choice(REGIONS) if rng.random() < 0.9 else None,
        "bron": rng.choices(list(BRON_WEIGHTS), weights=list(BRON_WEIGHTS.values()))[0],
        "incidentsoort": kinds,
        "hg_label": p(0.25, 0.4) and kinds != ["overig"],
        "acuut_gevaar": p(0.01, 0.25),
        "vermoeden_strafbare_km": "kindermishandeling" in kinds and p(0.05, 0.5),
        "eerder_besproken_actie_overleg": p(0.03, 0.2),
        "eerdere_vt_meldingen": rng.choices([0, 1, 2, 3, 5], weights=[55, 20, 12, 8, 5])[0],
        "lopende_hulpverlening": p(0.25, 0.2),
    }
    if rng.random() < 0.35:
        melding["veiligheidsschaal"] = max(0, min(7, round(rng.gauss(6.5 - 6 * severity, 1.2))))
    if stalking:
        if rng.random() < 0.7:
            melding["sash"] = rng.choices(["laag", "midden", "hoog"], weights=[1 - severity, 0.6, 0.2 + severity])[0]
    elif rng.random() < 0.03:
        melding["sash"] = rng.choice(["laag", "midden", "hoog"])
    if rng.random() < 0.88:
        minor = "kindermishandeling" not in kinds and rng.random() < 0.06
        melding["verdachte"] = {
            "aangehouden": p(0.2, 0.5),
            "parketnummer": p(0.2, 0.5),
            "minderjarig": minor,
            "woont_met_slachtoffer": (not stalking) and rng.random() < 0.65,
            "wapen": rng.choices(["geen", "dreiging", "gebruikt"], weights=[1.0, 0.05 + 0.3 * severity, 0.02 + 0.2 * severity])[0],
            "doodsbedreiging": p(0.02, 0.3),
            "verwurging": p(0.01, 0.2),
            "letsel": rng.choices(
                ["geen", "licht", "ernstig"], weights=[1.0 - severity * 0.6, 0.3 + severity * 0.5, 0.02 + severity * 0.3]
            )[0],
            "eerdere_incidenten_12m": min(12, int(rng.expovariate(1.0 / (0.4 + 4 * severity)))),
            "schending_afspraken": p(0.02, 0.25),
            "middelengebruik": p(0.12, 0.25),
            "psychische_problematiek": p(0.1, 0.25),
            "lvb": p(0.05, 0.1),
            "zorgmijdend": p(0.05, 0.25),
        }
    melding["slachtoffer"] = {
        "in_opvang": p(0.02, 0.15),
        "zwanger": rng.random() < 0.02,
        "angst_ernstig": p(0.1, 0.5),
    }
    if n_children:
        melding["kinderen"] = {
            "aantal_minderjarig": n_children,
            "getuige": p(0.25, 0.3),
            "slachtoffer": "kindermishandeling" in kinds or p(0.02, 0.1),
            "verblijfplaats_onbekend": p(0.005, 0.03),
        }
    melding["toelichting"] = "Synthetische melding, geen echte persoon."
    return melding


def generate(n: int, seed: int = 2026, start: str = "2026-01-01T00:00:00", span_days: int = 300, prefix: str = "S") -> list[dict[str, Any]]:
    """`n` synthetic meldingen; the same seed always gives the same list."""
    rng = random.Random(seed)
    begin = datetime.fromisoformat(start)
    return [generate_one(rng, i + 1, begin, span_days, prefix) for i in range(n)]


def flatten(melding: dict[str, Any]) -> dict[str, Any]:
    """Dotted CSV columns, lists joined with '|' (the contract's CSV shape)."""
    row: dict[str, Any] = {}
    for key, value in melding.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                row[f"{key}.{sub}"] = inner
        elif isinstance(value, list):
            row[key] = "|".join(value)
        else:
            row[key] = value
    return {k: ("" if v is None else str(v).lower() if isinstance(v, bool) else v) for k, v in row.items()}


def to_csv(meldingen: list[dict[str, Any]], stream) -> None:
    import csv

    rows = [flatten(m) for m in meldingen]
    columns = list(dict.fromkeys(c for r in rows for c in r))
    writer = csv.DictWriter(stream, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def to_querylijst(meldingen: list[dict[str, Any]], mapping: "Kolommen") -> list[dict[str, Any]]:
    """The meldingen as rows of a police query export described by `mapping` (for samples, tests
    and benchmarks): the export's headers, its value words, Dutch dates and Ja/Nee."""
    from datetime import datetime as _dt

    back = {field: {v: k for k, v in table.items()} for field, table in mapping.waarden.items()}
    rows = []
    for m in meldingen:
        flat: dict[str, Any] = {}
        for key, value in m.items():
            if isinstance(value, dict):
                flat.update({f"{key}.{k}": v for k, v in value.items()})
            else:
                flat[key] = value
        row: dict[str, Any] = {}
        for header, target in mapping.kolommen.items():
            value = flat.get(target)
            words = back.get(target, {})
            if value is None:
                row[header] = None
            elif target == "ontvangen_op":
                row[header] = _dt.fromisoformat(value).astimezone(schema.AMSTERDAM).replace(tzinfo=None, second=0)  # exports show minutes
            elif isinstance(value, bool):
                row[header] = "Ja" if value else "Nee"
            elif isinstance(value, list):
                row[header] = ", ".join(str(words.get(v, v)) for v in value)
            else:
                row[header] = words.get(value, value)
        for header in mapping.negeer:
            row[header] = "n.v.t."
        rows.append(row)
    return rows


DEPARTURE_REASONS = [
    "Veiligheidsplan werkt; geen overleg nodig",
    "Ernstiger dan de melding zegt: buren melden nieuwe bedreigingen",
    "Casus loopt al bij het Zorg- en Veiligheidshuis",
    "Slachtoffer verhuisd naar de opvang",
]
AGREEMENTS = [
    ("veilig_thuis", "Huisbezoek en veiligheidsplan"),
    ("politie", "Wijkagent spreekt verdachte aan"),
    ("om", "OvJ beoordeelt gedragsaanwijzing"),
    ("reclassering", "Hulp bij agressie aanbieden"),
    ("rvdk", "Raadsonderzoek naar de kinderen"),
]


def generate_history(
    store, casussen: int = 300, years: int = 2, start: str = "2024-01-01T08:00:00+01:00", seed: int = 2026, regions: list[str] | None = None
) -> dict[str, int]:
    """A synthetic multi-year store as the product would build it: casussen (linked by keys) whose
    meldingen are triaged in time order through the real use case, weekly Actie-overleggen per region
    that are closed by their chair with agreements made (later done, withdrawn, or left to go
    overdue), and professionals' besluiten that sometimes depart from the advies. Counts back."""
    from . import agenda, usecases
    from .settings import ApiKey
    from .triage import Triage

    rng = random.Random(seed)
    begin = datetime.fromisoformat(start)
    span = 365 * years
    regions = regions or REGIONS
    chair = ApiKey(key="generator-voorzitter", roles=frozenset({"voorzitter"}))
    meldingen: list[dict[str, Any]] = []
    for c in range(casussen):
        regio = rng.choice(regions)
        moment = begin + timedelta(days=rng.uniform(0, span * 0.9))
        for k in range(max(1, min(12, int(rng.expovariate(1 / 1.6)) + 1))):
            m = generate_one(rng, len(meldingen) + 1, moment, 1, prefix="H")
            m.update(ontvangen_op=moment.isoformat(), regio=regio, casus_sleutels=[f"generator-casus-{seed}-{c:06d}"])
            for field in ("eerder_besproken_actie_overleg", "eerdere_vt_meldingen"):
                m.pop(field, None)  # the store knows these
            if m.get("verdachte"):
                m["verdachte"].pop("eerdere_incidenten_12m", None)
            meldingen.append(m)
            moment += timedelta(days=rng.expovariate(1 / 45))
            if moment > begin + timedelta(days=span):
                break
    meldingen.sort(key=lambda m: m["ontvangen_op"])
    runner = Triage()
    counts = {"meldingen": 0, "overleggen": 0, "afspraken": 0, "besluiten": 0}
    pending: list[Any] = []  # agreements still open, to be done or withdrawn later
    week_done: set[tuple[str, str]] = set()
    for i in range(0, len(meldingen), 200):
        batch = [schema.Melding.model_validate(m) for m in meldingen[i : i + 200]]
        for melding, advies, failure, _ in usecases.triage_and_record(runner, batch, store, "generator"):
            if failure is not None or advies is None:
                continue
            counts["meldingen"] += 1
            if rng.random() < 0.04:
                store.add_besluit(
                    melding.melding_id,
                    schema.BesluitIn(volgt_advies=False, wat="Anders besloten", waarom=rng.choice(DEPARTURE_REASONS)),
                    "generator",
                )
                counts["besluiten"] += 1
        # every week that lies wholly before the newest melding: meetings per region, in order
        newest = batch[-1].ontvangen_op.date()
        weeks = sorted(
            {agenda.week_of(schema.Melding.model_validate(m).ontvangen_op.date() + timedelta(days=7)) for m in meldingen[i : i + 200]}
        )
        for week in weeks:
            first_day, last_day = agenda.week_bounds(week)
            if last_day >= newest:
                continue
            for regio in regions:
                if (regio, week) in week_done:
                    continue
                week_done.add((regio, week))
                ruleset = runner.engine_for(regio).ruleset
                result = agenda.build_from_store(store, regio, week, ruleset)
                if not result.items:
                    continue
                for item in result.items:
                    n = rng.choice([0, 1, 1, 2])
                    made = (
                        usecases.record_afspraken(
                            store,
                            item.melding_id,
                            [
                                {"wie": w, "wat": t, "uiterlijk": first_day + timedelta(days=rng.choice([7, 14, 28]))}
                                for w, t in rng.sample(AGREEMENTS, n)
                            ],
                            chair,
                            limit=50,
                        )
                        if n
                        else []
                    )
                    pending.extend(made)
                    counts["afspraken"] += len(made)
                usecases.close_meeting(store, regio, week, ruleset, chair, on=last_day)
                counts["overleggen"] += 1
        keep = []
        for a in pending:  # later: most agreements are kept, some withdrawn, some left open (overdue)
            roll = rng.random()
            if roll < 0.55:
                store.set_status(a.id, "gedaan", chair.key_id)
            elif roll < 0.63:
                store.set_status(a.id, "ingetrokken", chair.key_id, "niet meer nodig")
            elif roll < 0.75:
                keep.append(a)
        pending = keep
    return counts
