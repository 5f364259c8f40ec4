"""The advies in one plain-Dutch line a reader takes in at a glance (CONTRACT.md, samenvatting):
urgency, the coordination moment and who acts, the THV, and the first deadline, in Dutch time.
E.g. "Acuut: Samen op in Acuut met VT ter plaatse; OvJ beslist vóór 18:00".
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from .labels import DEPENDENT_CACHES, label, short_date, short_moment

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


def without_head_and_deadline(samenvatting: str, deadline: str) -> str:
    """The samenvatting for a table that shows urgency and first deadline in columns of their own."""
    body = samenvatting.split(": ", 1)[-1]
    return body.replace(f"; {deadline}", "") if deadline else body


@lru_cache(maxsize=4096)
def _body(urgentie: str, afstemming: tuple[str, ...], indicatoren: tuple[str, ...], route: str, thv: str) -> str:
    moments = []
    for moment in afstemming:
        text = label("afstemming", moment)
        modes = _VT_MODE.get(moment)
        mode = next((m for ind, m in modes.items() if ind in indicatoren), None) if modes else None
        moments.append(f"{text} {mode}" if mode else text)
    body = " en ".join(moments) if moments else f"route {label('route', route)}"
    text = f"{urgentie.capitalize()}: {body}"
    return f"{text}; huisverbod overwegen" if thv == "overwegen" else text


DEPENDENT_CACHES.append(_body)


def summarise(
    urgentie: str,
    afstemming: tuple[str, ...],
    indicatoren: tuple[str, ...],
    route: str,
    thv: str,
    termijnen,
    received: date,
    raised_by_score: bool,
) -> str:
    text = _body(urgentie, tuple(afstemming), tuple(indicatoren), route, thv)  # few distinct: cached
    deadline = first_deadline(termijnen, urgentie, received)
    if deadline:
        text += f"; {deadline}"
    if raised_by_score:
        text += "; urgentie verhoogd door de risicoscore (tweede mening)"
    return text
