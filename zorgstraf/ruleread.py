"""Reading rule files: YAML with line numbers, validated into the rule model, every error as
`file:line: message` (all errors of a pass at once)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from . import conditions as cond
from . import schema
from .errors import RuleFileError, did_you_mean
from .fields import CATALOGUE
from .rulemodel import (
    DEFAULT_TEST_TIME,
    PLACEHOLDER,
    Example,
    Parameter,
    RegelBestand,
    RegelsetKop,
    Rule,
)
from .yamlfile import YamlDoc, load


def pydantic_errors(doc: YamlDoc, exc: ValidationError, prefix: tuple) -> list[RuleFileError]:
    errors = []
    for err in exc.errors():
        loc = prefix + tuple(err["loc"])
        shown = ".".join(str(p) for p in loc)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = f"onbekende sleutel '{loc[-1]}'"
        errors.append(doc.error(loc, f"{shown}: {msg}"))
    return errors


def example_melding(raw: dict, rule_id: str, index: int) -> dict:
    data = {"melding_id": f"{rule_id}-{index + 1}", "ontvangen_op": DEFAULT_TEST_TIME}
    data.update(raw)
    return data


def build_rule(doc: YamlDoc, raw: RegelBestand, loc: tuple, parameters: dict[str, Parameter]) -> Rule:
    ctx = cond.ParseContext(parameters={k: p.waarden for k, p in parameters.items()})
    try:
        condition = cond.parse(raw.als, ctx, loc + ("als",))
    except cond.ConditionError as exc:
        raise doc.error(exc.path, f"regel {raw.id}: {exc.message}") from None
    for name in PLACEHOLDER.findall(raw.reden) + PLACEHOLDER.findall(raw.dan.thv.reden if raw.dan.thv else ""):
        if name not in CATALOGUE:
            raise doc.error(
                loc + ("reden",), f"regel {raw.id}: onbekend feit '{{{name}}}' in de reden{did_you_mean(name, CATALOGUE, brackets=True)}"
            )
    if raw.geldig_van and raw.geldig_tot and raw.geldig_tot < raw.geldig_van:
        raise doc.error(loc + ("geldig_tot",), f"regel {raw.id}: geldig_tot ligt voor geldig_van")
    if raw.geldig_van or raw.geldig_tot:
        condition = cond.All((cond.DayRange(raw.geldig_van, raw.geldig_tot), condition))
    if "score.band" in ctx.fields_used:
        lowering = sorted(k for k in raw.dan.single() if k != "urgentie")
        if lowering:
            raise doc.error(
                loc + ("dan",),
                f"regel {raw.id} leest de risicoscore en mag de aandacht alleen verhogen (urgentie, lijsten), niet {', '.join(lowering)} zetten",
            )
    writes = raw.dan.writes()
    if writes & ctx.reads:
        raise doc.error(loc + ("dan",), f"regel {raw.id} leest en schrijft dezelfde uitkomst: {sorted(writes & ctx.reads)}")
    examples = []
    for i, ex in enumerate(raw.voorbeelden):
        ex_loc = loc + ("voorbeelden", i)
        try:
            melding = schema.Melding.model_validate(example_melding(ex.melding, raw.id, i))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise doc.error(
                ex_loc + ("melding",) + tuple(first["loc"]),
                f"regel {raw.id}, voorbeeld '{ex.naam}': {'.'.join(map(str, first['loc']))}: {first['msg']}",
            ) from None
        for pname in ex.parameters:
            if pname not in parameters:
                raise doc.error(
                    ex_loc + ("parameters", pname),
                    f"regel {raw.id}, voorbeeld '{ex.naam}': onbekende parameter '{pname}'{did_you_mean(pname, parameters, brackets=True)}",
                )
        examples.append(
            Example(
                ex.naam,
                melding,
                ex.vuurt,
                ex.verwacht,
                f"{doc.path}:{doc.line(ex_loc)}",
                dict(ex.parameters),
                ex.score_band.value if ex.score_band else None,
            )
        )
    return Rule(
        id=raw.id,
        title=raw.titel,
        reason=raw.reden.strip(),
        source=raw.bron,
        condition=condition,
        effects=raw.dan,
        fields_used=tuple(dict.fromkeys(ctx.fields_used)),
        reads=frozenset(ctx.reads),
        writes=frozenset(writes),
        valid_from=raw.geldig_van,
        valid_to=raw.geldig_tot,
        examples=examples,
        where=f"{doc.path}:{doc.line(loc)}",
    )


@dataclass
class RawFiles:
    head: tuple[YamlDoc, RegelsetKop] | None = None
    parameters: dict[str, tuple[YamlDoc, tuple, Parameter]] = field(default_factory=dict)
    rules: list[tuple[YamlDoc, tuple, RegelBestand]] = field(default_factory=list)
    docs: list[YamlDoc] = field(default_factory=list)
    errors: list[RuleFileError] = field(default_factory=list)
    extra: dict[str, bytes] = field(default_factory=dict)  # files beside the rules that shape an advies


def read_docs(paths: list[Path], base: Path) -> RawFiles:
    raw = RawFiles()
    for path in paths:
        try:
            doc = load(path, display_path(path, base))
        except RuleFileError as exc:
            raw.errors.append(exc)
            continue
        raw.docs.append(doc)
        if not isinstance(doc.data, dict):
            raw.errors.append(doc.error((), "een regelbestand is een mapping met regelset, parameters en/of regels"))
            continue
        for key in doc.data:
            if key not in ("regelset", "parameters", "regels"):
                raw.errors.append(
                    doc.error((key,), f"onbekende sleutel '{key}'{did_you_mean(key, ['regelset', 'parameters', 'regels'], brackets=True)}")
                )
        if "regelset" in doc.data:
            try:
                head = RegelsetKop.model_validate(doc.data["regelset"])
                if raw.head is not None:
                    raw.errors.append(doc.error(("regelset",), f"tweede regelset-kop; de eerste staat in {raw.head[0].path}"))
                raw.head = (doc, head)
            except ValidationError as exc:
                raw.errors.extend(pydantic_errors(doc, exc, ("regelset",)))
        for name, body in (doc.data.get("parameters") or {}).items():
            try:
                param = Parameter.model_validate(body)
            except ValidationError as exc:
                raw.errors.extend(pydantic_errors(doc, exc, ("parameters", name)))
                continue
            if name in raw.parameters:
                raw.errors.append(doc.error(("parameters", name), f"parameter '{name}' bestaat al in {raw.parameters[name][0].path}"))
            raw.parameters[name] = (doc, ("parameters", name), param)
        rules = doc.data.get("regels") or []
        if not isinstance(rules, list):
            raw.errors.append(doc.error(("regels",), "'regels' is een lijst"))
            continue
        for i, body in enumerate(rules):
            try:
                raw.rules.append((doc, ("regels", i), RegelBestand.model_validate(body)))
            except ValidationError as exc:
                raw.errors.extend(pydantic_errors(doc, exc, ("regels", i)))
    return raw


def display_path(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def digest_files(docs: list[YamlDoc], paths: list[Path], extra: dict[str, bytes] | None = None) -> str:
    """The rule set's identity: every file that shapes an advies' bytes, by name and content (the rule
    files and overlay, plus `extra`: the casus policy and the label catalogue)."""
    files = {doc.path: Path(path).read_bytes() for doc, path in zip(docs, paths)} | (extra or {})
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name] + b"\0")
    return h.hexdigest()


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.yaml") if p.is_file())
