"""Factories for documents and the rows they hang on. ``served_at`` builds the chain a
booth leaves behind (visit ticket → booth ticket → service record) without running
the queue, for tests of what happens to documents afterwards."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from bujian.agencies.models import Agency, Service
from bujian.agencies.tests.factories import AgencyFactory, ServiceFactory
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records.models import Document, ServiceRecord
from bujian.residents.models import Resident
from bujian.residents.tests.factories import ResidentFactory
from bujian.visits.models import Booth, Participation, Visit

__all__ = ["DocumentFactory", "ResidentFactory", "served_at"]


class DocumentFactory(factory.django.DjangoModelFactory[Document]):
    """A document ready for handover (status READY) unless told otherwise."""

    class Meta:
        model = Document

    kind = Document.Kind.KTP_EL
    number = factory.Sequence(lambda n: f"KTP-{n:05d}")
    resident = factory.SubFactory(ResidentFactory)
    agency = factory.SubFactory(AgencyFactory)
    status = Document.Status.READY
    ready_at = factory.LazyFunction(timezone.now)


def served_at(
    visit: Visit,
    *,
    resident: Resident,
    agency: Agency,
    service: Service | None = None,
    outcome: str = ServiceRecord.Outcome.COMPLETED,
    number: str = "",
) -> ServiceRecord:
    """The service record of ``resident`` served by ``agency`` at ``visit``, and the
    document it produced (ready when completed, in process otherwise)."""
    participation, _ = Participation.objects.get_or_create(visit=visit, agency=agency)
    booth = Booth.objects.filter(visit=visit, participation=participation).first()
    if booth is None:
        booth = Booth.objects.create(
            visit=visit,
            participation=participation,
            prefix=f"P{Booth.objects.filter(visit=visit).count()}",
            name=f"Loket {agency.short_name}",
        )
    visit_ticket, _ = VisitTicket.objects.get_or_create(visit=visit, resident=resident)
    number_at_booth = Ticket.objects.filter(booth=booth).count() + 1
    ticket = Ticket.objects.create(
        visit_ticket=visit_ticket,
        booth=booth,
        day=visit.start_date,
        number=number_at_booth,
        status=Ticket.Status.DONE,
        queued_at=timezone.now(),
    )
    service = service or ServiceFactory.create(agency=agency, code="DUK-KTP-CETAK")
    completed = outcome == ServiceRecord.Outcome.COMPLETED
    record = ServiceRecord.objects.create(
        ticket=ticket,
        service=service,
        outcome=outcome,
        document_number=number,
        promised_date=None if completed else visit.start_date + dt.timedelta(days=14),
    )
    Document.objects.create(
        kind=Document.Kind.KTP_EL,
        number=number,
        resident=resident,
        agency=agency,
        service_record=record,
        status=Document.Status.READY if completed else Document.Status.IN_PROCESS,
        promised_date=record.promised_date,
        ready_at=timezone.now() if completed else None,
    )
    return record
