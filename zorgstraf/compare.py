"""Policy what-if: run the same meldingen through a base and several variants, report what changes.

Streaming with bounded memory: records are read lazily, evaluated in chunks by worker processes
(both cores), and only counts plus the changed meldingen are kept.
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pydantic import BaseModel, ConfigDict, ValidationError

from . import schema, yamlfile
from .engine import Engine, Outcome
from .errors import InputError
from .fields import domain_facts
from .io import parse_raw, read_raw
from .variants import Catalogue, Variant, default_rules_dir

CHUNK = 2000
_MODEL: dict[str, "Werklast"] = {}  # the workload model of the rule directory in use (per process)
CATEGORIES = ("urgentie", "afstemming", "route", "partners", "interventies", "thv", "fase")
COMPARED = ("urgentie", "route", "fase", "thv", "agenderen", "afstemming", "partners", "interventies", "indicatoren")


class _Wanneer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    agenderen: bool | None = None
    indicator: schema.Indicator | None = None
    interventie: schema.Interventie | None = None
    thv: schema.ThvBeoordeling | None = None


class _Werk(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    werk: str
    wanneer: _Wanneer
    partner: schema.Partner | None = None
    partners_uit_advies: list[schema.Partner] = []


class Werklast(BaseModel):
    """The workload model (rules/beleid/werklast.yaml): policy as data, beside the rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bron: str
    werk: list[_Werk]


