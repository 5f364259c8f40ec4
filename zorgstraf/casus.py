"""Cases over time: what the store knows of a melding's casus, and how it counts at triage.

Meldingen sharing a `casus_sleutels` entry form one casus (transitively; the store links them).
Before the rules run, the store supplies earlier incidents in 12 months, earlier VT reports,
earlier Actie-overleg discussion and open agreements. Where the melding and the store differ, the
higher risk counts, and the advies's uitleg says which fact came from where (DOMAIN.md "Cases over
time"). A melding without keys is triaged exactly as before.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from . import beleid, schema
from .labels import dutch_date, label, labels


def key_digest(key: str) -> str:
    """What the store keeps of a casus key: its SHA-256, never the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()


def code(number: int) -> str:
    """The casus id people see: a number of the store, nothing of the keys."""
    return f"C{number:06d}"


def number(casus_id: str) -> int | None:
    """The store's number behind a casus id (None when the text is not one)."""
    if len(casus_id) < 2 or casus_id[0] not in "Cc" or not casus_id[1:].isdigit() or len(casus_id) > 12:
        return None
    return int(casus_id[1:])


@dataclass(frozen=True)
class OpenAfspraak:
    id: int
    wie: str
    wat: str
    uiterlijk: str | None  # ISO date


@dataclass(frozen=True)
class CasusContext:
    """What the store supplied for one melding at triage; kept with the advies so replay can use it."""

    casus: int
    eerdere_meldingen: int  # earlier meldingen of the casus (received before this one)
    incidenten_12m: int  # of which within the window (venster_dagen)
    vt_meldingen: int  # earlier meldingen from or reported to Veilig Thuis
    laatste_actie_overleg: str | None  # ISO date of the latest Actie-overleg that discussed the casus
    actie_overleg_partners: tuple[str, ...] = ()  # invited to that Actie-overleg
    open_afspraken: tuple[OpenAfspraak, ...] = ()
    samengevoegd: tuple[int, ...] = ()  # casussen merged into this one by this melding's keys
    # the casus over time (seed 004), up to this melding's day: for the phase the casus was in
    incident_dagen: tuple[str, ...] = ()  # ISO days of earlier meldingen
    beoordelingen: tuple[tuple[str, int], ...] = ()  # (ISO day, veiligheidsschaal)
    gebeurtenissen: tuple[tuple[str, str], ...] = ()  # (ISO day, soort)

    @property
    def casus_id(self) -> str:
        return code(self.casus)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CasusContext:
        data = json.loads(text)
        data["actie_overleg_partners"] = tuple(data["actie_overleg_partners"])
        data["open_afspraken"] = tuple(OpenAfspraak(**a) for a in data["open_afspraken"])
        data["samengevoegd"] = tuple(data["samengevoegd"])
        data["incident_dagen"] = tuple(data.get("incident_dagen", ()))  # contexts kept before the plan existed
        data["beoordelingen"] = tuple(tuple(b) for b in data.get("beoordelingen", ()))
        data["gebeurtenissen"] = tuple(tuple(g) for g in data.get("gebeurtenissen", ()))
        return cls(**data)


@dataclass
class Herkomst:
    """One fact as the melding gave it and as the store knows it, and which one counted."""

    veld: str
    melding: int | bool
    opslag: int | bool
    telt: int | bool = field(init=False)

    def __post_init__(self):
        self.telt = (
            max(self.melding, self.opslag)
            if isinstance(self.melding, int) and not isinstance(self.melding, bool)
            else (self.melding or self.opslag)
        )


def provenance(melding: schema.Melding, ctx: CasusContext) -> list[Herkomst]:
    out = [
        Herkomst("eerdere_vt_meldingen", melding.eerdere_vt_meldingen, ctx.vt_meldingen),
        Herkomst("eerder_besproken_actie_overleg", melding.eerder_besproken_actie_overleg, ctx.laatste_actie_overleg is not None),
    ]
    if melding.verdachte is not None:  # incidents are the suspect's: without a known suspect they stay with the store
        out.insert(0, Herkomst("verdachte.eerdere_incidenten_12m", melding.verdachte.eerdere_incidenten_12m, ctx.incidenten_12m))
    return out


