"""Meldingen from a spreadsheet as the police export it: CSV (comma or semicolon, UTF-8 with or
without BOM, or Windows-1252) and Excel `.xlsx`, with the project's own column names or a region's
export headers mapped by a `--kolommen` file.

- The delimiter is sniffed (`csv.Sniffer`), the encoding decided per file: a BOM means UTF-8;
  otherwise UTF-8 unless most lines with other than ASCII are not UTF-8, in which case
  `charset-normalizer` is asked and a Windows code page is read as Windows-1252. A line that fits
  neither is named on its own and skipped.
- Dutch dates (`25-11-2026 14:30`, `9-2-2026 21:38`, Excel date cells) and times without an offset
  are Europe/Amsterdam time.
- Yes/no as Dutch Excel writes it (WAAR/ONWAAR, ja/nee, j/n), lists separated by `|` or `,`.
- Errors name the user's file, the line (or Excel row), the column as the user knows it, and the
  reason, in Dutch.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import hmac
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Iterable, Iterator

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import schema, yamlfile
from .errors import ConfigError, InputError, ZorgstrafError, did_you_mean
from .escape import terminal as terminal_safe
from .fields import CATALOGUE

TRUE = {"true", "1", "ja", "j", "yes", "waar", "x"}
FALSE = {"false", "0", "nee", "n", "no", "onwaar"}
DUTCH_FORMATS = (
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
# Fields a column may fill: every input field of the melding, plus its id, time and free text.
TARGETS = ["melding_id", "ontvangen_op", "toelichting"] + [
    n for n, s in CATALOGUE.items() if not s.output and not n.startswith(("ontvangen.", "score.")) and s.kind != "object"
]
PACKAGED = Path(__file__).parent / "kolommen"


# --- the mapping file ------------------------------------------------------------------------------


class Kolommen(BaseModel):
    """A `--kolommen` file: which export header fills which melding field, and how values translate."""

    model_config = ConfigDict(extra="forbid")

    naam: str
    bron: str = ""
    kolommen: dict[str, str]  # export header -> melding field (dotted), e.g. "Datum/tijd melding": ontvangen_op
    negeer: list[str] = Field(default_factory=list)  # export columns deliberately not read
    waarden: dict[str, dict[str, str | bool | int]] = Field(default_factory=dict)  # field -> {export value -> value}
    # Key columns: export header -> kind of number (e.g. "Persoonsnummer verdachte": persoon). Their
    # values are pseudonymised on the way in (HMAC-SHA256 with ZORGSTRAF_CASUS_SLEUTEL_GEHEIM) into
    # the melding's casus_sleutels; the same number under two headers of one kind links the casus.
    sleutels: dict[str, Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]] = Field(default_factory=dict)

    def field_for(self, header: str) -> str | None:
        return self._by_header.get(_norm(header))

    def key_kind(self, header: str) -> str | None:
        return self._keys.get(_norm(header))

    def model_post_init(self, _: Any) -> None:
        self._by_header = {_norm(h): f for h, f in self.kolommen.items()}
        self._keys = {_norm(h): k for h, k in self.sleutels.items()}
        self._ignored = {_norm(h) for h in self.negeer}
        self._values = {f: {_norm(k): v for k, v in m.items()} for f, m in self.waarden.items()}
        self._secret: bytes | None = None

    def unlock(self, source: str, header: str) -> None:
        """A file carries key column `header`: the secret must be set, or the file is refused (raw
        person numbers are never stored, and an unkeyed hash of one is a guessable number)."""
        if self._secret is not None:
            return
        from .settings import from_environment

        secret = from_environment().casus_sleutel_geheim
        if secret is None:
            raise ConfigError(
                f"{source}: kolom '{header}' is een sleutelkolom (kolommenlijst '{self.naam}'), maar "
                "ZORGSTRAF_CASUS_SLEUTEL_GEHEIM is niet gezet; zet dat geheim (minstens 32 tekens, voor alle "
                "gebruikers van de opslag hetzelfde) of zet de kolom onder negeer"
            )
        self._secret = secret.get_secret_value().encode()

    def pseudonym(self, kind: str, value: Any) -> str:
        """The keyed hash of one key cell: the same number of the same kind gives the same key."""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        assert self._secret is not None, "unlock() first"
        text = f"{kind}:{_norm(value)}".encode()
        return "hmac-" + hmac.new(self._secret, text, hashlib.sha256).hexdigest()

    def ignored(self, header: str) -> bool:
        return _norm(header) in self._ignored

    def translate(self, target: str, raw: str) -> Any:
        table = self._values.get(target)
        if table is None:
            return raw
        return table.get(_norm(raw), raw)


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def load_kolommen(name_or_path: str) -> Kolommen:
    """A mapping by path, or by the name of one shipped with zorgstraf (e.g. `bvh_querylijst`)."""
    path = Path(name_or_path)
    if not path.is_file():
        packaged = PACKAGED / f"{name_or_path}.yaml"
        if not packaged.is_file():
            shipped = sorted(p.stem for p in PACKAGED.glob("*.yaml"))
            raise ConfigError(f"--kolommen {name_or_path}: bestand bestaat niet; meegeleverd: {', '.join(shipped)}")
        path = packaged
    doc = yamlfile.load(path, str(name_or_path))
    try:
        mapping = Kolommen.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise doc.error(tuple(first["loc"]), f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    for header, target in mapping.kolommen.items():
        if target not in TARGETS:
            hint = did_you_mean(target, TARGETS)
            raise doc.error(("kolommen", header), f"kolom '{header}': veld '{target}' bestaat niet in een melding{hint}")
    for target in mapping.waarden:
        if target not in TARGETS:
            raise doc.error(("waarden", target), f"waarden: veld '{target}' bestaat niet in een melding")
    for header in mapping.sleutels:
        if mapping.field_for(header) is not None or mapping.ignored(header):
            raise doc.error(("sleutels", header), f"sleutels: kolom '{header}' staat ook onder kolommen of negeer; kies één")
    return mapping


# --- values ----------------------------------------------------------------------------------------


def dutch_datetime(value: Any) -> Any:
    """An Excel date cell or a Dutch/ISO text without offset -> ISO text in Europe/Amsterdam time.
    Text with an offset, or text that is no date at all, is left for the schema to judge."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value.isoformat()  # a date without a time: the schema refuses it, never midnight by guess
    else:
        text = str(value).strip()
        parsed: datetime | None = None
        for fmt in DUTCH_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            return text
        moment = parsed
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=schema.AMSTERDAM)
    return moment.isoformat()


