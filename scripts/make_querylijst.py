"""Writes the sample police query list in data/samples/ as a Dutch Excel export would: a
semicolon CSV in Windows-1252 with CRLF, Dutch dates and WAAR/ONWAAR, and the same as .xlsx.
Headers and value words from zorgstraf/kolommen/bvh_querylijst.yaml. All data synthetic."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from openpyxl import Workbook

from zorgstraf.samples import generate, to_querylijst
from zorgstraf.spreadsheet import load_kolommen


def write_csv(rows: list[dict], path: Path) -> None:
    with path.open("w", encoding="cp1252", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
        writer.writerow(list(rows[0]))
        for row in rows:
            writer.writerow(
                [
                    ""
                    if v is None
                    else f"{v:%d-%m-%Y %H:%M}"
                    if hasattr(v, "hour")
                    else {"Ja": "WAAR", "Nee": "ONWAAR"}.get(v, v)
                    if isinstance(v, str)
                    else v
                    for v in row.values()
                ]
            )


def write_xlsx(rows: list[dict], path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Querylijst"
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    for cell in sheet["B"][1:]:
        cell.number_format = "dd-mm-yyyy hh:mm"
    book.save(path)


def main(n: int = 40, seed: int = 1125) -> None:
    mapping = load_kolommen("bvh_querylijst")
    meldingen = generate(n, seed=seed, prefix="PL")
    for m in meldingen:
        m["toelichting"] = "Synthetische melding; buren hoorden geschreeuw in het café ernaast."
    rows = to_querylijst(meldingen, mapping)
    out = Path(__file__).resolve().parent.parent / "zorgstraf" / "voorbeelden"
    write_csv(rows, out / "querylijst_politie.csv")
    write_xlsx(rows, out / "querylijst_politie.xlsx")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:]))
