"""The queue: one visit ticket per resident, a number at each booth, and every move of
a booth ticket (call, recall, skip, hold, transfer, serve, finish).

Concurrency, on SQLite and PostgreSQL alike:
- numbers come from one conditional UPDATE of the booth's counter; the unique
  (booth, day, number) constraint is the backstop;
- "call next" first claims the resident (``VisitTicket.busy_with IS NULL`` →
  this ticket), then the ticket (status still waiting). Both are UPDATEs filtered on
  the old state: on PostgreSQL the second of two racing callers waits for the first's
  row lock and then matches nothing; on SQLite IMMEDIATE transactions run one at a
  time. So no ticket is called twice and no resident is called at two booths.
- every other move is an UPDATE filtered on the statuses it may start from
  (``_move``): a double click or a second operator gets a DomainError and changes
  nothing; ``call_next(unless_busy=True)`` (the booth screen) also refuses a second
  call while the operator still has a resident at the counter.

A transfer, a referral or a carry-over queues the resident at the other booth (or
day) with their original ``queued_at``, so they keep their place; when they already
wait there, that ticket is kept instead of a second one.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.agencies.models import Service
from bujian.core import sql
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.queueing.board import bump_board
from bujian.queueing.models import IN_PROGRESS, Ticket, VisitTicket
from bujian.records.actions import OutcomeInput, record_outcomes
from bujian.records.models import ServiceRecord
from bujian.residents.models import Registration, Resident
from bujian.sync.guards import ensure_visit_served_here
from bujian.visits.actions import local_today
from bujian.visits.models import Booth, Participation, Visit

MAX_SKIPS = 2
SKIP_RETURN_MINUTES = 10
ACTIVE = [
    Ticket.Status.WAITING,
    Ticket.Status.CALLED,
    Ticket.Status.SERVING,
    Ticket.Status.HELD,
    Ticket.Status.SKIPPED,
]
_PREFIXES = [chr(c) for c in range(ord("A"), ord("Z") + 1)]


# --- booths -------------------------------------------------------------------------


def _next_prefix(visit: Visit) -> str:
    used = set(Booth.objects.filter(visit=visit).values_list("prefix", flat=True))
    for prefix in _PREFIXES + [a + b for a in _PREFIXES for b in _PREFIXES]:
        if prefix not in used:
            return prefix
    raise DomainError("queueing.no_prefix", _("No free booth prefix is left."))


@transaction.atomic
def open_booth(
    *,
    participation: Participation,
    actor: User | None,
    prefix: str = "",
    name: str = "",
    zone: str = "",
) -> Booth:
    """Open a counter for an agency at its visit. The prefix is the next free letter
    unless given."""
    visit = participation.visit
    if participation.status == Participation.Status.EXCUSED:
        raise DomainError(
            "queueing.agency_excused",
            _("%(agency)s is excused from this visit and has no booth.")
            % {"agency": participation.agency},
        )
    prefix = (prefix or _next_prefix(visit)).strip().upper()
    if Booth.objects.filter(visit=visit, prefix=prefix).exists():
        raise DomainError(
            "queueing.prefix_taken",
            _("Prefix %(prefix)s is already used at this visit.") % {"prefix": prefix},
        )
    booth = Booth.objects.create(
        visit=visit,
        participation=participation,
        prefix=prefix,
        # Stored data, not UI text: the hall's own word, whatever language the admin uses.
        name=name.strip() or f"Loket {participation.agency.short_name}",
        zone=zone.strip(),
    )
    record_audit(actor=actor, action="queueing.booth.opened", target=booth)
    bump_board(visit.pk)
    return booth


@transaction.atomic
def update_booth(*, booth: Booth, actor: User, name: str, zone: str, is_open: bool) -> Booth:
    """Rename a booth, move it to a zone of the hall (the board of that zone shows it),
    or close and reopen it. A closed booth gets no new numbers; the residents already
    waiting there stay in its queue (call them, or send them to another booth). It
    cannot close while it is calling or serving someone."""
    name = name.strip()
    if not name:
        raise DomainError("queueing.booth_name_required", _("Give the booth a name."))
    if not is_open and booth.is_open:
        busy = Ticket.objects.filter(booth=booth, status__in=IN_PROGRESS).first()
        if busy is not None:
            raise DomainError(
                "queueing.booth_busy",
                _("%(booth)s is serving %(ticket)s; finish that service before closing.")
                % {"booth": booth.name, "ticket": f"{booth.prefix}-{busy.number:03d}"},
            )
    changed = {"name": name, "zone": zone.strip(), "is_open": is_open}
    before = {field: getattr(booth, field) for field in changed}
    Booth.objects.filter(pk=booth.pk).update(updated_at=timezone.now(), **changed)
    for field, value in changed.items():
        setattr(booth, field, value)
    record_audit(
        actor=actor,
        action="queueing.booth.updated",
        target=booth,
        data={
            field: [before[field], value]
            for field, value in changed.items()
            if before[field] != value
        },
    )
    bump_board(booth.visit_id)
    return booth


def waiting_count(booth: Booth) -> int:
    return Ticket.objects.filter(
        booth=booth, status__in=[Ticket.Status.WAITING, Ticket.Status.SKIPPED, Ticket.Status.HELD]
    ).count()


_BOOTH = sql.Columns(Booth, "b")
_PARTICIPATION = sql.Columns(Participation, "p")


def booths_for_agencies(visit: Visit, agency_ids: Iterable[int]) -> dict[int, Booth]:
    """The open booth of each agency (the first by prefix when it has several), with
    its participation, in one query."""
    ids = list(agency_ids)
    booths: dict[int, Booth] = {}
    if not ids:
        return booths
    rows = sql.fetch(
        f"SELECT {_BOOTH.sql}, {_PARTICIPATION.sql} FROM {sql.table(Booth)} b "  # noqa: S608 -- names from the models, values as parameters
        f"JOIN {sql.table(Participation)} p ON p.id = b.{sql.column(Booth, 'participation')} "
        f"WHERE b.{sql.column(Booth, 'visit')} = %s AND b.{sql.column(Booth, 'is_open')} = %s "
        f"AND p.{sql.column(Participation, 'agency')} IN ({sql.in_list(ids)}) "
        f"ORDER BY b.{sql.column(Booth, 'prefix')}",
        [visit.pk, True, *ids],
    )
    for row in rows:
        booth = _BOOTH.build(row)
        booth.participation = _PARTICIPATION.build(row, len(_BOOTH))
        booth.visit = visit
        booths.setdefault(booth.participation.agency_id, booth)
    return booths


# --- issuing ----------------------------------------------------------------------------


def _take_number(booth: Booth, day: dt.date) -> int:
    """Next number at the booth for the day: 1 on a new day. One UPDATE … RETURNING
    (SQLite 3.35+ and PostgreSQL): the counter moves and is read in one statement, under
    the row's write lock, so two desks never read the same number."""
    counter_day = sql.column(Booth, "counter_day")
    last_number = sql.column(Booth, "last_number")
    day_value = sql.param(Booth, "counter_day", day)
    row = sql.fetch_one(
        f"UPDATE {sql.table(Booth)} SET {last_number} = CASE WHEN {counter_day} = %s "  # noqa: S608 -- names from the model, values as parameters
        f"THEN {last_number} + 1 ELSE 1 END, {counter_day} = %s WHERE id = %s "
        f"RETURNING {last_number}",
        [day_value, day_value, booth.pk],
    )
    if row is None:
        raise Booth.DoesNotExist(f"booth {booth.pk}")
    booth.last_number, booth.counter_day = int(row[0]), day
    return booth.last_number


