"""The casework probe (issue 23): the three concurrency scenarios of the 2026-12-06 reliability
probe (N1-N3) against whichever zorgstraf is importable, two Stores over one database standing for
two API workers. Shows that the tests in tests/test_casework_concurrency.py failed first:

    git worktree add /tmp/old 12ad796
    PYTHONPATH=/tmp/old .venv/bin/python scripts/casework_probe.py sqlite:////tmp/old.db   # before
    .venv/bin/python scripts/casework_probe.py sqlite:////tmp/new.db                       # now

(a postgresql:// URL of an empty database works too). All data synthetic."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from zorgstraf import schema, usecases
from zorgstraf.settings import ApiKey
from zorgstraf.storage import Afspraak, AfspraakHistorie, open_store
from zorgstraf.triage import Triage

CHAIR = ApiKey(key="voorzitter-probe", roles=frozenset({"voorzitter"}))


def at_once(calls, threads: int = 8):
    barrier = threading.Barrier(min(threads, len(calls)))

    def run(call):
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        try:
            return call()
        except Exception as exc:  # refusals (409) are expected; the store is checked afterwards
            return exc

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, calls))


def keyed(melding_id: str, keys: list[str], when: str = "2026-11-10T10:15:00+01:00") -> schema.Melding:
    return schema.Melding.model_validate(
        {"melding_id": melding_id, "ontvangen_op": when, "incidentsoort": ["partnergeweld"], "casus_sleutels": keys}
    )


def main(url: str) -> None:
    pool = [(open_store(url), Triage()) for _ in range(2)]
    store = pool[0][0]
    chain = [keyed(f"KET-{i:02d}", [f"ketting-{i:03d}", f"ketting-{i + 1:03d}"]) for i in range(40)]
    at_once([lambda m=m, w=pool[i % 2]: usecases.triage_and_record(w[1], [m], w[0], "probe") for i, m in enumerate(chain)])
    later = usecases.triage_and_record(Triage(), [keyed("KET-LATER", ["ketting-020"], "2026-11-12T10:15:00+01:00")], store, "probe")
    print(f"N2 keten: een latere melding ziet {later[0][1].casus.meldingen - 1} van de 40 eerdere")

    usecases.triage_and_record(Triage(), [keyed("AFS-1", ["afspraak-sleutel-1"])], store, "probe")
    broken = 0
    for n in range(8):
        (made,) = usecases.record_afspraken(store, "AFS-1", [{"wie": "politie", "wat": f"ronde {n}"}], CHAIR, limit=10_000)
        other = pool[1][0]
        calls = [lambda: usecases.set_afspraak_status(store, made.id, "ingetrokken", CHAIR, "weg")]
        calls += [
            (lambda: usecases.set_afspraak_status(other, made.id, "gedaan", CHAIR))
            if k % 2
            else (lambda: usecases.change_afspraak(other, made.id, {"wat": "anders"}, CHAIR, "wijziging"))
            for k in range(5)
        ]
        at_once(calls)
        with store.sessions() as session:
            steps = [h.actie for h in session.query(AfspraakHistorie).filter_by(afspraak_id=made.id).order_by(AfspraakHistorie.id)]
        final = next((i for i, step in enumerate(steps) if step in ("ingetrokken", "gedaan")), None)
        broken += final is not None and len(steps) > final + 1
    print(f"N1 afspraak: {broken} van 8 rondes met een stap na intrekken of gedaan")

    usecases.triage_and_record(Triage(), [keyed("LIM-1", ["limiet-sleutel-1"])], store, "probe")
    at_once(
        [
            lambda s=pool[i % 2][0]: usecases.record_afspraken(
                s, "LIM-1", [{"wie": "politie", "wat": f"a{j}"} for j in range(10)], CHAIR, limit=20
            )
            for i in range(8)
        ]
    )
    with store.sessions() as session:
        print(f"N3 limiet 20: {session.query(Afspraak).filter_by(melding_id='LIM-1').count()} afspraken opgeslagen")


if __name__ == "__main__":
    main(sys.argv[1])
