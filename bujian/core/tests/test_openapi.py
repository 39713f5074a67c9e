from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

PUBLIC_PATHS = [
    "/api/v1/regions/provinces",
    "/api/v1/regions/regencies",
    "/api/v1/regions/regencies/{code}",
    "/api/v1/regions/districts",
    "/api/v1/regions/villages",
    "/api/v1/agencies",
    "/api/v1/agencies/{code}",
    "/api/v1/services",
    "/api/v1/services/{code}",
    "/api/v1/visits",
    "/api/v1/visits/{visit_id}",
    "/api/v1/calendar/days-off",
    "/api/v1/aspirations/track/{code}",
    "/api/v1/surveys/questionnaire",
]
# Anonymous writes, each with its own guard: a resident's satisfaction survey, allowed
# by the visit ticket's secret uuid (the QR on their ticket) and once per served ticket.
PUBLIC_WRITES = {("post", "/api/v1/surveys/public/{ticket_uuid}/{ticket_id}")}


@pytest.fixture
def schema(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    parsed: dict[str, Any] = json.loads(response.content)
    return parsed


def test_schema_is_openapi_3_for_bujian_api_v1(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Bujian API"
    assert schema["info"]["version"] == "1"


def test_schema_lists_every_public_path(schema: dict[str, Any]) -> None:
    assert set(PUBLIC_PATHS) <= set(schema["paths"])
    assert {path for _method, path in PUBLIC_WRITES} <= set(schema["paths"])


def test_public_operations_are_anonymous_gets(schema: dict[str, Any]) -> None:
    for path in PUBLIC_PATHS:
        operations = schema["paths"][path]
        assert list(operations) == ["get"], path
        assert "security" not in operations["get"], path


def test_every_other_operation_needs_a_login_or_token(schema: dict[str, Any]) -> None:
    staff_paths = set(schema["paths"]) - set(PUBLIC_PATHS)
    assert staff_paths, "the staff API is documented"
    for path in staff_paths:
        for method, operation in schema["paths"][path].items():
            if (method, path) in PUBLIC_WRITES:
                continue
            assert operation.get("security"), f"{method.upper()} {path} is anonymous"


def test_docs_page_is_off_because_it_would_load_from_a_cdn(client: Client) -> None:
    assert client.get("/api/v1/docs").status_code == 404
