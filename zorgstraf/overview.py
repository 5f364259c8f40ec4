"""Human-readable views of a rule set: the effective rules of a variant and its diff with national."""

from __future__ import annotations

import textwrap
from pathlib import Path

from .ruleset import RuleSet


def _value(v) -> str:
    return ", ".join(map(str, v)) if isinstance(v, list) else str(v).lower() if isinstance(v, bool) else str(v)


def _dated(values: dict) -> str:
    return "; ".join(f"vanaf {d.isoformat()}: {_value(v)}" for d, v in sorted(values.items()))


def show(ruleset: RuleSet) -> str:
    lines = [f"# Regelset {ruleset.name} {ruleset.version}", "", f"hash: {ruleset.digest}", ""]
    lines += ["## Parameters", ""]
    for name, p in sorted(ruleset.parameters.items()):
        lines.append(f"- **{name}**: {_dated(p.waarden)}  ")
        lines.append(f"  {p.beschrijving.strip()} (bron: {p.bron.strip()})")
    lines += ["", "## Regels", "", "| id | titel | laag | herkomst |", "| --- | --- | --- | --- |"]
    for r in ruleset.rules:
        lines.append(f"| {r.id} | {r.title} | {r.stratum + 1} | {r.origin} |")
    return "\n".join(lines) + "\n"


def diff(base: RuleSet, variant: RuleSet) -> str:
    """What the variant changes, with each change's reason and source."""
    lines = [f"# {variant.name} ten opzichte van {base.name}", ""]
    if not variant.changes:
        lines.append("Geen wijzigingen: de landelijke regels gelden ongewijzigd.")
    labels = {
        "parameter": "parameter gewijzigd",
        "vervang": "regel vervangen",
        "schakel_uit": "regel uitgeschakeld",
        "voeg_toe": "regel toegevoegd",
    }
    for c in variant.changes:
        lines.append(f"- **{labels[c.kind]}: {c.target}** ({c.where})")
        if c.kind == "parameter":
            lines.append(f"  - landelijk: {_dated(c.before)}")
            lines.append(f"  - {variant.name}: {_dated(c.after)}")
        lines.append(f"  - waarom: {' '.join(c.reason.split())}")
        lines.append(f"  - bron: {' '.join(c.source.split())}")
    return "\n".join(lines) + "\n"


def rule_text(rule, ruleset=None) -> str:
    """The rule exactly as written in its file (from its `- id:` line to the next rule), for reading:
    from the rule set's own copy of the file (the package data, wherever the reader runs), else the file."""
    path, _, line = rule.where.rpartition(":")
    try:
        known = (ruleset.texts if ruleset is not None else {}).get(path)
        lines = (known if known is not None else Path(path).read_text(encoding="utf-8")).splitlines()
        start = int(line) - 1
    except (OSError, ValueError):
        return ""
    indent = len(lines[start]) - len(lines[start].lstrip())
    # A list item (`- id:`) ends at its next sibling; a mapping (`id:` under `regel:`) at its parent's level.
    limit = indent if lines[start].lstrip().startswith("- ") else indent - 1
    end = start + 1
    while end < len(lines):
        text = lines[end]
        if text.strip() and len(text) - len(text.lstrip()) <= limit and not text.lstrip().startswith("#"):
            break
        end += 1
    return textwrap.dedent("\n".join(lines[start:end])).rstrip() + "\n"
