"""The resident's queue numbers, for an access request."""

from __future__ import annotations

from typing import Any

from bujian.queueing.models import Ticket
from bujian.residents.models import Resident


def section(resident: Resident) -> tuple[str, Any]:
    tickets = (
        Ticket.objects.filter(visit_ticket__resident=resident)
        .select_related("booth__participation__agency", "visit_ticket__visit__village")
        .order_by("queued_at")
    )
    return "queue_numbers", [
        {
            "visit": str(ticket.visit_ticket.visit),
            "agency": ticket.booth.participation.agency.short_name,
            "number": ticket.label,
            "status": ticket.get_status_display(),
            "queued_at": ticket.queued_at.isoformat(),
            "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
            "finished_at": ticket.finished_at.isoformat() if ticket.finished_at else None,
        }
        for ticket in tickets
    ]
