"""What the TV board shows: for each open booth its called number and how many wait,
and the last calls. Public: numbers, booths and agencies only, never a name or NIK.

The state is a plain dict (JSON for ``state.json`` and the API, context for the page),
built in four queries whatever the number of booths. ``current_board`` keeps the last
build of each (visit, zone) in the process's memory with its JSON, so however many
boards poll, the database is read once per queue change, and while the queue moves
(a change every few milliseconds on a busy day) at most once per
``BUJIAN_BOARD_REBUILD_MS``: a poll within that time of the last build gets that build
and its ETag, and the next poll the newer state.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import TypedDict

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from bujian.queueing.board import board_version
from bujian.queueing.memo import Memo
from bujian.queueing.models import IN_PROGRESS, Ticket
from bujian.visits.actions import local_today
from bujian.visits.models import Booth, Visit
from bujian.visits.queries import public_visit

RECENT_CALLS = 6
STATE_TIMEOUT_SECONDS = 60 * 60  # an unchanged state is built again after this long
MEMO_SIZE = 64  # (visit, zone) builds kept per process; the zone is typed text
STATE_FORMAT = 1  # bump when the shape of the state changes: old cached states are ignored


class CallState(TypedDict):
    ticket: int
    label: str
    calls: int  # call_count: a recall raises it, so the board says the number again
    called_at: str
    booth: int
    booth_name: str
    agency: str
    voice: str  # URL of the spoken call


class BoothState(TypedDict):
    id: int
    prefix: str
    name: str
    agency: str
    zone: str
    waiting: int
    current: CallState | None


class BoardState(TypedDict):
    version: int
    visit: int
    zone: str
    day: str
    booths: list[BoothState]
    recent: list[CallState]


def board_zones(visit: Visit) -> list[str]:
    """Zones of the visit's open booths, for the links under the board."""
    return sorted(
        set(
            Booth.objects.filter(visit=visit, is_open=True)
            .exclude(zone="")
            .values_list("zone", flat=True)
        )
    )


def _call(ticket: Ticket, visit_id: int) -> CallState:
    booth = ticket.booth
    return {
        "ticket": ticket.pk,
        "label": ticket.label,
        "calls": ticket.call_count,
        "called_at": ticket.called_at.isoformat() if ticket.called_at else "",
        "booth": booth.pk,
        "booth_name": booth.name,
        "agency": booth.participation.agency.short_name,
        "voice": reverse(
            "queueing:board_voice", kwargs={"visit_id": visit_id, "ticket_id": ticket.pk}
        ),
    }


def build_board_state(
    visit: Visit, *, zone: str = "", version: int = 0, now: dt.datetime | None = None
) -> BoardState:
    """The board of ``visit`` (only the booths of ``zone`` when given) for the local
    day. ``visit`` needs its regency loaded. Three queries."""
    today = local_today(visit.regency, now)
    booths = list(
        Booth.objects.filter(visit=visit, is_open=True, **({"zone": zone} if zone else {}))
        .select_related("participation__agency")
        .annotate(
            waiting=Count(
                "tickets",
                filter=Q(tickets__day=today, tickets__status=Ticket.Status.WAITING),
            )
        )
        .order_by("prefix")
    )
    by_id = {booth.pk: booth for booth in booths}
    called = (
        Ticket.objects.filter(booth__in=list(by_id), day=today, called_at__isnull=False)
        .only("id", "booth_id", "number", "status", "call_count", "called_at")
        .order_by("-called_at", "-id")
    )
    current: dict[int, CallState] = {}
    for ticket in called.filter(status__in=IN_PROGRESS):
        ticket.booth = by_id[ticket.booth_id]  # no query per ticket
        current.setdefault(ticket.booth_id, _call(ticket, visit.pk))
    recent = []
    for ticket in called[:RECENT_CALLS]:
        ticket.booth = by_id[ticket.booth_id]
        recent.append(_call(ticket, visit.pk))
    return {
        "version": version,
        "visit": visit.pk,
        "zone": zone,
        "day": today.isoformat(),
        "booths": [
            {
                "id": booth.pk,
                "prefix": booth.prefix,
                "name": booth.name,
                "agency": booth.participation.agency.short_name,
                "zone": booth.zone,
                "waiting": booth.waiting,
                "current": current.get(booth.pk),
            }
            for booth in booths
        ],
        "recent": recent,
    }


def board_tag(version: int) -> str:
    """The ETag of the board state at ``version``. The server's date is part of it: at
    midnight the board starts a new day even when nothing has moved in the queue."""
    return f'"{STATE_FORMAT}-{version}-{timezone.localdate().isoformat()}"'


@dataclass(frozen=True)
class BuiltBoard:
    """One build of a board: its state, the ETag of the version it was built at, and
    its JSON as ``state.json`` sends it."""

    state: BoardState
    tag: str
    json: bytes
    built_at: float  # time.monotonic()


_memo: Memo[tuple[int, str], BuiltBoard] = Memo(MEMO_SIZE)


def current_board(visit_id: int, zone: str = "", *, version: int | None = None) -> BuiltBoard:
    """The board of a public visit (Http404 for a draft or unknown one): the last
    build when it is of the current version (``version``, default read now), or,
    while the queue moves, when it is younger than ``BUJIAN_BOARD_REBUILD_MS``;
    otherwise a new build. The version is read before the build: a change made
    during the build stamps a new one, so a later poll builds again."""
    if version is None:
        version = board_version(visit_id)
    tag = board_tag(version)
    key = (int(visit_id), zone)
    now = time.monotonic()
    found = _memo.get(key)
    if found is not None:
        age = now - found.built_at
        recent = age < settings.BUJIAN_BOARD_REBUILD_MS / 1000
        if age < STATE_TIMEOUT_SECONDS and (found.tag == tag or recent):
            return found
    state = build_board_state(public_visit(visit_id), zone=zone, version=version)
    built = BuiltBoard(
        state=state,
        tag=tag,
        json=json.dumps(state, cls=DjangoJSONEncoder).encode(),
        built_at=time.monotonic(),
    )
    _memo.put(key, built)
    return built


def board_state(visit_id: int, zone: str = "", *, version: int | None = None) -> BoardState:
    """The state ``current_board`` gives (its ``version`` says which one)."""
    return current_board(visit_id, zone, version=version).state
