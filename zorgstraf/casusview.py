"""The casus view: the timeline of a casus, most recent first: meldingen with their advies and what
changed since the one before (urgentie up, new partners, new coordination moments), Actie-overleg
discussions, agreements with their history, and the professionals' besluiten. Shared by the API
(GET /v1/casus/{id}), the CLI (`zorgstraf casus`) and the dashboard. Keys are never shown."""

from __future__ import annotations

import json
from datetime import date, datetime

from pydantic import BaseModel, Field

from . import casus, schema
from .errors import ZorgstrafError
from .labels import label, labels
from .veiligheid import Beoordeling, Signaal, Veiligheidsplan


class CasusNotFound(ZorgstrafError):
    """No casus with this id in the store."""


class AfspraakStap(BaseModel):
    actie: str  # gemaakt, gewijzigd, gedaan, ingetrokken
    wanneer: datetime
    door: str  # key id, never the key
    wijziging: dict


class AfspraakView(BaseModel):
    id: int
    melding_id: str
    wie: str
    wat: str
    uiterlijk: date | None
    status: str
    overleg_datum: date
    te_laat: bool
    historie: list[AfspraakStap]


class Gebeurtenis(BaseModel):
    wanneer: datetime  # Europe/Amsterdam
    soort: str  # melding, actie_overleg, afspraak, besluit
    melding_id: str
    tekst: str  # one Dutch line
    veranderd: list[str] = Field(default_factory=list)  # for a melding: what changed since the one before


class CasusView(BaseModel):
    casus_id: str
    gevraagd: str  # the id asked for; differs when that casus was merged into this one
    meldingen: int
    eerste_melding: datetime | None
    laatste_melding: datetime | None
    actie_overleggen: list[date]
    open_afspraken: int
    tijdlijn: list[Gebeurtenis]
    afspraken: list[AfspraakView]
    # the Visie's veiligheidsplan and the casus over time (CONTRACT.md, Additions 2026-12-06)
    veiligheidsplan: Veiligheidsplan | None = None
    beoordelingen: list[Beoordeling] = Field(default_factory=list)
    fase: str = "directe_veiligheid"
    signalen: list[Signaal] = Field(default_factory=list)
    peildatum: date | None = None


def _changes(before: dict | None, after: dict) -> list[str]:
    if before is None:
        return ["eerste melding van deze casus"]
    out = []
    order = [u.value for u in schema.Urgentie]
    if order.index(after["urgentie"]) > order.index(before["urgentie"]):
        out.append(f"urgentie omhoog: {label('urgentie', before['urgentie'])} → {label('urgentie', after['urgentie'])}")
    elif order.index(after["urgentie"]) < order.index(before["urgentie"]):
        out.append(f"urgentie omlaag: {label('urgentie', before['urgentie'])} → {label('urgentie', after['urgentie'])}")
    for kind, word in (("afstemming", "nieuw afstemmingsmoment"), ("partners", "nieuwe partners"), ("interventies", "nieuwe interventies")):
        new = [v for v in after[kind] if v not in before[kind]]
        if new:
            out.append(f"{word}: {', '.join(labels(kind, new))}")
    if after["route"] != before["route"]:
        out.append(f"route: {label('route', before['route'])} → {label('route', after['route'])}")
    return out or ["geen verandering in het advies"]


def scoped_casus(store, casus_id: str, key=None) -> int:
    """The casus number `casus_id` stands for now, if the key may see it; else CasusNotFound, the same
    as for an id that does not exist (a casus belongs to the regions of its meldingen)."""
    asked = casus.number(casus_id)
    current = store.current_casus(asked) if asked is not None else None
    if current is not None and key is not None and not any(key.sees(r) for r in store.casus_regions(current) or {None}):
        current = None
    if current is None:
        raise CasusNotFound(f"geen casus {casus_id[:12]}")
    return current


