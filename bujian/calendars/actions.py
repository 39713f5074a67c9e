from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.calendars.models import DayOff
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.regions.models import Regency


@transaction.atomic
def add_day_off(
    *, regency: Regency | None, date: dt.date, kind: str, name: str, actor: User
) -> DayOff:
    """Enter a cuti bersama, a regency event or a date the Bupati is not free."""
    try:
        with transaction.atomic():
            day = DayOff.objects.create(
                regency=regency, date=date, kind=kind, name=name.strip(), created_by=actor
            )
    except IntegrityError:
        raise DomainError(
            "calendar.duplicate",
            _("%(date)s already has an entry of this kind.") % {"date": f"{date:%d-%m-%Y}"},
        ) from None
    record_audit(
        actor=actor,
        action="calendars.day_off.added",
        target=day,
        data={"date": date.isoformat(), "kind": kind},
    )
    return day


@transaction.atomic
def remove_day_off(*, day: DayOff, actor: User) -> None:
    record_audit(
        actor=actor,
        action="calendars.day_off.removed",
        target=day,
        data={"date": day.date.isoformat(), "kind": day.kind, "name": day.name},
    )
    day.delete()
