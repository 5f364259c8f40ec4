"""The Werkset Indicatoren (seed 002, Bijlage 2) from the store: per region and period, the
quantitative figures the store can compute, each with its definition and the Werkset heading it
belongs to. Counting happens in SQL (GROUP BY / COUNT over indexed columns); Python only folds
per-day and per-casus rows. Output: JSON, CSV, Markdown and HTML with charts (matplotlib SVG)."""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Date, and_, case, cast, func, select

from . import beleid, schema
from .errors import ConfigError
from .labels import dutch_date, label
from .storage import AdviesRecord, Afspraak, BesluitRecord, Overleg, OverlegZaak

MOMENTS = [a.value for a in schema.Afstemming]
HEADING = {
    "samen_op_in_acuut": "2. Samen op in acuut",
    "actie_overleg": "3. Actie-overleg",
    "vt_op_zsm": "4. Gezamenlijke aanpak huiselijk geweld door VT & ZSM",
    "strafbare_kindermishandeling": "5. Samenwerken bij Strafbare Kindermishandeling",
    "zorg_en_veiligheidshuis": "Zorg- en Veiligheidshuis (opschaling)",
    "lokaal_veld": "Lokaal veld",
}


@dataclass
class Figuur:
    id: str
    werkset: str  # the Werkset heading it belongs to
    titel: str
    definitie: str
    waarde: float | int | None
    eenheid: str = "aantal"  # aantal, procent, gemiddelde


@dataclass
class Rapport:
    regio: str
    van: str
    tot: str
    regelset_hash: list[str]
    meldingen: int
    figuren: list[Figuur] = field(default_factory=list)
    per_week: dict[str, dict[str, int]] = field(default_factory=dict)  # moment -> ISO week -> meldingen
    afwijkingen: list[tuple[str, int]] = field(default_factory=list)  # reason, count
    herhaling: dict[str, dict[str, float | int | None]] = field(default_factory=dict)
    opmerking: str = ""
    bron: str = ""

    @property
    def leeg(self) -> bool:
        return self.meldingen == 0


def _period(van: date, tot: date) -> tuple[datetime, datetime]:
    schema.check_day("van", van)
    schema.check_day("tot", tot)
    if tot < van:
        raise ConfigError(f"periode omgekeerd: --tot ({tot:%d-%m-%Y}) ligt vóór --van ({van:%d-%m-%Y})")
    start = datetime.combine(van, time(0), schema.AMSTERDAM).astimezone(timezone.utc)
    end = datetime.combine(tot + timedelta(days=1), time(0), schema.AMSTERDAM).astimezone(timezone.utc)
    return start, end


def _day(store):
    """The Dutch calendar day of ontvangen_op, in SQL (PostgreSQL converts the zone; SQLite stores UTC)."""
    if store.url.startswith("postgresql"):
        return cast(func.timezone("Europe/Amsterdam", AdviesRecord.ontvangen_op), Date)
    return func.date(AdviesRecord.ontvangen_op, "+1 hour")  # CET; summer time shifts one hour at night


