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
]


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
    assert sorted(schema["paths"]) == sorted(PUBLIC_PATHS)


def test_every_operation_is_an_anonymous_get(schema: dict[str, Any]) -> None:
    for path, operations in schema["paths"].items():
        assert list(operations) == ["get"], path
        assert "security" not in operations["get"], path


def test_docs_page_is_off_because_it_would_load_from_a_cdn(client: Client) -> None:
    assert client.get("/api/v1/docs").status_code == 404