def _require_service_day(visit: Visit, now: dt.datetime | None) -> dt.date:
    today = local_today(visit.regency, now)
    if (
        visit.status not in {Visit.Status.ANNOUNCED, Visit.Status.ONGOING}
        or today not in visit.days
    ):
        raise DomainError(
            "queueing.not_service_day",
            _("Queue numbers are given only on the days of an announced or ongoing visit."),
        )
    return today


@transaction.atomic
def issue_visit_ticket(
    *,
    visit: Visit,
    resident: Resident,
    services: Sequence[Service],
    issued_by: User,
    registration: Registration | None = None,
    now: dt.datetime | None = None,
) -> VisitTicket:
    """Give the resident their visit ticket with a number at the booth of each agency
    whose services they need. Asking again adds only booths they are not already
    queued at; one resident keeps one visit ticket for the whole visit."""
    ensure_visit_served_here(visit)  # numbers of a visit run on a field node come from it
    today = _require_service_day(visit, now)
    if not services:
        raise DomainError("queueing.no_services", _("Choose at least one service."))
    by_agency: dict[int, list[Service]] = defaultdict(list)
    for service in services:
        by_agency[service.agency_id].append(service)
    booths = booths_for_agencies(visit, by_agency)
    for agency_id, wanted in by_agency.items():
        if agency_id not in booths:
            raise DomainError(
                "queueing.no_booth",
                _("%(agency)s has no open booth at this visit, so %(service)s cannot be queued.")
                % {"agency": wanted[0].agency, "service": wanted[0]},
            )
    moment = now or timezone.now()
    # One INSERT that leaves an existing visit ticket alone (the unique (visit,
    # resident) constraint decides between two desks), then a read only if it did.
    visit_ticket = VisitTicket(
        visit=visit, resident=resident, registration=registration, issued_by=issued_by
    )
    created = sql.insert(visit_ticket, unless_exists=("visit", "resident"))
    if not created:
        visit_ticket = VisitTicket.objects.get(visit=visit, resident=resident)
    # Already loaded: the audit line names them without fetching them again.
    visit_ticket.visit, visit_ticket.resident = visit, resident
    already: set[int] = set()
    if not created:  # a new visit ticket has no booth tickets yet
        already = {
            row[0]
            for row in sql.fetch(
                f"SELECT {sql.column(Ticket, 'booth')} FROM {sql.table(Ticket)} "  # noqa: S608 -- names from the model, values as parameters
                f"WHERE {sql.column(Ticket, 'visit_ticket')} = %s "
                f"AND {sql.column(Ticket, 'day')} = %s "
                f"AND {sql.column(Ticket, 'status')} IN ({sql.in_list(ACTIVE)})",
                [visit_ticket.pk, sql.param(Ticket, "day", today), *ACTIVE],
            )
        }
    issued = []
    links: list[tuple[object, object]] = []
    # Booth counters are locked in one order (by id), so two desks issuing for
    # overlapping booths cannot deadlock on PostgreSQL.
    for agency_id, booth in sorted(booths.items(), key=lambda item: item[1].pk):
        if booth.pk in already:
            continue
        ticket = Ticket(
            visit_ticket=visit_ticket,
            booth=booth,
            day=today,
            number=_take_number(booth, today),
            queued_at=moment,
        )
        sql.insert(ticket)
        links.extend((ticket.pk, service.pk) for service in by_agency[agency_id])
        issued.append(ticket)
    # A new ticket has no services yet: one INSERT for all of them.
    sql.insert_pairs(Ticket.services.through, "ticket", "service", links)
    if not issued and not created:
        raise DomainError(
            "queueing.already_queued",
            _("%(resident)s is already in the queue of every booth chosen.")
            % {"resident": resident.full_name},
        )
    record_audit(
        actor=issued_by,
        action="queueing.ticket.issued",
        target=visit_ticket,
        data={"tickets": [t.label for t in issued]},
    )
    bump_board(visit.pk)
    # A new visit ticket's tickets are exactly these: callers answer without a query.
    visit_ticket.fresh_tickets = issued if created else None
    return visit_ticket


