"""The public-service catalog under /api/v1/agencies and /api/v1/services.

Only active agencies and active services of active agencies are published; an inactive
one answers 404 like an unknown code.
"""

from typing import Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from bujian.agencies.models import Agency, Service
from bujian.agencies.queries import catalog_services
from bujian.core.pagination import PageNumberPagination
from bujian.regions.api import ErrorOut
from bujian.regions.models import REGENCY_CODE_REGEX

router = Router(tags=["agencies"])

# Agency.Kind spelled out: an enum would appear in the schema under the bare name "Kind",
# which regions' kinds would clash with. A test keeps the two in step.
AgencyKind = Literal["opd", "vertical", "stakeholder"]


class AgencyRef(Schema):
    code: str
    short_name: str


class FeeOut(Schema):
    kind: str = Field(description="free, fixed or note")
    amount: int | None = Field(description="In rupiah, only for a fixed fee.")
    note: str
    label: str = Field(description='Ready to show, e.g. "Rp80.000" or "Gratis".')


class ServiceOut(Schema):
    code: str
    name: str
    agency: AgencyRef
    description: str
    requirements: list[str] = Field(description="What to bring, in the agency's order.")
    output_document: str
    completed_on_site: str = Field(description="yes, sometimes or no")
    typical_minutes: int | None
    fee: FeeOut
    legal_basis: str

    @staticmethod
    def resolve_requirements(obj: Service) -> list[str]:
        return [requirement.text for requirement in obj.requirements.all()]

    @staticmethod
    def resolve_fee(obj: Service) -> FeeOut:
        return FeeOut(
            kind=obj.fee_kind,
            amount=obj.fee_amount,
            note=obj.fee_note,
            label=obj.fee_label,
        )


class AgencyOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str = Field(description="opd, vertical or stakeholder")
    head_name: str
    phone: str
    email: str


class AgencyDetailOut(AgencyOut):
    services: list[ServiceOut] = Field(description="Active services, by code.")

    @staticmethod
    def resolve_services(obj: Agency) -> list[Service]:
        return list(obj.services.all())


class AgencyFilters(Schema):
    regency: str | None = Field(None, pattern=REGENCY_CODE_REGEX, examples=["17.01"])
    kind: AgencyKind | None = None


class ServiceFilters(Schema):
    agency: str | None = Field(None, description="Agency code.", examples=["disdukcapil"])
    regency: str | None = Field(None, pattern=REGENCY_CODE_REGEX, examples=["17.01"])
    q: str | None = Field(None, description="Part of the service name.", examples=["SIM"])


def _published_services() -> QuerySet[Service]:
    return catalog_services().order_by("code")


@router.get("/agencies", response=list[AgencyOut])
@paginate(PageNumberPagination)
def list_agencies(request: HttpRequest, filters: Query[AgencyFilters]) -> QuerySet[Agency]:
    agencies = Agency.objects.active().order_by("code")
    if filters.regency:
        agencies = agencies.filter(regencies__code=filters.regency)
    if filters.kind:
        agencies = agencies.filter(kind=filters.kind)
    return agencies


@router.get("/agencies/{code}", response={200: AgencyDetailOut, 404: ErrorOut})
def get_agency(request: HttpRequest, code: str) -> Agency:
    agency = (
        Agency.objects.active()
        .filter(code=code)
        .prefetch_related(Prefetch("services", queryset=_published_services()))
        .first()
    )
    if agency is None:
        raise HttpError(404, _("No agency has the code %(code)s.") % {"code": code})
    return agency


@router.get("/services", response=list[ServiceOut])
@paginate(PageNumberPagination)
def list_services(request: HttpRequest, filters: Query[ServiceFilters]) -> QuerySet[Service]:
    services = _published_services()
    if filters.agency:
        services = services.filter(agency__code=filters.agency)
    if filters.regency:
        services = services.filter(agency__regencies__code=filters.regency)
    if filters.q:
        services = services.filter(name__icontains=filters.q.strip())
    return services


@router.get("/services/{code}", response={200: ServiceOut, 404: ErrorOut})
def get_service(request: HttpRequest, code: str) -> Service:
    service = _published_services().filter(code=code).first()
    if service is None:
        raise HttpError(404, _("No service has the code %(code)s.") % {"code": code})
    return service
