"""The API fuzzed from its own OpenAPI schema (schemathesis, bounded examples): no
answer is a server error, whatever the input, for an anonymous caller and for a
program admin with a token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from bujian.accounts.models import User
from bujian.accounts.tokens import create_api_token
from bujian.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _one_connection_per_test() -> Iterator[None]:
    """Requests go straight into the WSGI app, whose end-of-request signal would close
    the test's database connection inside its transaction; Django's test client
    disconnects the same handler."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(budi: User) -> str:
    return create_api_token(user=budi, name="fuzz")


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_makes_the_api_fail(case: schemathesis.Case[Any], token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    case.call_and_validate(
        headers=headers, checks=[not_a_server_error, response_schema_conformance]
    )
