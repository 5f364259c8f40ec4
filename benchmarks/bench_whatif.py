"""The policy what-if: one regional parameter changed, the shift on a region's year (13,000 meldingen).

Measures, in the same run: the base outcomes (once per data set, cached by the dashboard), the first
what-if for a value (compiles the changed rule set), and a repeat with another value. The target is
under 1 s for a what-if. Usage: python benchmarks/bench_whatif.py [--regio limburg] [--n 13000]
"""

from __future__ import annotations

import argparse
import time

from zorgstraf import schema
from zorgstraf.perf import batch_mode
from zorgstraf.samples import generate
from zorgstraf.whatif import base_outcomes, what_if


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--regio", default="limburg")
    ap.add_argument("--n", type=int, default=13_000)
    args = ap.parse_args()
    year = [schema.Melding.model_validate({**m, "regio": args.regio}) for m in generate(args.n, seed=3, span_days=365)]
    batch_mode()
    t = time.perf_counter()
    base = base_outcomes(year, args.regio)
    print(f"basis ({args.n:,} meldingen, eenmalig):        {time.perf_counter() - t:.2f} s")
    for value in (2, 4, 2):
        t = time.perf_counter()
        result = what_if(year, args.regio, "herhaling_drempel", value, base)
        print(f"wat als herhaling_drempel = {value}: {time.perf_counter() - t:.2f} s ({result.gewijzigd:,} meldingen anders)")


if __name__ == "__main__":
    main()