def effective(melding: schema.Melding, ctx: CasusContext) -> schema.Melding:
    """The melding the rules read: each fact at the higher risk of melding and store."""
    facts = {h.veld: h.telt for h in provenance(melding, ctx)}
    update: dict = {
        "eerdere_vt_meldingen": facts["eerdere_vt_meldingen"],
        "eerder_besproken_actie_overleg": facts["eerder_besproken_actie_overleg"],
    }
    if melding.verdachte is not None:
        update["verdachte"] = melding.verdachte.model_copy(update={"eerdere_incidenten_12m": facts["verdachte.eerdere_incidenten_12m"]})
    return melding.model_copy(update=update)


_WORDS = {
    "verdachte.eerdere_incidenten_12m": "eerdere incidenten in 12 maanden",
    "eerdere_vt_meldingen": "eerdere VT-meldingen",
    "eerder_besproken_actie_overleg": "eerder besproken in het Actie-overleg",
}


def _value(v: int | bool) -> str:
    return ("ja" if v else "nee") if isinstance(v, bool) else str(v)


def casus_phase(ctx: CasusContext, day, ruleset) -> str | None:
    """The phase the casus was in just before this melding (None: never rated)."""
    from datetime import date

    from . import veiligheid

    if not ctx.beoordelingen or ruleset is None:
        return None
    staat = veiligheid.CasusStaat(
        incidenten=[date.fromisoformat(d) for d in ctx.incident_dagen],
        beoordelingen=[
            veiligheid.Beoordeling(datum=date.fromisoformat(d), schaal=n, door=schema.Partner.veilig_thuis) for d, n in ctx.beoordelingen
        ],
        gebeurtenissen=[veiligheid.GebeurtenisIn(soort=k, datum=date.fromisoformat(d)) for d, k in ctx.gebeurtenissen],  # type: ignore[arg-type]
    )
    return veiligheid.fase(staat, day, ruleset)


