"""The use cases the apps share, written once: triage-and-record, and recording agreements made in
an Actie-overleg. CLI, API and dashboard only parse, sign in and render around these."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Iterable, Iterator

from . import schema
from .errors import ZorgstrafError
from .settings import ApiKey

log = logging.getLogger("zorgstraf.opslag")


class NotFound(ZorgstrafError):
    """There is no stored advies for this melding."""


class NotYours(ZorgstrafError):
    """The chair's key does not cover this region."""


class TooMany(ZorgstrafError):
    """More agreements for one melding than the limit."""


def record_advies(
    store, pairs: Iterable[tuple[schema.Melding, schema.Advies]], key_id: str, model_hash: str | None
) -> Iterator[tuple[schema.Melding, schema.Advies, Exception | None]]:
    """Store each advies as it passes (one transaction each). A melding that cannot be stored is
    yielded with its error and never stops the others; the log names its id, never its content."""
    for melding, advies in pairs:
        try:
            store.save(melding, advies, key_id, model_hash)
        except Exception as exc:
            log.warning("advies voor melding %r niet opgeslagen: %s", melding.melding_id, type(exc).__name__)
            yield melding, advies, exc
            continue
        yield melding, advies, None


def triage_and_record(
    runner, meldingen: list[schema.Melding], store, key_id: str
) -> list[tuple[schema.Melding, schema.Advies, Exception | None]]:
    """Advies for each melding (its region's variant) and each kept in the audit trail, with the
    model hash when scored; a storing failure stays with its own melding."""
    return list(record_advies(store, zip(meldingen, runner.evaluate(meldingen)), key_id, runner.model_hash))


def record_afspraken(store, melding_id: str, items: list[dict], key: ApiKey, limit: int) -> list:
    """Agreements made in the case's Actie-overleg: the meeting date is that of its stored advies (or
    today, Dutch time, when the advies named none). The chair must cover the case's region."""
    record = store.latest(melding_id)
    if record is None:
        raise NotFound(f"geen advies voor melding {melding_id}")
    if not key.may_chair(record.regio):
        raise NotYours(f"deze sleutel is geen voorzitter in regio {record.regio}")
    if store.count_afspraken(melding_id) + len(items) > limit:
        raise TooMany(f"een melding heeft hoogstens {limit} afspraken (ZORGSTRAF_MAX_AFSPRAKEN_PER_MELDING)")
    meeting: date = record.volgend_actie_overleg or datetime.now(schema.AMSTERDAM).date()
    return store.add_afspraken(melding_id, record.regio, meeting, items, key.key_id)
