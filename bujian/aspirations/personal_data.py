"""The resident's aspirations, for an access request (bujian/core/personal_data.py).

An aspiration names its reporter only by what they typed (name, NIK, phone); it is
the resident's when the NIK matches, or the phone number when the resident has one."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from bujian.aspirations.models import Aspiration
from bujian.residents.models import Resident


def aspirations_of(resident: Resident) -> list[Aspiration]:
    match = Q(reporter_national_id=resident.national_id) if resident.national_id else Q(pk=None)
    if resident.phone:
        match |= Q(reporter_phone=resident.phone)
    return list(
        Aspiration.objects.filter(match)
        .select_related("village", "visit__village", "lead_agency")
        .order_by("received_at", "id")
    )


def section(resident: Resident) -> tuple[str, Any]:
    return "aspirations", [
        {
            "tracking_code": aspiration.code,
            "received_at": aspiration.received_at.isoformat(),
            "title": aspiration.title,
            "text": aspiration.text,
            "category": str(aspiration.get_category_display()),
            "status": str(aspiration.get_status_display()),
            "village": str(aspiration.village) if aspiration.village else None,
            "visit": str(aspiration.visit) if aspiration.visit else None,
            "reporter_name": aspiration.reporter_name,
            "reporter_phone": aspiration.reporter_phone,
            "phone_consent_at": (
                aspiration.phone_consent_at.isoformat() if aspiration.phone_consent_at else None
            ),
            "identity_hidden_from_agency": aspiration.hide_identity,
            "lead_agency": aspiration.lead_agency.name if aspiration.lead_agency else None,
            "public_answer": aspiration.public_response,
        }
        for aspiration in aspirations_of(resident)
    ]
