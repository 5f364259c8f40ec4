"""Reading meldingen (json, jsonl, csv, stdin) and writing advies (json, jsonl, csv).

Reading never raises on a bad melding: it yields an InputError naming the line and field, so
one bad melding never sinks a batch.
"""

from __future__ import annotations

import io
import json
import re
import sys
import typing
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, TextIO

from pydantic import BaseModel, ValidationError

from . import schema
from .errors import ConfigError, InputError, did_you_mean
from .escape import DictCsvWriter
from .spreadsheet import Kolommen, column_error, read_csv, read_xlsx, rows_to_meldingen

Item = tuple[int | None, schema.Melding | InputError]

DATETIME_HINT = "verwacht datum en tijd volgens ISO 8601, bijvoorbeeld 2026-03-10T14:30:00+01:00"


def validation_error(source: str, line: int | None, exc: ValidationError) -> InputError:
    errors = exc.errors()
    first = errors[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    reason = dutch_reason(first)
    if len(errors) > 1:
        reason += f" (en nog {len(errors) - 1} fout{'en' if len(errors) > 2 else ''})"
    return InputError(source, line, field, reason)


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The Melding (sub)model that holds the field at `loc`, to suggest its real field names."""
    model: type[BaseModel] | None = schema.Melding
    for part in loc[:-1]:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
        model = next((a for a in (annotation, *typing.get_args(annotation)) if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return model


def dutch_reason(error: Mapping[str, Any]) -> str:
    """A pydantic error in the reader's language, with a did-you-mean where one is close."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "extra_forbidden":
        model = _model_at(tuple(error["loc"]))
        return "onbekend veld (typfout?)" + (did_you_mean(error["loc"][-1], list(model.model_fields)) if model else "")
    if kind == "enum":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"onbekende waarde '{value}'" + (did_you_mean(value, options) or f"; kies uit {', '.join(options)}")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in (schema.WEEK_PATTERN, schema.DAY_PATTERN):
        shape = "JJJJ-Www, bijvoorbeeld 2026-W11" if ctx["pattern"] == schema.WEEK_PATTERN else "JJJJ-MM-DD, bijvoorbeeld 2026-03-10"
        return f"gebruik de vorm {shape} (jaren {schema.FIRST_DAY.year}-{schema.LAST_DAY.year})"
    if kind in ("int_type", "int_parsing", "int_from_float") and isinstance(value, bool):
        return f"verwacht een geheel getal, geen {str(value).lower()}"
    fixed = {
        "missing": "verplicht veld ontbreekt",
        "int_type": "verwacht een geheel getal",
        "int_parsing": "verwacht een geheel getal",
        "int_from_float": "verwacht een geheel getal",
        "float_type": "verwacht een getal",
        "float_parsing": "verwacht een getal",
        "bool_type": "verwacht true of false",
        "bool_parsing": "verwacht true of false",
        "string_type": "verwacht tekst",
        "string_pattern_mismatch": "alleen letters, cijfers en de tekens _ . : + / = - (een gepseudonimiseerde sleutel, geen spaties)",
        "string_unicode": "bevat een ongeldig teken (geen Unicode); zulke tekst kan niet worden opgeslagen",
        "list_type": "verwacht een lijst",
        "model_type": "verwacht een object",
        "model_attributes_type": "verwacht een object",
        "dict_type": "verwacht een object",
        "datetime_type": DATETIME_HINT,
        "datetime_parsing": DATETIME_HINT,
        "datetime_from_date_parsing": DATETIME_HINT,
        "timezone_aware": "verwacht een tijdzone erbij, bijvoorbeeld 2026-03-10T14:30:00+01:00",
        "none_required": "moet leeg zijn",
    }
    if kind in fixed:
        return fixed[kind]
    if kind == "greater_than_equal":
        return f"moet minstens {ctx.get('ge')} zijn"
    if kind == "greater_than":
        return f"moet groter dan {ctx.get('gt'):g} zijn"
    if kind == "less_than":
        return f"moet kleiner dan {ctx.get('lt'):g} zijn"
    if kind == "less_than_equal":
        return f"mag hoogstens {ctx.get('le')} zijn"
    if kind == "too_short":
        return f"te kort (minstens {ctx.get('min_length')})"
    if kind in ("too_long", "string_too_long"):
        return f"te lang (hoogstens {ctx.get('max_length')})"
    if kind == "string_too_short":
        return f"te kort (minstens {ctx.get('min_length')} teken)"
    if kind == "json_invalid":
        return f"ongeldige JSON ({ctx.get('error', 'niet te lezen')})"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def parse_melding(data: Any, source: str, line: int | None) -> schema.Melding | InputError:
    if not isinstance(data, dict):
        return InputError(source, line, None, "een melding is een JSON-object")
    try:
        return schema.Melding.model_validate(data)
    except ValidationError as exc:
        return validation_error(source, line, exc)


def _decode_lines(stream: Iterable[bytes], source: str) -> Iterator[tuple[int, str | InputError]]:
    """Lines as text, one at a time: a line that is not UTF-8 becomes an InputError for that line
    alone, so one bad byte on line 4,000 never stops lines 4,001 and on from being read."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a UTF-8 byte order mark, as Excel writes it
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield (
                number,
                InputError(
                    source, number, None, f"regel is geen UTF-8-tekst (ongeldige byte 0x{raw[exc.start]:02x} op positie {exc.start + 1})"
                ),
            )


def _jsonl(stream: Iterable[bytes], source: str) -> Iterator[tuple[int, str | InputError]]:
    for number, text in _decode_lines(stream, source):
        if isinstance(text, InputError) or text.strip():
            yield number, text


# What looks like an object key in JSON text (bytes or str); a repeat is then checked exactly.
_KEY_BYTES, _KEY_TEXT = re.compile(rb'"([^"\\]{1,64})"\s*:'), re.compile(r'"([^"\\]{1,64})"\s*:')


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose key comes twice is refused: which value holds is not guessed."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _DuplicateKey(f"ongeldige JSON (het veld '{twice}' staat twee keer in één object; welke waarde geldt raden we niet)")
    return out


def _loads(text: str | bytes) -> Any:
    """json.loads whose every failure is a ValueError with a Dutch reason: also nesting too deep
    for the parser, integers too long to convert, and a key given twice in one object."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise ValueError(f"ongeldige JSON ({exc.msg}, kolom {exc.colno})") from None
    except _DuplicateKey:
        raise
    except RecursionError:
        raise ValueError("ongeldige JSON (te diep genest)") from None
    except ValueError:  # Python refuses integers of thousands of digits (int_max_str_digits)
        raise ValueError("ongeldige JSON (een getal met te veel cijfers)") from None


def _json(stream: Iterable[bytes], source: str) -> Iterator[tuple[int | None, Any]]:
    try:
        text = b"".join(stream).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield None, InputError(source, None, None, f"bestand is geen UTF-8-tekst (ongeldige byte op positie {exc.start + 1})")
        return
    try:
        data = _loads(text)
    except ValueError as exc:
        yield None, InputError(source, None, None, str(exc))
        return
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items, start=1):
        # A JSON list has no line per melding; the position in the list is reported instead.
        yield index, ("item", item)


