"""Service outcomes and the documents they produce."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.agencies.models import Service
from bujian.core import sql
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.records.models import Document, ServiceRecord

if TYPE_CHECKING:
    from bujian.queueing.models import Ticket
    from bujian.visits.models import Booth

# Which document a service produces, by the catalog's service code.
DOCUMENT_KIND_BY_SERVICE = {
    "DUK-KTP-CETAK": Document.Kind.KTP_EL,
    "DUK-KK": Document.Kind.KK,
    "DUK-AKTA-LAHIR": Document.Kind.BIRTH_CERTIFICATE,
    "DUK-AKTA-MATI": Document.Kind.DEATH_CERTIFICATE,
    "DUK-KIA": Document.Kind.KIA,
    "DUK-PINDAH": Document.Kind.MOVING_LETTER,
    "SIM-PJG-A": Document.Kind.SIM,
    "SIM-PJG-B": Document.Kind.SIM,
    "SIM-PJG-C": Document.Kind.SIM,
    "SIM-PJG-D": Document.Kind.SIM,
    "PKB-TAHUNAN": Document.Kind.STNK,
    "PKB-5TH": Document.Kind.STNK,
    "NAKER-AK1": Document.Kind.AK1,
    "IZIN-NIB": Document.Kind.NIB,
}


def document_kind_for(service: Service) -> str | None:
    """The document kind a service yields, or None when it yields no document to hand
    over (a consultation, a health check)."""
    return DOCUMENT_KIND_BY_SERVICE.get(service.code)


@dataclass(frozen=True)
class OutcomeInput:
    """What the booth operator records for one service of a ticket."""

    service: Service
    outcome: str
    document_number: str = ""
    promised_date: dt.date | None = None
    rejection_reason: str = ""
    referred_to: Booth | None = None
    notes: str = ""


def _check(outcome: OutcomeInput, ticket: Ticket, today: dt.date) -> None:
    agency_id = ticket.booth.participation.agency_id
    if outcome.service.agency_id != agency_id:
        raise DomainError(
            "records.foreign_service",
            _("%(service)s is not a service of this booth's agency.")
            % {"service": outcome.service},
        )
    if outcome.outcome not in ServiceRecord.Outcome.values:
        raise DomainError("records.bad_outcome", _("Choose the outcome of the service."))
    if outcome.outcome == ServiceRecord.Outcome.REJECTED and not outcome.rejection_reason.strip():
        raise DomainError(
            "records.rejection_reason_required",
            _("Say which requirement is missing, so the resident knows what to bring."),
        )
    if outcome.outcome == ServiceRecord.Outcome.IN_PROCESS:
        if outcome.promised_date is None:
            raise DomainError(
                "records.promised_date_required",
                _("Give the date the document is promised."),
            )
        if outcome.promised_date < today:
            raise DomainError(
                "records.promised_date_past", _("The promised date cannot be in the past.")
            )
    if outcome.outcome == ServiceRecord.Outcome.REFERRED and outcome.referred_to is None:
        raise DomainError(
            "records.referral_target_required", _("Choose the booth the resident is referred to.")
        )


def record_outcomes(
    *,
    ticket: Ticket,
    outcomes: Sequence[OutcomeInput],
    actor: User,
    today: dt.date,
    now: dt.datetime | None = None,
) -> list[ServiceRecord]:
    """Write one service record per outcome, and a document for what a completed or
    in-process service produces. Runs inside the caller's transaction (finish_ticket).

    Every finish at every booth writes these: the rows go in with INSERTs built once
    per process (``core.sql.insert``, as ``save()`` would write them; neither model
    has save signals)."""
    if not outcomes:
        raise DomainError("records.no_outcome", _("Record the outcome of at least one service."))
    seen: set[int] = set()
    for outcome in outcomes:
        _check(outcome, ticket, today)
        if outcome.service.pk in seen:
            raise DomainError(
                "records.duplicate_service",
                _("%(service)s is listed twice.") % {"service": outcome.service},
            )
        seen.add(outcome.service.pk)
    resident_id = ticket.visit_ticket.resident_id
    agency = ticket.booth.participation.agency
    records = []
    for outcome in outcomes:
        # Keep only what belongs to the chosen outcome: a form may send every field.
        record = ServiceRecord(
            ticket=ticket,
            service=outcome.service,
            outcome=outcome.outcome,
            document_number=outcome.document_number.strip(),
            promised_date=(
                outcome.promised_date
                if outcome.outcome == ServiceRecord.Outcome.IN_PROCESS
                else None
            ),
            rejection_reason=(
                outcome.rejection_reason.strip()[:250]
                if outcome.outcome == ServiceRecord.Outcome.REJECTED
                else ""
            ),
            referred_to=(
                outcome.referred_to if outcome.outcome == ServiceRecord.Outcome.REFERRED else None
            ),
            notes=outcome.notes.strip(),
            recorded_by=actor,
        )
        sql.insert(record)
        kind = document_kind_for(outcome.service)
        if kind and outcome.outcome in {
            ServiceRecord.Outcome.COMPLETED,
            ServiceRecord.Outcome.IN_PROCESS,
        }:
            completed = outcome.outcome == ServiceRecord.Outcome.COMPLETED
            document = Document(
                kind=kind,
                number=record.document_number,
                resident_id=resident_id,
                agency=agency,
                service_record=record,
                status=Document.Status.READY if completed else Document.Status.IN_PROCESS,
                promised_date=record.promised_date,
                ready_at=(now or timezone.now()) if completed else None,
            )
            sql.insert(document)
        record_audit(
            actor=actor,
            action="records.outcome.recorded",
            target=record,
            data={"outcome": record.outcome, "service": outcome.service.code},
        )
        records.append(record)
    return records