def cell_value(target: str, raw: Any) -> Any:
    """One cell as the melding field `target` expects it."""
    if target == "ontvangen_op":
        return dutch_datetime(raw)
    if isinstance(raw, list):
        return raw
    if isinstance(raw, (datetime, date)):
        raw = raw.isoformat()
    if target == "casus_sleutels":  # a list the rules never read: keys joined with |
        return [v.strip() for v in str(raw).replace(",", "|").split("|") if v.strip()]
    spec = CATALOGUE.get(target)
    if spec is None:
        return raw if isinstance(raw, str) else str(raw)  # melding_id, toelichting
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int):
        return raw if spec.kind == "int" else str(raw)
    value = str(raw).strip()
    if spec.kind == "list":
        return [v.strip() for v in value.replace(",", "|").split("|") if v.strip()]
    if spec.kind == "bool":
        low = value.casefold()
        return True if low in TRUE else False if low in FALSE else value  # the schema names what it cannot read
    if spec.kind == "int":
        try:
            return int(value)
        except ValueError:
            return value
    return value


@dataclass
class Row:
    """One row: its number in the user's file and its cells by header (as the user wrote them)."""

    number: int
    cells: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)  # melding field -> the user's header


_PLANS: dict[tuple, list[tuple]] = {}


def _plan(headers: tuple[str, ...], mapping: Kolommen | None) -> list[tuple]:
    """Per column, worked out once per file: its field, the path into the melding, the field's kind
    and the value translations. Rows then only look things up."""
    key = (id(mapping), headers)
    plan = _PLANS.get(key)
    if plan is None:
        plan = []
        for header in headers:
            kind = mapping.key_kind(header) if mapping and header else None
            if kind is not None:
                plan.append((header, "casus_sleutels", ("casus_sleutels",), "sleutel", kind))
                continue
            target = mapping.field_for(header) if mapping else header
            if target is None or not header:
                continue
            spec = CATALOGUE.get(target)
            table = mapping._values.get(target) if mapping else None
            plan.append((header, target, tuple(target.split(".")), spec.kind if spec else None, table))
        if len(_PLANS) > 64:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def row_to_melding(row: Row, mapping: Kolommen | None) -> dict[str, Any]:
    """Rebuild the nested melding; empty cells take the default."""
    data: dict[str, Any] = {}
    cells = row.cells
    for header, target, parts, kind, table in _plan(tuple(cells), mapping):
        raw = cells.get(header)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        row.columns[target] = header
        if kind == "sleutel":  # a person or address number: only its keyed hash goes on
            assert mapping is not None
            data.setdefault("casus_sleutels", []).append(mapping.pseudonym(table, raw))
            continue
        if table is not None and isinstance(raw, str):
            if kind == "list":  # translate each item of a list cell
                raw = [table.get(_norm(v), v.strip()) for v in raw.replace(",", "|").split("|") if v.strip()]
            else:
                raw = table.get(_norm(raw), raw.strip())
        value = cell_value(target, raw)
        if len(parts) == 1:
            data[target] = value
        else:
            data.setdefault(parts[0], {})[parts[1]] = value
    return data


