"""The public schedule of visits under /api/v1/visits.

Only public visits (announced or later) are published: a draft answers 404 like an
unknown id. Nothing about people is published either: no staff, NIP, users or notes.
"""

import datetime as dt
from typing import Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from bujian.agencies.models import Service
from bujian.core.pagination import PageNumberPagination
from bujian.regions.api import ErrorOut
from bujian.regions.models import REGENCY_CODE_REGEX, District
from bujian.visits.models import Participation, Visit

router = Router(tags=["visits"])

# Visit.Status without DRAFT; a test keeps the two in step.
PublicStatus = Literal["announced", "ongoing", "finished", "reported", "cancelled"]


class PlaceRef(Schema):
    code: str
    name: str


class VisitOut(Schema):
    id: int
    village: PlaceRef
    district: PlaceRef
    regency_code: str
    start_date: dt.date
    end_date: dt.date
    daily_start: dt.time
    daily_end: dt.time
    time_zone: str = Field(description="IANA name of the regency's zone; times are local.")
    venue: str
    leaders_expected: list[str]
    status: PublicStatus
    cancel_reason: str | None = Field(description="Only for a cancelled visit.")

    @staticmethod
    def resolve_district(obj: Visit) -> District:
        return obj.village.district

    @staticmethod
    def resolve_regency_code(obj: Visit) -> str:
        return obj.regency.code

    @staticmethod
    def resolve_time_zone(obj: Visit) -> str:
        return obj.regency.time_zone

    @staticmethod
    def resolve_cancel_reason(obj: Visit) -> str | None:
        return obj.cancel_reason if obj.status == Visit.Status.CANCELLED else None


class OfferedServiceOut(Schema):
    code: str
    name: str
    requirements: list[str]

    @staticmethod
    def resolve_requirements(obj: Service) -> list[str]:
        return [requirement.text for requirement in obj.requirements.all()]


class ParticipatingAgencyOut(Schema):
    code: str
    short_name: str
    kind: str
    confirmed: bool
    services: list[OfferedServiceOut] = Field(description="The services the agency confirmed.")

    @staticmethod
    def resolve_code(obj: Participation) -> str:
        return obj.agency.code

    @staticmethod
    def resolve_short_name(obj: Participation) -> str:
        return obj.agency.short_name

    @staticmethod
    def resolve_kind(obj: Participation) -> str:
        return obj.agency.kind

    @staticmethod
    def resolve_confirmed(obj: Participation) -> bool:
        return obj.status == Participation.Status.CONFIRMED

    @staticmethod
    def resolve_services(obj: Participation) -> list[Service]:
        return list(obj.services.all())


class VisitDetailOut(VisitOut):
    agencies: list[ParticipatingAgencyOut] = Field(description="Every agency not excused.")

    @staticmethod
    def resolve_agencies(obj: Visit) -> list[Participation]:
        return list(obj.participations.all())


class VisitFilters(Schema):
    regency: str | None = Field(None, pattern=REGENCY_CODE_REGEX, examples=["17.01"])
    status: PublicStatus | None = None
    date_from: dt.date | None = Field(
        None, alias="from", description="Visits still running on or after this day."
    )
    date_to: dt.date | None = Field(
        None, alias="to", description="Visits starting on or before this day."
    )


def _public_visits() -> QuerySet[Visit]:
    return (
        Visit.objects.public()
        .select_related("regency", "village__district")
        .order_by("start_date", "id")
    )


@router.get("", response=list[VisitOut])
@paginate(PageNumberPagination)
def list_visits(request: HttpRequest, filters: Query[VisitFilters]) -> QuerySet[Visit]:
    """Public visits by start date. ``from`` and ``to`` keep the visits that overlap
    the period, so a two-day visit that began yesterday is still listed from today."""
    visits = _public_visits()
    if filters.regency:
        visits = visits.filter(regency__code=filters.regency)
    if filters.status:
        visits = visits.filter(status=filters.status)
    if filters.date_from:
        visits = visits.filter(end_date__gte=filters.date_from)
    if filters.date_to:
        visits = visits.filter(start_date__lte=filters.date_to)
    return visits


@router.get("/{visit_id}", response={200: VisitDetailOut, 404: ErrorOut})
def get_visit(request: HttpRequest, visit_id: int) -> Visit:
    offered_services = Service.objects.prefetch_related("requirements").order_by("code")
    participations = (
        Participation.objects.exclude(status=Participation.Status.EXCUSED)
        .select_related("agency")
        .prefetch_related(Prefetch("services", queryset=offered_services))
        .order_by("-mandatory", "agency__short_name", "agency__code")
    )
    visit = (
        _public_visits()
        .filter(pk=visit_id)
        .prefetch_related(Prefetch("participations", queryset=participations))
        .first()
    )
    if visit is None:
        raise HttpError(404, _("No published visit has the number %(id)s.") % {"id": visit_id})
    return visit
