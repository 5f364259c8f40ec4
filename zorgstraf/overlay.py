"""Regional overlays: what a region changes (a parameter, a replaced, switched-off or added rule),
each change with why and source, applied on the national files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .errors import RuleFileError, did_you_mean
from .rulemodel import Change, OverlayKop, Parameter, RegioVoorbeeld, Wijziging
from .ruleread import RawFiles, display_path, pydantic_errors
from .yamlfile import YamlDoc, load


def overlay_path(directory: Path | str, variant: str) -> Path:
    """A region name means rules/regions/<regio>.yaml; a file name is a path (variants.names_a_file)."""
    from .variants import names_a_file

    if names_a_file(variant):
        return Path(variant)
    return Path(directory) / "regions" / f"{variant}.yaml"


@dataclass
class Overlay:
    head: OverlayKop
    changes: list[Change]
    examples: list[tuple[YamlDoc, tuple, RegioVoorbeeld]]
    origins: dict[str, str]


def apply_overlay(raw: RawFiles, path: Path, base: Path) -> Overlay | None:
    try:
        doc = load(path, display_path(path, base))
    except RuleFileError as exc:
        raw.errors.append(exc)
        return None
    raw.docs.append(doc)
    data = doc.data if isinstance(doc.data, dict) else {}
    for key in data:
        if key not in ("overlay", "wijzigingen", "voorbeelden"):
            raw.errors.append(
                doc.error((key,), f"onbekende sleutel '{key}'{did_you_mean(key, ['overlay', 'wijzigingen', 'voorbeelden'], brackets=True)}")
            )
    try:
        head = OverlayKop.model_validate(data.get("overlay"))
    except ValidationError as exc:
        raw.errors.extend(pydantic_errors(doc, exc, ("overlay",)))
        return None
    changes: list[Change] = []
    origins: dict[str, str] = {}
    disabled: set[int] = set()  # positions of rules a region switches off
    ids = {body.id: i for i, (_, _, body) in enumerate(raw.rules)}
    for i, item in enumerate(data.get("wijzigingen") or []):
        loc = ("wijzigingen", i)
        where = f"{doc.path}:{doc.line(loc)}"
        try:
            change = Wijziging.model_validate(item)
            kind = change.kind()
        except (ValidationError, ValueError) as exc:
            if isinstance(exc, ValidationError):
                raw.errors.extend(pydantic_errors(doc, exc, loc))
            else:
                raw.errors.append(doc.error(loc, str(exc)))
            continue
        if kind == "parameter":
            assert change.parameter is not None and change.waarden is not None  # Wijziging.kind() checked them
            if change.parameter not in raw.parameters:
                raw.errors.append(
                    doc.error(
                        loc + ("parameter",),
                        f"parameter '{change.parameter}' bestaat niet landelijk{did_you_mean(change.parameter, raw.parameters, brackets=True)}",
                    )
                )
                continue
            pdoc, ploc, old = raw.parameters[change.parameter]
            new = Parameter(beschrijving=old.beschrijving, bron=change.bron, waarden=change.waarden)
            raw.parameters[change.parameter] = (doc, loc, new)
            changes.append(Change(kind, change.parameter, change.waarom, change.bron, where, old.waarden, new.waarden))
            continue
        target = change.vervang or change.schakel_uit or (change.voeg_toe.id if change.voeg_toe else None)
        assert target is not None  # Wijziging.kind() requires one of them
        if kind in ("vervang", "schakel_uit") and target not in ids:
            raw.errors.append(
                doc.error(loc + (kind,), f"regel-id {target} bestaat niet landelijk{did_you_mean(target, ids, brackets=True)}")
            )
            continue
        if kind == "voeg_toe" and target in ids:
            raw.errors.append(doc.error(loc + ("voeg_toe", "id"), f"regel-id {target} bestaat al; gebruik 'vervang'"))
            continue
        if kind == "vervang":
            assert change.regel is not None
            if change.regel.id != target:
                raw.errors.append(doc.error(loc + ("regel", "id"), f"vervangende regel moet id {target} houden, niet {change.regel.id}"))
                continue
            raw.rules[ids[target]] = (doc, loc + ("regel",), change.regel)
            origins[target] = f"{head.regio.value} (vervangen)"
        elif kind == "schakel_uit":
            disabled.add(ids[target])
        else:
            assert change.voeg_toe is not None
            raw.rules.append((doc, loc + ("voeg_toe",), change.voeg_toe))
            ids[target] = len(raw.rules) - 1
            origins[target] = f"{head.regio.value} (toegevoegd)"
        changes.append(Change(kind, target, change.waarom, change.bron, where))
    raw.rules = [r for i, r in enumerate(raw.rules) if i not in disabled]
    examples = []
    for i, item in enumerate(data.get("voorbeelden") or []):
        try:
            examples.append((doc, ("voorbeelden", i), RegioVoorbeeld.model_validate(item)))
        except ValidationError as exc:
            raw.errors.extend(pydantic_errors(doc, exc, ("voorbeelden", i)))
    return Overlay(head, changes, examples, origins)
