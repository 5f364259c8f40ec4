"""The use cases the apps share, written once: triage-and-record, and recording agreements made in
an Actie-overleg. CLI, API and dashboard only parse, sign in and render around these."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Iterable, Iterator, NamedTuple

from . import casus, replay, schema
from .errors import Closed, Conflict, NotFound, NotYours, TooEarly, TooMany, TooMuchRetention, ZorgstrafError
from .settings import ApiKey

__all__ = ["Closed", "Conflict", "NotFound", "NotYours", "TooEarly", "TooMany", "ZorgstrafError", "Result"]

log = logging.getLogger("zorgstraf.opslag")


class Result(NamedTuple):
    """One melding through triage-and-record: its advies (None when it failed before one was made),
    the failure if any, and whether the store had it already with the same content (then the advies
    is the one stored, as it was given)."""

    melding: schema.Melding
    advies: schema.Advies | None
    failure: Exception | None
    bestaand: bool = False


def _given(recorded) -> tuple[schema.Advies, bool]:
    if recorded.bestaand:  # stored before with the same content: the advies as it was given then
        return schema.Advies.model_validate_json(recorded.stored_json), True
    return recorded.advies, False


def _failed(melding: schema.Melding, advies, exc: Exception) -> Result:
    if not isinstance(exc, Conflict):
        log.warning("advies voor melding %r niet opgeslagen: %s", melding.melding_id, type(exc).__name__)
    return Result(melding, None if isinstance(exc, Conflict) else advies, exc)


def record_advies(
    store, pairs: Iterable[tuple[schema.Melding, schema.Advies]], key_id: str, model_hash: str | None, runner=None
) -> Iterator[Result]:
    """Store each advies as it passes (one transaction each; one melding, one record). A melding
    that cannot be stored is yielded with its error and never stops the others; the log names its
    id, never its content."""
    for melding, advies in pairs:
        try:
            if runner is not None:
                replay.archive(store, runner, advies)
            given, bestaand = _given(store.save(melding, advies, key_id, model_hash))
        except Exception as exc:
            yield _failed(melding, advies, exc)
            continue
        yield Result(melding, given, None, bestaand)


def _keyed(runner, store, melding: schema.Melding, key_id: str) -> Result:
    """A melding with casus keys, in one transaction: linked to its casus, triaged with what the
    store knows of the casus at that moment, and saved (storage.Store.record)."""
    rules_dir = str(runner.rules_dir)
    made: list[schema.Advies] = []

    def decide(ctx) -> schema.Advies:
        (advies,) = runner.evaluate([casus.effective(melding, ctx)])
        regio = getattr(runner, "regio", None) or (melding.regio.value if melding.regio else None)
        advies = casus.annotate(advies, melding, ctx, rules_dir, runner.engine_for(regio).ruleset)
        made[:] = [advies]
        return advies

    try:
        # the rule set first (its own transaction, once per hash): a stored advies can always be replayed
        replay.archive(store, runner, regio=getattr(runner, "regio", None) or (melding.regio.value if melding.regio else None))
        recorded = store.record(melding, decide, key_id, runner.model_hash, since=casus.window_start(melding, rules_dir))
    except Exception as exc:
        return _failed(melding, made[0] if made else None, exc)
    given, bestaand = _given(recorded)
    if recorded.casus is not None and recorded.casus.samengevoegd:
        ctx = recorded.casus
        log.info(
            "casus %s samengevoegd met %s door melding %r", ctx.casus_id, [casus.code(n) for n in ctx.samengevoegd], melding.melding_id
        )
    return Result(melding, given, None, bestaand)


def triage_and_record_stream(runner, meldingen: list[schema.Melding], store, key_id: str) -> Iterator[Result]:
    """Advies for each melding (its region's variant), each kept in the audit trail, in input order;
    one melding, one record (a melding stored before with the same content gives the stored
    advies, with other content a Conflict). Meldingen without casus keys are evaluated together.
    Those with keys are each linked, triaged and saved in one transaction, in input order, so a
    later melding of a casus always sees the earlier ones, also when other requests run at the
    same time. A failure stays with its own melding."""
    results: dict[int, Result] = {}
    plain = [(i, m) for i, m in enumerate(meldingen) if not m.casus_sleutels]
    if plain:
        pairs = zip((m for _, m in plain), runner.evaluate([m for _, m in plain]))
        for (i, _), result in zip(plain, record_advies(store, pairs, key_id, runner.model_hash, runner)):
            results[i] = result
    for i, melding in enumerate(meldingen):
        if i in results:
            yield results.pop(i)
        else:
            yield _keyed(runner, store, melding, key_id)


def triage_and_record(runner, meldingen: list[schema.Melding], store, key_id: str) -> list[Result]:
    """Advies for each melding and each kept in the audit trail, with the model hash when scored;
    meldingen with casus keys are triaged with what the store knows of their casus."""
    return list(triage_and_record_stream(runner, meldingen, store, key_id))


def today() -> date:
    """Today in the Netherlands (the meeting calendar's day)."""
    return datetime.now(schema.AMSTERDAM).date()


def record_afspraken(store, melding_id: str, items: list[dict], key: ApiKey, limit: int) -> list:
    """Agreements made in the case's Actie-overleg: the meeting date is that of its stored advies (or
    today, Dutch time, when the advies named none). The chair must cover the case's region (another
    region's melding is not there for this key). The case counts as discussed in that meeting, with
    the partners its advies invites; the agreements belong to its casus, so they follow the casus to
    later meldingen and to the ZVH. Checked and written in one transaction (the limit holds)."""
    return store.record_afspraken(melding_id, items, key.key_id, limit, key.may_chair, today())


def change_afspraak(store, afspraak_id: int, changes: dict, key: ApiKey, reden: str = ""):
    """Change an open agreement's who, what or by when; its history keeps the old values, who, when and why."""
    return store.transition(afspraak_id, "gewijzigd", key.key_id, reden, changes, allowed=key.may_chair)


def set_afspraak_status(store, afspraak_id: int, status: str, key: ApiKey, reden: str = ""):
    """Mark an open agreement done, withdraw it, or reopen a done or withdrawn one (`heropend`);
    kept with its history, never deleted. Done and withdrawn are final until reopened."""
    return store.transition(afspraak_id, status, key.key_id, reden, allowed=key.may_chair)


def close_meeting(store, regio: str, week: str, ruleset, key: ApiKey, on: date | None = None):
    """Close this week's Actie-overleg of the region: every case on the agenda counts as discussed,
    with the partners it invites (the basis of 'eerder besproken' and of the Werkset's figures).
    A meeting closes on or after its own day (`on`, default today in the Netherlands), never before."""
    from . import agenda
    from .labels import dutch_date

    if not key.may_chair(regio):
        raise NotYours(f"deze sleutel is geen voorzitter in regio {regio}")
    result = agenda.build_from_store(store, regio, week, ruleset)
    day = date.fromisoformat(result.datum) if result.datum else agenda.week_bounds(week)[0]
    if day > (on or today()):
        raise TooEarly(f"het Actie-overleg van {dutch_date(day.isoformat())} is nog niet geweest; sluiten kan op of na die dag")
    cases = [(i.melding_id, casus.number(i.casus_id) if i.casus_id else None, i.partners) for i in result.items]
    return store.close_meeting(regio, day, cases, key.key_id), result


def apply_retention(store, days: int, max_share: float, confirmed: bool, via: str) -> int:
    """Delete advies older than `days` days. Deleting more than `max_share` of the store at once
    refuses (a ConfigError naming the confirmation) unless `confirmed`: a typo of 30 for 300 days
    must not empty the audit trail. Each run that deletes is in the audit trail with its count."""
    total, due = store.count_advies(), store.count_advies(older_than_days=days)
    if total and due > max_share * total and not confirmed:
        raise TooMuchRetention(
            f"bewaartermijn {days} dagen zou {due} van {total} opgeslagen adviezen verwijderen, meer dan {max_share:.0%}; "
            "er is niets verwijderd. Klopt de termijn, bevestig dan met ZORGSTRAF_RETENTION_CONFIRM=ja (of zorgstraf retentie --ja)"
        )
    return store.purge(days, via=via) if due else 0


def check_rules_and_model() -> None:
    """Before a service answers: every variant of the configured rules compiles and the score model
    loads (a missing folder or a bad file raises one ZorgstrafError naming it)."""
    from .score import MODEL_DIR, load
    from .variants import Catalogue, default_rules_dir

    catalogue = Catalogue.of(default_rules_dir())
    for variant in catalogue.all():
        catalogue.engine(variant)
    load(MODEL_DIR)
