"""Neutralising text from meldingen and afspraken before it goes into a spreadsheet or a document.

- CSV: a cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return) is a formula to Excel
  and LibreOffice; it gets a leading apostrophe, as OWASP advises, so it is shown as text.
- Markdown: `|` would split a table cell and HTML would be rendered by most viewers: both escaped,
  and a line break becomes a space so one value stays on one line.
"""

from __future__ import annotations

import csv
import html
import re
from typing import Any, Iterable, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal(text: Any) -> str:
    """Text for a terminal: control characters (escape sequences, bell, carriage return) a user
    typed or a file held are shown as \\xNN, never sent raw to the terminal to act on."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class CsvWriter:
    """csv.writer that neutralises every text cell."""

    def __init__(self, stream: TextIO):
        self._writer = csv.writer(stream, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(v) for v in row])


class DictCsvWriter:
    """csv.DictWriter that neutralises every text cell."""

    def __init__(self, stream: TextIO, fieldnames: list[str]):
        self._writer = csv.DictWriter(stream, fieldnames=fieldnames, lineterminator="\n")

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerow(self, row: dict[str, Any]) -> None:
        self._writer.writerow({k: csv_cell(v) for k, v in row.items()})


def md(value: Any) -> str:
    """Text for a Markdown document or table cell: HTML escaped, `|` escaped, on one line."""
    text = html.escape(str(value), quote=False).replace("|", "\\|")
    return " ".join(text.splitlines())
