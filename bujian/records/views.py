"""Document pages: the list, a document's history, registering and marking ready, the
handover (alone, per visit, at the village office). HTTP only: the rules are in
``actions_documents`` and the scope in ``queries``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bujian.accounts.models import User
from bujian.core.errors import DomainError
from bujian.records import actions_documents as actions
from bujian.records import queries
from bujian.records.forms import (
    HANDOVER_ERROR_FIELDS,
    DocumentFilterForm,
    HandoverForm,
    MarkReadyForm,
    RegisterDocumentForm,
)
from bujian.records.models import Document, DocumentHandover
from bujian.residents.nik import mask_nik
from bujian.residents.queries import visible_residents
from bujian.visits.queries import get_visit_for_staff, operable_agency_ids

PAGE_SIZE = 50
HISTORY_LABELS = {
    "records.outcome.recorded": gettext_lazy("Service outcome recorded at the booth"),
    "records.document.registered": gettext_lazy("Document recorded"),
    "records.document.ready": gettext_lazy("Ready for handover"),
    "records.document.handed_over": gettext_lazy("Handed over"),
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _masked(documents: Any) -> dict[int, str]:
    """Masked NIK of each document's resident, for ``masked|get_item:document.pk``."""
    return {d.pk: mask_nik(d.resident.national_id) for d in documents}


def _manages(user: User) -> Callable[[Document], bool]:
    """A test "may this user manage that document" that reads the user's agencies once."""
    ids = operable_agency_ids(user)
    return lambda document: ids is None or document.agency_id in ids


# --- list and detail -----------------------------------------------------------------


@login_required
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = DocumentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    documents = queries.document_list(
        user,
        status=filters.get("status", ""),
        kind=filters.get("kind", ""),
        search=filters.get("q", ""),
    )
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "records/document_list.html",
        {
            "form": form,
            "page": page,
            "masked": _masked(page),
            "query": query.urlencode(),
            "can_register": user.is_program_admin or user.is_agency_operator,
        },
    )


@login_required
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    document = queries.get_document_for_staff(user, pk)
    handover: DocumentHandover | None = getattr(document, "handover", None)
    village = document.resident.village
    return render(
        request,
        "records/document_detail.html",
        {
            "document": document,
            "handover": handover,
            "masked_nik": mask_nik(document.resident.national_id),
            "masked_proxy_nik": mask_nik(handover.proxy_national_id) if handover else "",
            "history": queries.status_history(document),
            "can_manage": queries.can_manage(user, document),
            "can_hand_over": document.status == Document.Status.READY
            and queries.can_hand_over(user, document),
            "ready_form": MarkReadyForm(initial={"number": document.number}),
            "number_required": actions.number_required(document.kind),
            "labels": HISTORY_LABELS,
            "time_zone": village.district.regency.time_zone
            if village is not None
            else settings.TIME_ZONE,
        },
    )