# --- the booth ---------------------------------------------------------------------------


def _returned(moment: dt.datetime) -> Q:
    """Waiting tickets, and skipped ones whose return time has come."""
    return Q(status=Ticket.Status.WAITING) | Q(status=Ticket.Status.SKIPPED, return_at__lte=moment)


def callable_tickets(booth: Booth, now: dt.datetime) -> QuerySet[Ticket]:
    """Tickets the booth may call now, oldest first: waiting ones, and skipped ones
    whose return time has come; never a resident busy at another booth."""
    today = local_today(booth.visit.regency, now)
    return (
        Ticket.objects.filter(booth=booth, day=today)
        .filter(_returned(now))
        # NOT EXISTS, not a join on busy_with IS NULL: SQLite would take the unique
        # index on busy_with for that test (expecting one row, finding every idle
        # resident of the visit) and scan them all under the write lock.
        .exclude(
            Exists(
                VisitTicket.objects.filter(pk=OuterRef("visit_ticket_id"), busy_with__isnull=False)
            )
        )
        .order_by("queued_at", "id")
    )


_TICKET = sql.Columns(Ticket)


@functools.cache
def _callable_sql() -> str:
    t, vt = sql.table(Ticket), sql.table(VisitTicket)
    visit_ticket = sql.column(Ticket, "visit_ticket")
    status, return_at = sql.column(Ticket, "status"), sql.column(Ticket, "return_at")
    return (
        f"SELECT t.id, t.{visit_ticket} FROM {t} t "  # noqa: S608 -- names from the models, values as parameters
        f"WHERE t.{sql.column(Ticket, 'booth')} = %s AND t.{sql.column(Ticket, 'day')} = %s "
        f"AND (t.{status} = %s OR (t.{status} = %s AND t.{return_at} <= %s)) "
        # NOT EXISTS, not a join on busy_with IS NULL: SQLite would take the unique
        # index on busy_with for that test and scan every idle resident of the visit.
        f"AND NOT EXISTS (SELECT 1 FROM {vt} vt WHERE vt.id = t.{visit_ticket} "
        f"AND vt.{sql.column(VisitTicket, 'busy_with')} IS NOT NULL) "
        f"ORDER BY t.{sql.column(Ticket, 'queued_at')}, t.id LIMIT %s"
    )


