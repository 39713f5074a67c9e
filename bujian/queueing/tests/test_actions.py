"""Every move of a booth ticket, and every move the queue refuses.

The hall: a two-day visit with Disdukcapil (booth A) and Samsat (booth B) present,
and Dinsos invited but absent (booth C). ``make_hall`` and ``queue_residents`` are
shared with the other queue tests (views, dashboard, browser)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
import time_machine

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Service
from bujian.agencies.tests.factories import AgencyFactory, RequirementFactory, ServiceFactory
from bujian.core.errors import DomainError
from bujian.core.models import AuditEntry
from bujian.queueing import actions
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records.actions import OutcomeInput
from bujian.records.models import Document, ServiceRecord
from bujian.regions.models import Regency, Village
from bujian.residents.tests.factories import ResidentFactory
from bujian.visits.models import Booth, Participation, Visit
from bujian.visits.tests.factories import ParticipationFactory, VisitFactory

WIB = dt.timezone(dt.timedelta(hours=7))
DAY_ONE = dt.date(2026, 12, 10)
DAY_TWO = dt.date(2026, 12, 11)
MORNING = dt.datetime(2026, 12, 10, 9, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


@dataclass
class Hall:
    visit: Visit
    dukcapil: Booth  # A, present
    samsat: Booth  # B, present
    absent: Booth  # C, Dinsos: invited, never checked in
    ktp: Service
    kk: Service
    pkb: Service
    social: Service


def make_hall(
    *,
    regency: Regency,
    village: Village,
    disdukcapil: Agency,
    samsat: Agency,
    actor: User,
    start: dt.date = DAY_ONE,
    end: dt.date = DAY_TWO,
) -> Hall:
    visit = VisitFactory.create(
        regency=regency,
        village=village,
        start_date=start,
        end_date=end,
        status=Visit.Status.ONGOING,
    )
    dinsos = AgencyFactory.create(code="dinsos", short_name="Dinsos", regencies=[regency])
    booths = []
    for agency, attendance in [
        (disdukcapil, Participation.Attendance.PRESENT),
        (samsat, Participation.Attendance.PRESENT),
        (dinsos, Participation.Attendance.PENDING),
    ]:
        participation = ParticipationFactory.create(
            visit=visit, agency=agency, attendance=attendance
        )
        booths.append(
            actions.open_booth(
                participation=participation, actor=actor, name=f"Loket {agency.short_name}"
            )
        )
    ktp = ServiceFactory.create(agency=disdukcapil, code="DUK-KTP-CETAK", name="Cetak KTP-el")
    RequirementFactory.create(service=ktp, position=1, text="Kartu Keluarga asli")
    RequirementFactory.create(service=ktp, position=2, text="Surat pengantar desa")
    kk = ServiceFactory.create(agency=disdukcapil, code="DUK-KK", name="Penerbitan KK")
    pkb = ServiceFactory.create(agency=samsat, code="PKB-TAHUNAN", name="PKB tahunan")
    social = ServiceFactory.create(agency=dinsos, code="SOS-DTKS", name="Usulan DTKS")
    return Hall(visit, booths[0], booths[1], booths[2], ktp, kk, pkb, social)


def queue_residents(
    hall: Hall,
    services: Sequence[Service],
    count: int,
    *,
    actor: User,
    start: dt.datetime | None = None,
) -> list[VisitTicket]:
    """``count`` residents, each queued for ``services``, one minute apart."""
    start = start or dt.datetime.combine(hall.visit.start_date, dt.time(8, 0), tzinfo=WIB)
    tickets = []
    for i in range(count):
        resident = ResidentFactory.create(village=hall.visit.village)
        tickets.append(
            actions.issue_visit_ticket(
                visit=hall.visit,
                resident=resident,
                services=list(services),
                issued_by=actor,
                now=start + dt.timedelta(minutes=i),
            )
        )
    return tickets


def ticket_at(visit_ticket: VisitTicket, booth: Booth) -> Ticket:
    return Ticket.objects.exclude(status=Ticket.Status.TRANSFERRED).get(
        visit_ticket=visit_ticket, booth=booth
    )


@pytest.fixture(autouse=True)
def _clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hall(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> Hall:
    return make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )


def completed(service: Service, number: str = "") -> OutcomeInput:
    return OutcomeInput(
        service=service, outcome=ServiceRecord.Outcome.COMPLETED, document_number=number
    )


# --- issuing ----------------------------------------------------------------------------


def test_one_visit_ticket_holds_a_number_at_each_booth(hall: Hall, budi: User) -> None:
    first, second = queue_residents(hall, [hall.ktp, hall.pkb], 2, actor=budi)
    assert [t.label for t in first.tickets.order_by("booth__prefix")] == ["A-001", "B-001"]
    assert [t.label for t in second.tickets.order_by("booth__prefix")] == ["A-002", "B-002"]
    assert set(ticket_at(first, hall.dukcapil).services.all()) == {hall.ktp}
    assert AuditEntry.objects.filter(action="queueing.ticket.issued").count() == 2


def test_asking_again_adds_only_new_booths(hall: Hall, budi: User) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    again = actions.issue_visit_ticket(
        visit=hall.visit,
        resident=visit_ticket.resident,
        services=[hall.ktp, hall.pkb],
        issued_by=budi,
    )
    assert again.pk == visit_ticket.pk
    assert again.tickets.count() == 2
    with pytest.raises(DomainError) as error:
        actions.issue_visit_ticket(
            visit=hall.visit, resident=visit_ticket.resident, services=[hall.kk], issued_by=budi
        )
    assert error.value.code == "queueing.already_queued"


def test_numbers_start_at_one_each_day(
    hall: Hall, budi: User, _clock: time_machine.Traveller
) -> None:
    queue_residents(hall, [hall.ktp], 3, actor=budi)
    _clock.move_to(dt.datetime(2026, 12, 11, 8, 0, tzinfo=WIB))
    (visit_ticket,) = queue_residents(
        hall, [hall.ktp], 1, actor=budi, start=dt.datetime(2026, 12, 11, 8, 0, tzinfo=WIB)
    )
    assert ticket_at(visit_ticket, hall.dukcapil).label == "A-001"


def test_no_ticket_outside_the_visit_days(
    hall: Hall, budi: User, _clock: time_machine.Traveller
) -> None:
    after = dt.datetime(2026, 12, 12, 9, 0, tzinfo=WIB)
    _clock.move_to(after)
    with pytest.raises(DomainError) as error:
        queue_residents(hall, [hall.ktp], 1, actor=budi, start=after)
    assert error.value.code == "queueing.not_service_day"


def test_no_ticket_for_an_agency_without_a_booth(hall: Hall, budi: User, regency: Regency) -> None:
    other = ServiceFactory.create(agency=AgencyFactory.create(regencies=[regency]))
    with pytest.raises(DomainError) as error:
        queue_residents(hall, [other], 1, actor=budi)
    assert error.value.code == "queueing.no_booth"
    assert not VisitTicket.objects.exists()


# --- calling ------------------------------------------------------------------------------


def test_call_next_takes_the_oldest_and_none_when_empty(hall: Hall, budi: User) -> None:
    first, second = queue_residents(hall, [hall.ktp], 2, actor=budi)
    called = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert called is not None and called.pk == ticket_at(first, hall.dukcapil).pk
    assert called.status == Ticket.Status.CALLED
    assert called.call_count == 1 and called.called_by == budi
    first.refresh_from_db()
    assert first.busy_with_id == called.pk
    assert actions.call_next(booth=hall.dukcapil, actor=budi) == ticket_at(second, hall.dukcapil)
    assert actions.call_next(booth=hall.dukcapil, actor=budi) is None


def test_a_ticket_already_called_or_served_is_not_called_again(hall: Hall, budi: User) -> None:
    (_visit_ticket,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None
    actions.start_service(ticket=ticket, actor=budi)
    assert actions.call_next(booth=hall.dukcapil, actor=budi) is None
    with pytest.raises(DomainError) as error:
        actions.recall(ticket=ticket, actor=budi)
    assert error.value.code == "queueing.bad_transition"
    with pytest.raises(DomainError):
        actions.start_service(ticket=ticket, actor=budi)
    assert Ticket.objects.get(pk=ticket.pk).call_count == 1


def test_an_operator_still_serving_cannot_call_the_next_one(
    hall: Hall, budi: User, siti: User
) -> None:
    queue_residents(hall, [hall.ktp], 3, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=siti, unless_busy=True)
    assert ticket is not None
    with pytest.raises(DomainError) as error:
        actions.call_next(booth=hall.dukcapil, actor=siti, unless_busy=True)
    assert error.value.code == "queueing.still_serving"
    # a colleague at the same booth calls the next one
    colleague = actions.call_next(booth=hall.dukcapil, actor=budi, unless_busy=True)
    assert colleague is not None and colleague.pk != ticket.pk


def test_a_closed_booth_calls_nobody(hall: Hall, budi: User) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    Booth.objects.filter(pk=hall.dukcapil.pk).update(is_open=False)
    hall.dukcapil.refresh_from_db()
    with pytest.raises(DomainError) as error:
        actions.call_next(booth=hall.dukcapil, actor=budi)
    assert error.value.code == "queueing.booth_closed"


def test_recall_counts_the_calls(hall: Hall, budi: User) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None
    actions.recall(ticket=ticket, actor=budi)
    assert ticket.call_count == 2
    assert AuditEntry.objects.filter(action="queueing.ticket.recalled").count() == 1


def test_recall_of_a_waiting_ticket_is_refused(hall: Hall, budi: User) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    with pytest.raises(DomainError):
        actions.recall(ticket=ticket_at(visit_ticket, hall.dukcapil), actor=budi)


# --- one resident, several booths -------------------------------------------------------


def test_a_resident_served_at_one_booth_is_not_called_at_another(hall: Hall, budi: User) -> None:
    (rina,) = queue_residents(hall, [hall.ktp, hall.pkb], 1, actor=budi)
    (later,) = queue_residents(
        hall, [hall.pkb], 1, actor=budi, start=dt.datetime(2026, 12, 10, 8, 30, tzinfo=WIB)
    )
    at_a = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert at_a is not None and at_a.visit_ticket_id == rina.pk
    # Samsat passes over Rina (busy at Disdukcapil) and calls the next resident
    at_b = actions.call_next(booth=hall.samsat, actor=budi)
    assert at_b is not None and at_b.visit_ticket_id == later.pk
    actions.finish_ticket(ticket=at_b, actor=budi, outcomes=[completed(hall.pkb)])
    assert actions.call_next(booth=hall.samsat, actor=budi) is None
    assert ticket_at(rina, hall.samsat).status == Ticket.Status.WAITING

    actions.finish_ticket(ticket=at_a, actor=budi, outcomes=[completed(hall.ktp, "1701X")])
    rina.refresh_from_db()
    assert rina.busy_with_id is None
    again = actions.call_next(booth=hall.samsat, actor=budi)
    assert again is not None and again.visit_ticket_id == rina.pk


# --- skip, hold, resume -------------------------------------------------------------------


def test_a_skipped_ticket_comes_back_after_the_set_minutes_at_its_place(
    hall: Hall, budi: User, _clock: time_machine.Traveller
) -> None:
    first, second, _third = queue_residents(hall, [hall.ktp], 3, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None and ticket.visit_ticket_id == first.pk
    actions.skip(ticket=ticket, actor=budi)
    assert ticket.status == Ticket.Status.SKIPPED and ticket.skip_count == 1
    first.refresh_from_db()
    assert first.busy_with_id is None

    _clock.shift(dt.timedelta(minutes=actions.SKIP_RETURN_MINUTES - 1))
    now = dt.datetime.now(tz=WIB)
    assert ticket.pk not in {t.pk for t in actions.callable_tickets(hall.dukcapil, now)}
    called = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert called is not None and called.visit_ticket_id == second.pk
    actions.finish_ticket(ticket=called, actor=budi, outcomes=[completed(hall.ktp)])

    _clock.shift(dt.timedelta(minutes=1))
    back = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert back is not None and back.pk == ticket.pk  # before the third resident
    assert back.call_count == 2


def test_the_third_skip_cancels_the_ticket_as_a_no_show(
    hall: Hall, budi: User, _clock: time_machine.Traveller
) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    for _ in range(actions.MAX_SKIPS):
        ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
        assert ticket is not None
        actions.skip(ticket=ticket, actor=budi)
        assert ticket.status == Ticket.Status.SKIPPED
        _clock.shift(dt.timedelta(minutes=actions.SKIP_RETURN_MINUTES))
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None and ticket.skip_count == actions.MAX_SKIPS
    actions.skip(ticket=ticket, actor=budi)
    assert ticket.status == Ticket.Status.CANCELLED
    assert ticket.finished_at is not None
    assert AuditEntry.objects.filter(action="queueing.ticket.no_show").count() == 1
    _clock.shift(dt.timedelta(hours=1))
    assert actions.call_next(booth=hall.dukcapil, actor=budi) is None
    visit_ticket.refresh_from_db()
    assert visit_ticket.busy_with_id is None


def test_skip_of_a_ticket_not_called_is_refused(hall: Hall, budi: User) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    with pytest.raises(DomainError) as error:
        actions.skip(ticket=ticket_at(visit_ticket, hall.dukcapil), actor=budi)
    assert error.value.code == "queueing.bad_transition"


def test_hold_and_resume_keep_the_original_place(hall: Hall, budi: User) -> None:
    first, second, _third = queue_residents(hall, [hall.ktp, hall.pkb], 3, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None and ticket.visit_ticket_id == first.pk
    actions.start_service(ticket=ticket, actor=budi)
    actions.hold(ticket=ticket, actor=budi)
    assert ticket.status == Ticket.Status.HELD
    # while held (fetching a document), the resident is free for Samsat
    at_samsat = actions.call_next(booth=hall.samsat, actor=budi)
    assert at_samsat is not None and at_samsat.visit_ticket_id == first.pk
    actions.finish_ticket(ticket=at_samsat, actor=budi, outcomes=[completed(hall.pkb)])
    # a held ticket is not called
    second_call = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert second_call is not None and second_call.visit_ticket_id == second.pk
    actions.finish_ticket(ticket=second_call, actor=budi, outcomes=[completed(hall.ktp)])

    actions.resume(ticket=ticket, actor=budi)
    assert ticket.status == Ticket.Status.WAITING
    back = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert back is not None and back.pk == ticket.pk  # ahead of the third resident


def test_resume_of_a_ticket_not_held_is_refused(hall: Hall, budi: User) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    with pytest.raises(DomainError):
        actions.resume(ticket=ticket_at(visit_ticket, hall.dukcapil), actor=budi)


# --- transfer and referral -------------------------------------------------------------


def test_transfer_keeps_the_place_by_original_time(hall: Hall, budi: User) -> None:
    (early,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    (_late,) = queue_residents(
        hall, [hall.pkb], 1, actor=budi, start=dt.datetime(2026, 12, 10, 8, 30, tzinfo=WIB)
    )
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None
    new = actions.transfer(ticket=ticket, to_booth=hall.samsat, actor=budi, services=[hall.pkb])
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.TRANSFERRED
    assert new.booth == hall.samsat and new.label == "B-002"
    assert new.queued_at == ticket.queued_at and new.transferred_from == ticket
    early.refresh_from_db()
    assert early.busy_with_id is None
    # B-002 came first by original time, so Samsat calls it before B-001
    called = actions.call_next(booth=hall.samsat, actor=budi)
    assert called is not None and called.pk == new.pk


def test_transfer_to_an_agency_absent_from_the_visit_is_refused(hall: Hall, budi: User) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    ticket = ticket_at(visit_ticket, hall.dukcapil)
    with pytest.raises(DomainError) as error:
        actions.transfer(ticket=ticket, to_booth=hall.absent, actor=budi)
    assert error.value.code == "queueing.target_absent"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert not Ticket.objects.filter(booth=hall.absent).exists()


def test_transfer_to_the_same_booth_or_another_visit_is_refused(
    hall: Hall, budi: User, regency: Regency, village: Village, disdukcapil: Agency
) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    ticket = ticket_at(visit_ticket, hall.dukcapil)
    with pytest.raises(DomainError) as error:
        actions.transfer(ticket=ticket, to_booth=hall.dukcapil, actor=budi)
    assert error.value.code == "queueing.same_booth"
    other_visit = VisitFactory.create(regency=regency, village=village)
    other = actions.open_booth(
        participation=ParticipationFactory.create(
            visit=other_visit, agency=disdukcapil, attendance=Participation.Attendance.PRESENT
        ),
        actor=budi,
    )
    with pytest.raises(DomainError) as error:
        actions.transfer(ticket=ticket, to_booth=other, actor=budi)
    assert error.value.code == "queueing.other_visit"


def test_transfer_of_a_finished_ticket_is_refused(hall: Hall, budi: User) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None
    actions.finish_ticket(ticket=ticket, actor=budi, outcomes=[completed(hall.ktp)])
    with pytest.raises(DomainError):
        actions.transfer(ticket=ticket, to_booth=hall.samsat, actor=budi)


def test_transfer_to_a_booth_where_the_resident_waits_joins_that_ticket(
    hall: Hall, budi: User
) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.ktp, hall.pkb], 1, actor=budi)
    at_b = ticket_at(visit_ticket, hall.samsat)
    ticket = ticket_at(visit_ticket, hall.dukcapil)
    new = actions.transfer(ticket=ticket, to_booth=hall.samsat, actor=budi)
    assert new.pk == at_b.pk
    assert Ticket.objects.filter(visit_ticket=visit_ticket, booth=hall.samsat).count() == 1


def test_referral_keeps_the_place_by_original_time(hall: Hall, budi: User) -> None:
    (rina,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    queue_residents(
        hall, [hall.pkb], 2, actor=budi, start=dt.datetime(2026, 12, 10, 8, 30, tzinfo=WIB)
    )
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None
    records = actions.finish_ticket(
        ticket=ticket,
        actor=budi,
        outcomes=[
            OutcomeInput(
                service=hall.ktp, outcome=ServiceRecord.Outcome.REFERRED, referred_to=hall.samsat
            )
        ],
    )
    assert records[0].referred_to == hall.samsat
    referred = ticket_at(rina, hall.samsat)
    assert referred.label == "B-003" and referred.queued_at == ticket.queued_at
    called = actions.call_next(booth=hall.samsat, actor=budi)
    assert called is not None and called.pk == referred.pk


def test_referral_to_an_absent_agency_writes_nothing(hall: Hall, budi: User) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None
    with pytest.raises(DomainError) as error:
        actions.finish_ticket(
            ticket=ticket,
            actor=budi,
            outcomes=[
                OutcomeInput(
                    service=hall.ktp,
                    outcome=ServiceRecord.Outcome.REFERRED,
                    referred_to=hall.absent,
                )
            ],
        )
    assert error.value.code == "queueing.target_absent"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED
    assert not ServiceRecord.objects.exists()


# --- finishing ---------------------------------------------------------------------------


def test_finish_of_a_ticket_not_called_is_refused(hall: Hall, budi: User) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    with pytest.raises(DomainError) as error:
        actions.finish_ticket(
            ticket=ticket_at(visit_ticket, hall.dukcapil),
            actor=budi,
            outcomes=[completed(hall.ktp)],
        )
    assert error.value.code == "queueing.not_called"
    assert not ServiceRecord.objects.exists()


def test_finish_twice_is_refused_and_records_once(hall: Hall, budi: User) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None
    stale = Ticket.objects.get(pk=ticket.pk)
    actions.finish_ticket(ticket=ticket, actor=budi, outcomes=[completed(hall.ktp, "1")])
    with pytest.raises(DomainError):
        actions.finish_ticket(ticket=stale, actor=budi, outcomes=[completed(hall.ktp, "1")])
    assert ServiceRecord.objects.count() == 1
    assert Document.objects.count() == 1


def test_several_outcomes_for_one_ticket(hall: Hall, budi: User) -> None:
    (rina,) = queue_residents(hall, [hall.ktp, hall.kk], 1, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None
    actions.start_service(ticket=ticket, actor=budi, now=MORNING + dt.timedelta(minutes=1))
    promised = DAY_ONE + dt.timedelta(days=7)
    records = actions.finish_ticket(
        ticket=ticket,
        actor=budi,
        outcomes=[
            completed(hall.ktp, "1701054506900003"),
            OutcomeInput(
                service=hall.kk, outcome=ServiceRecord.Outcome.IN_PROCESS, promised_date=promised
            ),
        ],
        now=MORNING + dt.timedelta(minutes=9),
    )
    assert [r.outcome for r in records] == ["completed", "in_process"]
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.DONE
    assert ticket.finished_at is not None and ticket.started_at is not None
    assert ticket.finished_at - ticket.started_at == dt.timedelta(minutes=8)
    ktp_doc = Document.objects.get(kind=Document.Kind.KTP_EL)
    assert ktp_doc.status == Document.Status.READY and ktp_doc.ready_at is not None
    assert ktp_doc.number == "1701054506900003" and ktp_doc.resident_id == rina.resident_id
    kk_doc = Document.objects.get(kind=Document.Kind.KK)
    assert kk_doc.status == Document.Status.IN_PROCESS and kk_doc.promised_date == promised


def test_a_rejection_needs_the_missing_requirement(hall: Hall, budi: User) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None
    with pytest.raises(DomainError) as error:
        actions.finish_ticket(
            ticket=ticket,
            actor=budi,
            outcomes=[OutcomeInput(service=hall.ktp, outcome=ServiceRecord.Outcome.REJECTED)],
        )
    assert error.value.code == "records.rejection_reason_required"
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CALLED
    actions.finish_ticket(
        ticket=ticket,
        actor=budi,
        outcomes=[
            OutcomeInput(
                service=hall.ktp,
                outcome=ServiceRecord.Outcome.REJECTED,
                rejection_reason="Kartu Keluarga asli",
            )
        ],
    )
    assert ServiceRecord.objects.get().rejection_reason == "Kartu Keluarga asli"
    assert not Document.objects.exists()


def test_in_process_needs_a_promised_date_not_in_the_past(hall: Hall, budi: User) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None
    for promised, code in [
        (None, "records.promised_date_required"),
        (DAY_ONE - dt.timedelta(days=1), "records.promised_date_past"),
    ]:
        with pytest.raises(DomainError) as error:
            actions.finish_ticket(
                ticket=ticket,
                actor=budi,
                outcomes=[
                    OutcomeInput(
                        service=hall.ktp,
                        outcome=ServiceRecord.Outcome.IN_PROCESS,
                        promised_date=promised,
                    )
                ],
            )
        assert error.value.code == code
    assert not ServiceRecord.objects.exists()


def test_an_outcome_for_another_agencys_service_is_refused(hall: Hall, budi: User) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    ticket = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert ticket is not None
    with pytest.raises(DomainError) as error:
        actions.finish_ticket(ticket=ticket, actor=budi, outcomes=[completed(hall.pkb)])
    assert error.value.code == "records.foreign_service"
    with pytest.raises(DomainError) as error:
        actions.finish_ticket(ticket=ticket, actor=budi, outcomes=[])
    assert error.value.code == "records.no_outcome"
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CALLED


# --- multi-day visits ---------------------------------------------------------------------


def test_carry_over_brings_unserved_tickets_to_day_two_in_order(
    hall: Hall, budi: User, _clock: time_machine.Traveller
) -> None:
    _first, second, third, fourth = queue_residents(hall, [hall.ktp], 4, actor=budi)
    done = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert done is not None
    actions.finish_ticket(ticket=done, actor=budi, outcomes=[completed(hall.ktp)])
    left_called = actions.call_next(booth=hall.dukcapil, actor=budi)  # the hall closed on them
    assert left_called is not None and left_called.visit_ticket_id == second.pk
    held = ticket_at(third, hall.dukcapil)

    _clock.move_to(dt.datetime(2026, 12, 11, 7, 30, tzinfo=WIB))
    (newcomer,) = queue_residents(
        hall, [hall.ktp], 1, actor=budi, start=dt.datetime(2026, 12, 11, 7, 30, tzinfo=WIB)
    )
    assert actions.carry_over(visit=hall.visit, actor=budi) == 3
    assert actions.carry_over(visit=hall.visit, actor=budi) == 0

    today = list(
        Ticket.objects.filter(booth=hall.dukcapil, day=DAY_TWO).order_by("queued_at", "id")
    )
    assert [t.visit_ticket_id for t in today] == [second.pk, third.pk, fourth.pk, newcomer.pk]
    assert {t.status for t in today} == {Ticket.Status.WAITING}
    assert sorted(t.number for t in today) == [1, 2, 3, 4]
    assert Ticket.objects.get(pk=held.pk).status == Ticket.Status.TRANSFERRED
    second.refresh_from_db()
    assert second.busy_with_id is None  # not stuck at yesterday's call
    called = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert called is not None and called.visit_ticket_id == second.pk


def test_carry_over_is_refused_after_the_visit(
    hall: Hall, budi: User, _clock: time_machine.Traveller
) -> None:
    _clock.move_to(dt.datetime(2026, 12, 12, 9, 0, tzinfo=WIB))
    with pytest.raises(DomainError) as error:
        actions.carry_over(visit=hall.visit, actor=budi)
    assert error.value.code == "queueing.not_service_day"