# --- register and mark ready ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    agencies = queries.registrable_agencies(user)
    if not agencies.exists():
        raise PermissionDenied
    form = RegisterDocumentForm(
        request.POST or None, agencies=agencies, residents=visible_residents(user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = actions.register_document(
                kind=data["kind"],
                number=data["number"],
                resident=data["national_id"],
                agency=data["agency"],
                actor=user,
                promised_date=data["promised_date"],
                ready=data["ready"],
            )
        except DomainError as error:
            field = "number" if error.code == "records.number_required" else None
            form.add_error(field, error.message)
        else:
            messages.success(
                request,
                _("The %(kind)s of %(name)s is recorded.")
                % {"kind": document.get_kind_display(), "name": document.resident.full_name},
            )
            return redirect("records:detail", pk=document.pk)
    return render(request, "records/document_form.html", {"form": form})


@login_required
@require_POST
def mark_ready(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    document = queries.get_document_for_change(user, pk)
    form = MarkReadyForm(request.POST)
    number = form.cleaned_data["number"] if form.is_valid() else ""
    try:
        actions.mark_ready(document=document, actor=user, number=number)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The document is ready for handover."))
    return redirect("records:detail", pk=pk)


# --- handover ----------------------------------------------------------------------------


def _places(user: User, document: Document) -> list[str]:
    if queries.can_manage(user, document):
        return list(DocumentHandover.Place.values)
    return [DocumentHandover.Place.VILLAGE_OFFICE]


def _hand_over(request: HttpRequest, document: Document, form: HandoverForm) -> bool:
    """Run the action from a bound form; put a refusal on the right field."""
    if not form.is_valid():
        return False
    try:
        actions.hand_over_document(
            document=document, actor=_user(request), **form.action_arguments()
        )
    except DomainError as error:
        field = HANDOVER_ERROR_FIELDS.get(error.code)
        if field not in form.fields or form.fields[field].widget.is_hidden:
            field = None
        form.add_error(field, error.message)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand a document over at a visit, the village office or the agency office.
    Village operators only at their village office."""
    user = _user(request)
    document = queries.get_document_for_handover(user, pk)
    if request.method == "GET" and document.status != Document.Status.READY:
        messages.info(request, _("Only a document that is ready can be handed over."))
        return redirect("records:detail", pk=pk)
    places = _places(user, document)
    initial = {}
    if request.GET.get("tempat") in places:
        initial["place"] = request.GET["tempat"]
    form = HandoverForm(
        request.POST or None,
        document=document,
        places=places,
        visits=queries.handover_visits(user),
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid() and not queries.can_hand_over(
            user, document, form.cleaned_data["place"]
        ):
            raise PermissionDenied
        if _hand_over(request, document, form):
            messages.success(request, _("The document is handed over."))
            return redirect("records:detail", pk=pk)
    return render(
        request,
        "records/handover.html",
        {"document": document, "form": form, "masked_nik": mask_nik(document.resident.national_id)},
    )


@login_required
@require_GET
def visit_documents(request: HttpRequest, visit_pk: int) -> HttpResponse:
    """Dokumen siap diserahkan: ready documents for the visit's kecamatan, grouped by
    village, with a handover form for each the user may hand over."""
    user = _user(request)
    visit = get_visit_for_staff(user, visit_pk)
    waiting = list(queries.scoped(queries.documents_waiting_for(visit), user))
    handed = list(
        queries.scoped(queries.documents_handed_over_at(visit), user).select_related(
            "handover__handed_over_by"
        )
    )
    groups = queries.group_by_village(waiting)
    groups.sort(key=lambda g: (g.village != visit.village, g.village_name))
    manages = _manages(user)
    forms = {
        d.pk: HandoverForm(document=d, places=[DocumentHandover.Place.VISIT], fixed_visit=visit)
        for d in waiting
        if manages(d)
    }
    return render(
        request,
        "records/visit_documents.html",
        {
            "visit": visit,
            "groups": groups,
            "handed": handed,
            "forms": forms,
            "masked": _masked(waiting + handed),
            "waiting_count": len(waiting),
        },
    )


@login_required
@require_POST
def visit_handover(request: HttpRequest, visit_pk: int, pk: int) -> HttpResponse:
    """One handover from the visit page. To htmx it answers with the document's card
    (handed over, or the form with its errors); without script it redirects back, or
    shows the form alone when it has errors."""
    user = _user(request)
    visit = get_visit_for_staff(user, visit_pk)
    document = queries.get_document_for_change(user, pk)
    form = HandoverForm(
        request.POST, document=document, places=[DocumentHandover.Place.VISIT], fixed_visit=visit
    )
    done = _hand_over(request, document, form)
    if done:
        document = queries.get_document_for_staff(user, pk)
    if _is_htmx(request):
        return render(
            request,
            "records/_visit_document.html",
            {
                "document": document,
                "visit": visit,
                "form": None if done else form,
                "masked": _masked([document]),
            },
        )
    if done:
        messages.success(request, _("The document is handed over."))
        return redirect("records:visit_documents", visit_pk=visit.pk)
    return render(
        request,
        "records/handover.html",
        {
            "document": document,
            "form": form,
            "visit": visit,
            "masked_nik": mask_nik(document.resident.national_id),
        },
    )


@login_required
@require_GET
def village_office_list(request: HttpRequest, village_pk: int) -> HttpResponse:
    """The printable list of ready documents waiting at the village office."""
    user = _user(request)
    village = queries.get_village_for_documents(user, village_pk)
    documents = list(queries.scoped(queries.documents_for_village_office(village), user))
    manages = _manages(user)
    may_hand_over = {
        d.pk
        for d in documents
        if manages(d) or (user.is_village_operator and user.village_id == village.pk)
    }
    return render(
        request,
        "records/village_office_list.html",
        {
            "village": village,
            "documents": documents,
            "masked": _masked(documents),
            "may_hand_over": may_hand_over,
            "now": timezone.localtime(
                timezone.now(), ZoneInfo(village.district.regency.time_zone)
            ).date(),
        },
    )
