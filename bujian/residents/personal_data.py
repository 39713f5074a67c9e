"""The resident's own record and registrations, for an access request."""

from __future__ import annotations

from typing import Any

from bujian.residents.models import Registration, Resident


def section(resident: Resident) -> tuple[str, Any]:
    registrations = (
        Registration.objects.filter(resident=resident)
        .select_related("visit__village")
        .prefetch_related("needs__service", "needs__documents_present")
        .order_by("visit__start_date")
    )
    return "resident", {
        "nik": resident.national_id,
        "kk": resident.family_card_number,
        "full_name": resident.full_name,
        "sex": resident.sex,
        "birth_date": resident.birth_date.isoformat(),
        "birth_place": resident.birth_place,
        "village": str(resident.village) if resident.village else "",
        "hamlet": resident.hamlet,
        "rt": resident.rt,
        "rw": resident.rw,
        "address": resident.address,
        "phone": resident.phone,
        "phone_consent_at": (
            resident.phone_consent_at.isoformat() if resident.phone_consent_at else None
        ),
        "recorded_at": resident.created_at.isoformat(),
        "registrations": [
            {
                "visit": str(registration.visit),
                "source": registration.get_source_display(),
                "notes": registration.notes,
                "registered_at": registration.created_at.isoformat(),
                "services": [
                    {
                        "service": need.service.name,
                        "documents_already_held": [r.text for r in need.documents_present.all()],
                    }
                    for need in registration.needs.all()
                ],
            }
            for registration in registrations
        ],
    }
