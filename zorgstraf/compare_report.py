"""Render a compare Report for people (table, Markdown) and machines (JSON, CSV)."""

from __future__ import annotations

import json
from typing import TextIO

from .compare import CATEGORIES, Report
from .escape import CsvWriter, md
from .labels import label

MAX_LISTED = 50
ONLY_REASONS = "zelfde besluit, andere uitleg (regels)"  # changed meldingen listed in table/Markdown output; JSON and CSV list them all


def work_label(kind: str) -> str:
    """A kind of work in the workload estimate, in Dutch (catalogue list `werk`)."""
    return label("werk", kind)


def shown(category: str, value) -> str:
    """A counted or changed value as a reader says it: labels for codes, lists joined, ja/nee."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, tuple):
        return ", ".join(label(category, v) for v in value) or "geen"
    return label(category, value)


def _names(report: Report) -> list[str]:
    return [report.base] + report.variants


def count_rows(report: Report) -> list[tuple[str, str, list[float]]]:
    rows: list[tuple[str, str, list[float]]] = []
    for cat in CATEGORIES:
        keys = sorted(set().union(*(report.tallies[n].counts[cat] for n in _names(report))))
        rows += [(cat, str(key), [report.tallies[n].counts[cat].get(key, 0) for n in _names(report)]) for key in keys]
    return rows


def workload_rows(report: Report) -> list[tuple[str, str, list[float]]]:
    keys = sorted(set().union(*(report.tallies[n].workload for n in _names(report))))
    return [(p, k, [round(report.tallies[n].workload.get((p, k), 0) / report.weeks, 1) for n in _names(report)]) for p, k in keys]


def _delta(values: list) -> str:
    base = values[0]
    return " ".join(f"{v - base:+g}" if v != base else "=" for v in values[1:])


def to_json(report: Report) -> str:
    return json.dumps(
        {
            "basis": report.base,
            "varianten": report.variants,
            "hashes": report.hashes,
            "meldingen": report.count,
            "afgewezen": len(report.errors),
            "weken": round(report.weeks, 2),
            "aantallen": {n: {c: dict(sorted(report.tallies[n].counts[c].items())) for c in CATEGORIES} for n in _names(report)},
            "werklast_per_week": {
                n: [{"partner": p, "werk": k, "per_week": round(v, 2)} for (p, k), v in report.per_week(n).items()] for n in _names(report)
            },
            "gewijzigd": [
                {
                    "melding_id": d.melding_id,
                    "variant": d.variant,
                    "verschillen": {f: {"basis": _plain(a), "variant": _plain(b)} for f, (a, b) in d.fields.items()},
                    "regels_alleen_basis": d.rules_only_base,
                    "regels_alleen_variant": d.rules_only_variant,
                }
                for d in report.differences
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def _plain(v):
    return list(v) if isinstance(v, tuple) else v


def to_csv(report: Report, stream: TextIO) -> None:
    writer = CsvWriter(stream)  # formula prefixes neutralised
    writer.writerow(["soort", "sleutel", "detail", *_names(report)])
    for cat, key, values in count_rows(report):
        writer.writerow(["aantal", cat, key, *values])
    for partner, kind, values in workload_rows(report):
        writer.writerow(["werklast_per_week", partner, kind, *values])
    for d in report.differences:
        for f, (a, b) in d.fields.items():
            cells = ["" for _ in _names(report)]
            cells[0] = _cell(a)
            cells[_names(report).index(d.variant)] = _cell(b)
            writer.writerow(["gewijzigd", d.melding_id, f, *cells])
        if not d.fields:  # the same decisions, other rules behind them
            cells = ["" for _ in _names(report)]
            cells[0] = "|".join(d.rules_only_base)
            cells[_names(report).index(d.variant)] = "|".join(d.rules_only_variant)
            writer.writerow(["gewijzigd", d.melding_id, "regels", *cells])


def _cell(v) -> str:
    """A value in the CSV export: codes, as the JSON has them."""
    return "|".join(v) if isinstance(v, tuple) else str(v).lower() if isinstance(v, bool) else str(v)


def change_text(field: str, before, after) -> str:
    """One changed decision of a melding, in labels: `urgentie: midden → hoog`."""
    return f"{field}: {shown(field, before)} → {shown(field, after)}"


def to_markdown(report: Report) -> str:
    names = _names(report)
    out = [
        f"# Vergelijking: {md(report.base)} tegen {md(', '.join(report.variants))}",
        "",
        f"{report.count} meldingen over {report.weeks:.1f} weken" + (f"; {len(report.errors)} afgewezen" if report.errors else ""),
        "",
    ]
    out += ["## Aantallen", "", "| categorie | waarde | " + " | ".join(names) + " | verschil |", "|---|---|" + "---|" * (len(names) + 1)]
    for cat, key, values in count_rows(report):
        out.append(f"| {cat} | {md(shown(cat, key))} | " + " | ".join(map(str, values)) + f" | {_delta(values)} |")
    out += [
        "",
        "## Geschatte werklast per partner per week",
        "",
        "| partner | werk | " + " | ".join(names) + " | verschil |",
        "|---|---|" + "---|" * (len(names) + 1),
    ]
    for partner, kind, values in workload_rows(report):
        out.append(
            f"| {md(shown('partners', partner))} | {md(work_label(kind))} | "
            + " | ".join(f"{v:g}" for v in values)
            + f" | {_delta(values)} |"
        )
    for variant in report.variants:
        diffs = [d for d in report.differences if d.variant == variant]
        out += ["", f"## Gewijzigde meldingen in {variant}: {len(diffs)}", ""]
        if diffs:
            out += ["| melding | wat verandert | regels alleen basis | regels alleen variant |", "|---|---|---|---|"]
        for d in diffs[:MAX_LISTED]:
            what = "; ".join(change_text(f, a, b) for f, (a, b) in d.fields.items()) or ONLY_REASONS
            out.append(f"| {md(d.melding_id)} | {md(what)} | {', '.join(d.rules_only_base)} | {', '.join(d.rules_only_variant)} |")
        if len(diffs) > MAX_LISTED:
            out.append(f"\n… en nog {len(diffs) - MAX_LISTED}; `--format json` of `csv` geeft ze allemaal.")
    out += [
        "",
        "Werklast is een schatting uit de adviezen (zaken op het Actie-overleg per deelnemende partner, "
        "ZSM-consulten van VT binnen en buiten de aanwezigheidstijden, THV-beoordelingen, veiligheidsbeoordelingen).",
    ]
    return "\n".join(out) + "\n"


def print_table(report: Report, stream: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, width=max(120, Console(file=stream).width), highlight=False)
    names = _names(report)
    console.print(
        f"[bold]Vergelijking[/] {report.count} meldingen over {report.weeks:.1f} weken"
        + (f", {len(report.errors)} afgewezen" if report.errors else "")
    )
    counts = Table(title="Aantallen", header_style="bold")
    for col in ("categorie", "waarde", *names, "verschil"):
        counts.add_column(col, justify="right" if col in names else "left")
    last = None
    for cat, key, values in count_rows(report):
        delta = _delta(values)
        counts.add_row(
            cat if cat != last else "", shown(cat, key), *map(str, values), f"[yellow]{delta}[/]" if delta.strip("= ") else delta
        )
        last = cat
    console.print(counts)
    work = Table(title="Geschatte werklast per partner per week", header_style="bold")
    for col in ("partner", "werk", *names, "verschil"):
        work.add_column(col, justify="right" if col in names else "left")
    for partner, kind, values in workload_rows(report):
        work.add_row(shown("partners", partner), work_label(kind), *(f"{v:g}" for v in values), _delta(values))
    console.print(work)
    for variant in report.variants:
        diffs = [d for d in report.differences if d.variant == variant]
        table = Table(title=f"Gewijzigde meldingen in {variant}: {len(diffs)}", header_style="bold")
        for col in ("melding", "wat verandert", "regels alleen basis", "regels alleen variant"):
            table.add_column(col)
        for d in diffs[:MAX_LISTED]:
            table.add_row(
                d.melding_id,
                "\n".join(change_text(f, a, b) for f, (a, b) in d.fields.items()) or ONLY_REASONS,
                ", ".join(d.rules_only_base),
                ", ".join(d.rules_only_variant),
            )
        console.print(table)
        if len(diffs) > MAX_LISTED:
            console.print(f"… en nog {len(diffs) - MAX_LISTED}; --format json of csv geeft ze allemaal.")
