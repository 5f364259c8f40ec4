"""Reading meldingen (json, jsonl, csv, stdin) and writing advies (json, jsonl, csv).

Reading never raises on a bad melding: it yields an InputError naming the line and field, so
one bad melding never sinks a batch.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

from pydantic import ValidationError

from . import schema
from .errors import ConfigError, InputError
from .fields import CATALOGUE

Item = tuple[int | None, schema.Melding | InputError]

_TRUE = {"true", "1", "ja", "yes", "waar"}
_FALSE = {"false", "0", "nee", "no", "onwaar"}


def validation_error(source: str, line: int | None, exc: ValidationError) -> InputError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    reason = "onbekend veld (typfout?)" if first["type"] == "extra_forbidden" else first["msg"]
    more = len(exc.errors()) - 1
    if more:
        reason += f" (en nog {more} fout{'en' if more > 1 else ''})"
    return InputError(source, line, field, reason)


def parse_melding(data: Any, source: str, line: int | None) -> schema.Melding | InputError:
    if not isinstance(data, dict):
        return InputError(source, line, None, "een melding is een JSON-object")
    try:
        return schema.Melding.model_validate(data)
    except ValidationError as exc:
        return validation_error(source, line, exc)


def _jsonl(stream: TextIO, source: str) -> Iterator[tuple[int, str]]:
    for number, text in enumerate(stream, start=1):
        if text.strip():
            yield number, text


def _json(stream: TextIO, source: str) -> Iterator[tuple[int | None, Any]]:
    text = stream.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield exc.lineno, InputError(source, exc.lineno, None, f"ongeldige JSON ({exc.msg}, kolom {exc.colno})")
        return
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items, start=1):
        # A JSON list has no line per melding; the position in the list is reported instead.
        yield index, ("item", item)


def _csv_value(column: str, raw: str) -> Any:
    spec = CATALOGUE.get(column)
    if spec is None or spec.output:
        return raw  # melding_id, ontvangen_op, toelichting, or an unknown column the schema rejects
    value = raw.strip()
    if spec.kind == "list":
        return [v.strip() for v in value.split("|") if v.strip()]
    if spec.kind == "bool":
        low = value.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        return value  # the schema names the field and rejects it
    if spec.kind == "int":
        try:
            return int(value)
        except ValueError:
            return value
    return value


def csv_row_to_melding(row: dict[str, str]) -> dict[str, Any]:
    """Rebuild the nested melding from dotted columns; empty cells take the default."""
    data: dict[str, Any] = {}
    for column, raw in row.items():
        if column is None:  # more cells than headers
            data["__extra_cells__"] = raw
            continue
        if raw is None or raw.strip() == "":
            continue
        value = _csv_value(column, raw)
        target = data
        parts = column.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                break
        else:
            target[parts[-1]] = value
    return data


def _csv(stream: TextIO, source: str) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(stream)
    for row in reader:
        number = reader.line_num
        data = csv_row_to_melding(row)
        if "__extra_cells__" in data:
            yield number, InputError(source, number, None, "meer cellen dan kolommen")
            continue
        yield number, data


Raw = Any  # JSON text (str), a decoded object (dict), ("item", object) from a JSON list, or an InputError


def read_raw(path: str) -> Iterator[tuple[int | None, Raw]]:
    """Yield (line, raw record) without validating; `parse_raw` turns a record into a Melding.
    Split in two so that worker processes can do the validating in parallel."""
    if path == "-":
        yield from _jsonl(sys.stdin, "stdin")
        return
    file = Path(path)
    suffix = file.suffix.lower()
    readers = {".jsonl": _jsonl, ".ndjson": _jsonl, ".json": _json, ".csv": _csv}
    if suffix not in readers:
        raise ConfigError(f"{path}: onbekend bestandstype '{suffix}'; gebruik .json, .jsonl, .csv of -")
    try:
        with file.open(encoding="utf-8-sig", newline="" if suffix == ".csv" else None) as stream:
            yield from readers[suffix](stream, path)
    except FileNotFoundError:
        raise ConfigError(f"{path}: bestand bestaat niet") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: bestand is geen UTF-8-tekst") from None
    except OSError as exc:
        raise ConfigError(f"{path}: kan bestand niet lezen ({exc.strerror})") from None


def parse_raw(source: str, line: int | None, raw: Raw) -> schema.Melding | InputError:
    if isinstance(raw, InputError):
        return raw
    if isinstance(raw, tuple):  # an item of a JSON list: reported by position
        return parse_melding(raw[1], f"{source}[{line}]", None)
    if isinstance(raw, dict):
        return parse_melding(raw, source, line)
    try:  # fast path: pydantic-core parses and validates the JSON text in one go
        return schema.Melding.model_validate_json(raw)
    except ValidationError:
        pass  # redo slowly for a precise, one-line error
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return InputError(source, line, None, f"ongeldige JSON ({exc.msg}, kolom {exc.colno})")
    return parse_melding(data, source, line)


def read_meldingen(path: str) -> Iterator[Item]:
    """Yield (line, Melding or InputError) for every melding in `path` ('-' is JSONL on stdin)."""
    source = "stdin" if path == "-" else path
    for line, raw in read_raw(path):
        yield line, parse_raw(source, line, raw)


def count_lines(path: str) -> int | None:
    """A cheap total for the progress bar (None when it cannot be known up front)."""
    if path == "-" or not Path(path).is_file() or Path(path).suffix.lower() == ".json":
        return None
    with open(path, "rb") as f:
        n = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return n - 1 if Path(path).suffix.lower() == ".csv" else n


# --- writing ---------------------------------------------------------------------------------

CSV_COLUMNS = [
    "melding_id", "regio", "urgentie", "route", "afstemming", "partners", "interventies",
    "thv", "fase", "agenderen", "prioriteit", "regels", "score_punten", "score_band", "regelset_hash",
]


def advies_csv_row(advies: schema.Advies) -> dict[str, Any]:
    return {
        "melding_id": advies.melding_id,
        "regio": advies.regio,
        "urgentie": advies.urgentie.value,
        "route": advies.route.value,
        "afstemming": "|".join(a.value for a in advies.afstemming),
        "partners": "|".join(p.value for p in advies.partners),
        "interventies": "|".join(i.value for i in advies.interventies),
        "thv": advies.thv.beoordeling.value,
        "fase": advies.fase.value,
        "agenderen": str(advies.actie_overleg.agenderen).lower(),
        "prioriteit": "" if advies.actie_overleg.prioriteit is None else advies.actie_overleg.prioriteit,
        "regels": "|".join(u.regel for u in advies.uitleg),
        "score_punten": "" if advies.score is None else advies.score.punten,
        "score_band": "" if advies.score is None else advies.score.band.value,
        "regelset_hash": advies.regelset.hash,
    }


class AdviesWriter:
    """Streams advies out as jsonl, json or csv."""

    def __init__(self, stream: TextIO, fmt: str):
        self.stream = stream
        self.fmt = fmt
        self.count = 0
        if fmt == "csv":
            self._csv = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
            self._csv.writeheader()
        elif fmt == "json":
            stream.write("[")

    def write(self, advies: Iterable[schema.Advies]) -> None:
        for a in advies:
            if self.fmt == "jsonl":
                self.stream.write(a.model_dump_json() + "\n")
            elif self.fmt == "json":
                self.stream.write(("\n" if self.count == 0 else ",\n") + a.model_dump_json(indent=2))
            else:
                self._csv.writerow(advies_csv_row(a))
            self.count += 1

    def close(self) -> None:
        if self.fmt == "json":
            self.stream.write("\n]\n" if self.count else "]\n")
        self.stream.flush()


def dumps_jsonl(advies: Iterable[schema.Advies]) -> str:
    buffer = io.StringIO()
    writer = AdviesWriter(buffer, "jsonl")
    writer.write(advies)
    return buffer.getvalue()
