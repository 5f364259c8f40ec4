"""The `table` output: a readable inbox for ZVH readers, most urgent first."""

from __future__ import annotations

from collections import Counter
from typing import TextIO

from rich.console import Console
from rich.table import Table

from . import schema

URGENTIE_STYLE = {"acuut": "bold white on red", "hoog": "bold red", "midden": "yellow", "laag": "green"}
AFSTEMMING_KORT = {
    "samen_op_in_acuut": "Samen op in Acuut",
    "actie_overleg": "Actie-overleg",
    "vt_op_zsm": "VT & ZSM",
    "strafbare_kindermishandeling": "Strafbare KM",
    "zorg_en_veiligheidshuis": "ZVH",
    "lokaal_veld": "lokaal veld",
}


def print_table(pairs: list[tuple[schema.Melding, schema.Advies]], stream: TextIO, rejected: int = 0) -> None:
    console = Console(file=stream, width=max(140, Console(file=stream).width), highlight=False)
    table = Table(title="Triage - meest urgent eerst", show_lines=True, header_style="bold")
    for column in ("melding", "ontvangen", "urgentie", "afstemming", "route", "THV", "partners", "interventies"):
        table.add_column(column, no_wrap=column in ("melding", "ontvangen", "urgentie", "route"))
    for melding, advies in pairs:
        urgentie = advies.urgentie.value
        afstemming = ", ".join(AFSTEMMING_KORT[a.value] for a in advies.afstemming)
        if advies.actie_overleg.agenderen:
            afstemming += f" (AO prio {advies.actie_overleg.prioriteit})"
        table.add_row(
            advies.melding_id,
            melding.ontvangen_op.strftime("%d-%m %H:%M"),
            f"[{URGENTIE_STYLE[urgentie]}]{urgentie}[/]",
            afstemming,
            advies.route.value,
            advies.thv.beoordeling.value.replace("_", " "),
            ", ".join(p.value.replace("_", " ") for p in advies.partners),
            ", ".join(i.value.replace("_", " ") for i in advies.interventies),
        )
    console.print(table)
    counts = Counter(a.urgentie.value for _, a in pairs)
    summary = ", ".join(f"{counts.get(u.value, 0)} {u.value}" for u in reversed(schema.Urgentie))
    sets = {a.regelset.hash: a.regelset for _, a in pairs}
    if len(sets) == 1:
        regelset, = sets.values()
        suffix = f" | regelset {regelset.naam} {regelset.versie} ({regelset.hash[:12]})"
    else:  # a mixed batch: each melding by its own region's variant
        suffix = f" | {len(sets)} regelsets (elke melding volgens de variant van haar regio)" if sets else ""
    console.print(f"{len(pairs)} meldingen: {summary}" + (f" | {rejected} afgewezen" if rejected else "") + suffix)
    console.print("Dit is een advies; een professional beslist. Details per melding: --format json.")
