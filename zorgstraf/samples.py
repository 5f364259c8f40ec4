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