def _safety_figures(store, regio: str, start: datetime, end: datetime, day: date) -> list[Figuur]:
    """The casussen of the period over time (seed 004): per phase on `day`, the days to a first 6,
    and the signals open on `day` (of casussen with a plan, a rating or an event)."""
    from . import veiligheid
    from .triage import Triage

    with store.sessions() as session:
        numbers = {
            n
            for (n,) in session.execute(
                select(AdviesRecord.casus)
                .where(
                    AdviesRecord.regio == regio,
                    AdviesRecord.ontvangen_op >= start,
                    AdviesRecord.ontvangen_op < end,
                    AdviesRecord.casus.is_not(None),
                )
                .distinct()
            )
        }
    ruleset = Triage().engine_for(regio).ruleset
    phases = {"directe_veiligheid": 0, "risicogestuurd": 0, "herstelgericht": 0}
    to_six: list[int] = []
    open_signals = 0
    for raw in store.casus_states(numbers).values():
        staat = veiligheid.staat_from(raw)
        phases[veiligheid.fase(staat, day, ruleset)] += 1
        first = min(staat.incidenten, default=None)
        six = next((b.datum for b in staat.beoordelingen if b.schaal >= 6 and b.datum <= day), None)
        if first is not None and six is not None and six >= first:
            to_six.append((six - first).days)
        if staat.beoordelingen or staat.gebeurtenissen or staat.plan:
            open_signals += len(veiligheid.signalen(staat, day, ruleset))
    heading = "Veiligheidsplan (Visie gefaseerd samenwerken)"
    out = [
        Figuur(
            f"casussen_{fase}",
            heading,
            f"Casussen in de fase {label('fase', fase)}",
            f"Casussen met een melding in de periode, naar hun fase op {day:%d-%m-%Y} (uit beoordelingen en incidenten; zonder beoordeling: directe veiligheid).",
            n,
        )
        for fase, n in phases.items()
    ]
    out.append(
        Figuur(
            "dagen_tot_een_6",
            heading,
            "Dagen van de eerste melding tot een 6",
            "Gemiddeld aantal dagen van de eerste melding van de casus tot de eerste beoordeling met minstens een 6; alleen casussen die een 6 bereikten.",
            round(sum(to_six) / len(to_six), 1) if to_six else None,
            "gemiddelde",
        )
    )
    out.append(
        Figuur(
            "signalen_open",
            heading,
            "Signalen open",
            f"Signalen (toetsmoment verstreken, geen 6 binnen de termijn, geschonden voorwaarde, ...) die op {day:%d-%m-%Y} om actie vragen.",
            open_signals,
        )
    )
    return out


