"""What aspirations keep for a limited time (bujian/core/retention.py).

The aspiration itself stays: it is the program's public record of what was asked and
done. The reporter's contact (phone and the consent, and the NIK) is needed only while
the aspiration can still change: it is erased once the aspiration has been closed (or
merged) for BUJIAN_RETENTION_PHONE_DAYS days."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q

from bujian.aspirations.models import Aspiration
from bujian.core.retention import RetentionRule


def _closed_reporter_contact(now: dt.datetime, dry_run: bool) -> int:
    days = int(getattr(settings, "BUJIAN_RETENTION_PHONE_DAYS", 730))
    cutoff = now - dt.timedelta(days=days)
    finished = Q(closed_at__lt=cutoff) | Q(
        status=Aspiration.Status.MERGED, merged_into__closed_at__lt=cutoff
    )
    old = Aspiration.objects.filter(finished).filter(
        Q(reporter_phone__gt="") | Q(reporter_national_id__gt="")
    )
    count = old.count()
    if not dry_run and count:
        Aspiration.objects.filter(pk__in=list(old.values_list("pk", flat=True))).update(
            reporter_phone="", reporter_national_id="", phone_consent_at=None
        )
    return count


RULES = [
    RetentionRule(
        code="aspirations.closed_reporter_contact",
        description="reporters' phone numbers and NIK of aspirations closed for the "
        "retention period",
        apply=_closed_reporter_contact,
    ),
]