def check_headers(headers: list[str], mapping: Kolommen | None, source: str, extra: tuple[str, ...] = ()) -> None:
    """Every column is a melding field, or (with a mapping) mapped or deliberately ignored: nothing
    is dropped silently, and a police export without --kolommen is one clear line, not an error per row.
    Two columns for one field (the same header twice, or two headers mapped onto one field) are
    refused: which one holds is not guessed."""
    seen: dict[str, tuple[int, str]] = {}
    for n, header in enumerate(headers, 1):
        if not header or (mapping is not None and mapping.key_kind(header) is not None):
            continue
        target = mapping.field_for(header) if mapping is not None else header
        if target is None:
            continue
        if target in seen:
            first_n, first = seen[target]
            what = (
                f"kolom '{header}' staat twee keer in de koprij"
                if _norm(first) == _norm(header)
                else (f"kolommen '{first}' en '{header}' vullen allebei het veld '{target}'")
            )
            raise ConfigError(
                f"{source}: {what} (kolom {first_n} en {n}); welke geldt raden we niet: haal er één weg of zet hem onder negeer"
            )
        seen[target] = (n, header)
    if mapping is None:
        unknown = [h for h in headers if h and h not in TARGETS and h not in extra]
        if unknown:
            near = did_you_mean(unknown[0], TARGETS)
            hint = near if near else "; is dit een politie-export? Geef dan de kolommenlijst mee, bijvoorbeeld --kolommen bvh_querylijst"
            raise ConfigError(
                f"{source}: kolom '{unknown[0]}' is geen veld van een melding{hint}"
                + (f" (en nog {len(unknown) - 1} onbekende kolommen)" if len(unknown) > 1 else "")
            )
        return
    for header in headers:
        if header and mapping.key_kind(header) is not None:
            mapping.unlock(source, header)
            continue
        if header and mapping.field_for(header) is None and not mapping.ignored(header):
            hint = did_you_mean(header, list(mapping.kolommen))
            raise ConfigError(
                f"{source}: kolom '{header}' staat niet in de kolommenlijst '{mapping.naam}'{hint} (voeg hem toe onder kolommen of negeer)"
            )


# --- CSV -------------------------------------------------------------------------------------------


