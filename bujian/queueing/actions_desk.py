"""What the registration desk and the booth setup page change.

The desk issues through ``queueing.actions.issue_visit_ticket``; this module only
adds the walk-in registration around it, so a resident who was not registered
beforehand still has a Registration (source ``walk_in``) for the visit report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from bujian.accounts.models import User
from bujian.agencies.models import Service
from bujian.queueing.actions import issue_visit_ticket, open_booth
from bujian.queueing.models import VisitTicket
from bujian.residents.actions import pre_register
from bujian.residents.models import Registration, Resident
from bujian.visits.models import Booth, Participation, Visit


def _walk_in_registration(
    *, visit: Visit, resident: Resident, services: Sequence[Service], actor: User
) -> Registration:
    """The resident's registration for the visit; a new walk-in registration (with
    the chosen services as needs) when they have none. An existing registration is
    left as the village operator made it."""
    existing = Registration.objects.filter(visit=visit, resident=resident).first()
    if existing is not None:
        return existing
    return pre_register(
        visit=visit,
        resident=resident,
        services=services,
        documents_present={},
        actor=actor,
        source=Registration.Source.WALK_IN,
    )


@transaction.atomic
def issue_at_desk(
    *,
    visit: Visit,
    resident: Resident,
    services: Sequence[Service],
    actor: User,
    now: dt.datetime | None = None,
) -> VisitTicket:
    """Give the resident their visit ticket (a number at the booth of each agency
    whose services they chose), registering them as a walk-in first when they were
    not pre-registered. Idempotent per booth: asking again for booths the resident
    already waits at raises ``queueing.already_queued`` and issues nothing. One
    transaction: a refused issue leaves no walk-in registration behind."""
    registration = _walk_in_registration(
        visit=visit, resident=resident, services=services, actor=actor
    )
    return issue_visit_ticket(
        visit=visit,
        resident=resident,
        services=services,
        issued_by=actor,
        registration=registration,
        now=now,
    )


@transaction.atomic
def open_booths_for_present(*, visit: Visit, actor: User) -> list[Booth]:
    """Open one booth for every agency that is present and has none yet, in agency
    name order (so prefixes follow the list the admin sees)."""
    waiting = (
        Participation.objects.filter(visit=visit, attendance=Participation.Attendance.PRESENT)
        .exclude(status=Participation.Status.EXCUSED)
        .filter(booths__isnull=True)
        .select_related("agency", "visit")
        .order_by("-mandatory", "agency__short_name")
    )
    return [open_booth(participation=p, actor=actor) for p in waiting]
