"""The public status page behind the QR on a printed ticket: no login, no NIK, no
personal data but the first name.

Phones poll it every 10 seconds. The answer's ETag is a digest of what the page shows
(``queries.public_status_tag``), so on a busy day, when the visit's board version moves
every few hundred milliseconds, a page whose places have not changed still answers 304
Not Modified, without rendering. The server also remembers, per ticket, the tag it last
sent and the board version it was read at: while that version has not moved, a poll
holding that tag gets 304 from the cache alone, without a database query and without
touching the session, so hundreds of waiting phones cost the server almost nothing."""

from __future__ import annotations

import json
import time
import uuid
from typing import NamedTuple

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from bujian.queueing import queries
from bujian.queueing.board import board_version
from bujian.queueing.models import VisitTicket

POLL_SECONDS = 10
# How long the server remembers which visit a ticket belongs to (and until when its
# page cannot change by the clock alone); past that, one query finds it again.
_KNOWN_SECONDS = 12 * 60 * 60


def _known_key(ticket_uuid: uuid.UUID) -> str:
    return f"queueing:status-ticket:{ticket_uuid}"


class _Known(NamedTuple):
    """What the server remembers of a ticket's page (in the shared cache)."""

    visit_id: int
    valid_until: float | None  # until then, the page cannot change by the clock alone
    version: int  # the visit's board version the page was read at
    tag: str  # the page's ETag then


def _etag(tag: str) -> str:
    # The language is part of the page, so it is part of the tag.
    return f'{tag[:-1]}-{get_language() or ""}"'


def _sent_etags(request: HttpRequest) -> set[str]:
    header = request.headers.get("If-None-Match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _no_store_headers(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    # Always ask again (the queue moves), and keep the first name out of shared caches.
    response["Cache-Control"] = "no-cache, private"
    patch_vary_headers(response, ["HX-Request"])
    return response


def _known(ticket_uuid: uuid.UUID) -> _Known | None:
    known = cache.get(_known_key(ticket_uuid))
    # An entry of the earlier shape (visit, valid until) counts as unknown.
    return known if isinstance(known, _Known) else None


def _unchanged_etag(known: _Known | None, sent: set[str]) -> str | None:
    """The ETag when the client holds the page as last read and no queue change came
    since: cache and version file reads only."""
    if known is None or _etag(known.tag) not in sent:
        return None
    if known.valid_until is not None and time.time() >= known.valid_until:
        return None  # a skipped ticket has come back into a line: recount
    if board_version(known.visit_id) != known.version:
        return None
    return _etag(known.tag)


@require_GET
def status(request: HttpRequest, ticket_uuid: uuid.UUID) -> HttpResponse:
    """Where the resident stands at each booth. With htmx only the status block is
    sent; the block polls again every POLL_SECONDS while any ticket is still open."""
    sent = _sent_etags(request)
    known = _known(ticket_uuid)
    unchanged = _unchanged_etag(known, sent)
    if unchanged is not None:
        return _no_store_headers(HttpResponseNotModified(), unchanged)
    visit_id = known.visit_id if known else None
    if visit_id is None:
        visit_id = (
            VisitTicket.objects.filter(uuid=ticket_uuid).values_list("visit_id", flat=True).first()
        )
    if visit_id is None:
        return render(request, "queueing/status_missing.html", status=404)
    # Read the version before the queue: a change made meanwhile moves the version
    # past the one remembered, so the next poll reads the queue again.
    version = board_version(visit_id)
    state = queries.public_status(ticket_uuid, timezone.now(), version=version)
    tag = queries.public_status_tag(state, language=get_language() or "")
    valid_until = state.valid_until.timestamp() if state.valid_until else None
    fresh = _Known(visit_id=visit_id, valid_until=valid_until, version=state.version, tag=tag)
    if fresh != known:
        cache.set(_known_key(ticket_uuid), fresh, timeout=_KNOWN_SECONDS)
    etag = _etag(tag)
    if etag in sent:
        # The queue moved elsewhere, this page did not: nothing to render or send.
        return _no_store_headers(HttpResponseNotModified(), etag)
    context = {
        "state": state,
        "visit": state.visit_ticket.visit,
        "first_name": state.first_name,
        "poll_headers": json.dumps({"If-None-Match": etag}),
        "poll_url": reverse("queueing:status", args=[ticket_uuid]),
        "poll_seconds": POLL_SECONDS,
    }
    template = (
        "queueing/_status.html"
        if request.headers.get("HX-Request") == "true"
        else "queueing/status.html"
    )
    return _no_store_headers(render(request, template, context), etag)
