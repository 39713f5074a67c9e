"""Reads of documents and handovers, with the access scope of each role.

Who sees and does what (404 outside the scope, 403 inside it without the right):

- program admins (and superusers): every document of their regency: of its
  residents, or made at one of its visits; they register, mark ready and hand over;
- leadership: the same documents, read-only;
- agency operators: their agencies' documents only (another agency's is a 404);
  they register, mark ready and hand over;
- village operators: the documents of their village's residents, read-only, except
  that they record a handover at the village office (``place=village_office``): the
  village office list is theirs to work through.

Rollover is a query, not a copy: a ready document waits for every visit of its
resident's kecamatan and on its village's office list until it is handed over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.core.models import AuditEntry
from bujian.records.models import Document, DocumentHandover
from bujian.regions.models import Village
from bujian.visits.models import Visit
from bujian.visits.queries import visible_visits

_RELATED = ("resident__village__district__regency", "agency", "handover")


# --- access scope -------------------------------------------------------------------


def _scope(user: User) -> Q | None:
    """The documents a user may read, as a filter; None means every document."""
    if user.is_superuser:
        return None
    if user.sees_whole_regency:
        if user.regency_id is None:
            return Q(pk__in=[])
        serving = Agency.objects.filter(regencies=user.regency_id).values("pk")
        return (
            Q(resident__village__district__regency_id=user.regency_id)
            | Q(service_record__ticket__visit_ticket__visit__regency_id=user.regency_id)
            # a resident recorded without a village: the agencies serving the regency
            | Q(resident__village__isnull=True, agency__in=serving)
        )
    if user.is_agency_operator:
        return Q(agency__in=user.agencies.values("pk"))
    if user.is_village_operator and user.village_id is not None:
        return Q(resident__village_id=user.village_id)
    return Q(pk__in=[])


def scoped(documents: QuerySet[Document], user: User) -> QuerySet[Document]:
    scope = _scope(user)
    return documents if scope is None else documents.filter(scope)


def visible_documents(user: User) -> QuerySet[Document]:
    return scoped(Document.objects.select_related(*_RELATED), user)


def can_manage(user: User, document: Document) -> bool:
    """Register, mark ready and hand over anywhere: program admins, and the operators
    of the document's agency."""
    if user.is_program_admin:
        return True
    return user.is_agency_operator and user.agencies.filter(pk=document.agency_id).exists()


def can_hand_over(user: User, document: Document, place: str | None = None) -> bool:
    """``place=None`` asks whether the user may hand it over at some place."""
    if can_manage(user, document):
        return True
    return (
        user.is_village_operator
        and user.village_id is not None
        and document.resident.village_id == user.village_id
        and place in {None, DocumentHandover.Place.VILLAGE_OFFICE}
    )


def get_document_for_staff(user: User, pk: int) -> Document:
    document = (
        visible_documents(user)
        .select_related("handover__handed_over_by", "handover__visit__village")
        .filter(pk=pk)
    )
    found = document.first()
    if found is None:
        raise Http404
    return found


def get_document_for_change(user: User, pk: int) -> Document:
    """404 outside the user's scope, 403 for those who only read it."""
    document = get_document_for_staff(user, pk)
    if not can_manage(user, document):
        raise PermissionDenied
    return document


def get_document_for_handover(user: User, pk: int, place: str | None = None) -> Document:
    document = get_document_for_staff(user, pk)
    if not can_hand_over(user, document, place):
        raise PermissionDenied
    return document


def registrable_agencies(user: User) -> QuerySet[Agency]:
    """Agencies a user may register documents for; none for read-only roles."""
    if user.is_superuser:
        return Agency.objects.active().order_by("short_name")
    if user.is_program_admin and user.regency_id is not None:
        return Agency.objects.active().serving(user.regency_id).order_by("short_name")
    if user.is_agency_operator:
        return user.agencies.filter(is_active=True).order_by("short_name")
    return Agency.objects.none()


