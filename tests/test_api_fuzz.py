"""A bounded schemathesis run against our own OpenAPI document: no input may cause a server error,
and every check of schemathesis holds (the response fits the document, a schema-violating request
is refused, every status is documented). Not checked: that every schema-valid request is accepted;
three refusals are by design and cannot be said in OpenAPI (a reversed period, closing a meeting
before its day, departing from an advies without saying why)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from zorgstraf.settings import Settings, parse_api_keys
from zorgstraf_api.app import create_app

_DB = Path(tempfile.mkdtemp()) / "fuzz.db"
APP = create_app(Settings(database_url=f"sqlite:///{_DB}", api_keys=parse_api_keys("fuzz-key:lezer+voorzitter+beleid")))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def started_app():
    with TestClient(APP):  # runs the lifespan: migrations, engines
        yield


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_causes_a_server_error(case):
    response = case.call(headers={"Authorization": "Bearer fuzz-key"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    if response.status_code != 413:  # the body limit (ZORGSTRAF_MAX_BODY_BYTES) is a setting, not in the document
        case.validate_response(response, excluded_checks=[positive_data_acceptance])
