"""The reader's inbox: many advies as light rows, most urgent first; an explanation is parsed only when opened.

Rows come from a fresh triage or from storage (the API's audit trail). Reading 5,000 stored advies
validates only the few fields the table shows, so the inbox opens in a fraction of a second.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from pydantic import BaseModel

from . import schema
from .labels import label, labels, short_date
from .samenvatting import first_deadline
from .triage import urgency_key


class _Thv(BaseModel):
    beoordeling: str


class _ActieOverleg(BaseModel):
    prioriteit: int | None = None


class _Casus(BaseModel):
    casus_id: str
    meldingen: int
    laatste_actie_overleg: str | None = None


class _AdviesSummary(BaseModel):  # the fields the inbox shows; the rest stays unparsed
    melding_id: str
    regio: str
    samenvatting: str = ""  # advies stored before it existed have none
    urgentie: schema.Urgentie
    afstemming: list[str]
    route: str
    thv: _Thv
    actie_overleg: _ActieOverleg
    termijnen: schema.Termijnen = schema.Termijnen()
    casus: _Casus | None = None


class _Kinderen(BaseModel):
    aantal_minderjarig: int = 0


class _MeldingSummary(BaseModel):
    ontvangen_op: datetime
    kinderen: _Kinderen = _Kinderen()


@dataclass(frozen=True)
class Entry:
    melding_id: str
    ontvangen_op: datetime
    regio: str
    urgentie: str
    afstemming: tuple[str, ...]
    route: str
    thv: str
    kinderen: bool
    prioriteit: int | None
    advies_json: str  # exactly as given or stored
    samenvatting: str = ""
    eerste_termijn: str = ""
    casus: str = ""  # "C000012 · 3e melding · AO di 22-9" when the store knows the casus
    signalen: str = ""  # what the casus asks for now (veiligheidsplan), e.g. "toetsmoment verstreken"

    def advies(self) -> dict:
        return json.loads(self.advies_json)


def casus_text(casus) -> str:
    """The casus in a few words for the reader's table; never its keys."""
    if casus is None:
        return ""
    text = f"{casus.casus_id} · {casus.meldingen}e melding"
    return text + (f" · AO {short_date(casus.laatste_actie_overleg)}" if casus.laatste_actie_overleg else "")


def _deadline(termijnen: schema.Termijnen, urgentie: str, ontvangen_op: datetime) -> str:
    return first_deadline(termijnen, urgentie, schema.dutch_time(ontvangen_op).date()) or ""


def _entry(melding_json: str, advies_json: str) -> Entry:
    m = _MeldingSummary.model_validate_json(melding_json)
    a = _AdviesSummary.model_validate_json(advies_json)
    return Entry(
        a.melding_id,
        m.ontvangen_op,
        a.regio,
        a.urgentie.value,
        tuple(a.afstemming),
        a.route,
        a.thv.beoordeling,
        m.kinderen.aantal_minderjarig > 0,
        a.actie_overleg.prioriteit,
        advies_json,
        a.samenvatting,
        _deadline(a.termijnen, a.urgentie.value, m.ontvangen_op),
        casus_text(a.casus),
    )


def ordered(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: urgency_key(e.urgentie, e.prioriteit, e.ontvangen_op))


def from_triage(pairs: Iterable[tuple[schema.Melding, schema.Advies]]) -> list[Entry]:
    return ordered(
        Entry(
            a.melding_id,
            m.ontvangen_op,
            a.regio,
            a.urgentie.value,
            tuple(x.value for x in a.afstemming),
            a.route.value,
            a.thv.beoordeling.value,
            m.kinderen.aantal_minderjarig > 0,
            a.actie_overleg.prioriteit,
            a.model_dump_json(),
            a.samenvatting,
            _deadline(a.termijnen, a.urgentie.value, m.ontvangen_op),
            casus_text(a.casus),
        )
        for m, a in pairs
    )


def from_records(records: Iterable, signals: dict[int, list] | None = None) -> list[Entry]:
    """From stored AdviesRecords (zorgstraf.storage); a casus with signals is marked."""
    from dataclasses import replace

    from .labels import labels

    out = []
    for r in records:
        entry = _entry(r.melding_json, r.advies_json)
        found = (signals or {}).get(r.casus) if getattr(r, "casus", None) else None
        out.append(replace(entry, signalen=", ".join(labels("signaal", [s.code for s in found]))) if found else entry)
    return ordered(out)


# --- export ----------------------------------------------------------------------------------------

EXPORT_HEADERS = [
    "Melding",
    "Ontvangen",
    "Regio",
    "Urgentie",
    "Advies in één regel",
    "Eerste termijn",
    "Afstemming",
    "Partners",
    "Tijdelijk huisverbod",
    "Redenen",
    "Besluit",
    "Besluit: waarom",
]


def besluit_text(besluit: schema.Besluit | None) -> str:
    if besluit is None:
        return ""
    if besluit.volgt_advies:
        return f"volgt het advies: {besluit.wat}"
    changed = (
        f" (urgentie {label('urgentie', besluit.advies_urgentie)} → {label('urgentie', besluit.urgentie)})" if besluit.urgentie else ""
    )
    return f"wijkt af{changed}: {besluit.wat}"


def to_xlsx(entries: list[Entry], besluiten: dict[str, list[schema.Besluit]] | None = None, title: str = "Inbox") -> bytes:
    """The (filtered) inbox as an Excel workbook: Dutch headers, real dates shown the Dutch way,
    labels not codes, the samenvatting and the reasons per melding, and the decision where there is one."""
    import io as _io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from .escape import csv_cell

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(EXPORT_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for e in entries:
        advies = e.advies()
        decided = (besluiten or {}).get(e.melding_id, [None])[0]
        reasons = "\n".join(f"{u['titel']}: {u['reden']}" for u in advies.get("uitleg", []))
        row = [
            e.melding_id,
            schema.dutch_time(e.ontvangen_op).replace(tzinfo=None),
            label("regio", e.regio),
            label("urgentie", e.urgentie),
            e.samenvatting,
            e.eerste_termijn,
            ", ".join(labels("afstemming", e.afstemming)),
            ", ".join(labels("partners", advies.get("partners", []))),
            label("thv", e.thv),
            reasons,
            besluit_text(decided),
            decided.waarom if decided else "",
        ]
        sheet.append([csv_cell(v) for v in row])  # text that looks like a formula stays text
        sheet.cell(row=sheet.max_row, column=2).number_format = "dd-mm-yyyy hh:mm"
        sheet.cell(row=sheet.max_row, column=10).alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGHIJKL", (14, 17, 22, 10, 60, 30, 30, 40, 22, 80, 40, 40)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = _io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