def get_village_for_documents(user: User, pk: int) -> Village:
    """A village whose office list the user may open: their own village for a village
    operator; a village of their regency for everyone else (agency operators: of a
    regency their agencies serve)."""
    villages = Village.objects.select_related("district__regency")
    if user.is_superuser:
        pass
    elif user.is_village_operator and user.village_id is not None:
        villages = villages.filter(pk=user.village_id)
    elif user.sees_whole_regency and user.regency_id is not None:
        villages = villages.filter(district__regency_id=user.regency_id)
    elif user.is_agency_operator:
        villages = villages.filter(
            district__regency__in=Agency.objects.filter(pk__in=user.agencies.values("pk")).values(
                "regencies"
            )
        )
    else:
        villages = villages.none()
    village = villages.filter(pk=pk).first()
    if village is None:
        raise Http404
    return village


def handover_visits(user: User) -> QuerySet[Visit]:
    """Visits to choose from on the handover page: those under way or announced."""
    return (
        visible_visits(user)
        .filter(status__in=[Visit.Status.ANNOUNCED, Visit.Status.ONGOING])
        .order_by("start_date", "village__name")
    )


# --- lists --------------------------------------------------------------------------


def document_list(
    user: User, *, status: str = "", kind: str = "", search: str = ""
) -> QuerySet[Document]:
    """The document list: newest first, filtered by status, kind, and a resident's name
    or a document number."""
    documents = visible_documents(user)
    if status:
        documents = documents.filter(status=status)
    if kind:
        documents = documents.filter(kind=kind)
    if search:
        documents = documents.filter(
            Q(resident__full_name__icontains=search) | Q(number__icontains=search)
        )
    return documents.order_by("-created_at", "-id")


def documents_waiting_for(visit: Visit) -> QuerySet[Document]:
    """Ready documents to hand over at a visit: those of residents of any village of
    the visit's kecamatan (not only the host village), and those made at this visit
    itself (a resident from elsewhere who was served here). A document not handed
    over stays ready, so it rolls to the next visit of its kecamatan by itself."""
    return (
        Document.objects.filter(status=Document.Status.READY)
        .filter(
            Q(resident__village__district_id=visit.village.district_id)
            | Q(service_record__ticket__visit_ticket__visit=visit)
        )
        .select_related(*_RELATED)
        .order_by("resident__village__name", "resident__full_name", "kind", "id")
    )


def documents_handed_over_at(visit: Visit) -> QuerySet[Document]:
    return (
        Document.objects.filter(handover__visit=visit)
        .select_related(*_RELATED)
        .order_by("-handover__handed_over_at", "-id")
    )


def documents_for_village_office(village: Village) -> QuerySet[Document]:
    """The village office list: ready documents of the village's residents that were
    not handed over (at a visit or anywhere else)."""
    return (
        Document.objects.filter(status=Document.Status.READY, resident__village=village)
        .select_related(*_RELATED)
        .order_by("resident__hamlet", "resident__full_name", "kind", "id")
    )


@dataclass
class VillageGroup:
    village: Village | None
    documents: list[Document] = field(default_factory=list)

    @property
    def village_name(self) -> str:
        return self.village.name if self.village is not None else ""


def group_by_village(documents: QuerySet[Document] | list[Document]) -> list[VillageGroup]:
    """Documents in the order given, grouped by the resident's village (first seen)."""
    groups: dict[int | None, VillageGroup] = {}
    for document in documents:
        village = document.resident.village
        key = village.pk if village is not None else None
        if key not in groups:
            groups[key] = VillageGroup(village)
        groups[key].documents.append(document)
    return list(groups.values())


def status_history(document: Document) -> QuerySet[AuditEntry]:
    """The audit entries of a document, oldest first: registered or made at a booth,
    ready, handed over."""
    entries = AuditEntry.objects.filter(
        target_type=Document._meta.label_lower, target_id=str(document.pk)
    )
    if document.service_record_id is not None:
        entries = AuditEntry.objects.filter(
            Q(pk__in=entries.values("pk"))
            | Q(target_type="records.servicerecord", target_id=str(document.service_record_id))
        )
    return entries.select_related("actor").order_by("created_at", "id")
