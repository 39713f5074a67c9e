"""What residents data is kept for a limited time (bujian/core/retention.py)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from bujian.core.retention import RetentionRule
from bujian.queueing.models import VisitTicket
from bujian.residents.models import Registration, RegistrationService, Resident


def _registration_details(now: dt.datetime, dry_run: bool) -> int:
    """Notes and document checklists of registrations for visits that ended more than
    BUJIAN_RETENTION_REGISTRATION_DAYS ago. The registration itself (who came, for
    which service) stays: the visit report counts it."""
    cutoff = now.date() - dt.timedelta(days=settings.BUJIAN_RETENTION_REGISTRATION_DAYS)
    old = Registration.objects.filter(visit__end_date__lt=cutoff)
    needs = RegistrationService.documents_present.through.objects.filter(
        registrationservice__registration__in=old
    )
    with_details = old.filter(
        Q(notes__gt="") | Exists(needs.filter(registrationservice__registration=OuterRef("pk")))
    )
    count = with_details.count()
    if not dry_run and count:
        needs.delete()
        old.exclude(notes="").update(notes="")
    return count


def _idle_phones(now: dt.datetime, dry_run: bool) -> int:
    """Phone numbers (and the consent) of residents with no visit in the last
    BUJIAN_RETENTION_PHONE_DAYS days."""
    cutoff = now - dt.timedelta(days=settings.BUJIAN_RETENTION_PHONE_DAYS)
    recent = Q(created_at__gte=cutoff) | Q(updated_at__gte=cutoff)
    idle = (
        Resident.objects.exclude(phone="")
        .exclude(recent)
        .exclude(
            Exists(VisitTicket.objects.filter(resident=OuterRef("pk"), created_at__gte=cutoff))
        )
        .exclude(
            Exists(Registration.objects.filter(resident=OuterRef("pk"), created_at__gte=cutoff))
        )
    )
    count = idle.count()
    if not dry_run and count:
        Resident.objects.filter(pk__in=list(idle.values_list("pk", flat=True))).update(
            phone="", phone_consent_at=None
        )
    return count


RULES = [
    RetentionRule(
        code="residents.registration_details",
        description="notes and document checklists of registrations of long-finished visits",
        apply=_registration_details,
    ),
    RetentionRule(
        code="residents.idle_phone",
        description="phone numbers of residents without a visit for the retention period",
        apply=_idle_phones,
    ),
]
