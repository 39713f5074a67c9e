"""Service outcomes and the documents they produce (records.actions.record_outcomes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.agencies.tests.factories import ServiceFactory
from bujian.core.errors import DomainError
from bujian.core.models import AuditEntry
from bujian.queueing import actions as queue
from bujian.queueing.models import Ticket
from bujian.queueing.tests.test_actions import MORNING, Hall, make_hall, queue_residents
from bujian.records.actions import OutcomeInput, document_kind_for, record_outcomes
from bujian.records.models import Document, ServiceRecord
from bujian.regions.models import Regency, Village

pytestmark = pytest.mark.django_db
TODAY = MORNING.date()


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def hall(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> Hall:
    return make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )


@pytest.fixture
def ticket(hall: Hall, budi: User) -> Ticket:
    queue_residents(hall, [hall.ktp, hall.kk], 1, actor=budi)
    called = queue.call_next(booth=hall.dukcapil, actor=budi)
    assert called is not None
    return Ticket.objects.select_related(
        "booth__participation__agency", "visit_ticket__resident"
    ).get(pk=called.pk)


def record(ticket: Ticket, budi: User, *outcomes: OutcomeInput) -> list[ServiceRecord]:
    return record_outcomes(ticket=ticket, outcomes=list(outcomes), actor=budi, today=TODAY)


def test_a_completed_ktp_el_yields_a_ready_document(hall: Hall, ticket: Ticket, budi: User) -> None:
    (saved,) = record(
        ticket,
        budi,
        OutcomeInput(
            service=hall.ktp,
            outcome=ServiceRecord.Outcome.COMPLETED,
            document_number=" 1701054506900003 ",
        ),
    )
    assert saved.document_number == "1701054506900003" and saved.recorded_by == budi
    document = Document.objects.get()
    assert document.kind == Document.Kind.KTP_EL
    assert document.status == Document.Status.READY and document.ready_at is not None
    assert document.service_record == saved
    assert document.resident == ticket.visit_ticket.resident
    assert document.agency == hall.dukcapil.participation.agency
    entry = AuditEntry.objects.get(action="records.outcome.recorded")
    assert entry.data == {"outcome": "completed", "service": "DUK-KTP-CETAK"}


def test_an_in_process_kk_yields_a_document_in_process(
    hall: Hall, ticket: Ticket, budi: User
) -> None:
    promised = TODAY + dt.timedelta(days=14)
    record(
        ticket,
        budi,
        OutcomeInput(
            service=hall.kk, outcome=ServiceRecord.Outcome.IN_PROCESS, promised_date=promised
        ),
    )
    document = Document.objects.get()
    assert document.kind == Document.Kind.KK
    assert document.status == Document.Status.IN_PROCESS
    assert document.promised_date == promised and document.ready_at is None


def test_a_promise_for_later_today_is_accepted(hall: Hall, ticket: Ticket, budi: User) -> None:
    (saved,) = record(
        ticket,
        budi,
        OutcomeInput(
            service=hall.ktp, outcome=ServiceRecord.Outcome.IN_PROCESS, promised_date=TODAY
        ),
    )
    assert saved.promised_date == TODAY


def test_a_rejected_or_consultation_service_yields_no_document(
    hall: Hall, ticket: Ticket, budi: User
) -> None:
    consultation = ServiceFactory.create(agency=hall.ktp.agency, code="DUK-KONSULTASI")
    assert document_kind_for(consultation) is None
    record(
        ticket,
        budi,
        OutcomeInput(
            service=hall.ktp, outcome=ServiceRecord.Outcome.REJECTED, rejection_reason="KK asli"
        ),
        OutcomeInput(service=consultation, outcome=ServiceRecord.Outcome.COMPLETED),
    )
    assert ServiceRecord.objects.count() == 2
    assert not Document.objects.exists()


def test_each_outcome_needs_its_detail(hall: Hall, ticket: Ticket, budi: User) -> None:
    cases = [
        (
            OutcomeInput(service=hall.ktp, outcome=ServiceRecord.Outcome.REJECTED),
            "records.rejection_reason_required",
        ),
        (
            OutcomeInput(
                service=hall.ktp, outcome=ServiceRecord.Outcome.REJECTED, rejection_reason="  "
            ),
            "records.rejection_reason_required",
        ),
        (
            OutcomeInput(service=hall.ktp, outcome=ServiceRecord.Outcome.IN_PROCESS),
            "records.promised_date_required",
        ),
        (
            OutcomeInput(
                service=hall.ktp,
                outcome=ServiceRecord.Outcome.IN_PROCESS,
                promised_date=TODAY - dt.timedelta(days=1),
            ),
            "records.promised_date_past",
        ),
        (
            OutcomeInput(service=hall.ktp, outcome=ServiceRecord.Outcome.REFERRED),
            "records.referral_target_required",
        ),
        (OutcomeInput(service=hall.ktp, outcome="lost"), "records.bad_outcome"),
        (
            OutcomeInput(service=hall.pkb, outcome=ServiceRecord.Outcome.COMPLETED),
            "records.foreign_service",
        ),
    ]
    for outcome, code in cases:
        with pytest.raises(DomainError) as error:
            record(ticket, budi, outcome)
        assert error.value.code == code, outcome
    with pytest.raises(DomainError) as error:
        record(ticket, budi)
    assert error.value.code == "records.no_outcome"
    assert not ServiceRecord.objects.exists()


def test_one_outcome_per_service(hall: Hall, ticket: Ticket, budi: User) -> None:
    done = OutcomeInput(service=hall.ktp, outcome=ServiceRecord.Outcome.COMPLETED)
    with pytest.raises(DomainError) as error:
        record(ticket, budi, done, done)
    assert error.value.code == "records.duplicate_service"
    assert not ServiceRecord.objects.exists()


def test_only_the_details_of_the_chosen_outcome_are_kept(
    hall: Hall, ticket: Ticket, budi: User
) -> None:
    (saved,) = record(
        ticket,
        budi,
        OutcomeInput(
            service=hall.ktp,
            outcome=ServiceRecord.Outcome.COMPLETED,
            promised_date=TODAY,
            rejection_reason="KK asli",
            referred_to=hall.samsat,
        ),
    )
    assert saved.promised_date is None
    assert saved.rejection_reason == ""
    assert saved.referred_to is None
    document = Document.objects.get()
    assert document.promised_date is None
