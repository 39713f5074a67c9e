"""The board state of a visit for the staff API: /api/v1/queue/visits/{visit_id}/board.

The same state the TV board polls (``queries_board.current_board``), answered the same
way: an ETag per board version, and 304 from the version file alone while it has not
moved.
A bearer token is remembered per process (``accounts.tokens``), so a 304 to a token
client touches no database at all; a session cookie costs its session lookup.

The board is public in the hall (numbers, booths and agencies only), so any staff
member may read the board of any published visit; a draft or unknown visit is 404.

No ``from __future__ import annotations`` here: ninja reads ``Query[...]`` from the
evaluated signature.
"""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from bujian.accounts.tokens import TokenAuth
from bujian.queueing.board import board_version
from bujian.queueing.queries_board import BoardState, board_tag, current_board
from bujian.regions.api import ErrorOut

router = Router(tags=["queue"], auth=[TokenAuth(), django_auth])


class CallOut(Schema):
    ticket: int
    label: str = Field(examples=["A-014"])
    calls: int = Field(description="How many times it was called: a recall raises it.")
    called_at: str = Field(description="ISO 8601 time of the last call.")
    booth: int
    booth_name: str
    agency: str
    voice: str = Field(description="URL of the spoken call (WAV).")


class BoothOut(Schema):
    id: int
    prefix: str
    name: str
    agency: str
    zone: str
    waiting: int
    current: CallOut | None = Field(description="The ticket called or being served.")


class BoardOut(Schema):
    version: int
    visit: int
    zone: str
    day: dt.date
    booths: list[BoothOut]
    recent: list[CallOut] = Field(description="The last calls, newest first.")


class BoardFilters(Schema):
    zone: str = Field(default="", max_length=50, description="Only the booths of this zone.")


@router.get(
    "/visits/{visit_id}/board",
    response={200: BoardOut, 304: None, 404: ErrorOut},
    summary="The TV board state of a visit (ETag; 304 while unchanged)",
)
def board(
    request: HttpRequest,
    visit_id: int,
    filters: Query[BoardFilters],
    response: HttpResponse,
) -> BoardState | Status[None]:
    """Send the last ETag in ``If-None-Match``: while the queue has not moved the
    answer is 304 without a body, read from the cache alone."""
    version = board_version(visit_id)
    tag = board_tag(version)
    known = parse_etags(request.headers.get("If-None-Match", ""))
    patch_cache_control(response, no_cache=True)
    if tag in known:
        response["ETag"] = tag
        return Status(304, None)
    built = current_board(visit_id, filters.zone.strip(), version=version)
    response["ETag"] = built.tag
    if built.tag in known:
        return Status(304, None)
    return built.state