def _callable(booth: Booth, moment: dt.datetime, limit: int = 20) -> list[tuple[int, int]]:
    """``callable_tickets`` as (ticket id, visit ticket id) pairs, oldest first, in one
    hand-written query (the booth's busiest read)."""
    today = local_today(booth.visit.regency, moment)
    return [
        (int(row[0]), int(row[1]))
        for row in sql.fetch(
            _callable_sql(),
            [
                booth.pk,
                sql.param(Ticket, "day", today),
                Ticket.Status.WAITING,
                Ticket.Status.SKIPPED,
                sql.param(Ticket, "return_at", moment),
                limit,
            ],
        )
    ]


def _claim_resident(ticket_id: int, visit_ticket_id: int) -> bool:
    busy_with = sql.column(VisitTicket, "busy_with")
    return (
        sql.execute(
            f"UPDATE {sql.table(VisitTicket)} SET {busy_with} = %s, "  # noqa: S608 -- names from the model, values as parameters
            f"{sql.column(VisitTicket, 'updated_at')} = %s WHERE id = %s AND {busy_with} IS NULL",
            [ticket_id, sql.param(VisitTicket, "updated_at", timezone.now()), visit_ticket_id],
        )
        == 1
    )


def _release_resident(ticket: Ticket) -> None:
    _release(ticket.pk, ticket.visit_ticket_id)


def _release(ticket_id: int, visit_ticket_id: int) -> None:
    busy_with = sql.column(VisitTicket, "busy_with")
    sql.execute(
        f"UPDATE {sql.table(VisitTicket)} SET {busy_with} = NULL, "  # noqa: S608 -- names from the model, values as parameters
        f"{sql.column(VisitTicket, 'updated_at')} = %s WHERE id = %s AND {busy_with} = %s",
        [sql.param(VisitTicket, "updated_at", timezone.now()), visit_ticket_id, ticket_id],
    )


@functools.cache
def _claim_ticket_sql() -> str:
    status, return_at = sql.column(Ticket, "status"), sql.column(Ticket, "return_at")
    call_count = sql.column(Ticket, "call_count")
    return (
        f"UPDATE {sql.table(Ticket)} SET {status} = %s, {sql.column(Ticket, 'called_at')} = %s, "  # noqa: S608 -- names from the model, values as parameters
        f"{sql.column(Ticket, 'called_by')} = %s, {call_count} = {call_count} + 1, "
        f"{sql.column(Ticket, 'updated_at')} = %s "
        f"WHERE id = %s AND ({status} = %s OR ({status} = %s AND {return_at} <= %s)) "
        f"RETURNING {_TICKET.sql}"
    )


