"""The advies in one plain-Dutch line a reader takes in at a glance (CONTRACT.md, samenvatting):
urgency, the coordination moment and who acts, the THV, and the first deadline, in Dutch time.
E.g. "Acuut: Samen op in Acuut met VT ter plaatse; OvJ beslist vóór 18:00".
"""

from __future__ import annotations

from datetime import date

from .labels import label, short_date, short_moment

# How VT takes part, from the derived indicators, said beside its coordination moment.
_VT_MODE = {
    "samen_op_in_acuut": {"vt_ter_plaatse_acuut": "met VT ter plaatse", "vt_telefonisch_acuut": "met VT telefonisch"},
    "vt_op_zsm": {"vt_aanwezig_zsm": "(VT aanwezig)", "vt_telefonisch_zsm": "(VT telefonisch)"},
}


def first_deadline(termijnen, urgentie: str, received: date) -> str | None:
    """The most pressing deadline as a short Dutch phrase (None when there is none)."""
    if termijnen.ovj_beslissing_uiterlijk:  # at ZSM VT's beoordeling is due by then too
        return f"OvJ beslist vóór {short_moment(termijnen.ovj_beslissing_uiterlijk, received)}"
    if termijnen.vt_veiligheidsbeoordeling_uiterlijk:
        if urgentie == "acuut":
            return "VT-veiligheidsbeoordeling direct"
        return f"VT-veiligheidsbeoordeling uiterlijk {short_date(termijnen.vt_veiligheidsbeoordeling_uiterlijk)}"
    if termijnen.volgend_actie_overleg:
        return f"Actie-overleg {short_date(termijnen.volgend_actie_overleg)}"
    return None


def summarise(urgentie: str, afstemming: tuple[str, ...], indicatoren: tuple[str, ...], route: str, thv: str,
              termijnen, received: date, raised_by_score: bool) -> str:
    moments = []
    for moment in afstemming:
        text = label("afstemming", moment)
        mode = next((m for ind, m in _VT_MODE.get(moment, {}).items() if ind in indicatoren), None)
        moments.append(f"{text} {mode}" if mode else text)
    head = urgentie.capitalize()
    body = " en ".join(moments) if moments else f"route {label('route', route)}"
    parts = [f"{head}: {body}"]
    if thv == "overwegen":
        parts.append("huisverbod overwegen")
    deadline = first_deadline(termijnen, urgentie, received)
    if deadline:
        parts.append(deadline)
    if raised_by_score:
        parts.append("urgentie verhoogd door de risicoscore (tweede mening)")
    return "; ".join(parts)
