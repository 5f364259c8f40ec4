"""The use cases the apps share, written once: triage-and-record, and recording agreements made in
an Actie-overleg. CLI, API and dashboard only parse, sign in and render around these."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import date, datetime
from typing import Iterable, Iterator

from . import casus, replay, schema
from .errors import ZorgstrafError
from .settings import ApiKey

log = logging.getLogger("zorgstraf.opslag")


class NotFound(ZorgstrafError):
    """There is no stored advies for this melding."""


class NotYours(ZorgstrafError):
    """The chair's key does not cover this region."""


class TooMany(ZorgstrafError):
    """More agreements for one melding than the limit."""


class Closed(ZorgstrafError):
    """The agreement was withdrawn; it stays as it was."""


def record_advies(
    store, pairs: Iterable[tuple[schema.Melding, schema.Advies]], key_id: str, model_hash: str | None, runner=None
) -> Iterator[tuple[schema.Melding, schema.Advies, Exception | None]]:
    """Store each advies as it passes (one transaction each). A melding that cannot be stored is
    yielded with its error and never stops the others; the log names its id, never its content."""
    for melding, advies in pairs:
        try:
            if runner is not None:
                replay.archive(store, runner, advies)
            store.save(melding, advies, key_id, model_hash)
        except Exception as exc:
            log.warning("advies voor melding %r niet opgeslagen: %s", melding.melding_id, type(exc).__name__)
            yield melding, advies, exc
            continue
        yield melding, advies, None


def _wave(runner, store, wave: list, key_id: str) -> Iterator[tuple[int, schema.Advies | None, Exception | None]]:
    """Meldingen of distinct casussen, already linked: their contexts from the store, one engine
    call for all, then each annotated and stored (a failure stays with its own melding)."""
    rules_dir = str(runner.rules_dir)
    known = [(index, melding, link) for index, melding, link in wave if not link.created]
    try:  # one read of the store for the whole wave
        contexts = store.casus_contexts(
            [(link.casus, m.melding_id, m.ontvangen_op, casus.window_start(m, rules_dir), link.merged) for _, m, link in known]
        )
    except Exception as exc:
        log.warning("casus van %d melding(en) niet gelezen: %s", len(known), type(exc).__name__)
        for index, _, link in wave:
            yield index, None, exc
        return
    found = {index: ctx for (index, _, _), ctx in zip(known, contexts)}
    ready = [
        (
            index,
            melding,
            found.get(index) or casus.CasusContext(link.casus, 0, 0, 0, None, samengevoegd=link.merged),
        )  # a new casus: nothing earlier
        for index, melding, link in wave
    ]
    advies_list = runner.evaluate([casus.effective(m, ctx) for _, m, ctx in ready]) if ready else []
    for (index, melding, ctx), advies in zip(ready, advies_list):
        advies = casus.annotate(advies, melding, ctx, rules_dir)
        try:
            replay.archive(store, runner, advies)
            store.save(melding, advies, key_id, runner.model_hash, casus=ctx.casus, context_json=ctx.to_json())
        except Exception as exc:
            log.warning("advies voor melding %r niet opgeslagen: %s", melding.melding_id, type(exc).__name__)
            yield index, advies, exc
            continue
        if ctx.samengevoegd:
            log.info(
                "casus %s samengevoegd met %s door melding %r", ctx.casus_id, [casus.code(n) for n in ctx.samengevoegd], melding.melding_id
            )
        yield index, advies, None


def triage_and_record_stream(
    runner, meldingen: list[schema.Melding], store, key_id: str
) -> Iterator[tuple[schema.Melding, schema.Advies | None, Exception | None]]:
    """Advies for each melding (its region's variant), each kept in the audit trail, in input order.
    Meldingen without casus keys are evaluated together. Those with keys are linked in input order
    and evaluated in waves of distinct casussen, so a later melding of a casus always sees the
    earlier ones. A failure stays with its own melding (its advies is None when the failure came
    before the advies was made)."""
    results: dict[int, tuple[schema.Advies | None, Exception | None]] = {}
    plain = [(i, m) for i, m in enumerate(meldingen) if not m.casus_sleutels]
    if plain:
        pairs = zip((m for _, m in plain), runner.evaluate([m for _, m in plain]))
        for (i, _), (_, advies, failure) in zip(plain, record_advies(store, pairs, key_id, runner.model_hash, runner)):
            results[i] = (advies, failure)
    wave: list = []
    in_wave: set[int] = set()
    for i, melding in enumerate(meldingen):
        if not melding.casus_sleutels:
            continue
        try:
            link = store.link_casus(melding.casus_sleutels)
        except Exception as exc:
            log.warning("melding %r: casus niet gekoppeld: %s", melding.melding_id, type(exc).__name__)
            results[i] = (None, exc)
            continue
        if link.merged:  # casussen in this wave may have just moved into the target
            wave = [(j, m, replace(lk, casus=link.casus) if lk.casus in link.merged else lk) for j, m, lk in wave]
            in_wave = {lk.casus for _, _, lk in wave}
        if link.casus in in_wave:  # the earlier melding of this casus must be stored first
            results.update({j: (a, e) for j, a, e in _wave(runner, store, wave, key_id)})
            wave, in_wave = [], set()
        wave.append((i, melding, link))
        in_wave.add(link.casus)
    results.update({j: (a, e) for j, a, e in _wave(runner, store, wave, key_id)})
    for i, melding in enumerate(meldingen):
        given, failure = results[i]
        yield melding, given, failure


