from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db.models import Count, F

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Service
from bujian.core.demo import DEMO_PASSWORD, DemoSummary, load_demo_data
from bujian.core.models import AuditEntry
from bujian.regions.models import District, Village
from bujian.visits.models import CheckIn, Excuse, Participation, ParticipationStaff, Visit

TODAY = dt.date(2026, 11, 28)
JAKARTA = ZoneInfo("Asia/Jakarta")
DONE = [Visit.Status.FINISHED, Visit.Status.REPORTED]


@pytest.fixture
def demo(db: None) -> DemoSummary:
    return load_demo_data(today=TODAY)


def counts() -> dict[str, int]:
    models = [
        User,
        Agency,
        Service,
        District,
        Village,
        Visit,
        Participation,
        ParticipationStaff,
        Excuse,
        CheckIn,
        AuditEntry,
    ]
    return {model.__name__: model._default_manager.count() for model in models}


def test_eight_past_visits_in_eight_districts_and_two_upcoming(demo: DemoSummary) -> None:
    done = Visit.objects.filter(regency__code="17.01", status__in=DONE)
    upcoming = Visit.objects.upcoming(TODAY)

    assert (demo.loaded, demo.finished_visits, demo.upcoming_visits) == (True, 8, 2)
    assert done.count() == 8
    assert done.filter(status=Visit.Status.REPORTED).exists()
    assert done.filter(status=Visit.Status.FINISHED).exists()
    assert len(set(done.values_list("village__district", flat=True))) == 8
    assert all(visit.end_date < TODAY for visit in done)
    assert min(visit.start_date for visit in done) >= TODAY - dt.timedelta(days=9 * 31)
    assert done.filter(end_date__gt=F("start_date")).count() >= 2  # some two-day visits
    assert all(day.weekday() < 5 for visit in done for day in visit.days)

    assert upcoming.count() == 2
    assert set(upcoming.values_list("status", flat=True)) == {Visit.Status.ANNOUNCED}
    assert all(
        TODAY + dt.timedelta(days=7) <= v.start_date <= TODAY + dt.timedelta(days=28)
        for v in upcoming
    )
    assert {v.end_date - v.start_date for v in upcoming} == {dt.timedelta(0), dt.timedelta(1)}
    all_districts = set(Visit.objects.values_list("village__district", flat=True))
    assert len(all_districts) == 10
    assert Visit.objects.count() == 10


def test_every_finished_visit_invited_every_active_opd(demo: DemoSummary) -> None:
    opds = set(
        Agency.objects.active()
        .mandatory()
        .filter(regencies__code="17.01")
        .values_list("pk", flat=True)
    )
    assert len(opds) == 18

    for visit in Visit.objects.filter(status__in=DONE):
        invited = set(visit.participations.filter(mandatory=True).values_list("agency", flat=True))
        assert invited == opds, visit
        guests = visit.participations.filter(mandatory=False)
        assert guests.filter(agency__code__in=["polres-lantas", "samsat"]).count() == 2
        assert not visit.participations.filter(attendance=Participation.Attendance.PENDING).exclude(
            status=Participation.Status.EXCUSED
        )


def test_the_ledger_shows_absences_one_excuse_and_a_worst_agency(demo: DemoSummary) -> None:
    finished = Participation.objects.filter(visit__status__in=DONE)

    absent = finished.filter(attendance=Participation.Attendance.ABSENT)
    assert absent.exists()
    per_visit = absent.values("visit").annotate(n=Count("id"))
    assert all(1 <= row["n"] <= 4 for row in per_visit)
    assert per_visit.count() == 8
    worst = absent.values("agency__code").annotate(n=Count("id")).order_by("-n")
    assert worst[0]["agency__code"] == "perkim"
    assert worst[0]["n"] > worst[1]["n"]

    excused = finished.filter(status=Participation.Status.EXCUSED)
    assert excused.count() == 1
    only = excused.get()
    assert only.mandatory
    assert only.attendance == Participation.Attendance.PENDING
    assert only.excuses.get().decision == Excuse.Decision.APPROVED

    pending = Excuse.objects.filter(decision=Excuse.Decision.PENDING)
    assert pending.count() == 1
    assert pending.get().participation.visit.status == Visit.Status.ANNOUNCED


