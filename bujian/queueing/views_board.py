"""The TV board of a visit: the page, the state it polls, and the spoken calls.

Public and anonymous (the board hangs in the hall): nothing here reads the session
or the user, so a poll answered 304 touches neither the session store nor the
database, only the board version (a small file, `queueing.board`).
"""

from __future__ import annotations

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, urlencode
from django.views.decorators.http import require_GET

from bujian.queueing import voice
from bujian.queueing.board import board_version
from bujian.queueing.models import Ticket
from bujian.queueing.queries_board import board_tag, board_zones, current_board
from bujian.visits.models import Visit
from bujian.visits.queries import public_visit

POLL_MILLISECONDS = 1000
VOICE_MAX_AGE = 24 * 60 * 60  # a ticket's call sounds the same all day
GRID_STEPS = [(3, 3), (8, 4), (15, 5), (24, 6)]  # (at most this many booths, columns)
GRID_COLUMNS_MAX = 8


def board_grid(booths: int) -> tuple[int, int]:
    """Density (1 = big cards … 5 = 40 booths) and column count of the booth grid;
    board.js uses the same steps."""
    for size, (most, columns) in enumerate(GRID_STEPS, start=1):
        if booths <= most:
            return size, max(1, min(booths, columns))
    return len(GRID_STEPS) + 1, GRID_COLUMNS_MAX


def _zone(request: HttpRequest) -> str:
    return request.GET.get("zona", "").strip()[:50]


@require_GET
def board(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The board page (``?zona=`` for one part of a big hall). Drawn here once, then
    kept current by board.js; without JavaScript it reloads itself every 5 seconds."""
    visit = public_visit(visit_id)
    zone = _zone(request)
    built = current_board(visit.pk, zone)
    state = built.state
    state_url = reverse("queueing:board_state", kwargs={"visit_id": visit.pk})
    return render(
        request,
        "queueing/board.html",
        {
            "visit": visit,
            "zone": zone,
            "zones": board_zones(visit),
            "state": state,
            "grid": board_grid(len(state["booths"])),
            "etag": built.tag,
            "state_url": f"{state_url}?{urlencode({'zona': zone})}" if zone else state_url,
            "voice_available": voice.is_available(),
            "poll_ms": POLL_MILLISECONDS,
        },
    )


@require_GET
def board_state_json(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The board state as JSON, answered 304 from the version file alone while the
    visit's board version has not moved; when it has, the process's last build of it
    (``queries_board.current_board``: once per change, at most once per
    ``BUJIAN_BOARD_REBUILD_MS`` while the queue moves), 304 when the board has that."""
    version = board_version(visit_id)
    tag = board_tag(version)
    known = parse_etags(request.headers.get("If-None-Match", ""))
    response: HttpResponse
    if tag in known:
        response = HttpResponseNotModified()
    else:
        built = current_board(visit_id, _zone(request), version=version)
        tag = built.tag
        if tag in known:
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(built.json, content_type="application/json")
    response["ETag"] = tag
    patch_cache_control(response, no_cache=True)
    return response


@require_GET
def board_voice(request: HttpRequest, visit_id: int, ticket_id: int) -> HttpResponseBase:
    """The spoken call of a ticket as a WAV clip, rendered on first request and then
    served from the disk cache; 404 when the server has no voice."""
    ticket = (
        Ticket.objects.select_related("booth__participation__agency")
        .filter(pk=ticket_id, booth__visit_id=visit_id)
        .exclude(booth__visit__status=Visit.Status.DRAFT)
        .first()
    )
    if ticket is None:
        raise Http404
    text = voice.ticket_announcement(ticket)
    try:
        path = voice.clip_path(text)
    except voice.VoiceUnavailable as error:
        raise Http404("No voice on this server.") from error
    response = FileResponse(path.open("rb"), content_type="audio/wav")
    response["ETag"] = f'"{voice.clip_key(text)}"'
    patch_cache_control(response, public=True, max_age=VOICE_MAX_AGE)
    return response