def triage_and_record(
    runner, meldingen: list[schema.Melding], store, key_id: str
) -> list[tuple[schema.Melding, schema.Advies | None, Exception | None]]:
    """Advies for each melding and each kept in the audit trail, with the model hash when scored;
    meldingen with casus keys are triaged with what the store knows of their casus."""
    return list(triage_and_record_stream(runner, meldingen, store, key_id))


def record_afspraken(store, melding_id: str, items: list[dict], key: ApiKey, limit: int) -> list:
    """Agreements made in the case's Actie-overleg: the meeting date is that of its stored advies (or
    today, Dutch time, when the advies named none). The chair must cover the case's region. The
    case counts as discussed in that meeting, with the partners its advies invites; the agreements
    belong to its casus, so they follow the casus to later meldingen and to the ZVH."""
    record = store.latest(melding_id)
    if record is None:
        raise NotFound(f"geen advies voor melding {melding_id}")
    if not key.may_chair(record.regio):
        raise NotYours(f"deze sleutel is geen voorzitter in regio {record.regio}")
    if store.count_afspraken(melding_id) + len(items) > limit:
        raise TooMany(f"een melding heeft hoogstens {limit} afspraken (ZORGSTRAF_MAX_AFSPRAKEN_PER_MELDING)")
    meeting: date = record.volgend_actie_overleg or datetime.now(schema.AMSTERDAM).date()
    partners = json.loads(record.advies_json)["partners"]
    return store.add_afspraken(melding_id, record.regio, meeting, items, key.key_id, casus=record.casus, partners=partners)


def _own_afspraak(store, afspraak_id: int, key: ApiKey):
    existing = store.afspraak(afspraak_id)
    if existing is None or not key.may_chair(existing.regio):  # another region's afspraak is not there for this key
        raise NotFound(f"geen afspraak {afspraak_id}")
    return existing


def change_afspraak(store, afspraak_id: int, changes: dict, key: ApiKey, reden: str = ""):
    """Change an agreement's who, what or by when; its history keeps the old values, who and when."""
    existing = _own_afspraak(store, afspraak_id, key)
    if existing.status == "ingetrokken":
        raise Closed(f"afspraak {afspraak_id} is ingetrokken en kan niet meer worden gewijzigd")
    return store.change_afspraak(afspraak_id, changes, key.key_id, reden)


def set_afspraak_status(store, afspraak_id: int, status: str, key: ApiKey, reden: str = ""):
    """Mark an agreement done or withdraw it (kept with its history, never deleted)."""
    existing = _own_afspraak(store, afspraak_id, key)
    if existing.status == "ingetrokken" and status != "ingetrokken":
        raise Closed(f"afspraak {afspraak_id} is ingetrokken")
    return store.set_status(afspraak_id, status, key.key_id, reden)


def close_meeting(store, regio: str, week: str, ruleset, key: ApiKey):
    """Close this week's Actie-overleg of the region: every case on the agenda counts as discussed,
    with the partners it invites (the basis of 'eerder besproken' and of the Werkset's figures)."""
    from . import agenda

    if not key.may_chair(regio):
        raise NotYours(f"deze sleutel is geen voorzitter in regio {regio}")
    result = agenda.build_from_store(store, regio, week, ruleset)
    day = date.fromisoformat(result.datum) if result.datum else agenda.week_bounds(week)[0]
    cases = [(i.melding_id, casus.number(i.casus_id) if i.casus_id else None, i.partners) for i in result.items]
    return store.close_meeting(regio, day, cases, key.key_id), result
