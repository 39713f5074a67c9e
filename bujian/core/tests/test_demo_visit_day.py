"""The visit-day part of the demo: residents, queues, documents, today's visit.

The demo is loaded once for the module (it takes a few seconds) inside a transaction
that is rolled back at the end; each test runs in a savepoint of it and only reads.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from bujian.accounts.models import User
from bujian.core.demo import DemoSummary, load_demo_data
from bujian.core.demo_visit_day import demo_now
from bujian.core.models import AuditEntry
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records.models import Document, DocumentHandover, ServiceRecord
from bujian.records.queries import documents_for_village_office, documents_waiting_for
from bujian.residents.models import Registration, RegistrationService, Resident
from bujian.residents.nik import WARNING_DISTRICT_UNKNOWN, RegionCodes, check_kk, check_nik
from bujian.visits.models import Booth, CheckIn, Participation, Visit

TODAY = dt.date(2026, 11, 28)
JAKARTA = ZoneInfo("Asia/Jakarta")
DONE = [Visit.Status.FINISHED, Visit.Status.REPORTED]
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRIVATE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
ACTIVE = [Ticket.Status.WAITING, Ticket.Status.CALLED, Ticket.Status.SERVING]

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[DemoSummary]:
    # The function-scoped settings of bujian/conftest.py do not reach this fixture.
    fast = override_settings(PASSWORD_HASHERS=FAST_HASHER, CACHES=PRIVATE_CACHE)
    with django_db_blocker.unblock(), fast, transaction.atomic():
        yield load_demo_data(today=TODAY)
        transaction.set_rollback(True)


@pytest.fixture
def today_visit(demo: DemoSummary) -> Visit:
    return Visit.objects.select_related("village__district").get(status=Visit.Status.ONGOING)


def test_every_resident_has_a_valid_nik_and_only_the_moved_in_have_warnings(
    demo: DemoSummary,
) -> None:
    regions = RegionCodes.load()
    moved_in = []

    residents = list(Resident.objects.select_related("village__district"))
    for resident in residents:
        check = check_nik(
            resident.national_id,
            birth_date=resident.birth_date,
            sex=resident.sex,
            today=TODAY,
            regions=regions,
        )
        assert not check.errors, resident
        assert not check_kk(resident.family_card_number, today=TODAY, regions=regions).errors
        assert resident.village is not None
        assert resident.family_card_number[:6] == resident.village.district.code.replace(".", "")
        assert resident.phone == "" or resident.phone.startswith("+62")
        assert resident.hamlet and resident.rt and resident.rw
        if check.warnings:
            assert check.warning_codes == [WARNING_DISTRICT_UNKNOWN]
            assert resident.accepted_warnings == [WARNING_DISTRICT_UNKNOWN]
            assert resident.national_id[:4] != "1701"  # first registered in another regency
            moved_in.append(resident)
        else:
            assert resident.national_id[:6] == resident.village.district.code.replace(".", "")
            assert resident.accepted_warnings == []
    assert 2 <= len(moved_in) <= 3
    assert len({r.national_id for r in residents}) == len(residents)
    assert {r.sex for r in residents} == {"L", "P"}
    assert any(r.birth_date > dt.date(2009, 1, 1) for r in residents)  # children too


def test_the_villages_of_every_visit_have_their_residents(
    demo: DemoSummary, today_visit: Visit
) -> None:
    for visit in Visit.objects.filter(status__in=[*DONE, Visit.Status.ANNOUNCED]):
        assert 20 <= Resident.objects.filter(village=visit.village).count() <= 60, visit
    assert Resident.objects.filter(village=today_visit.village).count() >= 40


def test_todays_visit_is_under_way_in_a_kecamatan_of_its_own(
    demo: DemoSummary, today_visit: Visit
) -> None:
    now = demo_now(TODAY, JAKARTA)
    others = Visit.objects.exclude(pk=today_visit.pk)

    assert (today_visit.start_date, today_visit.end_date) == (TODAY, TODAY)
    assert not others.filter(village__district=today_visit.village.district).exists()
    participations = Participation.objects.filter(visit=today_visit)
    not_here = participations.exclude(attendance=Participation.Attendance.PRESENT)
    assert [(p.agency.code, p.mandatory) for p in not_here] == [("perkim", True)]
    checkins = CheckIn.objects.filter(participation__visit=today_visit)
    assert checkins.count() == participations.count() - 1
    assert all(c.checked_in_at <= now and c.day == TODAY for c in checkins)
    assert all(c.checked_in_at.astimezone(JAKARTA).hour < 10 for c in checkins)  # this morning

    booths = Booth.objects.filter(visit=today_visit).select_related("participation__agency")
    assert booths.count() >= 10
    assert all(b.is_open for b in booths)
    assert all(b.participation.attendance == Participation.Attendance.PRESENT for b in booths)
    assert booths.get(prefix="A").participation.agency.code == "disdukcapil"
    assert {b.zone for b in booths} == {"Aula", "Halaman"}


def test_todays_queue_has_tickets_in_several_states(demo: DemoSummary, today_visit: Visit) -> None:
    now = demo_now(TODAY, JAKARTA)
    tickets = Ticket.objects.filter(booth__visit=today_visit)
    statuses = Counter(tickets.values_list("status", flat=True))

    assert statuses[Ticket.Status.WAITING] > 0
    assert statuses[Ticket.Status.DONE] > 0
    assert statuses[Ticket.Status.CALLED] + statuses[Ticket.Status.SERVING] > 0
    assert 40 <= VisitTicket.objects.filter(visit=today_visit).count() <= 80
    own = (
        VisitTicket.objects.filter(visit=today_visit)
        .annotate(n=Count("tickets", filter=Q(tickets__transferred_from__isnull=True)))
        .values_list("n", flat=True)
    )
    assert set(own) <= {1, 2, 3}
    assert max(own) >= 2  # one ticket, several booths
    assert len({t.booth_id for t in tickets}) >= 3
    for booth in Booth.objects.filter(visit=today_visit):
        numbers = sorted(tickets.filter(booth=booth).values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)), booth
    assert all(t.day == TODAY and t.queued_at <= now for t in tickets)
    assert all(t.called_at is None or t.called_at <= now for t in tickets)
    for ticket in tickets.filter(status=Ticket.Status.DONE):
        assert ticket.records.exists()
        assert ticket.called_at is not None and ticket.finished_at is not None
        assert ticket.called_at <= ticket.finished_at <= now
    registrations = Registration.objects.filter(visit=today_visit)
    assert 10 <= registrations.filter(source=Registration.Source.PRE_REGISTRATION).count() <= 20
    assert registrations.filter(source=Registration.Source.WALK_IN).exists()
    assert VisitTicket.objects.filter(
        visit=today_visit, registration__source=Registration.Source.PRE_REGISTRATION
    ).exists()


def test_no_resident_is_busy_at_two_booths(demo: DemoSummary, today_visit: Visit) -> None:
    busy = VisitTicket.objects.filter(busy_with__isnull=False).select_related("busy_with")

    assert busy.exists()
    for visit_ticket in busy:
        assert visit_ticket.visit_id == today_visit.pk
        assert visit_ticket.busy_with is not None
        assert visit_ticket.busy_with.visit_ticket_id == visit_ticket.pk
        assert visit_ticket.busy_with.status in {Ticket.Status.CALLED, Ticket.Status.SERVING}
    at_a_counter = (
        Ticket.objects.filter(status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING])
        .values("visit_ticket")
        .annotate(n=Count("id"))
    )
    assert all(row["n"] == 1 for row in at_a_counter)
    assert at_a_counter.count() == busy.count()
    # The finished visits left nobody in a queue.
    assert not Ticket.objects.filter(booth__visit__status__in=DONE, status__in=ACTIVE).exists()


def test_finished_visits_have_a_history_of_outcomes(demo: DemoSummary) -> None:
    records = ServiceRecord.objects.filter(ticket__booth__visit__status__in=DONE)
    outcomes = Counter(records.values_list("outcome", flat=True))

    assert set(outcomes) == set(ServiceRecord.Outcome.values)
    assert outcomes[ServiceRecord.Outcome.COMPLETED] > outcomes[ServiceRecord.Outcome.IN_PROCESS]
    assert outcomes[ServiceRecord.Outcome.IN_PROCESS] > outcomes[ServiceRecord.Outcome.REJECTED]
    assert 2 <= outcomes[ServiceRecord.Outcome.REFERRED] < outcomes[ServiceRecord.Outcome.REJECTED]
    for record in records.filter(outcome=ServiceRecord.Outcome.REJECTED):
        assert record.rejection_reason.startswith("Belum membawa: ")
        assert record.rejection_reason != "Belum membawa: -"
    for record in records.select_related("ticket__booth__visit"):
        assert record.ticket.day in record.ticket.booth.visit.days
    assert Visit.objects.filter(status__in=DONE, booths__isnull=True).count() == 0


def test_documents_exist_in_all_three_states_with_honest_handovers(demo: DemoSummary) -> None:
    documents = Document.objects.select_related("resident", "handover")
    handovers = DocumentHandover.objects.select_related("document__resident", "visit")

    assert set(documents.values_list("status", flat=True)) == set(Document.Status.values)
    assert handovers.filter(on_stage=True).count() == 1
    assert handovers.get(on_stage=True).visit is not None
    assert handovers.filter(place=DocumentHandover.Place.VILLAGE_OFFICE).exists()
    assert handovers.filter(visit__status=Visit.Status.ONGOING).exists()
    proxies = handovers.filter(recipient=DocumentHandover.Recipient.PROXY)
    assert proxies.exists()
    for handover in proxies:
        proxy = Resident.objects.get(national_id=handover.proxy_national_id)
        resident = handover.document.resident
        assert proxy.family_card_number == resident.family_card_number
        assert proxy.pk != resident.pk
        assert handover.proxy_relationship in {"Ayah", "Ibu", "Suami", "Istri", "Anak"}
    for document in documents:
        if document.status == Document.Status.HANDED_OVER:
            assert document.ready_at is not None
            assert document.ready_at <= document.handover.handed_over_at
        elif document.status == Document.Status.READY:
            assert document.ready_at is not None and document.number
        else:
            assert document.ready_at is None and document.promised_date is not None
    # A document made at a past visit was ready on that day, not when the demo ran.
    for document in documents.filter(
        service_record__ticket__booth__visit__status__in=DONE, status=Document.Status.READY
    ).select_related("service_record__ticket"):
        assert document.ready_at is not None and document.service_record is not None
        ready_on = document.ready_at.astimezone(JAKARTA).date()
        assert document.service_record.ticket.day <= ready_on < TODAY


def test_ready_documents_of_finished_visits_wait_for_the_next_visit_or_the_village_office(
    demo: DemoSummary,
) -> None:
    ready = Document.objects.filter(
        status=Document.Status.READY, service_record__ticket__booth__visit__status__in=DONE
    ).select_related("resident__village", "service_record__ticket__booth__visit")
    rolled = 0

    assert ready.exists()
    for document in ready:
        village = document.resident.village
        assert village is not None
        assert document.service_record is not None
        made_at = document.service_record.ticket.booth.visit
        later = (
            Visit.objects.filter(
                village__district_id=village.district_id, start_date__gt=made_at.start_date
            )
            .exclude(status=Visit.Status.CANCELLED)
            .order_by("start_date")
            .first()
        )
        if later is not None:
            assert document in documents_waiting_for(later)
            rolled += 1
        assert document in documents_for_village_office(village)
    assert rolled > 0


def test_upcoming_visits_have_pre_registrations_with_checklists(demo: DemoSummary) -> None:
    upcoming = Visit.objects.upcoming(TODAY).filter(status=Visit.Status.ANNOUNCED)

    assert upcoming.count() == 2
    for visit in upcoming:
        registrations = Registration.objects.filter(visit=visit)
        assert 15 <= registrations.count() <= 30
        assert set(registrations.values_list("source", flat=True)) == {
            Registration.Source.PRE_REGISTRATION
        }
        assert not registrations.exclude(resident__village=visit.village).exists()
        needs = RegistrationService.objects.filter(registration__visit=visit).annotate(
            ticked=Count("documents_present"), required=Count("service__requirements")
        )
        assert needs.filter(ticked__gt=0).exists()
        assert any(need.ticked < need.required for need in needs)  # something is missing
    desa = User.objects.get(username="desa")
    assert Registration.objects.filter(registered_by=desa).exists()


def test_each_village_operator_has_a_visit_to_work_on(
    demo: DemoSummary, today_visit: Visit
) -> None:
    users = {u.username: u for u in User.objects.filter(role=User.Role.VILLAGE_OPERATOR)}

    assert set(users) == {"desa", "desa-hari-ini"}
    assert users["desa-hari-ini"].village_id == today_visit.village_id
    assert (
        Visit.objects.upcoming(TODAY)
        .filter(status=Visit.Status.ANNOUNCED, village=users["desa"].village)
        .exists()
    )
    assert Registration.objects.filter(
        visit=today_visit, registered_by=users["desa-hari-ini"]
    ).exists()
    assert "desa-hari-ini" in [login.username for login in demo.logins]


def test_the_summary_counts_what_was_made(demo: DemoSummary) -> None:
    assert demo.ongoing_visits == 1
    assert demo.residents == Resident.objects.count()
    assert demo.tickets == Ticket.objects.count()
    assert demo.documents == Document.objects.count()
    assert demo.documents_ready == Document.objects.filter(status=Document.Status.READY).count()


def test_a_second_call_creates_nothing(demo: DemoSummary) -> None:
    models = [
        Resident,
        Registration,
        RegistrationService,
        VisitTicket,
        Ticket,
        ServiceRecord,
        Document,
        DocumentHandover,
        Booth,
        AuditEntry,
    ]
    before = {model.__name__: model._default_manager.count() for model in models}

    again = load_demo_data(today=TODAY, stdout=io.StringIO())

    assert not again.loaded
    assert {model.__name__: model._default_manager.count() for model in models} == before
