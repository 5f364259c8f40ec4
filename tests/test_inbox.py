"""The reader's inbox in the core: the same rows whether freshly triaged or read back from storage."""

from __future__ import annotations

from datetime import datetime, timezone

from zorgstraf import inbox, schema
from zorgstraf.samples import generate
from zorgstraf.storage import Store, migrate
from zorgstraf.triage import Triage, most_urgent_first


def test_stored_and_fresh_inbox_agree_row_for_row(tmp_path):
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    migrate(url)
    meldingen = [schema.Melding.model_validate(d) for d in generate(300, seed=7)]
    pairs = list(zip(meldingen, Triage().evaluate(meldingen)))
    store = Store(url)
    for m, a in pairs:
        store.save(m, a, "test")
    fresh = inbox.from_triage(pairs)
    stored = inbox.from_records(store.received_since(datetime(2000, 1, 1, tzinfo=timezone.utc)))
    assert [e.melding_id for e in stored] == [e.melding_id for e in fresh] == [a.melding_id for _, a in most_urgent_first(pairs)]
    assert stored == fresh
    assert stored[0].advies() == pairs[[a.melding_id for _, a in pairs].index(stored[0].melding_id)][1].model_dump(mode="json")


def test_a_newer_advies_for_the_same_melding_replaces_the_older_in_the_inbox(tmp_path):
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    migrate(url)
    melding = schema.Melding.model_validate(generate(1, seed=3)[0])
    store = Store(url)
    national, = Triage(regio="landelijk").evaluate([melding])
    regional, = Triage(regio="limburg").evaluate([melding])
    store.save(melding, national, "k1")
    store.save(melding, regional, "k2")
    rows = inbox.from_records(store.received_since(datetime(2000, 1, 1, tzinfo=timezone.utc)))
    assert len(rows) == 1 and rows[0].regio == "limburg"


def test_the_inbox_only_shows_meldingen_received_since_the_chosen_moment(tmp_path):
    url = f"sqlite:///{tmp_path / 'inbox.db'}"
    migrate(url)
    old, new = (schema.Melding.model_validate(d) for d in generate(2, seed=5))
    old = old.model_copy(update={"ontvangen_op": datetime(2026, 1, 5, 9, tzinfo=timezone.utc)})
    new = new.model_copy(update={"ontvangen_op": datetime(2026, 3, 5, 9, tzinfo=timezone.utc)})
    store = Store(url)
    for m, a in zip([old, new], Triage().evaluate([old, new])):
        store.save(m, a, "test")
    rows = inbox.from_records(store.received_since(datetime(2026, 3, 1, tzinfo=timezone.utc)))
    assert [r.melding_id for r in rows] == [new.melding_id]