def report(store, regio: str, van: date, tot: date, today: date | None = None) -> Rapport:
    start, end = _period(van, tot)
    today = today or datetime.now(schema.AMSTERDAM).date()
    policy = beleid.indicatoren()
    newest = (
        select(func.max(AdviesRecord.id).label("id"))
        .where(AdviesRecord.regio == regio, AdviesRecord.ontvangen_op >= start, AdviesRecord.ontvangen_op < end)
        .group_by(AdviesRecord.melding_id)
        .subquery()
    )
    a = AdviesRecord
    has = {m: a.afstemming.like(f"%|{m}|%") for m in MOMENTS}
    with store.sessions() as session:
        row = session.execute(
            select(
                func.count(),
                *[func.sum(case((has[m], 1), else_=0)) for m in MOMENTS],
                func.sum(case((and_(has["vt_op_zsm"], a.kantoortijd.is_(True)), 1), else_=0)),
                func.sum(case((and_(has["vt_op_zsm"], a.kantoortijd.is_(False)), 1), else_=0)),
                func.count(func.distinct(a.casus)),
            ).where(a.id.in_(select(newest.c.id)))
        ).one()
        total, per_moment = int(row[0] or 0), {m: int(row[1 + i] or 0) for i, m in enumerate(MOMENTS)}
        zsm_in, zsm_out, casussen = int(row[-3] or 0), int(row[-2] or 0), int(row[-1] or 0)
        day = _day(store).label("dag")
        daily = session.execute(
            select(day, *[func.sum(case((has[m], 1), else_=0)) for m in MOMENTS]).where(a.id.in_(select(newest.c.id))).group_by(day)
        ).all()
        hashes = [h for (h,) in session.execute(select(a.regelset_hash).where(a.id.in_(select(newest.c.id))).distinct()).all()]
        meetings = session.execute(
            select(func.count(func.distinct(Overleg.id)), func.count(OverlegZaak.id))
            .select_from(Overleg)
            .join(OverlegZaak, OverlegZaak.overleg_id == Overleg.id, isouter=True)
            .where(Overleg.regio == regio, Overleg.datum >= van, Overleg.datum <= tot, Overleg.gesloten_op.is_not(None))
        ).one()
        partners = [p.value for p in schema.Partner]
        invites = session.execute(  # one pass over the region's discussed cases, a count per partner
            select(*[func.sum(case((OverlegZaak.partners.like(f"%|{p}|%"), 1), else_=0)) for p in partners])
            .select_from(OverlegZaak)
            .join(Overleg, OverlegZaak.overleg_id == Overleg.id)
            .where(Overleg.regio == regio, Overleg.datum >= van, Overleg.datum <= tot)
        ).one()
        invited = {p: int(n or 0) for p, n in zip(partners, invites)}
        f = Afspraak
        agreements = session.execute(
            select(
                func.count(),
                func.sum(case((f.status == "gedaan", 1), else_=0)),
                func.sum(case((f.status == "ingetrokken", 1), else_=0)),
                func.sum(case((and_(f.status == "open", f.uiterlijk < today), 1), else_=0)),
            ).where(f.regio == regio, f.overleg_datum >= van, f.overleg_datum <= tot)
        ).one()
        departures = session.execute(
            select(BesluitRecord.waarom, func.count())
            .join(AdviesRecord, BesluitRecord.advies_id == AdviesRecord.id)
            .where(
                AdviesRecord.regio == regio,
                AdviesRecord.ontvangen_op >= start,
                AdviesRecord.ontvangen_op < end,
                BesluitRecord.volgt_advies.is_(False),
            )
            .group_by(BesluitRecord.waarom)
            .order_by(func.count().desc())
            .limit(20)
        ).all()
        decisions = int(
            session.scalar(
                select(func.count())
                .select_from(BesluitRecord)
                .join(AdviesRecord, BesluitRecord.advies_id == AdviesRecord.id)
                .where(AdviesRecord.regio == regio, AdviesRecord.ontvangen_op >= start, AdviesRecord.ontvangen_op < end)
            )
            or 0
        )
        repeat = _repetition(session, regio, van, tot, start, end)
        observed_until = session.scalar(select(func.max(AdviesRecord.ontvangen_op)).where(AdviesRecord.regio == regio))

    per_week: dict[str, dict[str, int]] = {m: {} for m in MOMENTS}
    for d, *counts in daily:
        week = _week(d)
        for m, n in zip(MOMENTS, counts):
            per_week[m][week] = per_week[m].get(week, 0) + int(n or 0)
    n_meetings, n_cases = int(meetings[0] or 0), int(meetings[1] or 0)
    made, kept, withdrawn, overdue = (int(x or 0) for x in agreements)
    figures = [
        Figuur(
            "meldingen",
            "Alle afstemmingsmomenten",
            "Meldingen",
            "Meldingen van de regio in de periode (het nieuwste advies per melding).",
            total,
        ),
        *[
            Figuur(
                f"meldingen_{m}",
                HEADING[m] + " › Uitvoeringsinspanningen",
                f"Meldingen met afstemming {label('afstemming', m)}",
                f"Meldingen waarvan het advies afstemming '{label('afstemming', m)}' noemt.",
                per_moment[m],
            )
            for m in MOMENTS
        ],
        Figuur(
            "crisismeldingen",
            "2. Samen op in acuut › Uitvoeringsinspanningen › Crisismeldingen",
            "Crisismeldingen (Samen op in Acuut)",
            "Meldingen met acuut gevaar waarvoor het advies Samen op in Acuut geeft.",
            per_moment["samen_op_in_acuut"],
        ),
        Figuur(
            "snelheid_veiligheidsbeoordeling",
            "2. Samen op in acuut › Uitvoeringsinspanningen › Snelheid informatievoorziening",
            "Tijd tot de veiligheidsbeoordeling van VT",
            "Niet vastgelegd in zorgstraf: de opslag kent de termijn (direct), niet het moment waarop VT beoordeelde. "
            "Dit cijfer komt uit het systeem van Veilig Thuis.",
            None,
        ),
        Figuur(
            "ao_frequentie",
            "3. Actie-overleg › Uitvoeringsinspanningen › Frequentie",
            "Gehouden Actie-overleggen",
            "Overleggen van de regio in de periode die de voorzitter heeft gesloten.",
            n_meetings,
        ),
        Figuur(
            "ao_zaken_per_overleg",
            "3. Actie-overleg › Uitvoeringsinspanningen › Vorm",
            "Zaken per overleg",
            "Besproken zaken gedeeld door gehouden overleggen.",
            round(n_cases / n_meetings, 1) if n_meetings else None,
            "gemiddelde",
        ),
        *[
            Figuur(
                f"ao_uitgenodigd_{p}",
                "3. Actie-overleg › Uitvoeringsinspanningen › Aanwezige partners",
                f"Zaken waarvoor {label('partners', p)} is uitgenodigd",
                "Besproken zaken waarvoor het advies deze partner uitnodigde (de presentielijst zelf staat niet in zorgstraf).",
                n,
            )
            for p, n in invited.items()
        ],
        Figuur(
            "afspraken_gemaakt",
            "3. Actie-overleg › Uitvoeringsinspanningen › Informatiedeling en vastleggen",
            "Afspraken gemaakt",
            "Afspraken vastgelegd in een Actie-overleg van de periode.",
            made,
        ),
        Figuur(
            "afspraken_nagekomen",
            "3. Actie-overleg › Waarde › Hogere kwaliteit",
            "Afspraken nagekomen",
            "Van die afspraken: gemeld als gedaan.",
            kept,
        ),
        Figuur(
            "afspraken_te_laat",
            "3. Actie-overleg › Uitvoeringsinspanningen › Informatiedeling en vastleggen",
            "Afspraken te laat",
            f"Van die afspraken: nog open en hun datum ligt vóór {today:%d-%m-%Y}.",
            overdue,
        ),
        Figuur(
            "afspraken_ingetrokken",
            "3. Actie-overleg › Uitvoeringsinspanningen",
            "Afspraken ingetrokken",
            "Van die afspraken: ingetrokken (met reden).",
            withdrawn,
        ),
        Figuur(
            "vt_zsm_kantoortijd",
            "4. VT & ZSM › Uitvoeringsinspanningen › Inzet",
            "VT op ZSM binnen kantoortijd",
            f"Meldingen met afstemming VT op ZSM, ontvangen op een werkdag {policy.kantoortijd.van:%H:%M}-{policy.kantoortijd.tot:%H:%M}.",
            zsm_in,
        ),
        Figuur(
            "vt_zsm_buiten_kantoortijd",
            "4. VT & ZSM › Uitvoeringsinspanningen › Inzet",
            "VT op ZSM buiten kantoortijd",
            "Meldingen met afstemming VT op ZSM, ontvangen in het weekend, op een feestdag of buiten kantoortijd.",
            zsm_out,
        ),
        Figuur(
            "strafbare_km_consultaties",
            "5. Strafbare Kindermishandeling › Uitvoeringsinspanningen › Tijdige betrokkenheid",
            "Consultaties strafbare kindermishandeling",
            "Meldingen waarvoor het advies het overleg strafbare kindermishandeling (consultatie vertrouwensarts en OvJ) geeft.",
            per_moment["strafbare_kindermishandeling"],
        ),
        Figuur(
            "opschaling_zvh",
            "3. Actie-overleg › Waarde › Hoog-risicogezinnen beter in beeld",
            "Opschalingen naar het Zorg- en Veiligheidshuis",
            "Meldingen waarvoor het advies het Zorg- en Veiligheidshuis geeft.",
            per_moment["zorg_en_veiligheidshuis"],
        ),
        Figuur(
            "casussen",
            "3. Actie-overleg › Waarde › Completer beeld",
            "Casussen",
            "Casussen (gedeelde sleutels) met een melding in de periode.",
            casussen,
        ),
        Figuur(
            "besluiten_afwijkend",
            "1. Samenhang › Waarde › Verbetering in de praktijk",
            "Besluiten die afweken van het advies",
            f"Besluiten over adviezen van de periode die afweken (van {decisions} vastgelegde besluiten).",
            sum(n for _, n in departures),
        ),
    ]
    horizon = observed_until.date() if observed_until else van
    months = policy.herhaling_maanden
    repetition = {
        "besproken": _shares(repeat["besproken"], months, horizon),
        "niet_besproken": _shares(repeat["niet_besproken"], months, horizon),
    }
    for group, shares in repetition.items():
        for mo in months:
            figures.append(
                Figuur(
                    f"herhaling_{mo}m_{group}",
                    "3. Actie-overleg › Waarde › Lagere kans op herhaling",
                    f"Herhaling binnen {mo} maanden ({'na het eerste Actie-overleg' if group == 'besproken' else 'niet besproken, na de eerste melding'})",
                    f"Aandeel casussen met een nieuwe melding binnen {mo} maanden na "
                    + (
                        "hun eerste Actie-overleg in de periode"
                        if group == "besproken"
                        else "hun eerste melding in de periode, zonder Actie-overleg"
                    )
                    + f"; alleen casussen die {mo} maanden gevolgd konden worden (tot {horizon:%d-%m-%Y}). Geen causale schatting: "
                    "besproken casussen verschillen al vooraf van niet-besproken casussen.",
                    shares[f"{mo}m"],
                    "procent",
                )
            )
    figures += _safety_figures(store, regio, start, end, min(tot, today))
    note = "" if total else f"Geen meldingen van {label('regio', regio)} van {van:%d-%m-%Y} tot en met {tot:%d-%m-%Y} in de opslag."
    return Rapport(
        regio=regio,
        van=van.isoformat(),
        tot=tot.isoformat(),
        regelset_hash=sorted(hashes),
        meldingen=total,
        figuren=figures,
        per_week=per_week,
        afwijkingen=[(reason or "(geen reden)", int(n)) for reason, n in departures],
        herhaling=repetition,
        opmerking=note,
        bron=" ".join(policy.bron.split()),
    )


