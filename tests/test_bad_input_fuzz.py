"""Generated bad meldingen, mixed with good ones, thrown at the CLI and the API (hypothesis).

Whatever the bad ones are: no 5xx, no traceback, and every good melding in the batch answered and
stored. The API part runs on SQLite and, in CI, on PostgreSQL.
"""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zorgstraf.cli import main
from zorgstraf.samples import generate
from zorgstraf.settings import Settings, get_settings, parse_api_keys
from zorgstraf.storage import Store, open_store
from zorgstraf_api.app import create_app

from .conftest import DATABASES, fresh_database

GOOD = generate(40, seed=31)
FIELDS = sorted({k for m in GOOD for k in m})
LEZER = {"Authorization": "Bearer fuzz"}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
nasty_text = st.sampled_from(["a\u0000b", "\u0000", "x\ty", "=1+2", "'; DROP TABLE advies;--", "é" * 70, "", " "]) | st.text(max_size=80)


@st.composite
def bad_melding(draw) -> object:
    """A melding broken in one of the ways the probe and a careless exporter break them."""
    base = dict(draw(st.sampled_from(GOOD)))
    kind = draw(st.sampled_from(["field_value", "nasty_text", "drop", "extra", "not_an_object", "deep"]))
    if kind == "field_value":
        base[draw(st.sampled_from(FIELDS))] = draw(json_values)
    elif kind == "nasty_text":
        base[draw(st.sampled_from(["melding_id", "toelichting", "ontvangen_op", "regio"]))] = draw(nasty_text)
    elif kind == "drop":
        base.pop(draw(st.sampled_from(["melding_id", "ontvangen_op", "incidentsoort"])))
    elif kind == "extra":
        base[draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in FIELDS))] = draw(json_values)
    elif kind == "not_an_object":
        return draw(json_values.filter(lambda v: not isinstance(v, dict)))
    else:
        return {"melding_id": [[[[[[[[[[[[["diep"]]]]]]]]]]]]]}
    if isinstance(base.get("melding_id"), str):  # one melding, one record: a broken one that still fits must not reuse an id
        base["melding_id"] += f"-{next(_IDS)}"
    return base


_IDS = itertools.count()


@st.composite
def batch(draw) -> tuple[list[object], list[int]]:
    """A mix of good and bad meldingen; returns the items and the positions of the good ones."""
    items, good = [], []
    for n in range(draw(st.integers(min_value=1, max_value=8))):
        if draw(st.booleans()):
            good.append(len(items))
            # one melding, one record: a fresh id per drawn melding (the same id with other content is a 409)
            items.append({**draw(st.sampled_from(GOOD)), "melding_id": f"G-{next(_IDS)}"})
        else:
            items.append(draw(bad_melding()))
    return items, good


def _valid(item: object) -> bool:
    from pydantic import ValidationError

    from zorgstraf.schema import Melding

    try:
        Melding.model_validate(item)
        return True
    except (ValidationError, ValueError, TypeError):
        return False


@pytest.fixture(scope="module", params=DATABASES)
def api(request, tmp_path_factory):
    url = fresh_database(request.param, tmp_path_factory.mktemp("fuzz"))
    with TestClient(create_app(Settings(database_url=url, api_keys=parse_api_keys("fuzz:lezer")))) as client:
        yield client, Store(url)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=batch())
def test_the_api_answers_every_good_melding_and_never_fails_on_a_bad_one(api, data):
    client, store = api
    items, good = data
    response = client.post("/v1/triage/batch", json=items, headers=LEZER)
    assert response.status_code == 200, response.text[:300]
    results = response.json()
    assert [r["index"] for r in results] == list(range(len(items)))
    for r, item in zip(results, items):
        assert r["status"] == ("ok" if _valid(item) else "afgewezen"), (item, r)
    for index in good:
        assert results[index]["status"] == "ok" and store.latest(items[index]["melding_id"]) is not None
    for item in items:  # alone, too: a bad melding is a 422 naming a field, never a 5xx
        single = client.post("/v1/triage", json=item, headers=LEZER)
        assert single.status_code in (200, 422), single.text[:300]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=batch(), garbage=st.lists(st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b), max_size=3))
def test_the_cli_triages_and_stores_every_good_line_and_names_each_bad_one(tmp_path_factory, data, garbage):
    items, good = data
    folder = tmp_path_factory.mktemp("cli")
    lines = [json.dumps(item).encode() for item in items] + garbage  # also lines that are no JSON or no UTF-8 at all
    (folder / "m.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    url = f"sqlite:///{folder / 'cli.db'}"
    get_settings.cache_clear()  # settings are read once per process; each example has its own database
    result = CliRunner().invoke(
        main, ["triage", str(folder / "m.jsonl"), "--opslaan", "--format", "jsonl"], env={"ZORGSTRAF_DATABASE_URL": url}
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    valid = [i for i, item in enumerate(items) if _valid(item)]
    answered = [json.loads(line)["melding_id"] for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(answered) == len(valid) and all(items[i]["melding_id"] in answered for i in good)
    assert open_store(url).count_advies() == len(valid)
    rejected = len(items) - len(valid) + len([g for g in garbage if g.strip()])
    assert result.exit_code == (1 if rejected else 0)