Raw = Any  # JSON text (str), a decoded object (dict), ("item", object) from a JSON list, or an InputError


def read_raw(
    path: str, kolommen: "Kolommen | None" = None, data: bytes | None = None, name: str | None = None
) -> Iterator[tuple[int | None, Raw]]:
    """Yield (line, raw record) without validating; `parse_raw` turns a record into a Melding.
    Split in two so that worker processes can do the validating in parallel.

    `data` reads an upload from memory (nothing touches the disk); `name` is the file name the user
    knows, used in every error instead of a path."""
    if path == "-" and data is None:
        yield from _jsonl(sys.stdin.buffer, "stdin")
        return
    source = name or path
    suffix = Path(name or path).suffix.lower()
    readers = {".jsonl": _jsonl, ".ndjson": _jsonl, ".json": _json}
    tables = {".csv": read_csv, ".xlsx": read_xlsx}
    if suffix not in readers and suffix not in tables:
        raise ConfigError(f"{source}: onbekend bestandstype '{suffix}'; gebruik .csv, .xlsx, .json, .jsonl of -")
    if kolommen is not None and suffix not in tables:
        raise ConfigError(f"{source}: --kolommen geldt alleen voor .csv en .xlsx")
    try:
        if suffix in tables:
            content = data if data is not None else Path(path).read_bytes()
            yield from rows_to_meldingen(tables[suffix](content, source, kolommen), source, kolommen)
        elif data is not None:
            yield from readers[suffix](io.BytesIO(data), source)
        else:
            with Path(path).open("rb") as stream:
                yield from readers[suffix](stream, source)
    except FileNotFoundError:
        raise ConfigError(f"{source}: bestand bestaat niet") from None
    except IsADirectoryError:
        raise ConfigError(f"{source}: is een map, geen bestand") from None
    except OSError as exc:
        raise ConfigError(f"{source}: kan bestand niet lezen ({exc.strerror})") from None


