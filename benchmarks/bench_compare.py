"""`compare` at scale: N generated meldingen through base plus two variants, both cores.

Prints figures; asserts nothing. Usage: python benchmarks/bench_compare.py [N] [--workers W]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time

from zorgstraf.compare import compare
from zorgstraf.samples import generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=200_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--variant", action="append", default=None)
    args = ap.parse_args()
    variants = args.variant or ["limburg", "midden_nederland"]

    path = os.path.join(tempfile.mkdtemp(), "meldingen.jsonl")
    t = time.perf_counter()
    with open(path, "w") as f:
        for start in range(0, args.n, 10_000):
            batch = generate(min(10_000, args.n - start), seed=start + 1, prefix=f"B{start // 10_000:02d}-")
            f.writelines(json.dumps(m) + "\n" for m in batch)
    print(f"generated {args.n} meldingen in {time.perf_counter() - t:.1f} s (not part of the figure)")

    t = time.perf_counter()
    report = compare(path, variants, workers=args.workers)
    elapsed = time.perf_counter() - t
    evaluations = report.count * (1 + len(variants))
    print(f"variants:           landelijk + {', '.join(variants)}")
    print(f"workers:            {args.workers}")
    print(f"compare:            {elapsed:.1f} s for {report.count} meldingen ({evaluations / elapsed:,.0f} evaluations/s)")
    for v in report.variants:
        print(f"changed in {v}: {len(report.changed_ids(v))}")
    print(f"peak RSS (main):    {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(f"peak RSS (workers): {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