def test_present_agencies_checked_in_on_the_visit_days_some_late(demo: DemoSummary) -> None:
    checkins = CheckIn.objects.select_related("participation__visit")

    assert checkins.exists()
    for checkin in checkins:
        visit = checkin.participation.visit
        assert checkin.day in visit.days
        assert checkin.checked_in_at.astimezone(JAKARTA).date() == checkin.day
    assert checkins.filter(late=True).exists()
    assert checkins.filter(late=False).count() > checkins.filter(late=True).count()
    confirmed = Participation.objects.filter(status=Participation.Status.CONFIRMED)
    assert confirmed.filter(visit__status=Visit.Status.ANNOUNCED).exists()
    for participation in confirmed.prefetch_related("services", "staff"):
        assert 1 <= participation.services.count() <= 3
        assert 1 <= participation.staff.count() <= 3
        assert {s.agency_id for s in participation.services.all()} == {participation.agency_id}


def test_every_role_has_a_login_with_the_demo_password(demo: DemoSummary) -> None:
    expected = {
        "admin": "",
        "bappeda": User.Role.PROGRAM_ADMIN,
        "bupati": User.Role.LEADERSHIP,
        "sekda": User.Role.LEADERSHIP,
        "dukcapil": User.Role.AGENCY_OPERATOR,
        "samsat": User.Role.AGENCY_OPERATOR,
        "satlantas": User.Role.AGENCY_OPERATOR,
        "desa": User.Role.VILLAGE_OPERATOR,
        "bappeda-lteng": User.Role.PROGRAM_ADMIN,
    }
    users = {u.username: u for u in User.objects.select_related("regency", "village")}

    assert {username: users[username].role for username in expected} == expected
    assert {login.username for login in demo.logins} == set(expected)
    for user in users.values():
        assert user.is_active
        assert check_password(DEMO_PASSWORD, user.password), user.username
        assert user.first_name and user.last_name
    assert users["admin"].is_superuser
    assert users["bappeda"].regency is not None and users["bappeda"].regency.code == "17.01"
    assert (
        users["bappeda-lteng"].regency is not None
        and users["bappeda-lteng"].regency.code == "18.02"
    )
    assert list(users["dukcapil"].agencies.values_list("code", flat=True)) == ["disdukcapil"]
    assert list(users["samsat"].agencies.values_list("code", flat=True)) == ["samsat"]
    assert list(users["satlantas"].agencies.values_list("code", flat=True)) == ["polres-lantas"]
    village = users["desa"].village
    assert village is not None
    assert Visit.objects.upcoming(TODAY).filter(village=village).exists()


def test_a_second_call_changes_nothing(demo: DemoSummary) -> None:
    before = counts()
    out = io.StringIO()

    again = load_demo_data(today=TODAY, stdout=out)

    assert counts() == before
    assert not again.loaded
    assert [login.username for login in again.logins] == [login.username for login in demo.logins]
    assert all(login.password == DEMO_PASSWORD for login in again.logins)
    assert "bappeda-lteng" in out.getvalue()


def test_the_demo_is_the_same_every_time(demo: DemoSummary) -> None:
    first = list(
        Visit.objects.order_by("start_date").values_list("village__code", "start_date", "end_date")
    )
    staff = list(ParticipationStaff.objects.order_by("id").values_list("name", flat=True)[:5])
    Visit.objects.all().delete()
    User.objects.all().delete()

    load_demo_data(today=TODAY)

    assert (
        list(
            Visit.objects.order_by("start_date").values_list(
                "village__code", "start_date", "end_date"
            )
        )
        == first
    )
    assert list(ParticipationStaff.objects.order_by("id").values_list("name", flat=True)[:5]) == (
        staff
    )


def test_seed_demo_command_prints_the_logins(db: None) -> None:
    out = io.StringIO()

    call_command("seed_demo", "--today", "2026-11-28", stdout=out)

    assert Visit.objects.count() == 10
    for username in ["admin", "bappeda", "dukcapil", "desa", "bappeda-lteng"]:
        assert username in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()