def annotate(
    advies: schema.Advies, melding: schema.Melding, ctx: CasusContext, rules_dir: str | None = None, ruleset=None
) -> schema.Advies:
    """The advies with what the store contributed: the casus field, the facts' provenance first in
    the uitleg, a merge of casussen named (never silent), and on escalation to the Zorg- en
    Veiligheidshuis the Actie-overleg's members and open agreements carried along."""
    rules = beleid.casus(rules_dir)
    bron = " ".join(rules.bron.split())
    rows = provenance(melding, ctx)
    raised = [h for h in rows if h.opslag != h.melding and h.telt == h.opslag]
    reden = f"Deze melding hoort bij casus {ctx.casus_id}, met {ctx.eerdere_meldingen} eerdere melding(en) in de opslag. "
    if raised:
        reden += "De opslag weet meer dan de melding: " + "; ".join(
            f"{_WORDS[h.veld]}: {_value(h.opslag)} (melding: {_value(h.melding)})" for h in raised
        )
        reden += ". Waar melding en opslag verschillen, telt het hoogste risico."
    else:
        reden += "De melding geeft voor elk feit minstens wat de opslag weet; de melding telt."
    if ctx.laatste_actie_overleg:
        reden += f" Besproken in het Actie-overleg van {dutch_date(ctx.laatste_actie_overleg)}."
    if ctx.open_afspraken:
        reden += f" {len(ctx.open_afspraken)} afspraak/afspraken staan nog open."
    feiten: dict[str, bool | int | str | list[str] | None] = {"casus": ctx.casus_id}
    for h in rows:
        feiten[f"melding.{h.veld}"] = h.melding
        feiten[f"opslag.{h.veld}"] = h.opslag
    feiten["opslag.open_afspraken"] = len(ctx.open_afspraken)
    uitleg = [
        schema.Uitleg(
            regel="CASUS",
            titel="Wat de opslag weet van deze casus",
            reden=reden,
            feiten=feiten,
            bron=bron,
            waarom=[f"{_WORDS[h.veld]}: {_value(h.opslag)} volgens de opslag, {_value(h.melding)} in de melding" for h in raised],
        )
    ]
    if ctx.samengevoegd:
        merged = [code(n) for n in ctx.samengevoegd]
        uitleg.append(
            schema.Uitleg(
                regel="CASUS_SAMENGEVOEGD",
                titel="Casussen samengevoegd",
                reden=f"Deze melding deelt sleutels met casus {', '.join(merged)} en {ctx.casus_id}; die zijn nu één casus, "
                f"{ctx.casus_id}. Hun meldingen, afspraken en Actie-overleggen tellen vanaf nu samen. Klopt dat niet, meld het dan "
                "aan de beheerder: de sleutels komen van het verzendende systeem.",
                feiten={"casus": ctx.casus_id, "samengevoegd": merged},
                bron=bron,
            )
        )
    partners = list(advies.partners)
    if rules.opschaling_afstemming in advies.afstemming and ctx.laatste_actie_overleg:
        carried = [schema.Partner(p) for p in ctx.actie_overleg_partners if p in schema.Partner.__members__]
        order = {p: i for i, p in enumerate(schema.Partner)}
        partners = sorted(set(partners) | set(carried), key=order.__getitem__)
        reden = (
            f"De casus gaat naar het Zorg- en Veiligheidshuis na het Actie-overleg van {dutch_date(ctx.laatste_actie_overleg)}: "
            f"de deelnemers daarvan ({', '.join(labels('partners', [p.value for p in carried])) or 'niet vastgelegd'}) "
            f"schuiven aan en {len(ctx.open_afspraken)} open afspraak/afspraken gaan mee, zodat geen kennis over de casus verloren gaat."
        )
        uitleg.append(
            schema.Uitleg(
                regel="CASUS_OPSCHALING",
                titel="Actie-overleg schaalt op: deelnemers en afspraken gaan mee",
                reden=reden,
                feiten={
                    "actie_overleg.datum": ctx.laatste_actie_overleg,
                    "actie_overleg.deelnemers": [p.value for p in carried],
                    "open_afspraken": [_brief(a) for a in ctx.open_afspraken],
                },
                bron=bron,
            )
        )
    before = casus_phase(ctx, melding.ontvangen_op.date(), ruleset)
    if before is not None:
        last_day, last = ctx.beoordelingen[-1]
        uitleg.append(
            schema.Uitleg(
                regel="CASUS_FASE",
                titel="Fase van de casus vóór deze melding",
                reden=(
                    f"De casus was in de fase {label('fase', before)} (laatste beoordeling {last} op {dutch_date(last_day)}). "
                    + (
                        "Deze melding is een nieuw incident: de casus valt terug naar directe veiligheid; toets de veiligheid opnieuw en pas het veiligheidsplan aan."
                        if before != "directe_veiligheid"
                        else "Er is nog geen stabiele veiligheid; deze melding hoort bij het lopende veiligheidsplan."
                    )
                ),
                feiten={"casus.fase": before, "casus.laatste_beoordeling": last},
                bron="Visie gefaseerd samenwerken aan veiligheid (seed 004): een nieuw incident of een beoordeling onder de 6 zet de casus terug.",
            )
        )
    info = schema.CasusInfo(
        casus_id=ctx.casus_id,
        meldingen=ctx.eerdere_meldingen + 1,
        eerder_actie_overleg=ctx.laatste_actie_overleg is not None,
        open_afspraken=len(ctx.open_afspraken),
        laatste_actie_overleg=ctx.laatste_actie_overleg,
        samengevoegd=[code(n) for n in ctx.samengevoegd],
        fase_casus=schema.Fase(before) if before else None,
    )
    return advies.model_copy(update={"casus": info, "partners": partners, "uitleg": uitleg + list(advies.uitleg)})


def _brief(a: OpenAfspraak) -> str:
    return f"{a.wie}: {a.wat}" + (f" (uiterlijk {dutch_date(a.uiterlijk)})" if a.uiterlijk else "")


def window_start(melding: schema.Melding, rules_dir: str | None = None):
    return melding.ontvangen_op - timedelta(days=beleid.casus(rules_dir).venster_dagen)


def stored_form(melding: schema.Melding) -> schema.Melding:
    """The melding as the store keeps it: its keys as SHA-256 digests (they still link, nobody can read them)."""
    if not melding.casus_sleutels:
        return melding
    return melding.model_copy(update={"casus_sleutels": [key_digest(k) for k in melding.casus_sleutels]})