def _in_progress_by(booth: Booth, actor: User) -> Ticket | None:
    return (
        Ticket.objects.filter(
            booth=booth,
            called_by=actor,
            status__in=IN_PROGRESS,
        )
        .select_related("booth")
        .first()
    )


def call_next(
    *,
    booth: Booth,
    actor: User,
    now: dt.datetime | None = None,
    unless_busy: bool = False,
) -> Ticket | None:
    """Call the oldest callable ticket at the booth; None when nobody is waiting.

    The callable tickets are read first, without taking the write lock (on SQLite a
    BEGIN IMMEDIATE would queue behind every other writer just to find an empty
    queue), and the claims then try them in that order inside the transaction. A
    ticket arriving just after that read is called on the next press; the claims are
    conditional UPDATEs, so what was read can be stale but never wins twice."""
    moment = now or timezone.now()
    candidates = None
    if not unless_busy and not transaction.get_connection().in_atomic_block:
        _require_service_day(booth.visit, moment)
        candidates = _callable(booth, moment)
        if not candidates:
            if not booth.is_open:
                raise DomainError("queueing.booth_closed", _("This booth is closed."))
            return None
    return _call_next_locked(
        booth=booth, actor=actor, now=now, unless_busy=unless_busy, candidates=candidates
    )


@transaction.atomic
def _call_next_locked(
    *,
    booth: Booth,
    actor: User,
    now: dt.datetime | None,
    unless_busy: bool,
    candidates: list[tuple[int, int]] | None = None,
) -> Ticket | None:
    """The claim of ``call_next``, in one transaction.

    With ``unless_busy`` (the booth screen) the call is refused while the actor still
    has a called or served ticket at this booth, so a double click calls one resident,
    not two. The actor's row is locked first (PostgreSQL; on SQLite the IMMEDIATE
    transaction already runs callers one at a time), so two requests of one operator
    cannot both pass that check.

    ``candidates`` (read just before the transaction) are tried first; when every one
    of them was taken meanwhile, the callable tickets are read again here."""
    moment = now or timezone.now()
    _require_service_day(booth.visit, moment)
    if not booth.is_open:
        raise DomainError("queueing.booth_closed", _("This booth is closed."))
    if unless_busy:
        list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
        current = _in_progress_by(booth, actor)
        if current is not None:
            raise DomainError(
                "queueing.still_serving",
                _("Finish, skip or hold ticket %(ticket)s before calling the next one.")
                % {"ticket": current.label},
            )
    tried: set[int] = set()
    for batch in (candidates, None):
        if batch is None:
            batch = [c for c in _callable(booth, moment) if c[0] not in tried]
        for ticket_id, visit_ticket_id in batch:
            tried.add(ticket_id)
            called = _claim(booth, actor, ticket_id, visit_ticket_id, moment, now)
            if called is not None:
                return called
        if candidates is None:
            break  # the read above was already inside the transaction
    return None


def _claim(
    booth: Booth,
    actor: User,
    ticket_id: int,
    visit_ticket_id: int,
    moment: dt.datetime,
    now: dt.datetime | None,
) -> Ticket | None:
    """Resident first (busy_with IS NULL), then the ticket (still callable)."""
    if not _claim_resident(ticket_id, visit_ticket_id):
        return None  # called at another booth meanwhile
    # Stamped after the claim, which may have waited for another booth's row lock.
    called_at = now or timezone.now()
    stamp = sql.param(Ticket, "called_at", called_at)
    row = sql.fetch_one(
        _claim_ticket_sql(),
        [
            Ticket.Status.CALLED,
            stamp,
            actor.pk,
            stamp,
            ticket_id,
            Ticket.Status.WAITING,
            Ticket.Status.SKIPPED,
            sql.param(Ticket, "return_at", moment),
        ],
    )
    if row is None:
        _release(ticket_id, visit_ticket_id)  # another operator of this booth was faster
        return None
    ticket = _TICKET.build(row)  # what the UPDATE wrote, without reading the row again
    ticket.booth = booth
    record_audit(actor=actor, action="queueing.ticket.called", target=ticket)
    bump_board(booth.visit_id)
    return ticket


