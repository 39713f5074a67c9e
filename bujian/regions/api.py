"""Public region lookups under /api/v1/regions/, codes in the dotted Kemendagri form.

Filters take codes as written in the decree (``17.01``, not ``1701``): a code in another
form is refused with 422 so a client notices its mistake instead of getting an empty list.
A well-formed code that does not exist gives an empty list.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from bujian.core.pagination import PageNumberPagination
from bujian.regions.models import (
    DISTRICT_CODE_REGEX,
    PROVINCE_CODE_REGEX,
    REGENCY_CODE_REGEX,
    District,
    Province,
    Regency,
    Village,
)

router = Router(tags=["regions"])


class ErrorOut(Schema):
    """The body of every 4xx answer of the API. It lives here, in the app every other
    app depends on, so that all routers share one schema in the OpenAPI document."""

    # A sentence for refusals; the list of field errors when the input does not parse.
    detail: str | list[dict[str, Any]]


class ProvinceOut(Schema):
    code: str
    name: str


class RegencyOut(Schema):
    code: str
    name: str
    kind: str = Field(description="kabupaten or kota")
    province_code: str
    time_zone: str = Field(description="IANA name: Asia/Jakarta (WIB), Asia/Makassar (WITA)…")
    program_name: str

    @staticmethod
    def resolve_province_code(obj: Regency) -> str:
        return obj.province.code


class RegencyDetailOut(RegencyOut):
    capital: str
    province: ProvinceOut


class DistrictOut(Schema):
    code: str
    name: str
    regency_code: str

    @staticmethod
    def resolve_regency_code(obj: District) -> str:
        return obj.regency.code


class VillageOut(Schema):
    code: str
    name: str
    kind: str = Field(description="desa, kelurahan or desa_adat")
    postal_code: str
    district_code: str

    @staticmethod
    def resolve_district_code(obj: Village) -> str:
        return obj.district.code


class RegencyFilters(Schema):
    province: str | None = Field(None, pattern=PROVINCE_CODE_REGEX, examples=["17"])


class DistrictFilters(Schema):
    regency: str | None = Field(None, pattern=REGENCY_CODE_REGEX, examples=["17.01"])


class VillageFilters(Schema):
    district: str | None = Field(None, pattern=DISTRICT_CODE_REGEX, examples=["17.01.05"])
    regency: str | None = Field(None, pattern=REGENCY_CODE_REGEX, examples=["17.01"])


@router.get("/provinces", response=list[ProvinceOut])
def list_provinces(request: HttpRequest) -> QuerySet[Province]:
    """All provinces; not paginated, there are fewer than forty."""
    return Province.objects.order_by("code")


@router.get("/regencies", response=list[RegencyOut])
@paginate(PageNumberPagination)
def list_regencies(request: HttpRequest, filters: Query[RegencyFilters]) -> QuerySet[Regency]:
    regencies = Regency.objects.select_related("province").order_by("code")
    if filters.province:
        regencies = regencies.filter(province__code=filters.province)
    return regencies


@router.get("/regencies/{code}", response={200: RegencyDetailOut, 404: ErrorOut})
def get_regency(request: HttpRequest, code: str) -> Regency:
    regency = Regency.objects.select_related("province").filter(code=code).first()
    if regency is None:
        raise HttpError(404, _("No regency has the code %(code)s.") % {"code": code})
    return regency


@router.get("/districts", response=list[DistrictOut])
@paginate(PageNumberPagination)
def list_districts(request: HttpRequest, filters: Query[DistrictFilters]) -> QuerySet[District]:
    districts = District.objects.select_related("regency").order_by("code")
    if filters.regency:
        districts = districts.filter(regency__code=filters.regency)
    return districts


@router.get("/villages", response=list[VillageOut])
@paginate(PageNumberPagination)
def list_villages(request: HttpRequest, filters: Query[VillageFilters]) -> QuerySet[Village]:
    villages = Village.objects.select_related("district").order_by("code")
    if filters.district:
        villages = villages.filter(district__code=filters.district)
    if filters.regency:
        villages = villages.filter(district__regency__code=filters.regency)
    return villages
