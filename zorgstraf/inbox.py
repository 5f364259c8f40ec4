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
from .triage import urgency_key


class _Thv(BaseModel):
    beoordeling: str


class _ActieOverleg(BaseModel):
    prioriteit: int | None = None


class _AdviesSummary(BaseModel):  # the fields the inbox shows; the rest stays unparsed
    melding_id: str
    regio: str
    urgentie: schema.Urgentie
    afstemming: list[str]
    route: str
    thv: _Thv
    actie_overleg: _ActieOverleg


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

    def advies(self) -> dict:
        return json.loads(self.advies_json)


def _entry(melding_json: str, advies_json: str) -> Entry:
    m = _MeldingSummary.model_validate_json(melding_json)
    a = _AdviesSummary.model_validate_json(advies_json)
    return Entry(a.melding_id, m.ontvangen_op, a.regio, a.urgentie.value, tuple(a.afstemming), a.route, a.thv.beoordeling,
                 m.kinderen.aantal_minderjarig > 0, a.actie_overleg.prioriteit, advies_json)


def ordered(entries: Iterable[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: urgency_key(e.urgentie, e.prioriteit, e.ontvangen_op))


def from_triage(pairs: Iterable[tuple[schema.Melding, schema.Advies]]) -> list[Entry]:
    return ordered(Entry(a.melding_id, m.ontvangen_op, a.regio, a.urgentie.value, tuple(x.value for x in a.afstemming), a.route.value,
                         a.thv.beoordeling.value, m.kinderen.aantal_minderjarig > 0, a.actie_overleg.prioriteit, a.model_dump_json())
                   for m, a in pairs)


def from_records(records: Iterable) -> list[Entry]:
    """From stored AdviesRecords (zorgstraf.storage)."""
    return ordered(_entry(r.melding_json, r.advies_json) for r in records)