def _encoding(lines: list[bytes]) -> str:
    if lines and lines[0].startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    good = bad = 0
    sample = bytearray()
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
            if len(sample) < 65536:
                sample += line
    if bad <= good or not sample:
        return "utf-8"  # a few broken lines in a UTF-8 file are named one by one
    from charset_normalizer import from_bytes

    best = from_bytes(bytes(sample)).best()
    guessed = (best.encoding if best else "") or ""
    return "cp1252" if guessed.startswith(("cp125", "windows", "latin", "iso8859", "mac")) or not guessed else guessed


class _Lines:
    """Decoded lines for the csv module, counting what was read (the reader's own count stands
    still when a row fails). Undecodable bytes stay as surrogates and are named per row."""

    def __init__(self, raw_lines: list[bytes], encoding: str):
        self.raw = iter(raw_lines)
        self.encoding = encoding
        self.count = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        raw = next(self.raw)
        self.count += 1
        if self.count == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        return raw.decode(self.encoding, errors="surrogateescape")


def _unreadable_column(row: dict) -> str | None:
    try:  # the common case in one go: the whole row is text
        "".join(v for v in row.values() if isinstance(v, str)).encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
    for column, value in row.items():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    return str(column)
    return None


def _delimiter(first_lines: str) -> str:
    try:
        return csv.Sniffer().sniff(first_lines, delimiters=",;\t").delimiter
    except csv.Error:
        header = first_lines.splitlines()[0] if first_lines else ""
        return ";" if header.count(";") > header.count(",") else ","


_WIDE_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _from_wide(data: bytes, source: str) -> bytes:
    """UTF-16 or UTF-32 with its byte-order mark (Excel's "Unicode text") as UTF-8; without a
    mark such a file cannot be told apart safely and is named with the fix."""
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec).encode("utf-8")
            except UnicodeDecodeError:
                raise ConfigError(f"{source}: bestand begint als {codec.upper()} maar is het niet; sla het op als CSV UTF-8") from None
    if b"\x00" in data[:4096]:
        raise ConfigError(f"{source}: bestand bevat NUL-bytes (UTF-16 zonder kenmerk, of geen tekst); sla het op als CSV UTF-8")
    return data


def read_csv(data: bytes, source: str, mapping: Kolommen | None, extra: tuple[str, ...] = ()) -> Iterator[tuple[int, Row | InputError]]:
    data = _from_wide(data, source)
    raw_lines = data.splitlines(keepends=True)
    encoding = _encoding(raw_lines)
    head = b"".join(raw_lines[:20]).decode(encoding, errors="replace").lstrip("\ufeff")
    lines = _Lines(raw_lines, encoding)
    reader = csv.reader(lines, delimiter=_delimiter(head))
    try:
        headers = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        return
    check_headers(headers, mapping, source, extra)
    while True:
        start = lines.count + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"een cel is te groot (meer dan {csv.field_size_limit():,} tekens)".replace(",", ".")
            yield lines.count, InputError(source, lines.count, None, f"regel niet te lezen als CSV: {reason}")
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(headers):
            yield (
                start,
                InputError(
                    source,
                    start,
                    None,
                    f"meer cellen ({len(cells)}) dan kolommen ({len(headers)}); "
                    "staat er een scheidingsteken in een cel zonder aanhalingstekens?",
                ),
            )
            continue
        row = dict(zip(headers, cells))
        bad = _unreadable_column(row)
        if bad is not None:
            yield start, InputError(source, start, None, "tekst in een onbekende tekenset (sla het bestand op als CSV UTF-8)", column=bad)
            continue
        yield start, Row(start, row)


# --- Excel -----------------------------------------------------------------------------------------


