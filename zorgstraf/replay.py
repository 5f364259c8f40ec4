"""Replay: recompute a stored advies from its audit record with the exact rule set and score model
it was given with, and say whether it is byte for byte the same (or which fields differ).

Every rule set and model version an advies refers to is archived in the store, content-addressed by
its hash, when the first advies with it is stored. Replay writes the archived rule files to a
temporary folder, loads them (the digest must match the archive's key), uses the casus context the
store supplied at the time (kept with the advies), the casus policy and label catalogue archived
with the rules, and compares. The stored melding must match its stored input hash, and an archived
name that would land outside the temporary folder (`../`, absolute) is refused, never written."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import casus, schema
from .errors import ZorgstrafError


class ReplayError(ZorgstrafError):
    """The advies cannot be replayed (not stored, or its rule set or model is not archived)."""


@dataclass
class Replay:
    melding_id: str
    regelset_hash: str
    model_hash: str | None
    gelijk: bool
    verschillen: list[str] = field(default_factory=list)  # dotted field names that differ
    opnieuw: dict | None = None  # the recomputed advies


def archive(store, runner, advies: schema.Advies | None = None, regio: str | None = None) -> None:
    """Keep the rule set (and the score model) an advies is or will be given with, once per hash:
    that of `advies`, or (before the advies exists, so the archive is there when the advies commits)
    that of region `regio`."""
    digest = advies.regelset.hash if advies is not None else None
    if digest is None or not store.is_archived(digest):
        ruleset = runner.engine_for(advies.regio if advies is not None else regio).ruleset
        if (digest is None or ruleset.digest == digest) and not store.is_archived(ruleset.digest):
            store.archive_ruleset(ruleset.digest, ruleset.name, ruleset.version, json.dumps(ruleset.texts, ensure_ascii=False))
    scorer = getattr(runner, "_scorer", None)
    if scorer is not None and not store.is_archived(scorer.digest, model=True):
        store.archive_model(scorer.digest, scorer.text)


def _differences(old, new, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            out += _differences(old.get(key), new.get(key), f"{prefix}{key}.")
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new)):
            out += _differences(a, b, f"{prefix}{i}.")
        return out
    return [] if old == new else [prefix.rstrip(".")]


def _safe_name(root: Path, name: str) -> Path:
    """Where an archived file goes: inside `root`, or the archive is refused (tampered or foreign)."""
    pure = PurePosixPath(name)
    if not name or "\\" in name or pure.is_absolute() or ".." in pure.parts or any(":" in p for p in pure.parts):
        raise ReplayError(f"het archief bevat een bestandsnaam buiten de eigen map ({name!r}); niets geschreven, het archief is aangetast")
    target = (root / pure).resolve()
    if not target.is_relative_to(root.resolve()):
        raise ReplayError(f"het archief bevat een bestandsnaam buiten de eigen map ({name!r}); niets geschreven, het archief is aangetast")
    return target


def replay(store, melding_id: str) -> Replay:
    from . import labels
    from .engine import Engine
    from .ruleset import CATALOGUE_NAME, load_ruleset
    from .storage import input_hash

    record = store.latest(melding_id)
    if record is None:
        raise ReplayError(f"geen opgeslagen advies voor melding {melding_id}")
    files = store.archived_ruleset(record.regelset_hash)
    if files is None:
        raise ReplayError(f"regelset {record.regelset_hash[:12]} van dit advies is niet bewaard; opnieuw berekenen kan niet")
    melding = schema.Melding.model_validate_json(record.melding_json)
    if input_hash(melding) != record.input_hash:
        raise ReplayError("de opgeslagen melding past niet bij haar invoerhash; het auditspoor is aangetast")
    stored = json.loads(record.advies_json)
    archived: dict[str, str] = json.loads(files)
    with tempfile.TemporaryDirectory(prefix="zorgstraf-replay-") as tmp:
        root = Path(tmp)
        targets = {name: _safe_name(root, name) for name in archived}  # every name checked before one is written
        for name, text in archived.items():
            targets[name].parent.mkdir(parents=True, exist_ok=True)
            targets[name].write_bytes(text.encode("utf-8"))
        top = sorted({PurePosixPath(n).parts[0] for n in archived if len(PurePosixPath(n).parts) == 2 and n != CATALOGUE_NAME})
        if len(top) != 1:
            raise ReplayError("het archief van deze regelset heeft geen (of meer dan één) regelmap; het archief is aangetast")
        rules_dir = root / top[0]
        regio = stored["regio"] if stored["regio"] != "landelijk" else None
        catalogue = targets.get(CATALOGUE_NAME)
        ruleset = load_ruleset(rules_dir, regio, catalogue, labels=catalogue is not None)
        if ruleset.digest != record.regelset_hash:
            raise ReplayError("de bewaarde regelset geeft een andere hash; het archief is aangetast")
        # archived before the casus policy was covered: the current one (the hash could not tell)
        policy_dir = str(rules_dir) if (rules_dir / "beleid" / "casus.yaml").is_file() else None
        scores = None
        if record.model_hash:
            from .score import from_text

            text = store.archived_model(record.model_hash)
            if text is None:
                raise ReplayError(f"scoremodel {record.model_hash[:12]} van dit advies is niet bewaard")
            scores = from_text(text, record.model_hash)
        with labels.catalogue_from(catalogue):
            engine = Engine(ruleset)
            ctx = casus.CasusContext.from_json(record.context_json) if record.context_json else None
            effective = casus.effective(melding, ctx) if ctx else melding
            (advies,) = engine.evaluate([effective], scores.score([effective]) if scores else None)
            if ctx is not None:
                advies = casus.annotate(advies, melding, ctx, policy_dir, ruleset)
    again = advies.model_dump_json()
    same = again == record.advies_json
    return Replay(
        melding_id=melding_id,
        regelset_hash=record.regelset_hash,
        model_hash=record.model_hash,
        gelijk=same,
        verschillen=[] if same else _differences(stored, json.loads(again)) or ["(opmaak)"],
        opnieuw=json.loads(again),
    )