def _week(day) -> str:
    d = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def _repetition(session, regio, van, tot, start, end) -> dict[str, list[tuple[date, date | None]]]:
    """Per casus (one row each, from SQL): the start date and the first melding after it."""
    a = AdviesRecord
    first_ao = (
        select(OverlegZaak.casus.label("casus"), func.min(Overleg.datum).label("d"))
        .join(Overleg, OverlegZaak.overleg_id == Overleg.id)
        .where(Overleg.regio == regio, OverlegZaak.casus.is_not(None))
        .group_by(OverlegZaak.casus)
        .subquery()
    )
    discussed_rows = session.execute(
        select(first_ao.c.casus, first_ao.c.d, func.min(a.ontvangen_op))
        .select_from(first_ao)
        .join(a, and_(a.casus == first_ao.c.casus, a.ontvangen_op > first_ao.c.d), isouter=True)  # after the meeting day began
        .where(first_ao.c.d >= van, first_ao.c.d <= tot)
        .group_by(first_ao.c.casus, first_ao.c.d)
    ).all()
    first = (
        select(a.casus.label("casus"), func.min(a.ontvangen_op).label("t"))
        .where(a.regio == regio, a.casus.is_not(None))
        .group_by(a.casus)
        .subquery()
    )
    b = AdviesRecord.__table__.alias("volgende")
    never = select(OverlegZaak.casus).where(OverlegZaak.casus.is_not(None))
    other_rows = session.execute(
        select(first.c.casus, first.c.t, func.min(b.c.ontvangen_op))
        .select_from(first)
        .join(b, and_(b.c.casus == first.c.casus, b.c.ontvangen_op > first.c.t), isouter=True)
        .where(first.c.t >= start, first.c.t < end, first.c.casus.not_in(never))
        .group_by(first.c.casus, first.c.t)
    ).all()

    def day(v) -> date | None:
        if v is None:
            return None
        if isinstance(v, datetime):
            return schema.dutch_time(v).date()
        if isinstance(v, date):
            return v
        return date.fromisoformat(str(v)[:10])

    return {
        "besproken": [(day(d), day(n)) for _, d, n in discussed_rows],  # type: ignore[misc]
        "niet_besproken": [(day(t), day(n)) for _, t, n in other_rows],  # type: ignore[misc]
    }


