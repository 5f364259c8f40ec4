"""The reader's inbox in the core: the same rows whether freshly triaged or read back from storage."""

from __future__ import annotations

from datetime import datetime, timezone

from zorgstraf import inbox, schema
from zorgstraf.samples import generate
from zorgstraf.storage import Store, migrate
from zorgstraf.triage import Triage, most_urgent_first


def test_stored_and_fresh_inbox_agree_row_for_row(database_url):
    url = database_url
    migrate(url)
    meldingen = [schema.Melding.model_validate(d) for d in generate(300, seed=7)]
    pairs = list(zip(meldingen, Triage().evaluate(meldingen)))
    store = Store(url)
    for m, a in pairs:
        store.save(m, a, "test")
    fresh = inbox.from_triage(pairs)
    stored = inbox.from_records(store.received_since(datetime(2000, 1, 1, tzinfo=timezone.utc)).records)
    assert [e.melding_id for e in stored] == [e.melding_id for e in fresh] == [a.melding_id for _, a in most_urgent_first(pairs)]
    assert stored == fresh
    assert stored[0].advies() == pairs[[a.melding_id for _, a in pairs].index(stored[0].melding_id)][1].model_dump(mode="json")


def test_a_melding_stored_again_keeps_its_first_advies_in_the_inbox(database_url):
    # one melding, one record (CONTRACT.md, Additions 2026-12-06): the same content is stored once
    url = database_url
    migrate(url)
    melding = schema.Melding.model_validate(generate(1, seed=3)[0])
    store = Store(url)
    (national,) = Triage(regio="landelijk").evaluate([melding])
    (regional,) = Triage(regio="limburg").evaluate([melding])
    store.save(melding, national, "k1")
    again = store.save(melding, regional, "k2")
    assert again.bestaand and schema.Advies.model_validate_json(again.stored_json) == national
    rows = inbox.from_records(store.received_since(datetime(2000, 1, 1, tzinfo=timezone.utc)).records)
    assert len(rows) == 1 and rows[0].regio == national.regio


def test_the_inbox_only_shows_meldingen_received_since_the_chosen_moment(database_url):
    url = database_url
    migrate(url)
    old, new = (schema.Melding.model_validate(d) for d in generate(2, seed=5))
    old = old.model_copy(update={"ontvangen_op": datetime(2026, 1, 5, 9, tzinfo=timezone.utc)})
    new = new.model_copy(update={"ontvangen_op": datetime(2026, 3, 5, 9, tzinfo=timezone.utc)})
    store = Store(url)
    for m, a in zip([old, new], Triage().evaluate([old, new])):
        store.save(m, a, "test")
    rows = inbox.from_records(store.received_since(datetime(2026, 3, 1, tzinfo=timezone.utc)).records)
    assert [r.melding_id for r in rows] == [new.melding_id]


def test_received_since_compares_moments_not_wall_clocks(database_url):
    from zoneinfo import ZoneInfo

    migrate(database_url)
    store = Store(database_url)
    # 00:30 Dutch winter time on 5 March is 23:30 UTC on 4 March; the reader's "since 5 March" includes it.
    after, before = (schema.Melding.model_validate(d) for d in generate(2, seed=9))
    after = after.model_copy(update={"melding_id": "NA", "ontvangen_op": datetime.fromisoformat("2026-03-05T00:30:00+01:00")})
    before = before.model_copy(update={"melding_id": "VOOR", "ontvangen_op": datetime.fromisoformat("2026-03-05T06:30:00+08:00")})
    for m, a in zip([after, before], Triage().evaluate([after, before])):
        store.save(m, a, "test")
    midnight = datetime(2026, 3, 5, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert [r.melding_id for r in store.received_since(midnight).records] == ["NA"]


def test_an_inbox_cut_short_by_the_row_limit_says_so(database_url):
    migrate(database_url)
    store = Store(database_url)
    meldingen = [schema.Melding.model_validate(d) for d in generate(5, seed=11)]
    for m, a in zip(meldingen, Triage().evaluate(meldingen)):
        store.save(m, a, "test")
    since = datetime(2000, 1, 1, tzinfo=timezone.utc)
    cut, whole = store.received_since(since, limit=3), store.received_since(since, limit=5)
    assert (len(cut.records), cut.complete) == (3, False)
    assert (len(whole.records), whole.complete) == (5, True)
    assert {r.melding_id for r in cut.records} == {m.melding_id for m in meldingen[-3:]}  # the newest are kept


def test_the_inbox_names_the_casus_of_a_stored_melding_without_its_keys(tmp_path):
    from zorgstraf import inbox, schema, usecases
    from zorgstraf.storage import open_store
    from zorgstraf.triage import Triage

    store = open_store(f"sqlite:///{tmp_path}/i.db")
    meldingen = [
        schema.Melding.model_validate(
            {
                "melding_id": f"IN-{n}",
                "ontvangen_op": f"2026-03-0{n}T10:00:00+01:00",
                "incidentsoort": ["partnergeweld"],
                "casus_sleutels": ["persoon-inbox-0001"],
            }
        )
        for n in (1, 2)
    ]
    usecases.triage_and_record(Triage(), meldingen, store, "t")
    entries = {e.melding_id: e for e in inbox.from_records(store.received_since(meldingen[0].ontvangen_op).records)}
    assert entries["IN-1"].casus.endswith("1e melding") and entries["IN-2"].casus.endswith("2e melding")
    assert entries["IN-1"].casus.split(" · ")[0] == entries["IN-2"].casus.split(" · ")[0]
    assert "persoon-inbox" not in entries["IN-2"].casus
