"""Batch triage throughput: N generated meldingen through the real engine (durable-rules).

Prints figures; it asserts nothing. Usage: python benchmarks/bench_triage.py [N] [--seed S]
Phases are timed separately so a regression can be located: parsing (pydantic), engine
evaluation (strata + combine), and serialising the advies to JSONL.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zorgstraf.io import AdviesWriter, parse_melding, read_meldingen
from zorgstraf.perf import batch_mode
from zorgstraf.samples import generate
from zorgstraf.triage import Triage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import run as baseline_run  # noqa: E402


class _Null:
    def write(self, _):
        return 0

    def flush(self):
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1, help="also time `zorgstraf triage --workers N` against one process")
    # parse: read the JSONL file as the CLI does
    args = ap.parse_args()

    generated = generate(args.n, seed=args.seed)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.writelines(json.dumps(m) + "\n" for m in generated)
    runner = Triage()
    # Compile every variant (national + each region the data names) outside the timing.
    runner.evaluate([parse_melding(m, "warmup", 1) for m in generate(200, seed=args.seed + 1)])
    batch_mode()  # as `zorgstraf triage` does once the rules are compiled

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

    # The yardstick, in the same run: a plain hand-written reading of the national rules (no uitleg).
    with open(f.name, encoding="utf-8") as lines:
        raw = lines.readlines()
    b0 = time.perf_counter()
    baseline_run(raw)
    baseline = time.perf_counter() - b0

    total = t3 - t0
    print(f"meldingen:            {args.n}")
    print(f"parse (pydantic):     {t1 - t0:7.3f} s")
    print(f"engine + combine:     {t2 - t1:7.3f} s   ({args.n / (t2 - t1):,.0f} meldingen/s)")
    print(f"write jsonl:          {t3 - t2:7.3f} s")
    print(f"end to end:           {total:7.3f} s   ({args.n / total:,.0f} meldingen/s)")
    print(f"handgeschreven basis: {baseline:7.3f} s   ({args.n / baseline:,.0f} meldingen/s; zonder uitleg)")
    print(f"verhouding:           {total / baseline:7.2f}x de tijd van de basis")
    if args.workers > 1:
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as out:
            pass
        w0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "zorgstraf.cli", "triage", f.name, "--format", "jsonl", "-o", out.name, "--workers", str(args.workers)],
            check=True,
        )
        parallel = time.perf_counter() - w0
        s0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "zorgstraf.cli", "triage", f.name, "--format", "jsonl", "-o", out.name], check=True)
        single = time.perf_counter() - s0
        print(f"CLI 1 proces:         {single:7.3f} s   ({args.n / single:,.0f} meldingen/s, opstart inbegrepen)")
        print(
            f"CLI {args.workers} processen:     {parallel:7.3f} s   ({args.n / parallel:,.0f} meldingen/s; "
            f"{single / parallel:.2f}x sneller; {parallel / baseline:.2f}x de basis)"
        )


if __name__ == "__main__":
    main()