def _add_months(d: date, months: int) -> date:
    year, month = divmod(d.month - 1 + months, 12)
    return date(d.year + year, month + 1, min(d.day, 28))


def _shares(rows: list[tuple[date, date | None]], months: list[int], horizon: date) -> dict[str, float | int | None]:
    out: dict[str, float | int | None] = {"casussen": len(rows)}
    for m in months:
        followed = [(s, n) for s, n in rows if _add_months(s, m) <= horizon]
        again = sum(1 for s, n in followed if n is not None and n <= _add_months(s, m))
        out[f"{m}m"] = round(100 * again / len(followed), 1) if followed else None
        out[f"{m}m_gevolgd"] = len(followed)
    return out


# --- output --------------------------------------------------------------------------------------


def number(value: float | int | None, unit: str = "aantal") -> str:
    """Dutch number format: 1.234 and 12,5%; 'n.v.t.' when not computed."""
    if value is None:
        return "n.v.t."
    if unit == "procent":
        return f"{value:.1f}".replace(".", ",") + "%"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{int(value):,}".replace(",", ".")


def to_json(r: Rapport) -> str:
    return json.dumps({**asdict(r), "leeg": r.leeg}, ensure_ascii=False, indent=2)


def to_csv(r: Rapport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["regio", "van", "tot", "id", "werkset", "titel", "waarde", "eenheid", "definitie"])
    for f in r.figuren:
        writer.writerow([r.regio, r.van, r.tot, f.id, f.werkset, f.titel, "" if f.waarde is None else f.waarde, f.eenheid, f.definitie])
    return out.getvalue()


