"""The staff API of documents and their handover: /api/v1/documents.

Bearer token or staff session. Scoped like the document pages, with the same access
helpers (``records.queries``) and actions (``records.actions_documents``): 404 outside
the user's scope (a Samsat operator and a Disdukcapil document), 403 inside it without
the right (leadership reads only; a village operator hands over only at the village
office). NIKs, the resident's and a proxy's, are always answered masked.

No ``from __future__ import annotations`` here: ninja reads ``Query[...]`` from the
evaluated signature.
"""

import datetime as dt
from typing import Literal
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.security import django_auth

from bujian.accounts.models import User
from bujian.accounts.tokens import TokenAuth
from bujian.core.pagination import PageNumberPagination
from bujian.records import actions_documents as actions
from bujian.records import queries
from bujian.records.models import Document, DocumentHandover
from bujian.regions.api import ErrorOut
from bujian.residents.api import refusals, staff_user
from bujian.residents.models import Resident
from bujian.residents.nik import mask_nik
from bujian.residents.queries import get_resident_for_staff
from bujian.visits.queries import get_visit_for_staff

router = Router(tags=["documents"], auth=[TokenAuth(), django_auth])

# The model's choices, spelled out for the schema; a test keeps them in step.
Kind = Literal[
    "ktp_el", "kk", "akta_lahir", "akta_mati", "kia", "skpwni", "sim", "stnk", "ak1", "nib", "other"
]
DocumentStatus = Literal["in_process", "ready", "handed_over"]
Recipient = Literal["resident", "proxy"]
Place = Literal["visit", "village_office", "agency_office"]


# --- schemas ---------------------------------------------------------------------------


class DocumentResidentOut(Schema):
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


class AgencyRef(Schema):
    code: str
    short_name: str


class HandoverOut(Schema):
    recipient: Recipient
    proxy_name: str
    proxy_national_id_masked: str
    proxy_relationship: str
    place: Place
    visit_id: int | None
    on_stage: bool = Field(description="The symbolic handover on stage by the Bupati.")
    handed_over_at: dt.datetime
    handed_over_by: str

    @staticmethod
    def resolve_proxy_national_id_masked(obj: DocumentHandover) -> str:
        return mask_nik(obj.proxy_national_id)

    @staticmethod
    def resolve_handed_over_by(obj: DocumentHandover) -> str:
        by = obj.handed_over_by
        return (by.get_full_name() or by.username) if by is not None else ""


class DocumentOut(Schema):
    id: int
    uuid: UUID
    kind: Kind
    kind_label: str
    number: str
    status: DocumentStatus
    resident: DocumentResidentOut
    agency: AgencyRef
    service_record_id: int | None
    promised_date: dt.date | None
    ready_at: dt.datetime | None
    created_at: dt.datetime
    handover: HandoverOut | None

    @staticmethod
    def resolve_kind_label(obj: Document) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_handover(obj: Document) -> DocumentHandover | None:
        return getattr(obj, "handover", None)


class DocumentFilters(Schema):
    status: DocumentStatus | None = None
    kind: Kind | None = None
    visit: int | None = Field(
        default=None,
        description="Documents of this visit: made at its booths, ready and waiting to be "
        "handed over there (its kecamatan's residents), or handed over there.",
    )
    q: str | None = Field(default=None, description="Part of a resident's name or a number.")


class DocumentIn(Schema):
    kind: Kind
    number: str = ""
    resident_id: int
    agency_code: str = Field(description="One of the user's agencies (any, for program admins).")
    promised_date: dt.date | None = None
    ready: bool = Field(
        default=False, description="Already finished: ready for handover (number required)."
    )


class ReadyIn(Schema):
    number: str = Field(default="", description="The document number, if not known before.")


class HandoverIn(Schema):
    recipient: Recipient
    place: Place
    visit_id: int | None = Field(default=None, description="Required for place=visit.")
    proxy_name: str = ""
    proxy_national_id: str = Field(default="", description="The proxy's NIK, from their KTP-el.")
    proxy_relationship: str = ""
    on_stage: bool = False


