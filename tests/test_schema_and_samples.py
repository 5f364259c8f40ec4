from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from zorgstraf.samples import generate
from zorgstraf.schema import Melding

from .conftest import ROOT, melding


def test_unknown_fields_are_rejected_by_name():
    with pytest.raises(ValidationError) as exc:
        melding(verdachte={"aangehoudn": True})
    assert exc.value.errors()[0]["loc"] == ("verdachte", "aangehoudn")


def test_defaults_are_as_in_the_contract():
    m = melding()
    assert m.bron == "politie" and m.regio is None and m.verdachte is None
    assert m.kinderen.aantal_minderjarig == 0 and m.slachtoffer.angst_ernstig is False and m.toelichting == ""


@pytest.mark.parametrize(
    "field,value",
    [
        ("hg_label", "true"),
        ("eerdere_vt_meldingen", False),
        ("eerdere_vt_meldingen", -1),
        ("veiligheidsschaal", 8),
        ("incidentsoort", []),
        ("melding_id", ""),
        ("toelichting", "x" * 4001),
        ("ontvangen_op", "2026-03-10T14:30:00"),
    ],
)
def test_values_outside_the_contract_are_rejected(field, value):
    with pytest.raises(ValidationError):
        melding(**{field: value})


def test_generator_is_reproducible_and_valid():
    assert generate(50, seed=3) == generate(50, seed=3)
    assert generate(50, seed=3) != generate(50, seed=4)
    for m in generate(2000, seed=3):
        Melding.model_validate(m)


def test_committed_samples_are_valid_meldingen():
    for name in ("meldingen.jsonl", "praktijkverhalen.jsonl"):
        for line in (ROOT / "data/samples" / name).read_text().splitlines():
            Melding.model_validate(json.loads(line))


def test_committed_samples_match_the_generator():
    lines = (ROOT / "data/samples/meldingen.jsonl").read_text().splitlines()
    assert [json.loads(l) for l in lines] == generate(500, seed=2026)


@pytest.mark.parametrize("name", ["melding", "advies"])
def test_committed_json_schema_is_up_to_date(name):
    from zorgstraf import schema

    model = schema.Melding if name == "melding" else schema.Advies
    committed = json.loads((ROOT / "docs/schema" / f"{name}.schema.json").read_text())
    assert committed == model.model_json_schema(), "regenerate with: zorgstraf schema " + name


WRONG_VALUES = [None, True, 1.5, -1, 10**12, "x", "", "a" * 5000, [], [1], {}, {"onzin": 1}, "2026-03-10", "2026-03-10T10:00:00"]


def _paths(data: dict, prefix: tuple = ()):
    for key, value in data.items():
        yield prefix + (key,)
        if isinstance(value, dict):
            yield from _paths(value, prefix + (key,))


@pytest.mark.parametrize("wrong", WRONG_VALUES, ids=repr)
def test_every_rejection_of_every_field_is_explained_in_dutch(wrong):
    from zorgstraf.io import dutch_reason

    base = generate(1, seed=1)[0]
    base["verdachte"] = base.get("verdachte") or {}
    for path in _paths(base):
        data = json.loads(json.dumps(base))
        *parents, leaf = path
        target = data
        for key in parents:
            target = target[key]
        target[leaf] = wrong
        try:
            Melding.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                reason = dutch_reason(error)
                assert reason != error["msg"] and not reason.startswith("Input should"), (path, error["type"], reason)
