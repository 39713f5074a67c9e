"""Reads of aspirations with the access scope of each role, and the rights checks
views and the API share.

Scope: program admins and leadership read every aspiration of their regency; an
agency operator those their agencies lead or support (and those they recorded); a
village operator those of their village. Outside the scope → 404; inside it without
the right → 403. An agency operator never sees the reporter's name, NIK or phone
when the resident asked to hide them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.aspirations.models import Aspiration, AspirationQuerySet, Attachment, Event
from bujian.regions.models import District, Regency

Status = Aspiration.Status


# --- scope and rights -----------------------------------------------------------------


def visible_aspirations(user: User) -> AspirationQuerySet:
    rows = Aspiration.objects.select_related(
        "regency", "village__district", "visit__village", "lead_agency", "merged_into"
    )
    if user.is_superuser:
        return rows
    if user.sees_whole_regency:
        return rows.filter(regency=user.regency) if user.regency_id else rows.none()
    if user.is_agency_operator:
        agency_ids = list(user.agencies.values_list("pk", flat=True))
        supported = Aspiration.supporting_agencies.through.objects.filter(
            agency_id__in=agency_ids
        ).values("aspiration_id")
        return rows.filter(
            Q(lead_agency_id__in=agency_ids) | Q(pk__in=supported) | Q(created_by=user)
        )
    if user.is_village_operator:
        if not user.village_id:
            return rows.none()
        return rows.filter(Q(village_id=user.village_id) | Q(created_by=user))
    return rows.none()


def get_aspiration_for_staff(user: User, pk: int) -> Aspiration:
    aspiration = visible_aspirations(user).filter(pk=pk).first()
    if aspiration is None:
        raise Http404
    return aspiration


def can_record(user: User) -> bool:
    return user.is_superuser or bool(user.role)


def can_dispose(user: User) -> bool:
    """Verify, assign (the Bupati's disposition), redirect, merge, reject any open one."""
    return user.is_program_admin or user.is_leadership


def leads(user: User, aspiration: Aspiration) -> bool:
    """The user works for the lead agency."""
    if aspiration.lead_agency_id is None or not user.is_agency_operator:
        return False
    return user.agencies.filter(pk=aspiration.lead_agency_id).exists()


def can_answer(user: User, aspiration: Aspiration) -> bool:
    """Start work, resolve, reject an assigned one: the lead agency (or the program)."""
    return user.is_program_admin or leads(user, aspiration)


def shows_identity(user: User, aspiration: Aspiration) -> bool:
    return not (aspiration.hide_identity and user.is_agency_operator and not user.is_superuser)


def get_aspiration_for_disposal(user: User, pk: int) -> Aspiration:
    aspiration = get_aspiration_for_staff(user, pk)
    if not can_dispose(user):
        raise PermissionDenied
    return aspiration


def get_aspiration_for_answer(user: User, pk: int) -> Aspiration:
    aspiration = get_aspiration_for_staff(user, pk)
    if not can_answer(user, aspiration):
        raise PermissionDenied
    return aspiration


def assignable_agencies(regency: Regency) -> QuerySet[Agency]:
    return Agency.objects.active().serving(regency.pk).order_by("kind", "short_name")


# --- lists ----------------------------------------------------------------------------


@dataclass
class ListFilters:
    status: str = ""
    category: str = ""
    agency: int | None = None
    visit: int | None = None
    overdue: bool = False
    term: str = ""
    q: str = ""


def aspiration_list(user: User, filters: ListFilters, today: dt.date) -> AspirationQuerySet:
    rows = visible_aspirations(user)
    if filters.status == "open":
        rows = rows.open()
    elif filters.status:
        rows = rows.filter(status=filters.status)
    else:
        rows = rows.counted()
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.agency:
        rows = rows.filter(lead_agency_id=filters.agency)
    if filters.visit:
        rows = rows.filter(visit_id=filters.visit)
    if filters.overdue:
        rows = rows.overdue(today)
    if filters.term:
        rows = rows.filter(term=filters.term)
    if filters.q:
        rows = rows.filter(Q(code__iexact=filters.q) | Q(title__icontains=filters.q))
    return rows.order_by("-received_at", "-id")


def history(aspiration: Aspiration) -> QuerySet[Event]:
    return aspiration.events.select_related("actor", "agency").order_by("created_at", "id")


def public_history(aspiration: Aspiration) -> QuerySet[Event]:
    return aspiration.events.select_related("agency").order_by("created_at", "id")


def attachments(aspiration: Aspiration, *, public_only: bool) -> list[Attachment]:
    rows = aspiration.attachments.all()
    if public_only:
        rows = rows.filter(is_public=True)
    return list(rows)


def open_in_district(district: District) -> AspirationQuerySet:
    """Open aspirations of a kecamatan, oldest first: what the program admin reports
    back on in the dialogue session of the next visit there."""
    return (
        Aspiration.objects.open()
        .filter(village__district=district)
        .select_related("village", "lead_agency", "visit__village")
        .order_by("received_at", "id")
    )


def public_aspirations() -> AspirationQuerySet:
    """For the public pages of visits and villages: no merged duplicates, and the
    select is narrowed to fields without personal data."""
    return (
        Aspiration.objects.counted()
        .select_related("lead_agency", "village")
        .only(
            "code",
            "title",
            "category",
            "status",
            "received_at",
            "resolved_at",
            "public_response",
            "term",
            "planning_year",
            "village__name",
            "village__kind",
            "lead_agency__name",
            "lead_agency__short_name",
            "due_date",
            "closed_at",
            "close_due",
        )
        .order_by("-received_at", "-id")
    )


def supporting_of(aspiration: Aspiration) -> list[Agency]:
    return list(aspiration.supporting_agencies.order_by("short_name"))


def duplicates_of(aspiration: Aspiration) -> QuerySet[Aspiration]:
    return aspiration.duplicates.order_by("received_at", "id")


def with_related(rows: QuerySet[Aspiration]) -> QuerySet[Aspiration]:
    return rows.prefetch_related(
        Prefetch("supporting_agencies", queryset=Agency.objects.order_by("short_name"))
    )
