"""Safe YAML loading that remembers where every value stands, for `file:line` errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import RuleFileError

# libyaml's C loader when PyYAML was built with it: same safe constructors, ~10x faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDoc:
    path: str
    data: Any
    root: yaml.Node | None

    def line(self, loc: tuple) -> int:
        """1-based line of the deepest node along `loc` that exists."""
        node = self.root
        best = node.start_mark.line + 1 if node is not None else 1
        for key in loc:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if k.value == str(key)), None)
                if match is None:
                    match = next((k for k, _ in node.value if k.value == str(key)), None)
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
            else:
                node = None
            if node is None:
                break
            best = node.start_mark.line + 1
        return best

    def error(self, loc: tuple, message: str) -> RuleFileError:
        return RuleFileError(self.path, self.line(loc), message)


def _check_duplicate_keys(node: yaml.Node, path: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if key.value in seen:
                raise RuleFileError(
                    path, key.start_mark.line + 1, f"sleutel '{key.value}' staat er twee keer (eerder op regel {seen[key.value]})"
                )
            seen[key.value] = key.start_mark.line + 1
            _check_duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, path)


MAX_NODES = 200_000  # values in a rule file after aliases are expanded; the whole rule base has ~20,000
MAX_DEPTH = 64


def _bound_structure(text: str, path: str) -> None:
    """One pass over the parser's events (linear in the text), before anything is built: refuse an
    alias inside its own anchor (`a: &a [*a]` has no end), aliases that expand to more than
    MAX_NODES values (a few hundred bytes of nested aliases can mean billions), and nesting deeper
    than MAX_DEPTH. Plain anchors and aliases, as a shared condition list, stay allowed."""
    sizes: dict[str, int] = {}
    stack: list[list] = [[None, 0]]  # open collections: [anchor, expanded size so far]
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) > MAX_DEPTH:
                raise RuleFileError(path, line, f"te diep genest (meer dan {MAX_DEPTH} niveaus)")
            stack.append([event.anchor, 1])
            continue
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            anchor, size = stack.pop()
            if anchor:
                sizes[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if any(anchor == event.anchor for anchor, _ in stack):
                raise RuleFileError(path, line, f"YAML-alias '*{event.anchor}' verwijst naar zichzelf; dat is een structuur zonder einde")
            size = sizes.get(event.anchor or "", 1)  # an unknown alias: the composer names it below
        else:
            continue
        stack[-1][1] += size
        if stack[-1][1] > MAX_NODES or sum(s for _, s in stack) > MAX_NODES:
            raise RuleFileError(path, line, f"YAML-aliassen lopen op tot meer dan {MAX_NODES:,} waarden; schrijf ze uit".replace(",", "."))


def load(path: Path | str, display: str | None = None) -> YamlDoc:
    """Load with the safe loader only: a rule file can never construct Python objects."""
    shown = display or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(shown, None, f"kan bestand niet lezen: {exc}") from None
    try:
        _bound_structure(text, shown)
        root = yaml.compose(text, Loader=_Loader)
        if root is not None:
            _check_duplicate_keys(root, shown)
        data = yaml.load(text, Loader=_Loader)  # safe: _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RuleFileError(shown, line, f"ongeldige YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise RuleFileError(shown, None, f"ongeldige YAML: {exc}") from None
    return YamlDoc(shown, data, root)
