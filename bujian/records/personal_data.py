"""The resident's services and documents, for an access request. A proxy who collected
a document is another person: their NIK stays masked."""

from __future__ import annotations

from typing import Any

from bujian.records.models import Document, ServiceRecord
from bujian.residents.models import Resident
from bujian.residents.nik import mask_nik


def section(resident: Resident) -> tuple[str, Any]:
    records = (
        ServiceRecord.objects.filter(ticket__visit_ticket__resident=resident)
        .select_related("service__agency")
        .order_by("created_at")
    )
    documents = (
        Document.objects.filter(resident=resident)
        .select_related("agency", "handover")
        .order_by("created_at")
    )
    handovers = {document.pk: getattr(document, "handover", None) for document in documents}
    return "services_and_documents", {
        "services": [
            {
                "service": record.service.name,
                "agency": record.service.agency.short_name,
                "outcome": record.get_outcome_display(),
                "document_number": record.document_number,
                "promised_date": record.promised_date.isoformat() if record.promised_date else None,
                "rejection_reason": record.rejection_reason,
                "at": record.created_at.isoformat(),
            }
            for record in records
        ],
        "documents": [
            {
                "kind": document.get_kind_display(),
                "number": document.number,
                "agency": document.agency.short_name,
                "status": document.get_status_display(),
                "handed_over": _handover(handovers[document.pk]),
            }
            for document in documents
        ],
    }


def _handover(handover: Any) -> dict[str, Any] | None:
    if handover is None:
        return None
    return {
        "to": handover.get_recipient_display(),
        "proxy_name": handover.proxy_name,
        "proxy_nik": mask_nik(handover.proxy_national_id),
        "proxy_relationship": handover.proxy_relationship,
        "at": handover.handed_over_at.isoformat(),
    }
