"""Documents after the booth: registering one made at the office, marking it ready,
and handing it over to the resident or a proxy.

A document moves in process → ready → handed over, never back. The handover is a
conditional UPDATE (``status = ready`` → ``handed_over``): of two operators pressing
"hand over" at once, on PostgreSQL the second waits for the first's row lock and then
matches nothing; on SQLite writes run one at a time. The one-to-one
``DocumentHandover.document`` is the backstop. So nothing is handed over twice.

Audit entries name the document as target (its status history on the detail page)
and never hold a full NIK.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.records.models import Document, DocumentHandover, ServiceRecord
from bujian.residents.models import Resident
from bujian.residents.nik import check_nik, clean_number, mask_nik
from bujian.sync.guards import ensure_document_here
from bujian.visits.models import Visit

# Kinds that may be ready without a number: an STNK pengesahan is a stamp on the
# existing STNK, and "other" covers letters that carry none.
NUMBER_OPTIONAL_KINDS = frozenset({Document.Kind.STNK, Document.Kind.OTHER})
# A handover "at the visit" needs a visit that is held (or was: entered afterwards).
HANDOVER_VISIT_STATES = frozenset(
    {Visit.Status.ANNOUNCED, Visit.Status.ONGOING, Visit.Status.FINISHED, Visit.Status.REPORTED}
)


def number_required(kind: str) -> bool:
    return kind not in NUMBER_OPTIONAL_KINDS


def _require_number(kind: str, number: str) -> None:
    if number_required(kind) and not number:
        raise DomainError(
            "records.number_required",
            _("Write the number of the %(kind)s: it is needed to find the document later.")
            % {"kind": Document.Kind(kind).label},
        )


@transaction.atomic
def register_document(
    *,
    kind: str,
    number: str,
    resident: Resident,
    agency: Agency,
    actor: User,
    promised_date: dt.date | None = None,
    service_record: ServiceRecord | None = None,
    ready: bool = False,
) -> Document:
    """Record a document the agency makes for a resident outside the booth flow, e.g. a
    KTP-el printed at the office in Manna and brought to the next visit. ``ready``
    registers it ready for handover at once (its number is then required for most
    kinds). A service record, when given, must be this resident's at this agency and
    not have produced a document already."""
    if kind not in Document.Kind.values:
        raise DomainError("records.bad_kind", _("Choose the type of document."))
    number = number.strip()
    if ready:
        _require_number(kind, number)
    if service_record is not None:
        if (
            service_record.service.agency_id != agency.pk
            or service_record.ticket.visit_ticket.resident_id != resident.pk
        ):
            raise DomainError(
                "records.foreign_service_record",
                _("The service record belongs to another resident or agency."),
            )
        if Document.objects.filter(service_record=service_record).exists():
            raise DomainError(
                "records.already_registered",
                _("This service already produced a document; open that document instead."),
            )
    now = timezone.now()
    document = Document.objects.create(
        kind=kind,
        number=number,
        resident=resident,
        agency=agency,
        service_record=service_record,
        status=Document.Status.READY if ready else Document.Status.IN_PROCESS,
        promised_date=promised_date,
        ready_at=now if ready else None,
    )
    record_audit(
        actor=actor,
        action="records.document.registered",
        target=document,
        data={"kind": kind, "status": document.status, "agency": agency.code},
    )
    return document


@transaction.atomic
def mark_ready(
    *, document: Document, actor: User, number: str = "", now: dt.datetime | None = None
) -> Document:
    """In process → ready. The number may be given now (the usual case: the KTP-el is
    printed) or have been known before; most kinds need one. A conditional UPDATE, so
    a double click marks it once."""
    number = number.strip() or document.number
    _require_number(document.kind, number)
    moment = now or timezone.now()
    changed = Document.objects.filter(pk=document.pk, status=Document.Status.IN_PROCESS).update(
        status=Document.Status.READY, number=number, ready_at=moment, updated_at=moment
    )
    document.refresh_from_db()
    if not changed:
        raise DomainError(
            "records.not_in_process",
            _("This document is already %(status)s.")
            % {"status": document.get_status_display().lower()},
        )
    record_audit(
        actor=actor,
        action="records.document.ready",
        target=document,
        data={"number": number},
    )
    return document


def _local_moment(moment: dt.datetime, document: Document) -> str:
    village = document.resident.village
    zone = village.district.regency.time_zone if village is not None else settings.TIME_ZONE
    return formats.date_format(timezone.localtime(moment, ZoneInfo(zone)), "j F Y, H.i")


def _recipient_label(handover: DocumentHandover) -> str:
    if handover.recipient == DocumentHandover.Recipient.PROXY:
        return _("%(name)s, as proxy (%(relationship)s)") % {
            "name": handover.proxy_name,
            "relationship": handover.proxy_relationship,
        }
    return handover.document.resident.full_name


def _refuse_unavailable(document: Document) -> None:
    """Raise the reason a document cannot be handed over now, if there is one."""
    handover = (
        DocumentHandover.objects.select_related("document__resident__village__district__regency")
        .filter(document_id=document.pk)
        .first()
    )
    if handover is not None:
        raise DomainError(
            "records.already_handed_over",
            _("This document was already handed over on %(when)s to %(whom)s.")
            % {
                "when": _local_moment(handover.handed_over_at, handover.document),
                "whom": _recipient_label(handover),
            },
        )
    status = Document.objects.filter(pk=document.pk).values_list("status", flat=True).first()
    if status == Document.Status.HANDED_OVER:  # a handover row is missing: should not happen
        raise DomainError(
            "records.already_handed_over", _("This document was already handed over.")
        )
    if status != Document.Status.READY:
        raise DomainError(
            "records.not_ready",
            _("This document is still in process; mark it ready before handing it over."),
        )


def _check_handover(
    *,
    document: Document,
    recipient: str,
    place: str,
    visit: Visit | None,
    proxy_name: str,
    proxy_national_id: str,
    proxy_relationship: str,
    on_stage: bool,
) -> None:
    if recipient not in DocumentHandover.Recipient.values:
        raise DomainError(
            "records.bad_recipient", _("Choose who receives the document: the resident or a proxy.")
        )
    if place not in DocumentHandover.Place.values:
        raise DomainError("records.bad_place", _("Choose where the document is handed over."))
    if place == DocumentHandover.Place.VISIT:
        if visit is None:
            raise DomainError(
                "records.visit_required", _("Choose the visit where the document is handed over.")
            )
        if visit.status not in HANDOVER_VISIT_STATES:
            raise DomainError(
                "records.visit_not_held",
                _("This visit is a draft or cancelled: no document is handed over there."),
            )
    elif visit is not None:
        raise DomainError(
            "records.visit_with_other_place",
            _("A handover at the village or agency office is not at a visit."),
        )
    if on_stage and place != DocumentHandover.Place.VISIT:
        raise DomainError(
            "records.on_stage_needs_visit",
            _("The symbolic handover on stage by the Bupati happens only at a visit."),
        )
    if recipient == DocumentHandover.Recipient.PROXY:
        if not proxy_name:
            raise DomainError("records.proxy_name_required", _("Write the proxy's full name."))
        if not proxy_relationship:
            raise DomainError(
                "records.proxy_relationship_required",
                _("Write how the proxy is related to the resident, e.g. spouse, child or parent."),
            )
        if not proxy_national_id:
            raise DomainError(
                "records.proxy_nik_required", _("Write the proxy's NIK, from their KTP-el.")
            )
        errors = check_nik(proxy_national_id).errors
        if errors:
            raise DomainError("records.proxy_nik_invalid", " ".join(e.message for e in errors))
        if proxy_national_id == document.resident.national_id:
            raise DomainError(
                "records.proxy_is_resident",
                _("This NIK is the resident's own: choose “the resident” as recipient instead."),
            )


@transaction.atomic
def hand_over_document(
    *,
    document: Document,
    actor: User,
    recipient: str,
    place: str,
    visit: Visit | None = None,
    proxy_name: str = "",
    proxy_national_id: str = "",
    proxy_relationship: str = "",
    on_stage: bool = False,
    now: dt.datetime | None = None,
) -> DocumentHandover:
    """Hand a ready document to the resident or to a proxy (name, NIK and relationship
    required), at a visit, the village office or the agency office. ``on_stage`` marks
    the symbolic handover by the Bupati and needs a visit.

    Only a ready document, and only once: the status moves ready → handed over in one
    conditional UPDATE and the one-to-one handover row is the backstop; a second call
    raises ``records.already_handed_over`` saying when and to whom."""
    _refuse_unavailable(document)
    ensure_document_here(document)  # a document taken to a field node is handed over there
    proxy_name = proxy_name.strip()
    proxy_national_id = clean_number(proxy_national_id)
    proxy_relationship = proxy_relationship.strip()
    _check_handover(
        document=document,
        recipient=recipient,
        place=place,
        visit=visit,
        proxy_name=proxy_name,
        proxy_national_id=proxy_national_id,
        proxy_relationship=proxy_relationship,
        on_stage=on_stage,
    )
    if recipient == DocumentHandover.Recipient.RESIDENT:
        proxy_name = proxy_national_id = proxy_relationship = ""
    moment = now or timezone.now()
    claimed = Document.objects.filter(pk=document.pk, status=Document.Status.READY).update(
        status=Document.Status.HANDED_OVER, updated_at=moment
    )
    if not claimed:  # another operator won the race since the check above
        _refuse_unavailable(document)
        raise DomainError("records.not_ready", _("This document cannot be handed over now."))
    try:
        with transaction.atomic():
            handover = DocumentHandover.objects.create(
                document=document,
                recipient=recipient,
                proxy_name=proxy_name,
                proxy_national_id=proxy_national_id,
                proxy_relationship=proxy_relationship,
                place=place,
                visit=visit,
                on_stage=on_stage,
                handed_over_at=moment,
                handed_over_by=actor,
            )
    except IntegrityError:
        _refuse_unavailable(document)
        raise
    document.status = Document.Status.HANDED_OVER
    document.updated_at = moment
    record_audit(
        actor=actor,
        action="records.document.handed_over",
        target=document,
        data={
            "recipient": recipient,
            "place": place,
            "visit": visit.pk if visit is not None else None,
            "on_stage": on_stage,
            "proxy_national_id": mask_nik(proxy_national_id),
            "proxy_relationship": proxy_relationship,
        },
    )
    return handover
