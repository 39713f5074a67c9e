"""The foundation demo: visits, agencies, the compliance ledger, logins.

The demo is loaded once for the test class (it takes a few seconds) inside a
transaction that is rolled back after the class; each test runs in a savepoint of it.
The command test needs an empty database, so it stays outside the class.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, ProtectedError
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Service
from bujian.core.demo import DEMO_PASSWORD, DemoSummary, load_demo_data
from bujian.core.models import AuditEntry
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records.models import Document, DocumentHandover, ServiceRecord
from bujian.regions.models import District, Village
from bujian.residents.models import Registration, Resident
from bujian.visits.models import (
    Booth,
    CheckIn,
    Excuse,
    Participation,
    ParticipationStaff,
    Visit,
)

TODAY = dt.date(2026, 11, 28)
JAKARTA = ZoneInfo("Asia/Jakarta")
DONE = [Visit.Status.FINISHED, Visit.Status.REPORTED]
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRIVATE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(scope="class")
def loaded(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[DemoSummary]:
    # The function-scoped settings of bujian/conftest.py do not reach this fixture.
    fast = override_settings(PASSWORD_HASHERS=FAST_HASHER, CACHES=PRIVATE_CACHE)
    with django_db_blocker.unblock(), fast, transaction.atomic():
        yield load_demo_data(today=TODAY)
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded: DemoSummary, db: None) -> DemoSummary:
    return loaded


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


class TestTheLoadedDemo:
    """Tests that share one load (the class-scoped ``loaded`` fixture)."""

    def test_eight_past_visits_in_eight_districts_two_upcoming_and_one_today(
        self, demo: DemoSummary
    ) -> None:
        done = Visit.objects.filter(regency__code="17.01", status__in=DONE)
        upcoming = Visit.objects.upcoming(TODAY).filter(status=Visit.Status.ANNOUNCED)

        assert (demo.loaded, demo.finished_visits, demo.upcoming_visits) == (True, 8, 2)
        assert demo.ongoing_visits == 1
        assert done.count() == 8
        assert done.filter(status=Visit.Status.REPORTED).exists()
        assert done.filter(status=Visit.Status.FINISHED).exists()
        assert len(set(done.values_list("village__district", flat=True))) == 8
        assert all(visit.end_date < TODAY for visit in done)
        assert min(visit.start_date for visit in done) >= TODAY - dt.timedelta(days=9 * 31)
        assert done.filter(end_date__gt=F("start_date")).count() >= 2  # some two-day visits
        assert all(day.weekday() < 5 for visit in done for day in visit.days)

        assert upcoming.count() == 2
        assert all(
            TODAY + dt.timedelta(days=7) <= v.start_date <= TODAY + dt.timedelta(days=28)
            for v in upcoming
        )
        assert {v.end_date - v.start_date for v in upcoming} == {dt.timedelta(0), dt.timedelta(1)}
        ongoing = Visit.objects.get(status=Visit.Status.ONGOING)
        assert (ongoing.start_date, ongoing.end_date) == (TODAY, TODAY)
        all_districts = set(Visit.objects.values_list("village__district", flat=True))
        assert len(all_districts) == 11  # today's visit is in a kecamatan of its own
        assert Visit.objects.count() == 11

    def test_every_finished_visit_invited_every_active_opd(self, demo: DemoSummary) -> None:
        opds = set(
            Agency.objects.active()
            .mandatory()
            .filter(regencies__code="17.01")
            .values_list("pk", flat=True)
        )
        assert len(opds) == 18

        for visit in Visit.objects.filter(status__in=DONE):
            invited = set(
                visit.participations.filter(mandatory=True).values_list("agency", flat=True)
            )
            assert invited == opds, visit
            guests = visit.participations.filter(mandatory=False)
            assert guests.filter(agency__code__in=["polres-lantas", "samsat"]).count() == 2
            assert not visit.participations.filter(
                attendance=Participation.Attendance.PENDING
            ).exclude(status=Participation.Status.EXCUSED)

    def test_the_ledger_shows_absences_one_excuse_and_a_worst_agency(
        self, demo: DemoSummary
    ) -> None:
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

    def test_present_agencies_checked_in_on_the_visit_days_some_late(
        self, demo: DemoSummary
    ) -> None:
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

    def test_every_role_has_a_login_with_the_demo_password(self, demo: DemoSummary) -> None:
        expected = {
            "admin": "",
            "bappeda": User.Role.PROGRAM_ADMIN,
            "bupati": User.Role.LEADERSHIP,
            "sekda": User.Role.LEADERSHIP,
            "dukcapil": User.Role.AGENCY_OPERATOR,
            "samsat": User.Role.AGENCY_OPERATOR,
            "satlantas": User.Role.AGENCY_OPERATOR,
            "desa": User.Role.VILLAGE_OPERATOR,
            "desa-hari-ini": User.Role.VILLAGE_OPERATOR,
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
        assert (
            Visit.objects.upcoming(TODAY)
            .filter(village=village, status=Visit.Status.ANNOUNCED)
            .exists()
        )
        today_village = users["desa-hari-ini"].village
        assert today_village is not None
        assert Visit.objects.filter(village=today_village, start_date=TODAY).exists()

    def test_a_second_call_changes_nothing(self, demo: DemoSummary) -> None:
        before = counts()
        out = io.StringIO()

        again = load_demo_data(today=TODAY, stdout=out)

        assert counts() == before
        assert not again.loaded
        assert [login.username for login in again.logins] == [
            login.username for login in demo.logins
        ]
        assert all(login.password == DEMO_PASSWORD for login in again.logins)
        assert "bappeda-lteng" in out.getvalue()

    def test_the_demo_is_the_same_every_time(self, demo: DemoSummary) -> None:
        first = snapshot()

        forget_everything()
        load_demo_data(today=TODAY)

        assert snapshot() == first


def snapshot() -> dict[str, list[object]]:
    """What must come out the same from the seed: visits, names, residents, and the
    history of the finished visits (today's visit depends on the clock)."""
    past = ServiceRecord.objects.filter(ticket__booth__visit__status__in=DONE).order_by("id")
    return {
        "visits": list(
            Visit.objects.order_by("start_date").values_list(
                "village__code", "start_date", "end_date"
            )
        ),
        "staff": list(ParticipationStaff.objects.order_by("id").values_list("name", flat=True)[:5]),
        "residents": list(
            Resident.objects.order_by("id").values_list(
                "national_id", "family_card_number", "full_name", "village__code", "phone"
            )
        ),
        "history": list(
            past.values_list("ticket__booth__prefix", "ticket__number", "service__code", "outcome")
        ),
    }


def forget_everything() -> None:
    """Delete what the demo made, the records that protect the rest first."""
    # What the apps' own demos added (bujian.core.demo.APP_DEMOS) points at visits,
    # residents and users: it goes first, in a few passes for PROTECT inside an app.
    app_models = [
        model
        for label in (
            "planner",
            "evaluation",
            "surveys",
            "aspirations",
            "notifications",
            "calendars",
        )
        for model in apps.get_app_config(label).get_models()
    ]
    for model in app_models:  # rows pointing at rows of their own table (a merged duplicate)
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is model:
                model._default_manager.filter(**{f"{field.name}__isnull": False}).delete()
    for _pass in range(4):
        left = []
        for model in app_models:
            try:
                model._default_manager.all().delete()
            except ProtectedError:
                left.append(model)
        app_models = left
    assert not app_models, f"could not delete {app_models}"
    DocumentHandover.objects.all().delete()
    Document.objects.all().delete()
    ServiceRecord.objects.all().delete()
    VisitTicket.objects.update(busy_with=None)
    Ticket.objects.update(transferred_from=None)
    Ticket.objects.all().delete()
    VisitTicket.objects.all().delete()
    Registration.objects.all().delete()
    Resident.objects.all().delete()
    Booth.objects.all().delete()
    Visit.objects.all().delete()
    User.objects.all().delete()


def test_seed_demo_command_prints_the_logins(db: None) -> None:
    out = io.StringIO()

    call_command("seed_demo", "--today", "2026-11-28", stdout=out)

    assert Visit.objects.count() == 11
    for username in ["admin", "bappeda", "dukcapil", "desa", "desa-hari-ini", "bappeda-lteng"]:
        assert username in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()
    # The second line sums up the visit day (in whichever language is active).
    counted = [int(n) for n in re.findall(r"\d+", out.getvalue().splitlines()[1])]
    assert counted == [
        Resident.objects.count(),
        Ticket.objects.count(),
        Document.objects.count(),
        Document.objects.filter(status=Document.Status.READY).count(),
    ]