class _Increment:
    """``_move(call_count=INCREMENT)``: the column plus one, in the UPDATE itself."""


INCREMENT = _Increment()


def _move(
    ticket: Ticket,
    *,
    allowed: Sequence[str],
    actor: User | None,
    action: str,
    release: bool = False,
    **values: object,
) -> Ticket:
    """One conditional UPDATE of the ticket (only from the ``allowed`` statuses),
    hand-written: this is every step of a ticket, finishing included."""
    stamp = timezone.now()
    sets = [f"{sql.column(Ticket, 'updated_at')} = %s"]
    params: list[object] = [sql.param(Ticket, "updated_at", stamp)]
    incremented = []
    for name, value in values.items():
        col = sql.column(Ticket, name)
        if value is INCREMENT:
            sets.append(f"{col} = {col} + 1")
            incremented.append(name)
        else:
            sets.append(f"{col} = %s")
            params.append(sql.param(Ticket, name, value))
    returning = ", ".join(sql.column(Ticket, name) for name in incremented) or "id"
    row = sql.fetch_one(
        f"UPDATE {sql.table(Ticket)} SET {', '.join(sets)} WHERE id = %s "  # noqa: S608 -- names from the model, values as parameters
        f"AND {sql.column(Ticket, 'status')} IN ({sql.in_list(allowed)}) RETURNING {returning}",
        [*params, ticket.pk, *allowed],
    )
    if row is None:
        ticket.refresh_from_db(fields=["status"])
        raise DomainError(
            "queueing.bad_transition",
            _("Ticket %(ticket)s is %(status)s; this step is not possible now.")
            % {"ticket": ticket.label, "status": ticket.get_status_display().lower()},
        )
    if release:
        _release_resident(ticket)
    # What the UPDATE wrote, in memory; the booth, visit and resident already loaded stay.
    for name, value in values.items():
        if value is not INCREMENT:
            setattr(ticket, name, value)
    for name, value in zip(incremented, row, strict=False):
        setattr(ticket, name, value)
    ticket.updated_at = stamp
    record_audit(actor=actor, action=action, target=ticket)
    bump_board(ticket.booth.visit_id)
    return ticket


@transaction.atomic
def cancel_ticket(*, ticket: Ticket, actor: User, now: dt.datetime | None = None) -> Ticket:
    """The resident no longer needs this booth (went home, came by mistake): the desk
    takes the number out of the queue. Only a number not being called or served."""
    return _move(
        ticket,
        allowed=[Ticket.Status.WAITING, Ticket.Status.SKIPPED, Ticket.Status.HELD],
        actor=actor,
        action="queueing.ticket.cancelled",
        status=Ticket.Status.CANCELLED,
        finished_at=now or timezone.now(),
        return_at=None,
    )


@transaction.atomic
def recall(*, ticket: Ticket, actor: User, now: dt.datetime | None = None) -> Ticket:
    """Call the same number again (the board and the voice repeat it)."""
    return _move(
        ticket,
        allowed=[Ticket.Status.CALLED],
        actor=actor,
        action="queueing.ticket.recalled",
        called_at=now or timezone.now(),
        call_count=INCREMENT,
    )


@transaction.atomic
def skip(*, ticket: Ticket, actor: User, now: dt.datetime | None = None) -> Ticket:
    """The resident did not come: back in the queue after SKIP_RETURN_MINUTES, at its
    original place, at most MAX_SKIPS times; the next skip cancels it as a no-show."""
    moment = now or timezone.now()
    ticket.refresh_from_db(fields=["skip_count"])
    if ticket.skip_count >= MAX_SKIPS:
        return _move(
            ticket,
            allowed=[Ticket.Status.CALLED],
            actor=actor,
            action="queueing.ticket.no_show",
            release=True,
            status=Ticket.Status.CANCELLED,
            finished_at=moment,
        )
    return _move(
        ticket,
        allowed=[Ticket.Status.CALLED],
        actor=actor,
        action="queueing.ticket.skipped",
        release=True,
        status=Ticket.Status.SKIPPED,
        skip_count=INCREMENT,
        return_at=moment + dt.timedelta(minutes=SKIP_RETURN_MINUTES),
    )


