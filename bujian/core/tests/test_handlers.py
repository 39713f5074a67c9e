"""The project's WSGI handler: a staff API call with a bearer token and no cookie takes
the shorter middleware chain and gets the very answer the whole chain gives; anything
else takes the whole chain."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.http.response import HttpResponseBase
from django.test import RequestFactory

from bujian.accounts.models import User
from bujian.accounts.tokens import create_api_token
from bujian.core.handlers import BujianWSGIHandler, is_token_api_call
from bujian.core.models import AuditEntry
from bujian.queueing.tests.test_api_board import hall  # noqa: F401 -- a fixture
from bujian.visits.models import Booth, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def handlers() -> tuple[BujianWSGIHandler, WSGIHandler]:
    return BujianWSGIHandler(), WSGIHandler()


def answer(handler: WSGIHandler, method: str, path: str, **extra: Any) -> HttpResponseBase:
    """The handler's answer to a request, without the WSGI signals (which would close
    the test's database connection)."""
    request = getattr(RequestFactory(), method)(path, content_type="application/json", **extra)
    return handler.get_response(request)


def same(first: HttpResponseBase, second: HttpResponseBase) -> None:
    assert first.status_code == second.status_code
    assert first.content == second.content  # type: ignore[attr-defined]
    assert dict(first.headers) == dict(second.headers)
    assert first.cookies.output() == second.cookies.output() == ""


def test_which_calls_take_the_short_chain() -> None:
    factory = RequestFactory()
    token = "Bearer bjn_x"
    assert is_token_api_call(factory.get("/api/v1/queue/visits/1/board", HTTP_AUTHORIZATION=token))
    assert is_token_api_call(factory.post("/api/v1/x", HTTP_AUTHORIZATION="bearer bjn_x"))
    assert not is_token_api_call(factory.get("/api/v1/visits"))  # no token
    assert not is_token_api_call(
        factory.get("/antrian/papan/1/state.json", HTTP_AUTHORIZATION=token)
    )
    with_cookie = factory.get("/api/v1/x", HTTP_COOKIE="sessionid=abc", HTTP_AUTHORIZATION=token)
    assert not is_token_api_call(with_cookie)  # a browser: its session may be the user


def test_token_calls_answer_as_through_the_whole_chain(
    handlers: tuple[BujianWSGIHandler, WSGIHandler],
    hall: Visit,  # noqa: F811 -- the fixture
    siti: User,
    andi: User,
) -> None:
    ours, django = handlers
    siti_token = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=siti, name='t')}"}
    andi_token = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=andi, name='t')}"}
    booth_a = Booth.objects.get(visit=hall, prefix="A")
    board = f"/api/v1/queue/visits/{hall.pk}/board"
    for method, path, extra in [
        ("get", board, siti_token),
        ("get", board, {"HTTP_AUTHORIZATION": "Bearer bjn_wrong"}),  # 401
        ("get", board, {**siti_token, "HTTP_ACCEPT_LANGUAGE": "en"}),
        ("post", f"/api/v1/queue/booths/{booth_a.pk}/call-next", andi_token),  # another agency
        ("post", "/api/v1/queue/booths/999999/call-next", siti_token),  # 404
        ("post", "/api/v1/queue/tickets/999999/finish", siti_token),  # 422, no body
    ]:
        same(answer(ours, method, path, **extra), answer(django, method, path, **extra))


def test_a_token_call_is_audited_with_the_clients_address(
    handlers: tuple[BujianWSGIHandler, WSGIHandler],
    hall: Visit,  # noqa: F811 -- the fixture
    siti: User,
) -> None:
    ours, _django = handlers
    token = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=siti, name='t')}"}
    booth_a = Booth.objects.get(visit=hall, prefix="A")
    call = f"/api/v1/queue/booths/{booth_a.pk}/call-next"
    response = answer(ours, "post", call, REMOTE_ADDR="10.1.2.3", **token)
    assert response.status_code == 200
    assert response["Content-Security-Policy"]  # security headers as on every answer
    assert response["X-Frame-Options"] == "DENY"
    entry = AuditEntry.objects.filter(action="queueing.ticket.called").get()
    assert (entry.actor_id, entry.source_ip) == (siti.pk, "10.1.2.3")
