"""The weekly Actie-overleg agenda of a region: cases in order, with what the chair needs per case."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from . import schema
from .errors import ConfigError
from .escape import md
from .fields import WEEKDAGEN
from .labels import dutch_date, label, labels, reader_source, short_date, value_text

QUESTIONS_FILE = Path(__file__).resolve().parent / "rules" / "agenda" / "helpende_vragen.yaml"
SASH_ORDER = {"hoog": 0, "midden": 1, "laag": 2, None: 3}
ZSM_FLAG = "- **Ligt ook op ZSM:** de OvJ beslist binnen uren; stem af met de ZSM-tafel vóór het overleg."


@lru_cache(maxsize=1)
def guidance() -> dict:
    return yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))


def parse_week(text: str) -> tuple[int, int]:
    try:
        year, week = text.split("-W")
        start = date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ConfigError(f"week '{text}': gebruik de vorm JJJJ-Www, bijvoorbeeld 2026-W11") from None
    if not schema.FIRST_DAY.year <= start.year <= schema.LAST_DAY.year:
        raise ConfigError(f"week '{text}': valt buiten {schema.FIRST_DAY.year}-{schema.LAST_DAY.year}; kies een week in die jaren")
    return start.isocalendar()[0], start.isocalendar()[1]


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str) -> tuple[date, date]:
    year, number = parse_week(week)
    start = date.fromisocalendar(year, number, 1)
    return start, start + timedelta(days=6)


def default_week(ruleset, today: date) -> str:
    """The week a chair opens by default: the coming meeting. This week while its meeting day (the
    region's ao_weekdag) has not passed, else next week; without a meeting day, next week from
    Saturday on (a chair preparing on a weekend prepares the coming week)."""
    weekday = meeting_weekday(ruleset, today)
    last = WEEKDAGEN.index(weekday) if weekday else 4
    return week_of(today if today.weekday() <= last else today + timedelta(days=7 - today.weekday()))


def week_options(today: date) -> list[str]:
    """Weeks a chair picks from: four back, this week (index 4), eight ahead; no typing 2026-W50."""
    monday = today - timedelta(days=today.weekday())
    return [week_of(monday + timedelta(weeks=n)) for n in range(-4, 9)]


def week_label(week: str) -> str:
    """`week 49: 30-11 t/m 6-12-2026`."""
    start, end = week_bounds(week)
    return f"week {int(week[-2:])}: {start.day}-{start.month} t/m {end.day}-{end.month}-{end.year}"


@dataclass
class OpenAfspraak:
    """An agreement as the agenda shows it: open ones until done, and this week's whatever their state."""

    id: int | None
    melding_id: str
    wie: str
    wat: str
    uiterlijk: str | None
    status: str = "open"  # open, gedaan, ingetrokken
    overleg_datum: str | None = None  # the meeting it was made in
    te_laat: bool = False  # open past its date on the meeting day
    casus_id: str | None = None
    reden: str = ""  # why it was withdrawn (a withdrawn one of this week's meeting stays on, struck through)


@dataclass
class AgendaItem:
    melding_id: str
    urgentie: str
    prioriteit: int | None
    sash: str | None
    ontvangen_op: str
    feiten: list[str]
    partners: list[str]
    fase: str
    helpende_vragen: list[str]
    afspraken_open: list[OpenAfspraak] = field(default_factory=list)
    waarom_op_agenda: list[str] = field(default_factory=list)  # the rules that put it on the agenda
    op_zsm: bool = False  # the case is at ZSM too: the OvJ decides within hours
    casus_id: str | None = None
    casus_historie: list[str] = field(default_factory=list)  # at most three lines, newest first
    veiligheid: list[str] = field(
        default_factory=list
    )  # the casus' plan on the meeting day: phase, rating, regie, open conditions, signals


@dataclass
class Agenda:
    regio: str
    week: str
    datum: str | None
    stappen: list[str]
    items: list[AgendaItem]
    open_afspraken_overig: list[OpenAfspraak]
    bron: str


def _from_store(advies: schema.Advies | None) -> dict[str, bool | int]:
    """What the store knew when the advies was given (the CASUS explanation's `opslag.` facts)."""
    for u in advies.uitleg if advies else ():
        if u.regel == "CASUS":
            return {k[len("opslag.") :]: v for k, v in u.feiten.items() if k.startswith("opslag.") and isinstance(v, (bool, int))}
    return {}


def brief_facts(m: schema.Melding, advies: schema.Advies | None = None) -> list[str]:
    """The facts in brief, in the catalogue's words (labels, not codes). Never the free text. A fact
    the store knows at a higher risk than the melding (earlier VT reports, incidents, an earlier
    Actie-overleg: what the advies counted) is given as the store knows it, and said so."""
    store = _from_store(advies)

    def counted(veld: str, in_melding: int | bool) -> tuple[int | bool, str]:
        known = store.get(veld)
        if known is not None and known > in_melding:
            return known, " (volgens de opslag)"
        return in_melding, ""

    out = ["incident: " + ", ".join(labels("incidentsoort", m.incidentsoort))]
    if m.sash:
        out.append(f"SASH {label('urgentie', m.sash.value)}")
    if m.acuut_gevaar:
        out.append("acuut gevaar")
    if m.veiligheidsschaal is not None:
        out.append(f"veiligheidsschaal {m.veiligheidsschaal}")
    v = m.verdachte
    if v is None:
        out.append("verdachte onbekend")
    else:
        flags = [
            ("aangehouden", v.aangehouden),
            ("doodsbedreiging", v.doodsbedreiging),
            ("verwurging", v.verwurging),
            (f"wapen: {value_text('verdachte.wapen', v.wapen.value)}", v.wapen != "geen"),
            (f"letsel: {value_text('verdachte.letsel', v.letsel.value)}", v.letsel != "geen"),
            ("afspraken geschonden", v.schending_afspraken),
            ("woont bij slachtoffer", v.woont_met_slachtoffer),
            ("minderjarig", v.minderjarig),
        ]
        out += [name for name, on in flags if on]
        incidents, where = counted("verdachte.eerdere_incidenten_12m", v.eerdere_incidenten_12m)
        if incidents:
            out.append(f"{incidents} eerdere incidenten in 12 maanden{where}")
        # care factors: what the care side needs to know to choose its help (seed 002, the ZVH's questions)
        care = [
            ("lvb", v.lvb),
            ("psychische problematiek", v.psychische_problematiek),
            ("middelengebruik", v.middelengebruik),
            ("zorgmijdend", v.zorgmijdend),
        ]
        if any(on for _, on in care):
            out.append("verdachte: " + ", ".join(name for name, on in care if on))
    k = m.kinderen
    if k.aantal_minderjarig:
        out.append(f"{k.aantal_minderjarig} minderjarige(n) in huis")
    children = [("getuige", k.getuige), ("slachtoffer", k.slachtoffer), ("verblijfplaats onbekend", k.verblijfplaats_onbekend)]
    if any(on for _, on in children):
        out.append("kinderen: " + ", ".join(name for name, on in children if on))
    if m.slachtoffer.angst_ernstig:
        out.append("slachtoffer zeer angstig")
    if m.slachtoffer.zwanger:
        out.append("slachtoffer zwanger")
    if m.slachtoffer.in_opvang:
        out.append("slachtoffer in opvang")
    besproken, where = counted("eerder_besproken_actie_overleg", m.eerder_besproken_actie_overleg)
    if besproken:
        out.append(f"eerder besproken in het Actie-overleg{where}")
    # Tilburg's first questions at the ZVH: is help involved, and were there earlier VT reports?
    out.append("hulpverlening loopt" if m.lopende_hulpverlening else "geen lopende hulpverlening bekend")
    vt, where = counted("eerdere_vt_meldingen", m.eerdere_vt_meldingen)
    out.append(f"{vt} eerdere VT-melding(en){where}" if vt else "geen eerdere VT-meldingen")
    return out


def ao_rule_ids(ruleset) -> frozenset[str]:
    """The rules that put a case on the Actie-overleg: their titles say why a case is on the agenda."""
    return frozenset(r.id for r in ruleset.rules if "actie_overleg" in [a.value for a in r.effects.afstemming])


def build(
    regio: str,
    week: str,
    cases: list[tuple[schema.Melding, schema.Advies]],
    open_afspraken: list[OpenAfspraak],
    ruleset,
    history: dict[str, list[str]] | None = None,
    safety: dict[str, list[str]] | None = None,
) -> Agenda:
    """Cases on the agenda ordered by urgentie, then SASH (hoog before midden), then oldest first.
    The region's rule set gives the meeting day and which rules put a case on the agenda. An
    agreement goes with its case, or with another case of the same casus on this agenda."""
    start, _ = week_bounds(week)
    ao_weekday = meeting_weekday(ruleset, start)
    ao_rules = ao_rule_ids(ruleset)
    questions = guidance()
    order = {u.value: i for i, u in enumerate(schema.Urgentie)}
    ordered = sorted(
        cases, key=lambda c: (-order[c[1].urgentie.value], SASH_ORDER[c[0].sash.value if c[0].sash else None], c[0].ontvangen_op)
    )
    meeting = start + timedelta(days=WEEKDAGEN.index(ao_weekday)) if ao_weekday else None
    by_case: dict[str, list[OpenAfspraak]] = {}
    casus_case = {a.casus.casus_id: m.melding_id for m, a in reversed(ordered) if a.casus}
    for item in open_afspraken:
        item.te_laat = bool(item.status == "open" and item.uiterlijk and item.uiterlijk < (meeting or start).isoformat())
        owner = casus_case.get(item.casus_id, item.melding_id) if item.casus_id else item.melding_id
        by_case.setdefault(owner, []).append(item)
    history = history or {}
    items = [
        AgendaItem(
            melding_id=m.melding_id,
            urgentie=a.urgentie.value,
            prioriteit=a.actie_overleg.prioriteit,
            sash=m.sash.value if m.sash else None,
            ontvangen_op=m.ontvangen_op.isoformat(),
            feiten=brief_facts(m, a),
            partners=[p.value for p in a.partners],  # the agenda invites whom the advies names
            fase=a.fase.value,
            helpende_vragen=questions["fasen"][a.fase.value],
            afspraken_open=by_case.pop(m.melding_id, []),
            waarom_op_agenda=[u.titel for u in a.uitleg if u.regel in ao_rules],
            op_zsm=schema.Afstemming.vt_op_zsm in a.afstemming,
            casus_id=a.casus.casus_id if a.casus else None,
            casus_historie=history.get(m.melding_id, []),
            veiligheid=(safety or {}).get(m.melding_id, []),
        )
        for m, a in ordered
    ]
    rest = [a for group in by_case.values() for a in group]
    return Agenda(
        regio,
        week,
        meeting.isoformat() if meeting else None,
        questions["stappen_actie_overleg"],
        items,
        rest,
        " ".join(questions["bron"].split()).rstrip("."),
    )


def meeting_weekday(ruleset, day: date) -> str | None:
    """The region's Actie-overleg weekday in force on `day` (parameter ao_weekdag), if the rules set one."""
    return ruleset.param("ao_weekdag", day) if "ao_weekdag" in ruleset.parameters else None


def agenda_item(a, reden: str = "") -> OpenAfspraak:
    from .casus import code

    return OpenAfspraak(
        a.id,
        a.melding_id,
        a.wie,
        a.wat,
        a.uiterlijk.isoformat() if a.uiterlijk else None,
        a.status,
        a.overleg_datum.isoformat(),
        casus_id=code(a.casus) if a.casus else None,
        reden=reden,
    )


def history_line(row: tuple) -> str:
    """One line of a casus' history: date, urgency, coordination moments (catalogue labels)."""
    _, moment, urgentie, afstemming = row
    moments = ", ".join(labels("afstemming", [a for a in (afstemming or "").strip("|").split("|") if a])) or "geen afstemming"
    return f"{short_date(schema.dutch_time(moment))}: melding, urgentie {label('urgentie', urgentie)}; {moments}"


def build_from_store(store, regio: str, week: str, ruleset) -> Agenda:
    """The agenda from stored advies (the newest per melding), the casus history of each case in
    three lines, this week's agreements and the open ones from earlier meetings."""
    start, end = week_bounds(week)
    records = store.agenda_records(regio, start, end)
    cases = [(schema.Melding.model_validate_json(r.melding_json), schema.Advies.model_validate_json(r.advies_json)) for r in records]
    histories = store.casus_histories({r.casus: m.ontvangen_op for r, (m, _) in zip(records, cases) if r.casus})
    history = {r.melding_id: [history_line(h) for h in histories[r.casus]] for r in records if r.casus}
    afspraken = [agenda_item(a, reden) for a, reden in store.agenda_afspraken(regio, start, end)]
    weekday = meeting_weekday(ruleset, start)
    day = start + timedelta(days=WEEKDAGEN.index(weekday)) if weekday else start
    safety = {r.melding_id: safety_lines(store, r.casus, day, ruleset) for r in records if r.casus}
    return build(regio, week, cases, afspraken, ruleset, history, safety)


def safety_lines(store, number: int, day: date, ruleset) -> list[str]:
    """The casus' veiligheidsplan as the meeting needs it on its day (seed 004): the phase, the last
    rating, who holds the regie, the open conditions and what asks for action now."""
    from . import veiligheid

    current = store.current_casus(number) or number
    staat, plan = veiligheid.staat_of(store, current)
    ratings = [b for b in staat.beoordelingen if b.datum <= day]
    out = [f"fase van de casus: {label('fase', veiligheid.fase(staat, day, ruleset))}"]
    out.append(
        f"laatste beoordeling: {ratings[-1].schaal} op {short_date(ratings[-1].datum.isoformat())}" if ratings else "nog geen beoordeling"
    )
    if plan is None:
        out.append("geen veiligheidsplan vastgelegd")
    else:
        out.append(f"regie: {label('partners', plan.regie.value) if plan.regie else 'niet vastgelegd'}")
        out += [f"voorwaarde {v.id} ({v.status}): {v.tekst}" for v in plan.voorwaarden if v.status != "gerealiseerd"]
    out += [f"SIGNAAL {label('signaal', s.code)}: {s.reden}" for s in veiligheid.signalen(staat, day, ruleset)]
    return out


def to_json(agenda: Agenda) -> str:
    return json.dumps(asdict(agenda), ensure_ascii=False, indent=2)


def afspraak_text(a: OpenAfspraak) -> str:
    """`Veilig Thuis: huisbezoek (uiterlijk di 1-12, TE LAAT)`: labels, Dutch dates, its state."""
    text = f"{label('partners', a.wie)}: {a.wat}"
    notes = [f"uiterlijk {short_date(a.uiterlijk)}"] if a.uiterlijk else []
    if a.te_laat:
        notes.append("TE LAAT")
    if a.status != "open":
        notes.append(a.status)
    if a.overleg_datum:
        notes.append(f"afgesproken {short_date(a.overleg_datum)}")
    return text + (f" ({', '.join(notes)})" if notes else "")


def reason_note(a: OpenAfspraak) -> str:
    """After a withdrawn agreement (which each format strikes through): why it was withdrawn."""
    return f" — reden van intrekken: {a.reden}" if a.status == "ingetrokken" and a.reden else ""


def _box(a: OpenAfspraak) -> str:
    return "[x]" if a.status == "gedaan" else "[ ]"


_afspraak = afspraak_text


def _md_afspraak(a: OpenAfspraak) -> str:
    text = md(_afspraak(a))
    return f"~~{text}~~{md(reason_note(a))}" if a.status == "ingetrokken" else text


def to_markdown(agenda: Agenda) -> str:
    out = [
        f"# Actie-overleg {label('regio', agenda.regio)} — week {agenda.week}" + (f" ({dutch_date(agenda.datum)})" if agenda.datum else ""),
        "",
        "Werkwijze: " + " → ".join(f"{i}. {s}" for i, s in enumerate(agenda.stappen, 1)),
        "",
        f"{len(agenda.items)} zaken, op volgorde van urgentie, SASH en ontvangst.",
        "",
    ]
    for n, item in enumerate(agenda.items, 1):
        out += [
            f"## {n}. {md(item.melding_id)} — {label('urgentie', item.urgentie)}" + (f", SASH {item.sash}" if item.sash else ""),
            "",
            f"- **Waarom op de agenda:** {md('; '.join(item.waarom_op_agenda) or 'Actie-overleg volgens het advies')}",
            *([ZSM_FLAG] if item.op_zsm else []),
            *(
                [f"- **Casus {md(item.casus_id)}:** " + md(" · ".join(item.casus_historie) or "eerste melding van deze casus")]
                if item.casus_id
                else []
            ),
            f"- **Feiten:** {md('; '.join(item.feiten))}",
            *([f"- **Veiligheidsplan:** {md('; '.join(item.veiligheid))}"] if item.veiligheid else []),
            f"- **Uitnodigen:** {', '.join(labels('partners', item.partners))}",
            f"- **Fase:** {label('fase', item.fase)}",
            "- **Helpende vragen:**",
        ]
        out += [f"  - {q}" for q in item.helpende_vragen]
        if item.afspraken_open:
            out.append("- **Afspraken (open: nagaan of ze zijn uitgevoerd):**")
            out += [f"  - {_box(a)} {_md_afspraak(a)}" for a in item.afspraken_open]
        out.append("- **Aantekeningen:** …")
        out.append("")
    if agenda.open_afspraken_overig:
        out += (
            ["## Afspraken van zaken die niet op deze agenda staan", ""]
            + [f"- {_box(a)} {md(a.casus_id or a.melding_id)} — {_md_afspraak(a)}" for a in agenda.open_afspraken_overig]
            + [""]
        )
    out.append(f"_Bron: {md(reader_source(agenda.bron))} Dit is een advies; het Actie-overleg beslist._")
    return "\n".join(out) + "\n"


def to_html(agenda: Agenda) -> str:
    e = html.escape
    parts = [
        f"<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>Actie-overleg {e(agenda.regio)} {e(agenda.week)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}h2{border-top:1px solid #999;padding-top:.5em}"
        ".acuut,.hoog{color:#b00}@media print{h2{page-break-inside:avoid}}</style></head><body>",
        "<p><b>Vertrouwelijk</b></p>",
        f"<h1>Actie-overleg {e(label('regio', agenda.regio))} — week {e(agenda.week)}{(' (' + e(dutch_date(agenda.datum)) + ')') if agenda.datum else ''}</h1>",
        "<ol>" + "".join(f"<li>{e(s)}</li>" for s in agenda.stappen) + "</ol>",
    ]
    for n, item in enumerate(agenda.items, 1):
        parts.append(
            f"<h2>{n}. {e(item.melding_id)} — <span class='{e(item.urgentie)}'>{e(label('urgentie', item.urgentie))}</span>{(', SASH ' + e(item.sash)) if item.sash else ''}</h2>"
        )
        parts.append(f"<p><b>Waarom op de agenda:</b> {e('; '.join(item.waarom_op_agenda) or 'Actie-overleg volgens het advies')}</p>")
        if item.op_zsm:
            parts.append(f"<p class='hoog'><b>{e(ZSM_FLAG.removeprefix('- ').replace('**', ''))}</b></p>")
        if item.casus_id:
            parts.append(f"<p><b>Casus {e(item.casus_id)}:</b> {e(' · '.join(item.casus_historie) or 'eerste melding van deze casus')}</p>")
        parts.append(
            f"<p><b>Feiten:</b> {e('; '.join(item.feiten))}<br>"
            + (f"<b>Veiligheidsplan:</b> {e('; '.join(item.veiligheid))}<br>" if item.veiligheid else "")
            + f"<b>Uitnodigen:</b> {e(', '.join(labels('partners', item.partners)))}<br><b>Fase:</b> {e(label('fase', item.fase))}</p>"
        )
        parts.append("<ul>" + "".join(f"<li>{e(q)}</li>" for q in item.helpende_vragen) + "</ul>")
        if item.afspraken_open:
            parts.append(
                "<p><b>Afspraken:</b></p><ul>"
                + "".join(
                    f"<li{' class=hoog' if a.te_laat else ''}>{'☑' if a.status == 'gedaan' else '☐'} "
                    + (f"<del>{e(_afspraak(a))}</del>{e(reason_note(a))}" if a.status == "ingetrokken" else e(_afspraak(a)))
                    + "</li>"
                    for a in item.afspraken_open
                )
                + "</ul>"
            )
    if agenda.open_afspraken_overig:
        parts.append(
            "<h2>Afspraken van zaken die niet op deze agenda staan</h2><ul>"
            + "".join(f"<li>☐ {e(a.casus_id or a.melding_id)} — {e(_afspraak(a))}</li>" for a in agenda.open_afspraken_overig)
            + "</ul>"
        )
    parts.append(f"<p><small>Bron: {e(reader_source(agenda.bron))} Dit is een advies; het Actie-overleg beslist.</small></p></body></html>")
    return "\n".join(parts) + "\n"


RENDER = {"md": to_markdown, "html": to_html, "json": to_json}
