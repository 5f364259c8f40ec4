"""Casus lookup and the store-based reports against a large store.

Fills a store with N stored advies (bulk insert of real advies rows, spread over casussen, regions
and two years), then measures in the same run:
  - triage-and-record of a batch of B meldingen without casus keys (the baseline) and with keys that
    hit existing casussen (link + context queries + triage + store), and their ratio;
  - the Actie-overleg agenda of one region-week from that store;
  - the Werkset Indicatoren report of one region-year from that store.
Usage: python benchmarks/bench_casus.py [--store 1000000] [--batch 10000] [--database URL]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert

from zorgstraf import agenda, casus, schema, usecases, werkset
from zorgstraf.samples import generate
from zorgstraf.storage import AdviesRecord, CasusSleutel, open_store
from zorgstraf.triage import Triage


def fill(store, n: int, casussen: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    runner = Triage()
    templates = [schema.Melding.model_validate(m) for m in generate(500, seed=seed)]
    advies = runner.evaluate(templates)
    rows = [(m.model_dump_json(), a.model_dump_json(), a) for m, a in zip(templates, advies)]
    regions = [r.value for r in schema.Regio]
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with store.engine.begin() as conn:
        conn.execute(
            CasusSleutel.__table__.insert(),
            [{"sleutel": casus.key_digest(f"bench-casus-{c:07d}"), "casus": c + 1} for c in range(casussen)],
        )
    for offset in range(0, n, 20_000):
        batch = []
        for i in range(offset, min(n, offset + 20_000)):
            mj, aj, a = rows[i % len(rows)]
            when = start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
            batch.append(
                dict(
                    melding_id=f"B{i:08d}",
                    regio=regions[i % 10],
                    regelset_naam=a.regelset.naam,
                    regelset_hash=a.regelset.hash,
                    model_hash=None,
                    input_hash="0" * 64,
                    key_id="bench",
                    aangemaakt_op=when,
                    ontvangen_op=when,
                    urgentie=a.urgentie.value,
                    agenderen=a.actie_overleg.agenderen,
                    volgend_actie_overleg=(when + timedelta(days=rng.randrange(1, 8))).date() if a.actie_overleg.agenderen else None,
                    advies_json=aj,
                    melding_json=mj,
                    casus=rng.randrange(casussen) + 1,
                    bron="politie",
                    route=a.route.value,
                    afstemming="|" + "|".join(x.value for x in a.afstemming) + "|",
                    vt=schema.Partner.veilig_thuis in a.partners,
                    kantoortijd=8 <= when.hour < 17,
                )
            )
        with store.engine.begin() as conn:
            conn.execute(insert(AdviesRecord), batch)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--database")
    ap.add_argument("--reuse", action="store_true", help="a store filled by an earlier run: measure without filling again")
    args = ap.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'casus.db'}"
    store = open_store(url)
    casussen = max(1, args.store // 3)
    t = time.perf_counter()
    if args.reuse:
        print(f"store: {store.count_advies():,} advies, eerder gevuld ({url.split(':')[0]})")
    else:
        fill(store, args.store, casussen)
        print(f"store: {args.store:,} advies in {casussen:,} casussen gevuld in {time.perf_counter() - t:.1f} s ({url.split(':')[0]})")
    run = f"{int(time.time()) % 100000}-"  # fresh melding ids on every run
    runner = Triage()
    plain = [schema.Melding.model_validate({**m, "melding_id": f"P{run}{i}"}) for i, m in enumerate(generate(args.batch, seed=11))]
    keyed = [
        m.model_copy(update={"melding_id": f"K{run}{i}", "casus_sleutels": [f"bench-casus-{(i * 7919) % casussen:07d}"]})
        for i, m in enumerate(plain)
    ]
    t = time.perf_counter()
    usecases.triage_and_record(runner, plain, store, "bench")
    base = time.perf_counter() - t
    t = time.perf_counter()
    results = usecases.triage_and_record(runner, keyed, store, "bench")
    with_lookup = time.perf_counter() - t
    assert all(r.failure is None for r in results)
    print(f"triage+opslag {args.batch:,} zonder sleutels (basis): {base:.2f} s ({args.batch / base:,.0f}/s)")
    print(
        f"triage+opslag {args.batch:,} met casus-opzoeking:     {with_lookup:.2f} s ({args.batch / with_lookup:,.0f}/s); ratio {with_lookup / base:.2f}x"
    )
    ruleset = runner.engine_for("limburg").ruleset
    t = time.perf_counter()
    result = agenda.build_from_store(store, "limburg", "2025-W20", ruleset)
    print(f"agenda limburg 2025-W20 ({len(result.items)} zaken): {time.perf_counter() - t:.3f} s")
    t = time.perf_counter()
    report = werkset.report(store, "limburg", date(2025, 1, 1), date(2025, 12, 31))
    print(f"indicatoren limburg 2025 ({report.meldingen:,} meldingen): {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
