"""What the TV board shows: for each open booth its called number and how many wait,
and the last calls. Public: numbers, booths and agencies only, never a name or NIK.

The state is a plain dict (JSON for ``state.json`` and the API, context for the page),
built in four queries whatever the number of booths. ``current_board`` keeps the last
build of each (visit, zone) in the process's memory with its JSON, and in a file beside
the visit's board version (``BUJIAN_BOARD_DIR``) that every worker process of the
machine reads, so however many boards poll and whichever process answers, the database
is read once per queue change, and while the queue moves (a change every few
milliseconds on a busy day) at most once per ``BUJIAN_BOARD_REBUILD_MS``: a poll within
that time of the last build gets that build and its ETag, and the next poll the newer
state. (With a build per process, six workers and ten boards built the state about ten
times a second, 6-7 % of the server's CPU under the queue benchmark's load.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
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
    """One build of a board: the ETag of the version it was built at, its JSON as
    ``state.json`` sends it, and its state (read back from the JSON when the build came
    from another process)."""

    tag: str
    json: bytes
    built_at: float  # time.monotonic(): one clock for every process of the machine
    built_state: BoardState | None = None

    @functools.cached_property
    def state(self) -> BoardState:
        if self.built_state is not None:
            return self.built_state
        state: BoardState = json.loads(self.json)
        return state

    def usable(self, tag: str, now: float) -> bool:
        """Of the current version, or, while the queue moves, younger than the rebuild
        interval; never older than STATE_TIMEOUT_SECONDS (nor from a clock ahead of
        ours, as a file left from before the machine restarted can be)."""
        age = now - self.built_at
        if not 0 <= age < STATE_TIMEOUT_SECONDS:
            return False
        return self.tag == tag or age < settings.BUJIAN_BOARD_REBUILD_MS / 1000


_memo: Memo[tuple[int, str], BuiltBoard] = Memo(MEMO_SIZE)


def _shared_path(key: tuple[int, str]) -> Path:
    visit_id, zone = key
    name = f"{visit_id}.board"
    if zone:  # typed text: its digest names the file
        name = f"{visit_id}.{hashlib.sha256(zone.encode()).hexdigest()[:16]}.board"
    return Path(settings.BUJIAN_BOARD_DIR) / name


def _read_shared(key: tuple[int, str]) -> BuiltBoard | None:
    """The last build any process of this machine wrote, if it reads whole."""
    try:
        data = _shared_path(key).read_bytes()
    except OSError:
        return None
    head, _, body = data.partition(b"\n")
    try:
        meta = json.loads(head)
        return BuiltBoard(tag=str(meta["tag"]), json=body, built_at=float(meta["built_at"]))
    except (ValueError, KeyError, TypeError):
        return None


def _write_shared(key: tuple[int, str], built: BuiltBoard) -> None:
    """One line of ETag and time, then the JSON; written aside and renamed into place,
    so a reader sees the old build or the new one, never half of one. A board that
    cannot be written is still answered (the next poll builds it again)."""
    path = _shared_path(key)
    head = json.dumps({"tag": built.tag, "built_at": built.built_at}).encode()
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        try:
            aside.write_bytes(head + b"\n" + built.json)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            aside.write_bytes(head + b"\n" + built.json)
        os.replace(aside, path)
    except OSError:
        with contextlib.suppress(OSError):
            aside.unlink(missing_ok=True)  # nothing half-written left behind


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
    if found is not None and found.usable(tag, now):
        return found
    shared = _read_shared(key)
    if (
        shared is not None
        and shared.usable(tag, now)
        and (found is None or shared.built_at > found.built_at)
    ):
        # Another process built it (the visit was public then); like a build in this
        # process's memory, it is not checked against the database again until the
        # rules above outdate it.
        _memo.put(key, shared)
        return shared
    state = build_board_state(public_visit(visit_id), zone=zone, version=version)
    built = BuiltBoard(
        tag=tag,
        json=json.dumps(state, cls=DjangoJSONEncoder).encode(),
        built_at=time.monotonic(),
        built_state=state,
    )
    _memo.put(key, built)
    _write_shared(key, built)
    return built


def board_state(visit_id: int, zone: str = "", *, version: int | None = None) -> BoardState:
    """The state ``current_board`` gives (its ``version`` says which one)."""
    return current_board(visit_id, zone, version=version).state