# --- reads -----------------------------------------------------------------------------


def _document(user: User, document_id: int) -> Document:
    """A document loaded for ``DocumentOut``; 404 outside the user's scope."""
    return queries.get_document_for_staff(user, document_id)


@router.get("", response=list[DocumentOut], summary="Documents the user may see")
@paginate(PageNumberPagination)
def list_documents(request: HttpRequest, filters: Query[DocumentFilters]) -> QuerySet[Document]:
    """Newest first. ``visit`` must be a visit the user may see (404 otherwise)."""
    user = staff_user(request)
    documents = queries.document_list(
        user, status=filters.status or "", kind=filters.kind or "", search=(filters.q or "").strip()
    ).select_related("handover__handed_over_by")
    if filters.visit is not None:
        visit = get_visit_for_staff(user, filters.visit)
        documents = documents.filter(
            Q(service_record__ticket__visit_ticket__visit=visit)
            | Q(pk__in=queries.documents_waiting_for(visit).values("pk"))
            | Q(handover__visit=visit)
        )
    return documents


@router.get("/{document_id}", response={200: DocumentOut, 404: ErrorOut})
def get_document(request: HttpRequest, document_id: int) -> Document:
    return _document(staff_user(request), document_id)


# --- changes ---------------------------------------------------------------------------


@router.post(
    "",
    response={201: DocumentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Record a document made for a resident outside the booth",
)
def create_document(request: HttpRequest, payload: DocumentIn) -> Status[Document]:
    """Through ``register_document``; e.g. a KTP-el printed at the office and brought
    to the next visit. Program admins and agency operators (for their agencies)."""
    user = staff_user(request)
    agencies = queries.registrable_agencies(user)
    if not agencies.exists():
        raise HttpError(403, _("Your role may read documents but not record them."))
    agency = agencies.filter(code=payload.agency_code).first()
    if agency is None:
        raise HttpError(
            422,
            _("You cannot record documents of the agency %(code)s.")
            % {"code": payload.agency_code},
        )
    resident = get_resident_for_staff(user, payload.resident_id)
    with refusals():
        document = actions.register_document(
            kind=payload.kind,
            number=payload.number,
            resident=resident,
            agency=agency,
            actor=user,
            promised_date=payload.promised_date,
            ready=payload.ready,
        )
    return Status(201, _document(user, document.pk))


@router.post(
    "/{document_id}/ready",
    response={200: DocumentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Mark a document ready for handover",
)
def mark_ready(request: HttpRequest, document_id: int, payload: ReadyIn) -> Document:
    """Through ``mark_ready``: in process → ready (409 ``records.not_in_process``
    otherwise, ``records.number_required`` without a number for most kinds)."""
    user = staff_user(request)
    with refusals():
        document = queries.get_document_for_change(user, document_id)
        actions.mark_ready(document=document, actor=user, number=payload.number)
    return _document(user, document_id)


@router.post(
    "/{document_id}/handover",
    response={201: DocumentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Hand a ready document to the resident or a proxy",
)
def hand_over(request: HttpRequest, document_id: int, payload: HandoverIn) -> Status[Document]:
    """Through ``hand_over_document``: only a ready document, and only once (409
    ``records.already_handed_over`` saying when and to whom). A proxy needs a name,
    a valid NIK and the relationship; ``place=visit`` needs a visit the user may see.
    A village operator hands over only at their village office (403 elsewhere)."""
    user = staff_user(request)
    with refusals():
        document = queries.get_document_for_handover(user, document_id, payload.place)
    visit = get_visit_for_staff(user, payload.visit_id) if payload.visit_id is not None else None
    with refusals():
        actions.hand_over_document(
            document=document,
            actor=user,
            recipient=payload.recipient,
            place=payload.place,
            visit=visit,
            proxy_name=payload.proxy_name,
            proxy_national_id=payload.proxy_national_id,
            proxy_relationship=payload.proxy_relationship,
            on_stage=payload.on_stage,
        )
    return Status(201, _document(user, document_id))
