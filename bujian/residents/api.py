"""The staff API of residents and pre-registrations: /api/v1/residents and
/api/v1/visits/{visit_id}/registrations, /api/v1/registrations/{id}.

Bearer token or staff session. Scoped like the pages, with the same access helpers
(``residents.queries``) and actions: 404 outside the user's scope, 403 inside it
without the right. A NIK or KK number is always answered masked (``1701••••••••0003``)
and never travels in a URL: the lookup by NIK is a POST, like the search page. The
full NIK is given only by ``POST /residents/{id}/nik`` to the roles that may reveal it
on the page, and each such view is audited (``record_nik_view``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import django_auth

from bujian.accounts.models import User
from bujian.accounts.tokens import TokenAuth
from bujian.agencies.models import Service
from bujian.core.errors import DomainError
from bujian.core.pagination import PageNumberPagination
from bujian.regions.api import ErrorOut
from bujian.regions.models import Village
from bujian.residents import actions, queries
from bujian.residents.actions import ResidentRefused
from bujian.residents.models import Registration, RegistrationService, Resident
from bujian.residents.nik import clean_number, mask_nik

router = Router(tags=["residents"], auth=[TokenAuth(), django_auth])
registrations_router = Router(tags=["registrations"], auth=[TokenAuth(), django_auth])


# --- shared by the staff routers of residents and records ------------------------------


def staff_user(request: HttpRequest) -> User:
    """The user the token or session authenticated."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        raise HttpError(401, "Unauthorized")
    return user


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the refusals of access helpers and actions into JSON answers: 403 for
    ``PermissionDenied`` (inside the user's scope, without the right), 409 with
    "code: message" for a ``DomainError``. ``Http404`` passes through to ninja."""
    try:
        yield
    except PermissionDenied as error:
        raise HttpError(403, _("Your role may read this but not change it.")) from error
    except DomainError as error:
        raise HttpError(409, f"{error.code}: {error.message}") from error


# --- schemas ---------------------------------------------------------------------------


class IssueOut(Schema):
    code: str = Field(description="Stable code, e.g. nik.day or nik.birth_date_mismatch.")
    message: str


class ResidentErrorOut(Schema):
    """Why a resident was refused: each NIK (or KK) issue, the warnings not yet
    accepted, or the resident already recorded with this NIK."""

    code: str = Field(
        "",
        description="residents.invalid_nik, residents.invalid_kk, "
        "residents.unaccepted_warnings, residents.duplicate_nik, …; empty when the body "
        "did not parse (then detail lists the field errors)",
    )
    detail: str | list[dict[str, Any]]
    issues: list[IssueOut] = Field(
        default_factory=list, description="NIK/KK errors, or every warning of the NIK."
    )
    pending: list[str] = Field(
        default_factory=list,
        description="Warning codes not accepted yet: send them in accept_warnings to save.",
    )
    resident_id: int | None = Field(
        default=None, description="For residents.duplicate_nik: the resident already recorded."
    )


class VillageRef(Schema):
    code: str
    name: str
    district: str

    @staticmethod
    def resolve_district(obj: Village) -> str:
        return obj.district.name


class ResidentOut(Schema):
    id: int
    uuid: UUID
    national_id_masked: str = Field(description="The NIK, masked: 1701••••••••0003.")
    family_card_number_masked: str = Field(description="The KK number, masked.")
    full_name: str
    sex: Literal["L", "P"]
    birth_date: dt.date
    birth_place: str
    village: VillageRef | None
    hamlet: str
    rt: str
    rw: str
    address: str
    phone: str
    accepted_warnings: list[str]

    @staticmethod
    def resolve_national_id_masked(obj: Resident) -> str:
        return mask_nik(obj.national_id)

    @staticmethod
    def resolve_family_card_number_masked(obj: Resident) -> str:
        return mask_nik(obj.family_card_number)


# The columns' lengths, and no NUL (PostgreSQL refuses it in text): a longer or NUL
# value is a 422 here, not a database error later.
NO_NUL = r"^[^\x00]*$"


class ResidentIn(Schema):
    national_id: str = Field(
        max_length=30, description="16 digits; spaces, dots and dashes are ignored."
    )
    family_card_number: str = Field(default="", max_length=30)
    full_name: str = Field(min_length=1, max_length=150, pattern=NO_NUL)
    sex: Literal["L", "P"]
    birth_date: dt.date
    birth_place: str = Field(default="", max_length=100, pattern=NO_NUL)
    village_code: str = Field(
        max_length=20,
        pattern=NO_NUL,
        description="Kemendagri code of the resident's village, e.g. 17.01.05.2001: "
        "one the user may record residents in (a village operator: their own village).",
    )
    hamlet: str = Field(default="", max_length=100, pattern=NO_NUL)
    rt: str = Field(default="", max_length=3, pattern=NO_NUL)
    rw: str = Field(default="", max_length=3, pattern=NO_NUL)
    address: str = Field(default="", max_length=250, pattern=NO_NUL)
    phone: str = Field(default="", max_length=30)
    accept_warnings: list[str] = Field(
        default_factory=list,
        description="Codes of NIK warnings checked against the KTP and accepted.",
    )


class LookupIn(Schema):
    nik: str = Field(description="The full NIK. In the body, never in a URL.")


class NikOut(Schema):
    national_id: str


class RequirementOut(Schema):
    id: int
    text: str
    present: bool = Field(description="The resident already has this document.")


class NeedOut(Schema):
    code: str
    name: str
    agency: str
    requirements: list[RequirementOut]

    @staticmethod
    def resolve_code(obj: RegistrationService) -> str:
        return obj.service.code

    @staticmethod
    def resolve_name(obj: RegistrationService) -> str:
        return obj.service.name

    @staticmethod
    def resolve_agency(obj: RegistrationService) -> str:
        return obj.service.agency.short_name

    @staticmethod
    def resolve_requirements(obj: RegistrationService) -> list[RequirementOut]:
        present = {requirement.pk for requirement in obj.documents_present.all()}
        return [
            RequirementOut(id=r.pk, text=r.text, present=r.pk in present)
            for r in obj.service.requirements.all()
        ]


class ResidentRef(Schema):
    id: int
    full_name: str
    national_id_masked: str
    village: str

    @staticmethod
    def resolve_national_id_masked(obj: Resident) -> str:
        return mask_nik(obj.national_id)

    @staticmethod
    def resolve_village(obj: Resident) -> str:
        return obj.village.name if obj.village is not None else ""


class RegistrationOut(Schema):
    """Loaded by ``queries.registrations_of``: no query of its own."""

    id: int
    uuid: UUID
    visit_id: int
    resident: ResidentRef
    source: Literal["pre", "import", "walk_in"]
    services: list[NeedOut]
    created_at: dt.datetime

    @staticmethod
    def resolve_services(obj: Registration) -> list[RegistrationService]:
        return list(obj.needs.all())


class NeedIn(Schema):
    code: str = Field(description="Service code, e.g. DUK-KTP-CETAK.")
    documents_present: list[int] = Field(
        default_factory=list, description="Ids of the service's requirements already at hand."
    )


class RegistrationIn(Schema):
    resident_id: int
    services: list[NeedIn]


def _refused(error: ResidentRefused, national_id: str) -> Status[ResidentErrorOut]:
    body = ResidentErrorOut(
        code=error.code,
        detail=error.message,
        issues=[IssueOut(code=issue.code, message=issue.message) for issue in error.issues],
        pending=error.pending,
    )
    if error.code == "residents.duplicate_nik":
        body.resident_id = (
            Resident.objects.filter(national_id=clean_number(national_id))
            .values_list("pk", flat=True)
            .first()
        )
        return Status(409, body)
    if error.code == "residents.unaccepted_warnings":
        return Status(409, body)
    return Status(422, body)


# --- residents -------------------------------------------------------------------------


@router.post(
    "",
    response={
        201: ResidentOut,
        403: ErrorOut,
        409: ResidentErrorOut,
        422: ResidentErrorOut,
    },
    summary="Record a new resident",
)
def create_resident(
    request: HttpRequest, payload: ResidentIn
) -> Status[Resident] | Status[ResidentErrorOut]:
    """The checks of the resident form: NIK or KK errors answer 422 with each issue;
    NIK warnings (kecamatan not current, date or sex differing from the record) answer
    409 with their codes in ``pending`` until each is listed in ``accept_warnings``;
    a NIK already recorded answers 409 ``residents.duplicate_nik`` with that
    resident's id. Leadership only reads (403)."""
    user = staff_user(request)
    if not queries.can_create_residents(user):
        raise HttpError(403, _("Your role may read residents but not record them."))
    village = queries.creatable_villages(user).filter(code=payload.village_code).first()
    if village is None:
        return Status(
            422,
            ResidentErrorOut(
                code="residents.village_not_allowed",
                detail=_("You cannot record residents of the village %(code)s.")
                % {"code": payload.village_code},
            ),
        )
    try:
        resident = actions.register_resident(
            national_id=payload.national_id,
            family_card_number=payload.family_card_number,
            full_name=payload.full_name,
            sex=payload.sex,
            birth_date=payload.birth_date,
            birth_place=payload.birth_place,
            village=village,
            hamlet=payload.hamlet,
            rt=payload.rt,
            rw=payload.rw,
            address=payload.address,
            phone=payload.phone,
            actor=user,
            accept_warnings=payload.accept_warnings,
        )
    except ResidentRefused as error:
        return _refused(error, payload.national_id)
    return Status(201, resident)


@router.post(
    "/lookup",
    response={200: ResidentOut, 404: ErrorOut},
    summary="Find a resident by their exact NIK",
)
def lookup_resident(request: HttpRequest, payload: LookupIn) -> Resident:
    """The resident with this NIK within the user's scope, else 404. A POST so that the
    NIK stays out of URLs and access logs; the answer carries it masked."""
    user = staff_user(request)
    nik = clean_number(payload.nik)
    resident = queries.visible_residents(user).filter(national_id=nik).first() if nik else None
    if resident is None:
        raise HttpError(404, _("No resident you may see has this NIK."))
    return resident


@router.get("/{resident_id}", response={200: ResidentOut, 404: ErrorOut})
def get_resident(request: HttpRequest, resident_id: int) -> Resident:
    return queries.get_resident_for_staff(staff_user(request), resident_id)


@router.post(
    "/{resident_id}/nik",
    response={200: NikOut, 403: ErrorOut, 404: ErrorOut},
    summary="Reveal a resident's full NIK (audited)",
)
def reveal_nik(request: HttpRequest, resident_id: int, response: HttpResponse) -> NikOut:
    """For the roles that may reveal it on the resident's page (program admins and the
    village operator of the resident's village); each call is recorded in the audit
    trail. Answered ``Cache-Control: no-store``."""
    user = staff_user(request)
    resident = queries.get_resident_for_staff(user, resident_id)
    if not queries.can_reveal_nik(user, resident):
        raise HttpError(403, _("Your role may not see a full NIK."))
    nik = actions.record_nik_view(actor=user, resident=resident, reason="api")
    response["Cache-Control"] = "no-store"
    return NikOut(national_id=nik)


# --- registrations ---------------------------------------------------------------------


@registrations_router.get(
    "/visits/{visit_id}/registrations",
    response={200: list[RegistrationOut], 404: ErrorOut},
    summary="Residents registered for a visit, with their services and checklists",
)
@paginate(PageNumberPagination)
def list_registrations(request: HttpRequest, visit_id: int) -> QuerySet[Registration]:
    """By resident name. A village operator sees the residents of their own village."""
    user = staff_user(request)
    visit = queries.get_visit_for_registration(user, visit_id)
    village = visit.village if user.is_village_operator else None
    return queries.registrations_of(visit, village)


@registrations_router.post(
    "/visits/{visit_id}/registrations",
    response={
        200: RegistrationOut,
        201: RegistrationOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Register a resident for a visit (again: replaces the services)",
)
def register_for_visit(
    request: HttpRequest, visit_id: int, payload: RegistrationIn
) -> Status[Registration]:
    """Through ``pre_register``: each service must be offered at the visit and each
    ticked document a requirement of its service (409 with the action's code
    otherwise). 201 for a new registration, 200 when an earlier one was replaced.
    Program admins and the village operator of the visit's village."""
    user = staff_user(request)
    with refusals():
        visit = queries.get_visit_for_registration(user, visit_id, for_change=True)
    resident = queries.get_resident_for_staff(user, payload.resident_id)
    codes = [need.code for need in payload.services]
    services = {s.code: s for s in Service.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(services))
    if unknown:
        raise HttpError(422, _("Unknown service code: %(codes)s.") % {"codes": ", ".join(unknown)})
    existed = Registration.objects.filter(visit=visit, resident=resident).exists()
    with refusals():
        registration = actions.pre_register(
            visit=visit,
            resident=resident,
            services=list(services.values()),
            documents_present={
                services[need.code].pk: need.documents_present for need in payload.services
            },
            actor=user,
        )
    loaded = queries.registrations_of(visit).get(pk=registration.pk)
    return Status(200 if existed else 201, loaded)


@registrations_router.delete(
    "/registrations/{registration_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Take a resident off a visit's list",
)
def delete_registration(request: HttpRequest, registration_id: int) -> Status[None]:
    """Through ``remove_registration``: refused (409) once the visit is over or the
    resident holds a visit ticket."""
    user = staff_user(request)
    with refusals():
        registration = queries.get_registration_for_change(user, registration_id)
        actions.remove_registration(registration=registration, actor=user)
    return Status(204, None)