def read_xlsx(data: bytes, source: str, mapping: Kolommen | None, extra: tuple[str, ...] = ()) -> Iterator[tuple[int, Row | InputError]]:
    """The first sheet; the first non-empty row holds the headers. Line numbers are Excel rows.
    Read within the limits of the settings (uncompressed size before unpacking; rows, columns and
    cell length while streaming); a file that breaks them, or breaks, is one line naming file and sheet."""
    import zipfile

    from openpyxl import load_workbook

    from .settings import from_environment

    limits = from_environment()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ConfigError(f"{source}: geen leesbaar Excel-bestand (.xlsx): {type(exc).__name__}") from None
    if unpacked > limits.xlsx_max_bytes:
        raise ConfigError(
            f"{source}: uitgepakt {unpacked / 1e6:,.0f} MB, meer dan de grens van {limits.xlsx_max_bytes / 1e6:,.0f} MB "
            "(ZORGSTRAF_XLSX_MAX_BYTES); er is niets ingelezen. Splits de lijst of sla haar op als CSV"
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # zip, XML or workbook structure: one line, never a traceback
        raise ConfigError(f"{source}: geen leesbaar Excel-bestand (.xlsx): {type(exc).__name__}") from None
    if not book.worksheets:
        raise ConfigError(f"{source}: het Excel-bestand heeft geen werkblad")
    sheet = book.worksheets[0]
    where = f"{source}, blad '{terminal_safe(sheet.title)}'"
    headers: list[str] | None = None
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > limits.sheet_max_rows:
                raise ConfigError(
                    f"{where}: meer dan {f'{limits.sheet_max_rows:_}'.replace('_', '.')} rijen (ZORGSTRAF_SHEET_MAX_ROWS), "
                    "lege rijen meegeteld; de rest is niet ingelezen. Splits de lijst"
                )
            if len(values) > limits.sheet_max_columns and any(v not in (None, "") for v in values[limits.sheet_max_columns :]):
                raise ConfigError(f"{where}: rij {number} heeft meer dan {limits.sheet_max_columns} kolommen (ZORGSTRAF_SHEET_MAX_COLUMNS)")
            values = values[: limits.sheet_max_columns]
            long = next((i for i, v in enumerate(values) if isinstance(v, str) and len(v) > limits.cell_max_chars), None)
            if headers is None:
                if long is not None:
                    raise ConfigError(f"{where}: een kop in rij {number} is langer dan {limits.cell_max_chars} tekens")
                if any(v not in (None, "") for v in values):
                    headers = ["" if v is None else str(v).strip() for v in values]
                    check_headers(headers, mapping, source, extra)
                continue
            if all(v in (None, "") for v in values):
                continue
            if long is not None:
                yield (
                    number,
                    InputError(
                        source,
                        number,
                        None,
                        f"een cel is langer dan {limits.cell_max_chars} tekens (ZORGSTRAF_CELL_MAX_CHARS)",
                        column=headers[long] if long < len(headers) else None,
                    ),
                )
                continue
            yield number, Row(number, {h: v for h, v in zip(headers, values) if h})
    except ZorgstrafError:
        raise
    except Exception as exc:  # broken sheet XML, a cell openpyxl cannot read: one line
        raise ConfigError(f"{where}: werkblad niet te lezen ({type(exc).__name__}); sla het opnieuw op in Excel of als CSV") from None
    finally:
        book.close()


def rows_to_meldingen(rows: Iterable[tuple[int, Row | InputError]], source: str, mapping: Kolommen | None) -> Iterator[tuple[int, Any]]:
    """(line, melding dict) or (line, InputError) for every row."""
    for number, row in rows:
        if isinstance(row, InputError):
            yield number, row
        else:
            yield number, ("row", row, row_to_melding(row, mapping))


SPREADSHEET_DATE_HINT = "verwacht datum en tijd, bijvoorbeeld 25-11-2026 14:30 (Nederlandse tijd)"


def column_error(err: InputError, row: Row) -> InputError:
    """Name the column as the user wrote it beside the melding field it fills; a date is asked for
    the way a spreadsheet writes it."""
    if err.field == "ontvangen_op" and err.reason.startswith("verwacht datum en tijd"):
        err = InputError(err.source, err.line, err.field, SPREADSHEET_DATE_HINT)
    top = err.field.split(".")[0] if err.field else None
    for target, header in row.columns.items():
        if err.field and (target == err.field or target == top or err.field.startswith(target + ".")):
            if header != target:
                return InputError(err.source, err.line, err.field, err.reason, column=header)
    return err
