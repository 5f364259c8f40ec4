"""Loading a rule set: read the files, apply a region's overlay, order the rules in strata, hash.
The rule model lives in zorgstraf.rulemodel, file reading in zorgstraf.ruleread, overlays in
zorgstraf.overlay; the names other modules use are re-exported here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import conditions as cond
from . import schema
from .errors import RuleFileError, RuleFileErrors, did_you_mean
from .overlay import Overlay, apply_overlay, overlay_path
from .rulemodel import (  # noqa: F401  (re-exported: the rule model's public names)
    DEFAULT_TEST_TIME,
    LIST_OUTPUTS,
    PLACEHOLDER,
    SINGLE_OUTPUTS,
    Beslissing,
    Change,
    Effecten,
    Example,
    Parameter,
    RegionExample,
    Rule,
    RuleSet,
    Verwachting,
)
from .ruleread import RawFiles, build_rule, digest_files, display_path, example_melding, read_docs, rule_files

CATALOGUE_NAME = "catalogus/labels.yaml"  # the label catalogue's name in the identity and the archive


def shaping_files(directory: Path, catalogue: Path | None) -> dict[str, bytes]:
    """Files beside the rules that change an advies' bytes: the casus policy (what the store adds,
    its wording and source) and the label catalogue (every label in reasons and samenvatting)."""
    out: dict[str, bytes] = {}
    policy = directory / "beleid" / "casus.yaml"
    if policy.is_file():
        out[display_path(policy, directory.parent)] = policy.read_bytes()
    if catalogue is not None and catalogue.is_file():
        out[CATALOGUE_NAME] = catalogue.read_bytes()
    return out


def load_ruleset(directory: Path | str, variant: str | None = None, catalogue: Path | None = None, *, labels: bool = True) -> RuleSet:
    """Load and validate the national rules, with a region's overlay on top when `variant` is given
    (a region name or the path of an edited overlay file). Raises RuleFileErrors with every problem.
    The identity covers the label catalogue (`catalogue`, default the one in use; `labels=False`: none,
    as in archives made before it was covered)."""
    from .labels import current_catalogue_file

    directory = Path(directory)
    if not directory.is_dir():
        raise RuleFileErrors([RuleFileError(str(directory), None, "map met regelbestanden bestaat niet")])
    paths = rule_files(directory)
    base = directory.parent
    raw = read_docs(paths, base)
    raw.extra = shaping_files(directory, (catalogue or current_catalogue_file()) if labels else None)
    overlay = None
    if variant:
        path = overlay_path(directory, variant)
        if not path.is_file():
            raise RuleFileErrors([RuleFileError(str(path), None, f"geen overlaybestand voor variant '{variant}'")])
        overlay = apply_overlay(raw, path, base)
        paths = paths + [path]
    return _assemble(raw, paths, overlay)


def stratify(rules: list[Rule]) -> None:
    """Order rules in layers so every rule reads outputs only from earlier layers."""
    writers: dict[tuple[str, str], list[Rule]] = {}
    for rule in rules:
        for w in rule.writes:
            writers.setdefault(w, []).append(rule)
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(rule: Rule, chain: list[str]) -> int:
        if state.get(rule.id) == 2:
            return rule.stratum
        if state.get(rule.id) == 1:
            raise RuleFileError(
                rule.where.rsplit(":", 1)[0],
                int(rule.where.rsplit(":", 1)[1]),
                f"kringredenering tussen regels: {' -> '.join(chain + [rule.id])}",
            )
        state[rule.id] = 1
        level = 0
        for read in rule.reads:
            for writer in writers.get(read, []):
                if writer is not rule:
                    level = max(level, visit(writer, chain + [rule.id]) + 1)
        rule.stratum = level
        state[rule.id] = 2
        return level

    for rule in rules:
        visit(rule, [])


def _assemble(raw: RawFiles, paths: list[Path], overlay: Overlay | None = None) -> RuleSet:
    errors = list(raw.errors)
    if errors:
        # Rules cannot be checked against files that did not load; report the root causes only.
        raise RuleFileErrors(errors)
    if raw.head is None and not errors:
        where = raw.docs[0].path if raw.docs else "rules"
        errors.append(RuleFileError(where, 1, "geen 'regelset'-kop (naam, versie, beslissingen) gevonden"))
    parameters = {name: p for name, (_, _, p) in raw.parameters.items()}
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for doc, loc, body in raw.rules:
        if body.id in seen:
            errors.append(doc.error(loc + ("id",), f"regel-id {body.id} bestaat al ({seen[body.id]})"))
            continue
        try:
            rule = build_rule(doc, body, loc, parameters)
        except RuleFileError as exc:
            errors.append(exc)
            continue
        seen[body.id] = rule.where
        rules.append(rule)
    if errors:
        raise RuleFileErrors(errors)
    try:
        stratify(rules)
    except RuleFileError as exc:
        raise RuleFileErrors([exc]) from None
    assert raw.head is not None  # a missing regelset head is reported as an error above
    head_doc, head = raw.head
    ruleset = RuleSet(
        name=head.naam,
        version=head.versie,
        digest=digest_files(raw.docs, paths, raw.extra),
        decisions=head.beslissingen,
        parameters=parameters,
        rules=rules,
        files=[d.path for d in raw.docs],
        texts={d.path: Path(p).read_bytes().decode("utf-8") for d, p in zip(raw.docs, paths)}  # bytes as they are
        | {name: data.decode("utf-8") for name, data in raw.extra.items()},
    )
    if overlay is not None:
        ruleset.name = overlay.head.regio.value
        ruleset.regio = overlay.head.regio.value
        ruleset.version = f"{head.versie}+{overlay.head.versie}"
        ruleset.changes = overlay.changes
        for rule in rules:
            rule.origin = overlay.origins.get(rule.id, "landelijk")
        known = {r.id for r in rules}
        problems = []
        for doc, loc, ex in overlay.examples:
            for rid in ex.vuren + ex.vuren_niet:
                if rid not in known:
                    problems.append(
                        doc.error(loc, f"voorbeeld '{ex.naam}': onbekende regel {rid}{did_you_mean(rid, known, brackets=True)}")
                    )
            try:
                melding = schema.Melding.model_validate(example_melding(ex.melding, "REGIO", loc[-1]))
            except ValidationError as exc:
                first = exc.errors()[0]
                problems.append(
                    doc.error(
                        loc + ("melding",) + tuple(first["loc"]),
                        f"voorbeeld '{ex.naam}': {'.'.join(map(str, first['loc']))}: {first['msg']}",
                    )
                )
                continue
            ruleset.region_examples.append(
                RegionExample(ex.naam, melding, ex.vuren, ex.vuren_niet, ex.verwacht, f"{doc.path}:{doc.line(loc)}")
            )
        if problems:
            raise RuleFileErrors(problems)
    return ruleset


def expand_parameters(node: Any, ruleset: RuleSet) -> Any:
    """Replace parameter references by per-period alternatives (for engines without lookups)."""
    if isinstance(node, cond.All):
        return cond.All(tuple(expand_parameters(c, ruleset) for c in node.children))
    if isinstance(node, cond.AnyOf):
        return cond.AnyOf(tuple(expand_parameters(c, ruleset) for c in node.children))
    if isinstance(node, cond.Not):
        return cond.Not(expand_parameters(node.child, ruleset))
    if isinstance(node, cond.AtLeast):
        return cond.AtLeast(node.count, tuple(expand_parameters(c, ruleset) for c in node.children))
    if isinstance(node, cond.Leaf) and isinstance(node.operand, cond.Param):
        return _per_period(ruleset, node.operand.name, lambda v: cond.Leaf(node.field, node.op, tuple(v) if isinstance(v, list) else v))
    if isinstance(node, cond.ParamTest):
        # A test on a parameter alone is a constant within each period: TRUE or FALSE.
        def constant(v):
            holds = cond._apply(node.op, tuple(v) if isinstance(v, list) else v, node.operand, isinstance(v, list))
            return cond.TRUE if holds else cond.FALSE

        return _per_period(ruleset, node.name, constant)
    return node


def _per_period(ruleset: RuleSet, name: str, build) -> Any:
    """One alternative per period of a dated parameter; exactly one period holds on any day."""
    periods = ruleset.parameters[name].periods()
    if len(periods) == 1:
        return build(periods[0][2])
    return cond.AnyOf(tuple(cond.All((cond.DayRange(start, end), build(value))) for start, end, value in periods))