def parse_raw(source: str, line: int | None, raw: Raw) -> schema.Melding | InputError:
    if isinstance(raw, InputError):
        return raw
    if isinstance(raw, tuple) and raw[0] == "row":  # a spreadsheet row: errors name the user's column
        _, row, data = raw
        parsed = parse_melding(data, source, line)
        return column_error(parsed, row) if isinstance(parsed, InputError) else parsed
    if isinstance(raw, tuple):  # an item of a JSON list: reported by position
        return parse_melding(raw[1], f"{source}[{line}]", None)
    if isinstance(raw, dict):
        return parse_melding(raw, source, line)
    try:  # fast path: pydantic-core parses and validates the JSON text in one go
        melding = schema.Melding.model_validate_json(raw)
        keys = (_KEY_BYTES if isinstance(raw, bytes) else _KEY_TEXT).findall(raw)
        if len(keys) == len(set(keys)):  # no key twice (pydantic-core would keep the last): done
            return melding
    except ValidationError:
        pass  # redo slowly for a precise, one-line error (and a key given twice named)
    try:
        data = _loads(raw)
    except ValueError as exc:
        return InputError(source, line, None, str(exc))
    return parse_melding(data, source, line)


def read_meldingen(path: str, kolommen: "Kolommen | None" = None, data: bytes | None = None, name: str | None = None) -> Iterator[Item]:
    """Yield (line, Melding or InputError) for every melding in `path` ('-' is JSONL on stdin),
    or in `data` (an upload) under the user's file `name`."""
    source = name or ("stdin" if path == "-" else path)
    for line, raw in read_raw(path, kolommen, data, name):
        yield line, parse_raw(source, line, raw)


def count_lines(path: str) -> int | None:
    """A cheap total for the progress bar (None when it cannot be known up front)."""
    if path == "-" or not Path(path).is_file() or Path(path).suffix.lower() in (".json", ".xlsx"):
        return None  # a JSON list or a zipped workbook has no line per melding
    with open(path, "rb") as f:
        n = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return n - 1 if Path(path).suffix.lower() == ".csv" else n


# --- writing ---------------------------------------------------------------------------------

CSV_COLUMNS = [
    "melding_id",
    "regio",
    "urgentie",
    "route",
    "afstemming",
    "partners",
    "interventies",
    "thv",
    "fase",
    "agenderen",
    "prioriteit",
    "regels",
    "score_punten",
    "score_band",
    "regelset_hash",
    "samenvatting",
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
        "samenvatting": advies.samenvatting,  # the one Dutch line, for a reader opening the file in Excel
    }


class AdviesWriter:
    """Streams advies out as jsonl, json or csv."""

    def __init__(self, stream: TextIO, fmt: str):
        self.stream = stream
        self.fmt = fmt
        self.count = 0
        if fmt == "csv":
            self._csv = DictCsvWriter(stream, CSV_COLUMNS)  # formula prefixes neutralised
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
