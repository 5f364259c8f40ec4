"""Batch triage throughput: N generated meldingen through the real engine (durable-rules).

Prints figures; it asserts nothing. Usage: python benchmarks/bench_triage.py [N] [--seed S]
Phases are timed separately so a regression can be located: parsing (pydantic), engine
evaluation (strata + combine), and serialising the advies to JSONL.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

from zorgstraf.io import AdviesWriter, parse_melding, read_meldingen
from zorgstraf.samples import generate
from zorgstraf.triage import Triage


class _Null:
    def write(self, _):
        return 0

    def flush(self):
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    # parse: read the JSONL file as the CLI does
    args = ap.parse_args()

    generated = generate(args.n, seed=args.seed)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.writelines(json.dumps(m) + "\n" for m in generated)
    runner = Triage()
    # Compile every variant (national + each region the data names) outside the timing.
    runner.evaluate([parse_melding(m, "warmup", 1) for m in generate(200, seed=args.seed + 1)])

    t0 = time.perf_counter()
    meldingen = [m for _, m in read_meldingen(f.name)]
    t1 = time.perf_counter()
    advies = []
    for start in range(0, len(meldingen), 1000):
        advies.extend(runner.evaluate(meldingen[start : start + 1000]))
    t2 = time.perf_counter()
    writer = AdviesWriter(_Null(), "jsonl")
    writer.write(advies)
    t3 = time.perf_counter()

    total = t3 - t0
    print(f"meldingen:            {args.n}")
    print(f"parse (pydantic):     {t1 - t0:7.3f} s")
    print(f"engine + combine:     {t2 - t1:7.3f} s   ({args.n / (t2 - t1):,.0f} meldingen/s)")
    print(f"write jsonl:          {t3 - t2:7.3f} s")
    print(f"end to end:           {total:7.3f} s   ({args.n / total:,.0f} meldingen/s)")


if __name__ == "__main__":
    main()
