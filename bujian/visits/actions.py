"""Every state change of a visit and of an agency's participation in it.

Each action runs in one transaction and leaves an audit entry. State transitions
update with a filter on the old state and check the row count, so two officers
pressing the same button at once change the row once (SQLite ignores
select_for_update, so it is not relied on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Service
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.regions.models import Regency, Village
from bujian.visits.models import CheckIn, Excuse, Participation, ParticipationStaff, Visit

MAX_VISIT_DAYS = 2


@dataclass(frozen=True)
class StaffEntry:
    name: str
    nip: str = ""
    role: str = ""


def local_now(regency: Regency, now: dt.datetime | None = None) -> dt.datetime:
    """The wall-clock time in the regency (WIB, WITA or WIT)."""
    return timezone.localtime(now or timezone.now(), ZoneInfo(regency.time_zone))


def local_today(regency: Regency, now: dt.datetime | None = None) -> dt.date:
    return local_now(regency, now).date()


def _check_schedule(
    *,
    regency: Regency,
    village: Village,
    start_date: dt.date,
    end_date: dt.date,
    daily_start: dt.time,
    daily_end: dt.time,
    today: dt.date | None,
    exclude_pk: int | None = None,
) -> None:
    if village.district.regency_id != regency.pk:
        raise DomainError(
            "visits.village_outside_regency",
            _("%(village)s is not in %(regency)s. Choose a village of this regency.")
            % {"village": village, "regency": regency},
        )
    if end_date < start_date:
        raise DomainError("visits.end_before_start", _("The end date is before the start date."))
    if (end_date - start_date).days + 1 > MAX_VISIT_DAYS:
        raise DomainError(
            "visits.too_long",
            _("A visit lasts one or two days; choose an end date at most one day after the start."),
        )
    if daily_end <= daily_start:
        raise DomainError(
            "visits.hours_reversed", _("The daily closing time must be after the opening time.")
        )
    if today is not None and start_date < today:
        raise DomainError(
            "visits.in_the_past",
            _("The start date %(date)s has already passed. Choose today or a later date.")
            % {"date": start_date.strftime("%d-%m-%Y")},
        )
    overlapping = (
        Visit.objects.filter(village=village, start_date__lte=end_date, end_date__gte=start_date)
        .exclude(status=Visit.Status.CANCELLED)
        .exclude(id=exclude_pk or 0)
        .first()
    )
    if overlapping is not None:
        raise DomainError(
            "visits.overlap",
            _(
                "%(village)s already has a visit on %(start)s–%(end)s. "
                "Choose other dates or move that visit first."
            )
            % {
                "village": village,
                "start": overlapping.start_date.strftime("%d-%m-%Y"),
                "end": overlapping.end_date.strftime("%d-%m-%Y"),
            },
        )


@transaction.atomic
def plan_visit(
    *,
    regency: Regency,
    village: Village,
    start_date: dt.date,
    end_date: dt.date,
    created_by: User | None,
    daily_start: dt.time = dt.time(8, 0),
    daily_end: dt.time = dt.time(16, 0),
    venue: str = "Balai Desa",
    expects_bupati: bool = True,
    expects_vice_bupati: bool = False,
    expects_sekda: bool = True,
    notes: str = "",
    allow_past: bool = False,
    now: dt.datetime | None = None,
) -> Visit:
    """Create a draft visit and invite every active OPD of the regency.

    ``allow_past`` is only for recording visits that already happened (imports,
    demo data); people planning a visit never get it.
    """
    # Two admins planning the same village at once: on SQLite the IMMEDIATE
    # transaction serialises them; on PostgreSQL the row lock on the village does.
    Village.objects.select_for_update().filter(id=village.id).first()
    _check_schedule(
        regency=regency,
        village=village,
        start_date=start_date,
        end_date=end_date,
        daily_start=daily_start,
        daily_end=daily_end,
        today=None if allow_past else local_today(regency, now),
    )
    visit = Visit.objects.create(
        regency=regency,
        village=village,
        start_date=start_date,
        end_date=end_date,
        daily_start=daily_start,
        daily_end=daily_end,
        venue=venue.strip() or "Balai Desa",
        expects_bupati=expects_bupati,
        expects_vice_bupati=expects_vice_bupati,
        expects_sekda=expects_sekda,
        notes=notes,
        created_by=created_by,
    )
    opds = Agency.objects.active().mandatory().serving(regency.pk)
    Participation.objects.bulk_create(
        [Participation(visit=visit, agency=agency, mandatory=True) for agency in opds]
    )
    record_audit(
        actor=created_by,
        action="visits.visit.planned",
        target=visit,
        data={"opd_invited": len(opds)},
    )
    return visit


@transaction.atomic
def reschedule_visit(
    *,
    visit: Visit,
    actor: User,
    village: Village,
    start_date: dt.date,
    end_date: dt.date,
    daily_start: dt.time,
    daily_end: dt.time,
    venue: str,
    expects_bupati: bool,
    expects_vice_bupati: bool,
    expects_sekda: bool,
    notes: str,
    now: dt.datetime | None = None,
) -> Visit:
    """Change the place, dates or details of a visit that has not started."""
    if visit.status not in {Visit.Status.DRAFT, Visit.Status.ANNOUNCED}:
        raise DomainError(
            "visits.not_editable",
            _("Only a draft or announced visit can be changed; this one is %(status)s.")
            % {"status": visit.get_status_display().lower()},
        )
    Village.objects.select_for_update().filter(id=village.id).first()
    dates_changed = (start_date, end_date) != (visit.start_date, visit.end_date)
    _check_schedule(
        regency=visit.regency,
        village=village,
        start_date=start_date,
        end_date=end_date,
        daily_start=daily_start,
        daily_end=daily_end,
        today=local_today(visit.regency, now) if dates_changed else None,
        exclude_pk=visit.pk,
    )
    before = {
        "village": visit.village_id,
        "start": str(visit.start_date),
        "end": str(visit.end_date),
    }
    visit.village = village
    visit.start_date = start_date
    visit.end_date = end_date
    visit.daily_start = daily_start
    visit.daily_end = daily_end
    visit.venue = venue.strip() or "Balai Desa"
    visit.expects_bupati = expects_bupati
    visit.expects_vice_bupati = expects_vice_bupati
    visit.expects_sekda = expects_sekda
    visit.notes = notes
    visit.save()
    record_audit(actor=actor, action="visits.visit.changed", target=visit, data={"before": before})
    return visit


def _transition(
    *,
    visit: Visit,
    actor: User | None,
    allowed_from: Iterable[str],
    to: str,
    action: str,
    extra: dict[str, object] | None = None,
) -> Visit:
    allowed = list(allowed_from)
    changed = Visit.objects.filter(pk=visit.pk, status__in=allowed).update(
        status=to, updated_at=timezone.now(), **(extra or {})
    )
    if changed != 1:
        visit.refresh_from_db(fields=["status"])
        raise DomainError(
            "visits.bad_transition",
            _("This visit is %(status)s; it cannot become %(target)s.")
            % {
                "status": visit.get_status_display().lower(),
                "target": Visit.Status(to).label.lower(),
            },
        )
    visit.refresh_from_db()
    record_audit(actor=actor, action=action, target=visit, data={"status": to})
    return visit


@transaction.atomic
def announce_visit(*, visit: Visit, actor: User) -> Visit:
    """Publish the visit on the public schedule."""
    return _transition(
        visit=visit,
        actor=actor,
        allowed_from=[Visit.Status.DRAFT],
        to=Visit.Status.ANNOUNCED,
        action="visits.visit.announced",
    )


@transaction.atomic
def start_visit(*, visit: Visit, actor: User | None, now: dt.datetime | None = None) -> Visit:
    """Open the service day; only on a day of the visit (check-in also does it)."""
    today = local_today(visit.regency, now)
    if today not in visit.days:
        raise DomainError(
            "visits.not_a_visit_day",
            _("A visit starts only on its own days (%(dates)s).")
            % {"dates": ", ".join(d.strftime("%d-%m-%Y") for d in visit.days)},
        )
    return _transition(
        visit=visit,
        actor=actor,
        allowed_from=[Visit.Status.ANNOUNCED],
        to=Visit.Status.ONGOING,
        action="visits.visit.started",
    )


@transaction.atomic
def finish_visit(*, visit: Visit, actor: User, now: dt.datetime | None = None) -> Visit:
    """Close the visit. Every agency that neither checked in nor was excused is
    recorded absent: this is what the compliance ledger counts. A visit that has not
    begun cannot be finished (that would record every agency absent); cancel it."""
    if local_today(visit.regency, now) < visit.start_date:
        raise DomainError(
            "visits.not_begun",
            _("This visit begins on %(date)s; it cannot be finished before. Cancel it instead.")
            % {"date": visit.start_date.strftime("%d-%m-%Y")},
        )
    visit = _transition(
        visit=visit,
        actor=actor,
        allowed_from=[Visit.Status.ANNOUNCED, Visit.Status.ONGOING],
        to=Visit.Status.FINISHED,
        action="visits.visit.finished",
    )
    absent = Participation.objects.filter(
        visit=visit, attendance=Participation.Attendance.PENDING
    ).exclude(status=Participation.Status.EXCUSED)
    absent_count = absent.update(
        attendance=Participation.Attendance.ABSENT, updated_at=timezone.now()
    )
    record_audit(
        actor=actor, action="visits.absences.recorded", target=visit, data={"absent": absent_count}
    )
    return visit


@transaction.atomic
def mark_visit_reported(*, visit: Visit, actor: User) -> Visit:
    return _transition(
        visit=visit,
        actor=actor,
        allowed_from=[Visit.Status.FINISHED],
        to=Visit.Status.REPORTED,
        action="visits.visit.reported",
    )


@transaction.atomic
def cancel_visit(*, visit: Visit, actor: User, reason: str) -> Visit:
    reason = reason.strip()
    if len(reason) < 10:
        raise DomainError(
            "visits.cancel_reason_required",
            _("Write the reason for cancelling (at least 10 characters); residents will see it."),
        )
    return _transition(
        visit=visit,
        actor=actor,
        allowed_from=[Visit.Status.DRAFT, Visit.Status.ANNOUNCED],
        to=Visit.Status.CANCELLED,
        action="visits.visit.cancelled",
        extra={"cancel_reason": reason},
    )


def _require_open(visit: Visit) -> None:
    if not visit.is_open_for_changes:
        raise DomainError(
            "visits.closed",
            _("This visit is %(status)s; its participation can no longer change.")
            % {"status": visit.get_status_display().lower()},
        )


@transaction.atomic
def invite_agency(*, visit: Visit, agency: Agency, actor: User) -> Participation:
    """Invite a vertical agency or stakeholder (OPD are all invited when the visit is made)."""
    _require_open(visit)
    if not agency.is_active:
        raise DomainError(
            "visits.agency_inactive", _("%(agency)s is not active.") % {"agency": agency}
        )
    if not agency.regencies.filter(pk=visit.regency_id).exists():
        raise DomainError(
            "visits.agency_outside_regency",
            _("%(agency)s does not serve %(regency)s.")
            % {"agency": agency, "regency": visit.regency},
        )
    try:
        with transaction.atomic():
            participation = Participation.objects.create(
                visit=visit, agency=agency, mandatory=agency.kind == Agency.Kind.OPD
            )
    except IntegrityError as error:
        raise DomainError(
            "visits.already_invited",
            _("%(agency)s is already invited to this visit.") % {"agency": agency},
        ) from error
    record_audit(actor=actor, action="visits.agency.invited", target=participation)
    return participation


@transaction.atomic
def withdraw_invitation(*, participation: Participation, actor: User) -> None:
    """Take back the invitation of a vertical agency or stakeholder. An OPD's
    attendance is mandatory: it can only be excused, with a written reason."""
    _require_open(participation.visit)
    if participation.mandatory:
        raise DomainError(
            "visits.mandatory",
            _("Every OPD must attend. %(agency)s can only be excused with a written reason.")
            % {"agency": participation.agency},
        )
    if participation.checkins.exists():
        raise DomainError(
            "visits.already_present",
            _("%(agency)s has already checked in; its invitation stays on record.")
            % {"agency": participation.agency},
        )
    record_audit(
        actor=actor,
        action="visits.agency.uninvited",
        target=participation.visit,
        data={"agency": participation.agency.code},
    )
    participation.delete()


@transaction.atomic
def confirm_participation(
    *,
    participation: Participation,
    actor: User,
    services: Sequence[Service],
    staff: Sequence[StaffEntry],
    booth_tables: int = 1,
    booth_chairs: int = 2,
    needs_power: bool = True,
    needs_network: bool = False,
    needs_printer: bool = False,
    equipment: str = "",
    now: dt.datetime | None = None,
) -> Participation:
    """Record what the agency brings: services, staff, booth needs, equipment.
    Confirming again replaces the earlier answer."""
    visit = participation.visit
    _require_open(visit)
    # An excused agency that decides to come after all confirms like any other; the
    # approved excuse stays on record.
    foreign = [s for s in services if s.agency_id != participation.agency_id]
    if foreign:
        raise DomainError(
            "visits.foreign_service",
            _("%(service)s is not a service of %(agency)s.")
            % {"service": foreign[0], "agency": participation.agency},
        )
    if not services:
        raise DomainError(
            "visits.no_services", _("Choose at least one service your agency will offer.")
        )
    people = [s for s in staff if s.name.strip()]
    if not people:
        raise DomainError(
            "visits.no_staff", _("Name at least one staff member who will serve at the booth.")
        )
    participation.services.set(services)
    participation.staff.all().delete()
    ParticipationStaff.objects.bulk_create(
        [
            ParticipationStaff(
                participation=participation,
                name=p.name.strip(),
                nip=p.nip.strip(),
                role=p.role.strip(),
            )
            for p in people
        ]
    )
    participation.status = Participation.Status.CONFIRMED
    participation.booth_tables = booth_tables
    participation.booth_chairs = booth_chairs
    participation.needs_power = needs_power
    participation.needs_network = needs_network
    participation.needs_printer = needs_printer
    participation.equipment = equipment.strip()
    participation.confirmed_at = now or timezone.now()
    participation.confirmed_by = actor
    participation.save(
        update_fields=[
            "status",
            "booth_tables",
            "booth_chairs",
            "needs_power",
            "needs_network",
            "needs_printer",
            "equipment",
            "confirmed_at",
            "confirmed_by",
            "updated_at",
        ]
    )
    record_audit(
        actor=actor,
        action="visits.participation.confirmed",
        target=participation,
        data={"services": [s.code for s in services], "staff": len(people)},
    )
    return participation


@transaction.atomic
def request_excuse(*, participation: Participation, actor: User, reason: str) -> Excuse:
    _require_open(participation.visit)
    reason = reason.strip()
    if len(reason) < 15:
        raise DomainError(
            "visits.excuse_reason_required",
            _("Write the reason in full (at least 15 characters); it is kept on record."),
        )
    if participation.status == Participation.Status.EXCUSED:
        raise DomainError(
            "visits.already_excused",
            _("%(agency)s is already excused.") % {"agency": participation.agency},
        )
    if participation.checkins.exists():
        raise DomainError(
            "visits.already_present",
            _("%(agency)s has already checked in; its invitation stays on record.")
            % {"agency": participation.agency},
        )
    try:
        with transaction.atomic():
            excuse = Excuse.objects.create(
                participation=participation, reason=reason, requested_by=actor
            )
    except IntegrityError as error:
        raise DomainError(
            "visits.excuse_pending",
            _("An excuse for %(agency)s is already awaiting a decision.")
            % {"agency": participation.agency},
        ) from error
    record_audit(actor=actor, action="visits.excuse.requested", target=participation)
    return excuse


@transaction.atomic
def decide_excuse(*, excuse: Excuse, actor: User, approve: bool, note: str = "") -> Excuse:
    """The program admin approves or rejects an excuse. A rejection needs a note."""
    note = note.strip()
    if not approve and not note:
        raise DomainError(
            "visits.rejection_note_required",
            _("Say why the excuse is rejected; the agency will read it."),
        )
    _require_open(excuse.participation.visit)
    decision = Excuse.Decision.APPROVED if approve else Excuse.Decision.REJECTED
    changed = Excuse.objects.filter(pk=excuse.pk, decision=Excuse.Decision.PENDING).update(
        decision=decision,
        decision_note=note,
        decided_by=actor,
        decided_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if changed != 1:
        raise DomainError("visits.excuse_decided", _("This excuse has already been decided."))
    if approve:
        Participation.objects.filter(pk=excuse.participation_id).update(
            status=Participation.Status.EXCUSED, updated_at=timezone.now()
        )
    excuse.refresh_from_db()
    record_audit(
        actor=actor,
        action="visits.excuse.approved" if approve else "visits.excuse.rejected",
        target=excuse.participation,
        data={"note": note},
    )
    return excuse


@transaction.atomic
def check_in(
    *, visit: Visit, agency: Agency, actor: User, now: dt.datetime | None = None
) -> CheckIn:
    """Record that an agency arrived today. Starts the visit on its first check-in.
    The check-in is late when it comes BUJIAN_LATE_AFTER_MINUTES after opening."""
    participation = (
        Participation.objects.select_related("agency").filter(visit=visit, agency=agency).first()
    )
    if participation is None:
        raise DomainError(
            "visits.not_invited",
            _(
                "%(agency)s is not invited to this visit, so it cannot check in. "
                "The program admin can invite it first."
            )
            % {"agency": agency},
        )
    if visit.status not in {Visit.Status.ANNOUNCED, Visit.Status.ONGOING}:
        raise DomainError(
            "visits.checkin_closed",
            _(
                "Check-in is possible only for an announced or ongoing visit; "
                "this one is %(status)s."
            )
            % {"status": visit.get_status_display().lower()},
        )
    moment = local_now(visit.regency, now)
    if moment.date() not in visit.days:
        raise DomainError(
            "visits.checkin_wrong_day",
            _("Check-in is possible only on the days of the visit (%(dates)s).")
            % {"dates": ", ".join(d.strftime("%d-%m-%Y") for d in visit.days)},
        )
    opening = dt.datetime.combine(moment.date(), visit.daily_start, tzinfo=moment.tzinfo)
    late = moment > opening + dt.timedelta(minutes=settings.BUJIAN_LATE_AFTER_MINUTES)
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                participation=participation,
                day=moment.date(),
                checked_in_at=moment,
                checked_in_by=actor,
                late=late,
            )
    except IntegrityError as error:
        earlier = CheckIn.objects.get(participation=participation, day=moment.date())
        raise DomainError(
            "visits.already_checked_in",
            _("%(agency)s already checked in today at %(time)s.")
            % {
                "agency": agency,
                "time": local_now(visit.regency, earlier.checked_in_at).strftime("%H:%M"),
            },
        ) from error
    updates: dict[str, object] = {"attendance": Participation.Attendance.PRESENT}
    if late:
        updates["late"] = True
    if participation.status == Participation.Status.EXCUSED:
        # The agency came after all: it counts as present; the excuse stays on record.
        updates["status"] = (
            Participation.Status.CONFIRMED
            if participation.confirmed_at
            else Participation.Status.INVITED
        )
    Participation.objects.filter(pk=participation.pk).update(updated_at=timezone.now(), **updates)
    if visit.status == Visit.Status.ANNOUNCED:
        Visit.objects.filter(pk=visit.pk, status=Visit.Status.ANNOUNCED).update(
            status=Visit.Status.ONGOING, updated_at=timezone.now()
        )
    record_audit(
        actor=actor, action="visits.agency.checked_in", target=participation, data={"late": late}
    )
    return checkin


@transaction.atomic
def check_out(
    *, visit: Visit, agency: Agency, actor: User, now: dt.datetime | None = None
) -> CheckIn:
    moment = local_now(visit.regency, now)
    checkin = CheckIn.objects.filter(
        participation__visit=visit, participation__agency=agency, day=moment.date()
    ).first()
    if checkin is None:
        raise DomainError(
            "visits.not_checked_in",
            _("%(agency)s has not checked in today.") % {"agency": agency},
        )
    changed = CheckIn.objects.filter(pk=checkin.pk, checked_out_at__isnull=True).update(
        checked_out_at=moment, checked_out_by=actor
    )
    if changed != 1:
        raise DomainError(
            "visits.already_checked_out",
            _("%(agency)s has already checked out today.") % {"agency": agency},
        )
    checkin.refresh_from_db()
    record_audit(actor=actor, action="visits.agency.checked_out", target=checkin.participation)
    return checkin
