"""The `table` output: a readable inbox for ZVH readers, most urgent first."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from rich.console import Console
from rich.table import Table

from . import schema
from .labels import label, labels
from .samenvatting import first_deadline, without_head_and_deadline

URGENTIE_STYLE = {"acuut": "bold white on red", "hoog": "bold red", "midden": "yellow", "laag": "green"}


def print_table(pairs: list[tuple[schema.Melding, schema.Advies]], stream: TextIO, rejected: int = 0) -> None:
    """Fits the terminal it is shown on (80 columns too): the melding id is never cut, the
    advies is its one-line samenvatting, and the first deadline has its own column."""
    console = Console(file=stream, highlight=False)
    table = Table(title="Triage - meest urgent eerst", show_lines=True, header_style="bold", expand=False)
    id_width = max((len(a.melding_id) for _, a in pairs), default=8)
    table.add_column("melding", no_wrap=True, min_width=id_width)
    table.add_column("ontvangen", no_wrap=True)
    table.add_column("urgentie", no_wrap=True)
    wide = console.width >= 110  # partners only where they fit; the samenvatting names who acts first
    table.add_column("advies", ratio=3, min_width=18, overflow="fold")
    table.add_column("eerste termijn", ratio=2, min_width=10, overflow="fold")
    if wide:
        table.add_column("partners", ratio=2)
    for melding, advies in pairs:
        urgentie = advies.urgentie.value
        day = melding.ontvangen_op.date()
        deadline = first_deadline(advies.termijnen, urgentie, day) or ""
        what = without_head_and_deadline(advies.samenvatting, deadline)
        cells = [
            advies.melding_id,
            melding.ontvangen_op.strftime("%d-%m %H:%M"),
            f"[{URGENTIE_STYLE[urgentie]}]{label('urgentie', urgentie)}[/]",
            what,
            deadline,
        ]
        if wide:
            cells.append(", ".join(labels("partners", advies.partners)))
        table.add_row(*cells)
    console.print(table)
    counts = Counter(a.urgentie.value for _, a in pairs)
    summary = ", ".join(f"{counts.get(u.value, 0)} {u.value}" for u in reversed(schema.Urgentie))
    sets = {a.regelset.hash: a.regelset for _, a in pairs}
    if len(sets) == 1:
        (regelset,) = sets.values()
        suffix = f" | regelset {regelset.naam} {regelset.versie} ({regelset.hash[:12]})"
    else:  # a mixed batch: each melding by its own region's variant
        suffix = f" | {len(sets)} regelsets (elke melding volgens de variant van haar regio)" if sets else ""
    console.print(f"{len(pairs)} meldingen: {summary}" + (f" | {rejected} afgewezen" if rejected else "") + suffix, soft_wrap=True)
    console.print(
        "Dit is een advies; een professional beslist. Uitleg per regel: --format json (uitleg.waarom), of het dashboard.", soft_wrap=True
    )