def view(store, casus_id: str, today: date | None = None, key=None, via: str = "api", peildatum: date | None = None) -> CasusView:
    """The casus with everything the store holds of it, most recent first. With `key` (an ApiKey):
    a casus none of whose regions the key covers is not there for it (CasusNotFound, as for an id
    that does not exist), and every read is in the audit trail (who, when, which casus, via what)."""
    current = scoped_casus(store, casus_id, key)
    store.log_casus_read(current, key.key_id if key is not None else via, via)
    today = today or datetime.now(schema.AMSTERDAM).date()
    records = store.casus_records(current)
    newest: dict[str, object] = {}
    for r in records:  # newest first: the advies as last given per melding
        newest.setdefault(r.melding_id, r)
    chronological = sorted(newest.values(), key=lambda r: (r.ontvangen_op, r.id))  # type: ignore[attr-defined]
    events: list[Gebeurtenis] = []
    previous = None
    for r in chronological:
        advies = json.loads(r.advies_json)  # type: ignore[attr-defined]
        when = schema.dutch_time(r.ontvangen_op)  # type: ignore[attr-defined]
        events.append(
            Gebeurtenis(
                wanneer=when,
                soort="melding",
                melding_id=r.melding_id,  # type: ignore[attr-defined]
                tekst=advies.get("samenvatting") or f"urgentie {label('urgentie', advies['urgentie'])}",
                veranderd=_changes(previous, advies),
            )
        )
        previous = advies
    meetings = sorted({(o.datum, z.melding_id, z.partners) for o, z in store.casus_meetings(current)})
    for day, melding_id, partners in meetings:
        invited = [p for p in partners.strip("|").split("|") if p]
        events.append(
            Gebeurtenis(
                wanneer=datetime.combine(day, datetime.min.time(), schema.AMSTERDAM),
                soort="actie_overleg",
                melding_id=melding_id,
                tekst="Besproken in het Actie-overleg" + (f" met {', '.join(labels('partners', invited))}" if invited else ""),
            )
        )
    afspraken = store.casus_afspraken(current)
    history = store.afspraak_historie([a.id for a in afspraken])
    views = []
    for a in afspraken:
        steps = [
            AfspraakStap(actie=h.actie, wanneer=schema.dutch_time(h.wanneer), door=h.key_id, wijziging=json.loads(h.wijziging))
            for h in history.get(a.id, [])
        ]
        late = a.status == "open" and a.uiterlijk is not None and a.uiterlijk < today
        views.append(
            AfspraakView(
                id=a.id,
                melding_id=a.melding_id,
                wie=a.wie,
                wat=a.wat,
                uiterlijk=a.uiterlijk,
                status=a.status,
                overleg_datum=a.overleg_datum,
                te_laat=late,
                historie=steps,
            )
        )
        for step in steps:
            text = f"Afspraak {step.actie}: {label('partners', a.wie)}: {a.wat}"
            if step.actie == "gewijzigd":
                text += (
                    " (was: "
                    + ", ".join(f"{k} {v}" for k, v in step.wijziging.get("voor", {}).items() if step.wijziging.get("na", {}).get(k) != v)
                    + ")"
                )
            if step.wijziging.get("reden"):
                text += f"; reden: {step.wijziging['reden']}"
            events.append(Gebeurtenis(wanneer=step.wanneer, soort="afspraak", melding_id=a.melding_id, tekst=text))
    for melding_id, decisions in store.besluiten(list(newest)).items():
        for b in decisions:
            verb = "volgt het advies" if b.volgt_advies else "wijkt af van het advies"
            events.append(
                Gebeurtenis(
                    wanneer=b.genomen_op,
                    soort="besluit",
                    melding_id=melding_id,
                    tekst=f"Besluit: {verb}: {b.wat}" + (f" ({b.waarom})" if b.waarom else ""),
                )
            )
    from . import veiligheid

    staat, plan = veiligheid.staat_of(store, current)
    day = peildatum or today
    regions = sorted(r for r in store.casus_regions(current) if r)
    ruleset = _ruleset(regions[0] if len(regions) == 1 else None)  # one region: its terms; several: the national ones
    for b in staat.beoordelingen:
        events.append(
            Gebeurtenis(
                wanneer=datetime.combine(b.datum, datetime.min.time(), schema.AMSTERDAM),
                soort="beoordeling",
                melding_id="",
                tekst=f"Veiligheidsschaal {b.schaal}{'+' if b.schaal == 7 else ''} volgens {label('partners', b.door.value)}",
            )
        )
    for g in staat.gebeurtenissen:
        events.append(
            Gebeurtenis(
                wanneer=datetime.combine(g.datum, datetime.min.time(), schema.AMSTERDAM),
                soort="gebeurtenis",
                melding_id="",
                tekst=label("gebeurtenis", g.soort),
            )
        )
    events.sort(key=lambda e: e.wanneer, reverse=True)
    firsts = [e.wanneer for e in events if e.soort == "melding"]
    return CasusView(
        casus_id=casus.code(current),
        gevraagd=casus_id,
        meldingen=len(newest),
        eerste_melding=min(firsts) if firsts else None,
        laatste_melding=max(firsts) if firsts else None,
        actie_overleggen=sorted({d for d, _, _ in meetings}, reverse=True),
        open_afspraken=sum(1 for a in views if a.status == "open"),
        tijdlijn=events,
        afspraken=views,
        veiligheidsplan=plan,
        beoordelingen=staat.beoordelingen,
        fase=veiligheid.fase(staat, day, ruleset),
        signalen=veiligheid.signalen(staat, day, ruleset),
        peildatum=day,
    )


