"""State changes of the evaluation app: the letterhead (the rest is derived data)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from bujian.accounts.models import User
from bujian.core.audit import record_audit
from bujian.evaluation.models import ReportLetterhead
from bujian.regions.models import Regency

LETTERHEAD_FIELDS = (
    "government_name",
    "office_name",
    "address",
    "contact",
    "city",
    "signer_title",
    "signer_name",
    "signer_nip",
)


@transaction.atomic
def save_letterhead(
    *,
    regency: Regency,
    values: dict[str, Any],
    logo: bytes | None,
    logo_content_type: str = "",
    remove_logo: bool = False,
    actor: User,
) -> ReportLetterhead:
    """Create or change the regency's letterhead. A new logo replaces the old one;
    ``remove_logo`` drops it. One row per regency (the one-to-one is the backstop)."""
    letterhead, _created = ReportLetterhead.objects.get_or_create(
        regency=regency,
        defaults={name: values.get(name, "") for name in LETTERHEAD_FIELDS},
    )
    for name in LETTERHEAD_FIELDS:
        setattr(letterhead, name, values.get(name, ""))
    if logo is not None:
        letterhead.logo = logo
        letterhead.logo_content_type = logo_content_type
    elif remove_logo:
        letterhead.logo = b""
        letterhead.logo_content_type = ""
    letterhead.save()
    record_audit(
        actor=actor,
        action="evaluation.letterhead.saved",
        target=letterhead,
        data={"logo": letterhead.has_logo},
    )
    return letterhead
