"""Reading the police query list: a 50,000-line semicolon CSV in Windows-1252 with Dutch headers
and dates, through the --kolommen mapping, into validated meldingen (what `zorgstraf triage` reads).

Prints figures and the ratio to a baseline measured in the same run: Python's csv module splitting
the same decoded file into rows, nothing more (not used by the product). Usage:
python benchmarks/bench_querylijst.py [N]
"""

from __future__ import annotations

import csv
import io
import sys
import time

from openpyxl import Workbook

from zorgstraf.io import read_meldingen
from zorgstraf.samples import generate, to_querylijst
from zorgstraf.spreadsheet import load_kolommen


def main(n: int = 50_000) -> None:
    mapping = load_kolommen("bvh_querylijst")
    rows = to_querylijst(generate(n, seed=3), mapping)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(list(rows[0]))
    for row in rows:
        writer.writerow(["" if v is None else f"{v:%d-%m-%Y %H:%M}" if hasattr(v, "hour") else v for v in row.values()])
    data = text.getvalue().encode("cp1252")

    t = time.perf_counter()
    baseline = sum(1 for _ in csv.reader(io.StringIO(data.decode("cp1252")), delimiter=";")) - 1
    base = time.perf_counter() - t

    t = time.perf_counter()
    items = list(read_meldingen("querylijst.csv", mapping, data=data, name="querylijst.csv"))
    took = time.perf_counter() - t
    bad = sum(1 for _, m in items if isinstance(m, Exception))
    assert baseline == len(items) == n and bad == 0, (baseline, len(items), bad)

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(rows[0]))
    for row in rows[:10_000]:
        sheet.append(list(row.values()))
    buffer = io.BytesIO()
    book.save(buffer)
    t = time.perf_counter()
    xlsx = list(read_meldingen("q.xlsx", mapping, data=buffer.getvalue(), name="q.xlsx"))
    assert len(xlsx) == 10_000
    took_xlsx = time.perf_counter() - t

    print(f"querylijst CSV (puntkomma, cp1252, Nederlandse koppen en datums): {n:_} regels, {len(data) / 1e6:.1f} MB".replace("_", "."))
    print(f"  lezen + vertalen + valideren: {took:6.2f} s  ({n / took:,.0f} meldingen/s)".replace(",", "."))
    print(f"  basislijn csv.reader alleen:  {base:6.2f} s  -> verhouding {took / base:.1f}x")
    print(f"querylijst .xlsx: 10.000 rijen in {took_xlsx:.2f} s ({10_000 / took_xlsx:,.0f} meldingen/s)".replace(",", "."))


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
