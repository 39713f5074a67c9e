"""The public status page behind the QR on a printed ticket: no login, no NIK, no
personal data but the first name.

Phones poll it every 10 seconds. The answer carries the visit's board version as
its ETag; a poll that sends the same version back (If-None-Match) gets 304 Not
Modified from the cache alone, without a database query and without touching the
session, so hundreds of waiting phones cost the server almost nothing."""

from __future__ import annotations

import json
import time
import uuid

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


def _etag(version: int) -> str:
    # The language is part of the page, so it is part of the tag.
    return f'"{version}-{get_language() or ""}"'


def _sent_etags(request: HttpRequest) -> set[str]:
    header = request.headers.get("If-None-Match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _no_store_headers(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    # Always ask again (the queue moves), and keep the first name out of shared caches.
    response["Cache-Control"] = "no-cache, private"
    patch_vary_headers(response, ["HX-Request"])
    return response


def _not_modified(request: HttpRequest, ticket_uuid: uuid.UUID) -> HttpResponse | None:
    """304 when the client holds the current version: cache reads only."""
    sent = _sent_etags(request)
    if not sent:
        return None
    known = cache.get(_known_key(ticket_uuid))
    if known is None:
        return None
    visit_id, valid_until = known
    if valid_until is not None and time.time() >= valid_until:
        return None  # a skipped ticket has come back into a line: recount
    etag = _etag(board_version(visit_id))
    if etag not in sent:
        return None
    return _no_store_headers(HttpResponseNotModified(), etag)


@require_GET
def status(request: HttpRequest, ticket_uuid: uuid.UUID) -> HttpResponse:
    """Where the resident stands at each booth. With htmx only the status block is
    sent; the block polls again every POLL_SECONDS while any ticket is still open."""
    unchanged = _not_modified(request, ticket_uuid)
    if unchanged is not None:
        return unchanged
    known = cache.get(_known_key(ticket_uuid))
    visit_id = known[0] if known else None
    if visit_id is None:
        visit_id = (
            VisitTicket.objects.filter(uuid=ticket_uuid).values_list("visit_id", flat=True).first()
        )
    if visit_id is None:
        return render(request, "queueing/status_missing.html", status=404)
    # Read the version before the queue: a change made meanwhile moves the version
    # past this tag, so the next poll fetches it.
    etag = _etag(board_version(visit_id))
    state = queries.public_status(ticket_uuid, timezone.now())
    valid_until = state.valid_until.timestamp() if state.valid_until else None
    cache.set(_known_key(ticket_uuid), (visit_id, valid_until), timeout=_KNOWN_SECONDS)
    context = {
        "state": state,
        "visit": state.visit_ticket.visit,
        "first_name": queries.first_name(state.visit_ticket.resident.full_name),
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