def _ruleset(regio: str | None):
    from .triage import Triage

    return Triage().engine_for(regio).ruleset


def to_text(v: CasusView) -> str:
    """The casus view for a terminal or a Markdown file: most recent first, Dutch dates and labels."""
    from .escape import md

    out = [f"# Casus {v.casus_id}" + (f" (gevraagd: {md(v.gevraagd)}, samengevoegd)" if v.gevraagd.upper() != v.casus_id else ""), ""]
    out.append(
        f"{v.meldingen} melding(en); Actie-overleg: {', '.join(d.strftime('%d-%m-%Y') for d in v.actie_overleggen) or 'nog niet besproken'}; "
        f"{v.open_afspraken} open afspraak/afspraken."
    )
    out.append("")
    head = f"**Fase op {v.peildatum:%d-%m-%Y}:** {label('fase', v.fase)}" if v.peildatum else f"**Fase:** {label('fase', v.fase)}"
    if v.beoordelingen:
        last = v.beoordelingen[-1]
        head += f" · **laatste beoordeling:** {last.schaal} op {last.datum:%d-%m-%Y} ({label('partners', last.door.value)})"
    out += [head, ""]
    for signal in v.signalen:
        out.append(f"- **Signaal {label('signaal', signal.code)}** (sinds {signal.sinds:%d-%m-%Y}): {md(signal.reden)}")
    plan = v.veiligheidsplan
    if v.signalen:
        out.append("")
    if plan is None:
        out.append("**Veiligheidsplan:** nog niet vastgelegd")
    else:
        out += [
            f"**Veiligheidsplan** (versie {plan.versie}; regie: {label('partners', plan.regie.value) if plan.regie else 'niet vastgelegd'})",
            "",
        ]
        out += [f"- onveilig: {md(t)}" for t in plan.onveilige_situaties]
        out += [f"- voorwaarde {md(w.id or '')} ({w.status}): {md(w.tekst)}" for w in plan.voorwaarden]
        if plan.toetsmomenten:
            out.append("- toetsmomenten: " + ", ".join(f"{d:%d-%m-%Y}" for d in plan.toetsmomenten))
        if plan.gevolgen_bij_schending:
            out.append(f"- bij schending: {md(plan.gevolgen_bij_schending)}")
    out.append("")
    for e in v.tijdlijn:
        day_only = e.soort in ("actie_overleg", "beoordeling", "gebeurtenis")  # a meeting or a rating has a day, no hour
        when = f"{e.wanneer:%d-%m-%Y}" if day_only else f"{e.wanneer:%d-%m-%Y %H:%M}"
        out.append(f"- {when} · {e.soort.replace('_', '-')}" + (f" · {md(e.melding_id)}" if e.melding_id else "") + f": {md(e.tekst)}")
        for change in e.veranderd:
            out.append(f"  - {md(change)}")
    return "\n".join(out) + "\n"