@lru_cache(maxsize=8)
def workload_model(rules_dir: str | None = None) -> Werklast:
    doc = yamlfile.load(Path(rules_dir or default_rules_dir()) / "beleid" / "werklast.yaml")
    try:
        return Werklast.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise doc.error(tuple(first["loc"]), f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


@lru_cache(maxsize=65536)
def _workload_of(agenderen: bool, indicatoren: tuple, interventies: tuple, thv: str, partners: tuple) -> tuple[tuple[str, str], ...]:
    """(partner, kind of work) pairs an advies with these decisions puts on the partners: the basis
    of the estimate. With this process's workload model; once per distinct combination (they are few)."""
    pairs = []
    for item in (_MODEL.get("werklast") or workload_model()).werk:
        w = item.wanneer
        if (
            (w.agenderen is not None and agenderen != w.agenderen)
            or (w.indicator and w.indicator.value not in indicatoren)
            or (w.interventie and w.interventie.value not in interventies)
            or (w.thv and thv != w.thv.value)
        ):
            continue
        if item.partner is not None:
            pairs.append((item.partner.value, item.werk))
        pairs += [(partner.value, item.werk) for partner in item.partners_uit_advies if partner.value in partners]
    return tuple(pairs)


@dataclass
class Tally:
    counts: dict[str, Counter] = field(default_factory=lambda: {c: Counter() for c in CATEGORIES})
    workload: Counter = field(default_factory=Counter)  # (partner, kind) -> number of cases

    def add(self, o: Outcome) -> None:
        counts = self.counts
        for cat in ("urgentie", "route", "thv", "fase"):
            counts[cat][getattr(o, cat)] += 1
        for cat in ("afstemming", "partners", "interventies"):
            tally = counts[cat]
            for value in getattr(o, cat):
                tally[value] += 1
        workload = self.workload
        for item in _workload_of(o.agenderen, o.indicatoren, o.interventies, o.thv, o.partners):
            workload[item] += 1

    def merge(self, other: "Tally") -> None:
        for cat in CATEGORIES:
            self.counts[cat].update(other.counts[cat])
        self.workload.update(other.workload)


@dataclass
class Difference:
    melding_id: str
    variant: str
    fields: dict[str, tuple]  # field -> (base value, variant value)
    rules_only_base: list[str]
    rules_only_variant: list[str]


@dataclass
class ChunkResult:
    tallies: dict[str, Tally]
    differences: list[Difference]
    errors: list[InputError]
    first_day: date | None
    last_day: date | None
    count: int


@dataclass
class Report:
    base: str
    variants: list[str]
    hashes: dict[str, str]
    tallies: dict[str, Tally]
    differences: list[Difference]
    errors: list[InputError]
    count: int
    weeks: float

    def per_week(self, name: str) -> dict[tuple[str, str], float]:
        return {k: v / self.weeks for k, v in sorted(self.tallies[name].workload.items())}

    def changed_ids(self, variant: str) -> set[str]:
        return {d.melding_id for d in self.differences if d.variant == variant}


# --- worker side -------------------------------------------------------------------------------

_ENGINES: dict[str, Engine] = {}


def _init_worker(rules_dir: str, names: list[str]) -> None:
    _MODEL["werklast"] = workload_model(rules_dir)
    _workload_of.cache_clear()
    _ENGINES.clear()
    for name in names:
        _ENGINES[name] = Catalogue.of(rules_dir).engine(Variant.parse(name))
    from .perf import batch_mode

    batch_mode()


def _values(o: Outcome, name: str):
    return getattr(o, name)


def _evaluate_chunk(source: str, names: list[str], records: list[tuple[int | None, object]]) -> ChunkResult:
    meldingen: list[schema.Melding] = []
    errors: list[InputError] = []
    for line, raw in records:
        item = parse_raw(source, line, raw)
        if isinstance(item, InputError):
            errors.append(item)
        else:
            meldingen.append(item)
    base, variants = names[0], names[1:]
    shared = [domain_facts(m) for m in meldingen]  # the same input facts for every variant
    strata: dict = {}  # strata the variants agree on are evaluated once
    outcomes = {name: _ENGINES[name].outcomes(meldingen, shared, strata) for name in names}
    tallies = {name: Tally() for name in names}
    differences = []
    for i, melding in enumerate(meldingen):
        b = outcomes[base][i]
        tallies[base].add(b)
        for name in variants:
            v = outcomes[name][i]
            tallies[name].add(v)
            if v == b:
                continue
            changed = {f: (_values(b, f), _values(v, f)) for f in COMPARED if _values(b, f) != _values(v, f)}
            if changed or b.rules != v.rules:  # the same decisions for another reason still differ: the uitleg changes
                differences.append(
                    Difference(
                        melding.melding_id,
                        name,
                        changed,
                        [r for r in b.rules if r not in v.rules],
                        [r for r in v.rules if r not in b.rules],
                    )
                )
    days = [m.ontvangen_op.date() for m in meldingen]
    return ChunkResult(tallies, differences, errors, min(days, default=None), max(days, default=None), len(meldingen))


def _chunks(records: Iterable, size: int) -> Iterator[list]:
    it = iter(records)
    while batch := list(islice(it, size)):
        yield batch


def compare(
    input_path: str,
    variants: list[str],
    base: str = "landelijk",
    rules_dir: Path | None = None,
    workers: int | None = None,
    on_progress: Callable[[int], None] = lambda n: None,
    data: bytes | None = None,
) -> Report:
    """`data`: the meldingen in memory (an upload; `input_path` is then only its file name)."""
    rules_dir = Path(rules_dir or default_rules_dir())
    catalogue = Catalogue.of(rules_dir)
    names = [base] + [v for v in variants if v != base]
    parsed = {name: Variant.parse(name) for name in names}
    rulesets = {name: catalogue.ruleset(parsed[name]) for name in names}  # validate before any work
    labels = {name: rulesets[name].name if parsed[name].kind != "bestand" else name for name in names}
    source = "stdin" if input_path == "-" else input_path
    workers = workers or min(2, os.cpu_count() or 1)
    tallies = {name: Tally() for name in names}
    differences: list[Difference] = []
    errors: list[InputError] = []
    count, first, last = 0, None, None

    def absorb(result: ChunkResult) -> None:
        nonlocal count, first, last
        for name in names:
            tallies[name].merge(result.tallies[name])
        differences.extend(result.differences)
        errors.extend(result.errors)
        count += result.count
        if result.first_day and result.last_day:
            first = min(first or result.first_day, result.first_day)
            last = max(last or result.last_day, result.last_day)
        on_progress(result.count + len(result.errors))

    chunks = _chunks(read_raw(input_path, data=data, name=input_path if data is not None else None), CHUNK)
    if workers <= 1:
        _init_worker(str(rules_dir), names)
        for chunk in chunks:
            absorb(_evaluate_chunk(source, names, chunk))
    else:
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(str(rules_dir), names)) as pool:
            pending = []
            for chunk in chunks:  # keep a bounded number of chunks in flight
                pending.append(pool.submit(_evaluate_chunk, source, names, chunk))
                if len(pending) >= 2 * workers:
                    absorb(pending.pop(0).result())
            for future in pending:
                absorb(future.result())
    weeks = max(1.0, ((last - first).days + 1) / 7) if first and last else 1.0
    return Report(
        base=labels[base],
        variants=[labels[n] for n in names[1:]],
        hashes={labels[n]: rulesets[n].digest for n in names},
        tallies={labels[n]: tallies[n] for n in names},
        differences=[Difference(d.melding_id, labels[d.variant], d.fields, d.rules_only_base, d.rules_only_variant) for d in differences],
        errors=errors,
        count=count,
        weeks=weeks,
    )