def to_markdown(r: Rapport) -> str:
    from .escape import md

    lines = [
        f"# Werkset Indicatoren — {label('regio', r.regio)}, {dutch_date(r.van, False)} t/m {dutch_date(r.tot, False)}",
        "",
        f"Regelset(s): {', '.join(h[:12] for h in r.regelset_hash) or '—'}. {r.opmerking}",
        "",
        "| Werkset | Indicator | Waarde | Definitie |",
        "| --- | --- | ---: | --- |",
    ]
    # headings, titles and definitions are the product's own text; the reasons below are people's, so escaped
    lines += [f"| {f.werkset} | {f.titel} | {number(f.waarde, f.eenheid)} | {f.definitie} |" for f in r.figuren]
    if r.afwijkingen:
        lines += ["", "## Afwijkingen van het advies, gegroepeerd naar reden", ""]
        lines += [f"- {md(reason)}: {number(n)}" for reason, n in r.afwijkingen]
    lines += ["", f"_Bron: {r.bron}_", ""]
    return "\n".join(lines)


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def charts(r: Rapport) -> list[tuple[str, str]]:
    """(title, inline SVG) per chart, drawn by matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    weeks = sorted({w for series in r.per_week.values() for w in series})
    if weeks:
        fig, ax = plt.subplots(figsize=(9, 3.2))
        for m in MOMENTS:
            series = r.per_week.get(m, {})
            if any(series.values()):
                ax.plot(range(len(weeks)), [series.get(w, 0) for w in weeks], label=label("afstemming", m))
        step = max(1, len(weeks) // 12)
        ax.set_xticks(range(0, len(weeks), step), [weeks[i][-3:] for i in range(0, len(weeks), step)])
        ax.set_ylabel("meldingen per week")
        ax.legend(fontsize=7, ncols=3)
        out.append(("Meldingen per afstemmingsmoment per week", _svg(fig)))
    made = {f.id: f.waarde or 0 for f in r.figuren if f.id.startswith("afspraken_")}
    if any(made.values()):
        fig, ax = plt.subplots(figsize=(6, 2.6))
        names = ["gemaakt", "nagekomen", "te laat", "ingetrokken"]
        values = [
            made.get("afspraken_gemaakt", 0),
            made.get("afspraken_nagekomen", 0),
            made.get("afspraken_te_laat", 0),
            made.get("afspraken_ingetrokken", 0),
        ]
        ax.barh(names, values, color=["#555", "#2a7", "#c33", "#999"])
        ax.invert_yaxis()
        out.append(("Afspraken uit het Actie-overleg", _svg(fig)))
    if r.herhaling:
        fig, ax = plt.subplots(figsize=(6, 2.6))
        months = beleid.indicatoren().herhaling_maanden
        for i, (group, name) in enumerate((("besproken", "na Actie-overleg"), ("niet_besproken", "niet besproken"))):
            shares = r.herhaling.get(group, {})
            ax.bar([x + i * 0.38 for x in range(len(months))], [shares.get(f"{m}m") or 0 for m in months], width=0.38, label=name)
        ax.set_xticks([x + 0.19 for x in range(len(months))], [f"{m} mnd" for m in months])
        ax.set_ylabel("% casussen met nieuwe melding")
        ax.legend(fontsize=7)
        out.append(("Herhaling (geen causale schatting)", _svg(fig)))
    return out


def to_html(r: Rapport) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(f.werkset)}</td><td>{e(f.titel)}</td><td class=n>{e(number(f.waarde, f.eenheid))}</td><td><small>{e(f.definitie)}</small></td></tr>"
        for f in r.figuren
    )
    graphs = "".join(f"<figure><figcaption>{e(t)}</figcaption>{svg}</figure>" for t, svg in (charts(r) if not r.leeg else []))
    reasons = "".join(f"<li>{e(reason)}: {e(number(n))}</li>" for reason, n in r.afwijkingen)
    return (
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'>"
        f"<title>Werkset Indicatoren {e(label('regio', r.regio))}</title>"
        "<style>body{font-family:sans-serif;max-width:72em;margin:2em auto}table{border-collapse:collapse;width:100%}"
        "td,th{border-bottom:1px solid #ddd;padding:.3em;text-align:left;vertical-align:top}td.n{text-align:right;white-space:nowrap}"
        "figure{margin:1em 0}figcaption{font-weight:bold}svg{max-width:100%;height:auto}</style></head><body>"
        f"<h1>Werkset Indicatoren — {e(label('regio', r.regio))}</h1>"
        f"<p>{e(dutch_date(r.van, False))} t/m {e(dutch_date(r.tot, False))}; {e(number(r.meldingen))} meldingen; "
        f"regelset(s) {e(', '.join(h[:12] for h in r.regelset_hash) or '—')}.</p>"
        + (f"<p><b>{e(r.opmerking)}</b></p>" if r.opmerking else "")
        + graphs
        + f"<table><tr><th>Werkset</th><th>Indicator</th><th>Waarde</th><th>Definitie</th></tr>{rows}</table>"
        + (f"<h2>Afwijkingen van het advies, naar reden</h2><ul>{reasons}</ul>" if reasons else "")
        + f"<p><small>Bron: {e(r.bron)}</small></p></body></html>\n"
    )


def comparison(store, van: date, tot: date, rules_dir=None) -> tuple[list[Rapport], dict[str, str]]:
    """The same figures for all ten regions, with each region's current rule-set hash."""
    from .variants import Catalogue

    catalogue = Catalogue.of(rules_dir)
    reports = [report(store, r.value, van, tot) for r in schema.Regio]
    hashes = {r.value: catalogue.ruleset(catalogue.for_region(r.value)).digest for r in schema.Regio}
    return reports, hashes


def comparison_markdown(reports: list[Rapport], hashes: dict[str, str]) -> str:
    from .escape import md

    head = "| Indicator | " + " | ".join(label("regio", r.regio) for r in reports) + " |"
    lines = [
        f"# Werkset Indicatoren per regio, {dutch_date(reports[0].van, False)} t/m {dutch_date(reports[0].tot, False)}",
        "",
        head,
        "| --- |" + " ---: |" * len(reports),
        "| Regelset | " + " | ".join(hashes[r.regio][:12] for r in reports) + " |",
    ]
    for i, f in enumerate(reports[0].figuren):
        lines.append(f"| {md(f.titel)} | " + " | ".join(number(r.figuren[i].waarde, f.eenheid) for r in reports) + " |")
    return "\n".join(lines) + "\n"


RENDER = {"json": to_json, "csv": to_csv, "md": to_markdown, "html": to_html}