@transaction.atomic
def hold(*, ticket: Ticket, actor: User) -> Ticket:
    """Park a called or served ticket (the resident fetches a missing document); the
    resident is free for other booths meanwhile."""
    return _move(
        ticket,
        allowed=[Ticket.Status.CALLED, Ticket.Status.SERVING],
        actor=actor,
        action="queueing.ticket.held",
        release=True,
        status=Ticket.Status.HELD,
    )


@transaction.atomic
def resume(*, ticket: Ticket, actor: User) -> Ticket:
    """Put a held ticket back in the queue at its original place."""
    return _move(
        ticket,
        allowed=[Ticket.Status.HELD],
        actor=actor,
        action="queueing.ticket.resumed",
        status=Ticket.Status.WAITING,
    )


@transaction.atomic
def start_service(*, ticket: Ticket, actor: User, now: dt.datetime | None = None) -> Ticket:
    return _move(
        ticket,
        allowed=[Ticket.Status.CALLED],
        actor=actor,
        action="queueing.ticket.started",
        status=Ticket.Status.SERVING,
        started_at=now or timezone.now(),
    )


def _check_target_booth(ticket: Ticket, to_booth: Booth) -> None:
    if to_booth.visit_id != ticket.booth.visit_id:
        raise DomainError("queueing.other_visit", _("That booth belongs to another visit."))
    if to_booth.pk == ticket.booth_id:
        raise DomainError("queueing.same_booth", _("Choose another booth."))
    participation = Participation.objects.select_related("agency").get(pk=to_booth.participation_id)
    if not to_booth.is_open or participation.attendance != Participation.Attendance.PRESENT:
        raise DomainError(
            "queueing.target_absent",
            _("%(agency)s is not present at this visit; the resident cannot be sent there.")
            % {"agency": participation.agency},
        )


def _new_ticket_at(
    ticket: Ticket, to_booth: Booth, services: Sequence[Service], day: dt.date
) -> Ticket:
    """Queue the resident at ``to_booth`` at the place their first ticket gave them
    (``queued_at`` is kept). When they already have an open ticket there today, that
    one gets the services and, if it is still waiting, the earlier place."""
    existing = (
        Ticket.objects.filter(
            visit_ticket_id=ticket.visit_ticket_id, booth=to_booth, day=day, status__in=ACTIVE
        )
        .exclude(pk=ticket.pk)
        .first()
    )
    if existing is not None:
        if existing.queued_at > ticket.queued_at:
            Ticket.objects.filter(
                pk=existing.pk, status__in=[Ticket.Status.WAITING, Ticket.Status.HELD]
            ).update(queued_at=ticket.queued_at, updated_at=timezone.now())
        existing.services.add(*services)
        existing.refresh_from_db()
        return existing
    new = Ticket.objects.create(
        visit_ticket_id=ticket.visit_ticket_id,
        booth=to_booth,
        day=day,
        number=_take_number(to_booth, day),
        queued_at=ticket.queued_at,  # keeps the resident's place by original time
        transferred_from=ticket,
    )
    new.services.set(services)
    return new


@transaction.atomic
def transfer(
    *,
    ticket: Ticket,
    to_booth: Booth,
    actor: User,
    services: Sequence[Service] = (),
    now: dt.datetime | None = None,
) -> Ticket:
    """Send the resident to another booth (of an agency present at the visit), keeping
    their place by original queue time. Returns the ticket at the other booth."""
    moment = now or timezone.now()
    _check_target_booth(ticket, to_booth)
    _move(
        ticket,
        allowed=[
            Ticket.Status.WAITING,
            Ticket.Status.CALLED,
            Ticket.Status.SERVING,
            Ticket.Status.HELD,
        ],
        actor=actor,
        action="queueing.ticket.transferred",
        release=True,
        status=Ticket.Status.TRANSFERRED,
        finished_at=moment,
    )
    return _new_ticket_at(ticket, to_booth, services, local_today(to_booth.visit.regency, moment))


