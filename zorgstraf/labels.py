"""The one catalogue of Dutch labels (catalogus/labels.yaml): every code a user sees, the field
names, the source documents, Dutch dates. CLI table, agenda, API documentation, dashboard and
exports all ask here, so a code is called the same everywhere."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import yaml
from pydantic import BaseModel, ConfigDict

from . import schema

CATALOGUE_FILE = Path(__file__).parent / "catalogus" / "labels.yaml"
WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    waarden: dict[str, dict[str, str]]
    velden: dict[str, str]
    veld_waarden: dict[str, str]
    termijnen: dict[str, str]
    bronnen: dict[str, str]
    maanden: list[str]


_FILE = [CATALOGUE_FILE]  # the catalogue in use: the package's, or an archived one during a replay
DEPENDENT_CACHES: list = []  # caches of text made from labels (emptied when the catalogue changes)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return Catalogue.model_validate(yaml.safe_load(_FILE[0].read_text(encoding="utf-8")))


def current_catalogue_file() -> Path:
    return _FILE[0]


def _forget() -> None:
    catalogue.cache_clear()
    value_text.cache_clear()
    for cache in DEPENDENT_CACHES:
        cache.cache_clear()


@contextmanager
def catalogue_from(path: Path | None) -> Iterator[None]:
    """Use the catalogue at `path` (an archived one, for a replay) inside the block; None: the current
    one. Not for concurrent use: the catalogue is the process's (replay is a command-line verb)."""
    if path is None or path.read_bytes() == _FILE[0].read_bytes():
        yield
        return
    previous = _FILE[0]
    _FILE[0] = path
    _forget()
    try:
        yield
    finally:
        _FILE[0] = previous
        _forget()


def label(kind: str, code: Any) -> str:
    """The Dutch label of `code` in the list `kind` (e.g. label("partners", "om"))."""
    if code is None:
        return "onbekend"
    text = str(getattr(code, "value", code))
    return catalogue().waarden.get(kind, {}).get(text, text.replace("_", " "))


def labels(kind: str, codes) -> list[str]:
    return [label(kind, c) for c in codes]


def field_label(name: str) -> str:
    return catalogue().velden.get(name, name.replace("_", " ").replace(".", " "))


@lru_cache(maxsize=65536, typed=True)  # facts take few distinct values; `typed`: True is not 1
def value_text(name: str, value: Any) -> str:
    """A fact's value as a reader says it: ja/nee, onbekend, labels for codes, lists joined."""
    if value is None:
        return "onbekend"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    kind = catalogue().veld_waarden.get(name)
    if isinstance(value, (list, tuple)):
        return ", ".join(label(kind, v) if kind else str(v) for v in value) or "geen"
    if name == "ontvangen.tijd" and isinstance(value, int):
        return f"{value // 100:02d}:{value % 100:02d}"
    return label(kind, value) if kind else str(value)


@lru_cache(maxsize=65536, typed=True)
def fact_sentence(name: str, value: Any) -> str:
    text = field_label(name)
    return f"{text[0].upper()}{text[1:]}: {value_text(name, value)}."


_DEVELOPER = re.compile(r"DOMAIN\.md|shared/|reference/|^Issue ", re.IGNORECASE)
_TAGS = re.compile(r"\s*\((?:[^()]*shared/reference[^()]*|S\d+(?:[/-]S?\d+)*)\)")
_SEED = re.compile(r"Seed (\d{3})(?: \(LNZS 2022\))?")


def reader_source(bron: str) -> str:
    """A rule's source as a reader can look it up: the seed document's title and section, laws
    and instruments; developer files (DOMAIN.md, shared/reference) left out."""
    parts = [p.strip().rstrip(".") for p in _top_level_split(bron)]
    kept: list[str] = []
    for part in parts:
        part = _TAGS.sub("", part)
        if not part or _DEVELOPER.search(part):
            continue
        part = _SEED.sub(lambda m: catalogue().bronnen.get(f"Seed {m.group(1)}", m.group(0)), part)
        for title in catalogue().bronnen.values():
            part = part.replace(f"{title}, {title}", title)
        if part not in kept:
            kept.append(part)
    return "; ".join(kept) + "." if kept else "Landelijke beslisregels samenloop zorg en straf (Veiligheid Voorop)."


def _top_level_split(text: str) -> list[str]:
    """Split on `;` outside parentheses and quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif char == "(" and not quoted:
            depth += 1
        elif char == ")" and not quoted:
            depth = max(0, depth - 1)
        if char == ";" and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def dutch_date(day: date | str, weekday: bool = True) -> str:
    """`dinsdag 1 december 2026` (or without the weekday)."""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    text = f"{day.day} {catalogue().maanden[day.month - 1]} {day.year}"
    return f"{label('weekdag', WEEKDAYS[day.weekday()])} {text}" if weekday else text


def short_moment(moment: datetime | str, today: date | None = None) -> str:
    """`18:00` on the day of receipt, else `do 26-11 14:00`; always Dutch time."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    moment = schema.dutch_time(moment) if moment.tzinfo else moment
    clock = f"{moment:%H:%M}"
    if today is not None and moment.date() == today:
        return clock
    return f"{WEEKDAYS[moment.weekday()]} {moment.day}-{moment.month} {clock}"


def short_date(day: date | str) -> str:
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return f"{WEEKDAYS[day.weekday()]} {day.day}-{day.month}"


def codes_markdown() -> str:
    """Every code of the advies with its Dutch label, for the API documentation."""
    lines = ["| lijst | code | betekenis |", "| --- | --- | --- |"]
    for kind in ("urgentie", "route", "afstemming", "partners", "interventies", "thv", "fase", "indicatoren", "regio"):
        lines += [f"| {kind} | `{code}` | {text} |" for code, text in catalogue().waarden[kind].items()]
    return "\n".join(lines)