def _has_finish_relations(ticket: Ticket) -> bool:
    """Whether the caller loaded what finishing reads (the booth API and screen do)."""
    cache = ticket._state.fields_cache
    booth = cache.get("booth")
    if booth is None or "visit_ticket" not in cache:
        return False
    booth_cache = booth._state.fields_cache
    participation, visit = booth_cache.get("participation"), booth_cache.get("visit")
    return (
        participation is not None
        and "agency" in participation._state.fields_cache
        and visit is not None
        and "regency" in visit._state.fields_cache
    )


@transaction.atomic
def finish_ticket(
    *,
    ticket: Ticket,
    actor: User,
    outcomes: Sequence[OutcomeInput],
    now: dt.datetime | None = None,
) -> list[ServiceRecord]:
    """End the service with an outcome per service (several when the resident needed
    several services of this agency). A referral queues the resident at the other
    booth, keeping their place; the resident is free for other booths again.

    The ticket is claimed first (status still called or serving), so a double click
    or a second operator gets a DomainError and writes nothing."""
    moment = now or timezone.now()
    if not _has_finish_relations(ticket):
        ticket = Ticket.objects.select_related(
            "booth__participation__agency", "booth__visit__regency", "visit_ticket"
        ).get(pk=ticket.pk)
    # The status read before the transaction gives the clear refusal; the conditional
    # UPDATE below decides, should another request have moved the ticket meanwhile.
    if ticket.status not in {Ticket.Status.CALLED, Ticket.Status.SERVING}:
        raise DomainError(
            "queueing.not_called",
            _("Ticket %(ticket)s has not been called; call it before recording the outcome.")
            % {"ticket": ticket.label},
        )
    referrals = [
        outcome.referred_to
        for outcome in outcomes
        if outcome.outcome == ServiceRecord.Outcome.REFERRED and outcome.referred_to is not None
    ]
    for booth in referrals:
        _check_target_booth(ticket, booth)
    today = local_today(ticket.booth.visit.regency, moment)
    _move(
        ticket,
        allowed=[Ticket.Status.CALLED, Ticket.Status.SERVING],
        actor=actor,
        action="queueing.ticket.finished",
        release=True,
        status=Ticket.Status.DONE,
        started_at=ticket.started_at or ticket.called_at or moment,
        finished_at=moment,
    )
    records = record_outcomes(
        ticket=ticket, outcomes=outcomes, actor=actor, today=today, now=moment
    )
    seen: set[int] = set()
    for booth in referrals:
        if booth.pk not in seen:
            seen.add(booth.pk)
            _new_ticket_at(ticket, booth, [], today)
    return records


CARRIED = [
    Ticket.Status.WAITING,
    Ticket.Status.SKIPPED,
    Ticket.Status.HELD,
    # Left called or in service when the hall closed: the resident must not stay
    # "busy" at that booth, so these are carried (and released) too.
    Ticket.Status.CALLED,
    Ticket.Status.SERVING,
]


def tickets_left_over(visit: Visit, today: dt.date) -> QuerySet[Ticket]:
    """Tickets of earlier days of the visit that were never finished."""
    return Ticket.objects.filter(booth__visit=visit, day__lt=today, status__in=CARRIED)


@transaction.atomic
def carry_over(*, visit: Visit, actor: User, now: dt.datetime | None = None) -> int:
    """On day two, give every ticket left unserved on an earlier day a number for
    today, in their original order (they keep their original queue time, so they come
    before today's arrivals). Returns how many were carried; a second run carries 0."""
    moment = now or timezone.now()
    today = _require_service_day(visit, moment)
    left = (
        tickets_left_over(visit, today)
        .select_related("booth")
        .prefetch_related("services")
        .order_by("booth_id", "queued_at", "id")
    )
    count = 0
    for ticket in left:
        changed = Ticket.objects.filter(pk=ticket.pk, status=ticket.status).update(
            status=Ticket.Status.TRANSFERRED, finished_at=moment, updated_at=moment
        )
        if changed == 1:
            _release_resident(ticket)
            _new_ticket_at(ticket, ticket.booth, list(ticket.services.all()), today)
            count += 1
    record_audit(
        actor=actor, action="queueing.tickets.carried", target=visit, data={"count": count}
    )
    bump_board(visit.pk)
    return count
