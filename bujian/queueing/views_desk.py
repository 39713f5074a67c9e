"""The registration desk, the printed ticket and the booth setup page (staff)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bujian.accounts.models import User
from bujian.core.errors import DomainError
from bujian.core.templatetags.bujian import qr_svg_markup
from bujian.queueing import actions, actions_desk, queries
from bujian.queueing.forms import (
    BoothForm,
    DeskCodeForm,
    DeskSearchForm,
    IssueTicketForm,
    OpenBoothForm,
    WalkInForm,
)
from bujian.queueing.models import Ticket
from bujian.residents.actions import ResidentRefused, register_resident
from bujian.residents.nik import mask_nik
from bujian.visits.actions import local_today
from bujian.visits.models import Booth

PAPER_WIDTHS = {"58": 48, "80": 72}  # roll width → printable width, in mm


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- the desk ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Find the resident (NIK or name, live), scan a registration QR, or start a
    walk-in. With htmx only the search results are sent. The search is POSTed so a
    typed NIK never lands in a URL or an access log."""
    user = _user(request)
    visit = queries.get_visit_for_desk(user, visit_id)
    form = DeskSearchForm(request.POST or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    code = queries.parse_code(q)
    if code is not None and not _is_htmx(request):
        # A QR scanner typed into the search box and pressed Enter.
        return redirect(
            reverse("queueing:desk_code", args=[visit.pk]) + "?" + urlencode({"kode": str(code)})
        )
    results = queries.desk_search(user, visit, q) if q and code is None else []
    context = {"visit": visit, "form": form, "q": q, "results": results, "code": code}
    if _is_htmx(request):
        return render(request, "queueing/_desk_results.html", context)
    today = local_today(visit.regency)
    context |= {
        "code_form": DeskCodeForm(),
        "agencies": queries.desk_agencies(visit, today),
        "recent": list(queries.recent_visit_tickets(visit)),
        "is_service_day": today in visit.days,
    }
    return render(request, "queueing/desk.html", context)


@login_required
@require_GET
def desk_code(request: HttpRequest, visit_id: int) -> HttpResponse:
    """A scanned QR: a pre-registration opens its resident with the needs ticked; a
    visit ticket opens that ticket (for a reprint)."""
    user = _user(request)
    visit = queries.get_visit_for_desk(user, visit_id)
    form = DeskCodeForm(request.GET)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["kode"]))
        return redirect("queueing:desk", visit_id=visit.pk)
    found = queries.scanned_code(user, visit, form.cleaned_data["kode"])
    if found.registration is not None:
        return redirect(
            "queueing:desk_resident",
            visit_id=visit.pk,
            resident_uuid=found.registration.resident.uuid,
        )
    if found.visit_ticket is not None:
        messages.info(request, _("This resident already has a ticket for this visit."))
        return redirect("queueing:desk_ticket", ticket_uuid=found.visit_ticket.uuid)
    if found.resident is not None:
        return redirect(
            "queueing:desk_resident", visit_id=visit.pk, resident_uuid=found.resident.uuid
        )
    if found.other_visit is not None:
        messages.error(
            request,
            _("This code belongs to another visit (%(visit)s).") % {"visit": found.other_visit},
        )
    else:
        messages.error(request, _("No registration has this code. Search by NIK or name."))
    return redirect("queueing:desk", visit_id=visit.pk)


@login_required
@require_http_methods(["GET", "POST"])
def desk_walk_in(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Register a resident who came without pre-registration, then choose services."""
    user = _user(request)
    visit = queries.get_visit_for_desk(user, visit_id)
    initial = {}
    if request.method == "GET" and (q := request.GET.get("q", "").strip()):
        digits = q.replace(" ", "")
        initial = {"national_id": digits} if digits.isdigit() else {"full_name": q}
    form = WalkInForm(request.POST or None, visit=visit, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident = register_resident(
                national_id=data["national_id"],
                family_card_number=data["family_card_number"],
                full_name=data["full_name"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                birth_place=data["birth_place"],
                village=data["village"],
                hamlet=data["hamlet"],
                rt=data["rt"],
                rw=data["rw"],
                address=data["address"],
                phone=data["phone"],
                actor=user,
                accept_warnings=data["accept_warnings"],
            )
        except DomainError as error:
            if error.code == "residents.duplicate_nik":
                existing = queries.resident_by_nik(user, data["national_id"])
                if existing is not None:
                    messages.info(
                        request,
                        _("%(name)s is already registered with this NIK; choose the services.")
                        % {"name": existing.full_name},
                    )
                    return redirect(
                        "queueing:desk_resident", visit_id=visit.pk, resident_uuid=existing.uuid
                    )
            if isinstance(error, ResidentRefused) and error.warnings:
                form.nik_warnings = error.warnings
            form.add_error(None, error.message)
        else:
            return redirect(
                "queueing:desk_resident", visit_id=visit.pk, resident_uuid=resident.uuid
            )
    return render(request, "queueing/desk_walk_in.html", {"visit": visit, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def desk_resident(request: HttpRequest, visit_id: int, resident_uuid: uuid.UUID) -> HttpResponse:
    """Choose the services (pre-registered needs are ticked) and issue the ticket.
    POST, then redirect to the ticket: a reload or a second click issues nothing."""
    user = _user(request)
    visit = queries.get_visit_for_desk(user, visit_id)
    resident = queries.get_resident(user, resident_uuid)
    today = local_today(visit.regency)
    agencies = queries.desk_agencies(visit, today)
    case = queries.desk_case(visit, resident)
    form = IssueTicketForm(
        request.POST or None,
        agencies=agencies,
        initial={"services": [str(pk) for pk in case.needed_service_ids]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            visit_ticket = actions_desk.issue_at_desk(
                visit=visit, resident=resident, services=form.cleaned_data["services"], actor=user
            )
        except DomainError as error:
            if error.code == "queueing.already_queued" and case.visit_ticket is not None:
                messages.info(request, error.message)
                return redirect("queueing:desk_ticket", ticket_uuid=case.visit_ticket.uuid)
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The ticket for %(name)s is ready. Print it and hand it over.")
                % {"name": resident.full_name},
            )
            return redirect("queueing:desk_ticket", ticket_uuid=visit_ticket.uuid)
    available = {s.pk for group in agencies for s in group.services}
    missing = [
        need.service
        for need in (case.registration.needs.all() if case.registration else [])
        if need.service_id not in available
    ]
    return render(
        request,
        "queueing/desk_resident.html",
        {
            "visit": visit,
            "resident": resident,
            "masked_nik": mask_nik(resident.national_id),
            "agencies": agencies,
            "case": case,
            "form": form,
            "selected": {str(v) for v in form["services"].value() or []},
            "queued_labels": {
                t.booth_id: t.label
                for t in (case.visit_ticket.tickets.all() if case.visit_ticket else [])
                if t.booth_id in case.queued_booth_ids
            },
            "missing": missing,
        },
    )


@login_required
@require_GET
def desk_ticket(request: HttpRequest, ticket_uuid: uuid.UUID) -> HttpResponse:
    """The issued ticket at the desk: the numbers, and buttons to print it."""
    visit_ticket = queries.get_visit_ticket_for_desk(_user(request), ticket_uuid)
    return render(
        request,
        "queueing/desk_ticket.html",
        {
            "visit": visit_ticket.visit,
            "visit_ticket": visit_ticket,
            "tickets": list(visit_ticket.tickets.all()),
            "masked_nik": mask_nik(visit_ticket.resident.national_id),
            "status_url": reverse("queueing:status", args=[visit_ticket.uuid]),
        },
    )


# --- the printed ticket ------------------------------------------------------------------


def qr_svg(data: str) -> SafeString:
    """The ticket's QR: sized by CSS (no fixed size), with a quiet zone of 4."""
    return qr_svg_markup(
        data, scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None, title=""
    )


@login_required
@require_GET
def ticket_print(request: HttpRequest, ticket_uuid: uuid.UUID) -> HttpResponse:
    """The ticket for a 58 mm or 80 mm thermal roll (``?lebar=58|80``), printed by the
    browser. The page height follows the number of booths, as a roll has no pages."""
    visit_ticket = queries.get_visit_ticket_for_desk(_user(request), ticket_uuid)
    width = request.GET.get("lebar", "58")
    if width not in PAPER_WIDTHS:
        width = "58"
    finished = {Ticket.Status.DONE, Ticket.Status.CANCELLED}
    tickets = [t for t in visit_ticket.tickets.all() if t.status not in finished] or list(
        visit_ticket.tickets.all()
    )
    status_url = request.build_absolute_uri(reverse("queueing:status", args=[visit_ticket.uuid]))
    qr_mm = 34 if width == "58" else 44
    return render(
        request,
        "queueing/ticket_print.html",
        {
            "visit": visit_ticket.visit,
            "visit_ticket": visit_ticket,
            "tickets": tickets,
            "first_name": queries.first_name(visit_ticket.resident.full_name),
            "masked_nik": mask_nik(visit_ticket.resident.national_id),
            "status_url": status_url,
            "qr": qr_svg(status_url),
            "width": width,
            "paper_mm": int(width),
            "printable_mm": PAPER_WIDTHS[width],
            "qr_mm": qr_mm,
            # Measured in Chromium: the text above and below the QR, then each booth,
            # plus room for a longer translation.
            # The footer notes (survey, aspiration QR) take about 20 or 22 mm more.
            "page_height_mm": (76 if width == "58" else 82)
            + qr_mm
            + (21 if width == "58" else 25) * len(tickets),
            "autoprint": request.GET.get("cetak") != "0",
            "today": local_today(visit_ticket.visit.regency),
        },
    )


# --- booth setup (program admins) -------------------------------------------------------


@login_required
@require_GET
def booth_setup(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = queries.get_visit_for_booth_setup(_user(request), visit_id)
    participations = list(queries.booth_setup(visit))
    return render(
        request,
        "queueing/desk_booths.html",
        {
            "visit": visit,
            "participations": participations,
            "present_without_booth": sum(
                1
                for p in participations
                if p.attendance == p.Attendance.PRESENT and not p.booths.all()
            ),
        },
    )


@login_required
@require_POST
def booth_open(request: HttpRequest, visit_id: int) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_booth_setup(user, visit_id)
    form = OpenBoothForm(request.POST, visit=visit)
    if not form.is_valid():
        messages.error(request, _("Choose an agency of this visit."))
        return redirect("queueing:booth_setup", visit_id=visit.pk)
    try:
        booth = actions.open_booth(participation=form.cleaned_data["participation"], actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Booth %(prefix)s is open: %(name)s.") % {"prefix": booth.prefix, "name": booth.name},
        )
    return redirect("queueing:booth_setup", visit_id=visit.pk)


@login_required
@require_POST
def booth_open_all(request: HttpRequest, visit_id: int) -> HttpResponse:
    user = _user(request)
    visit = queries.get_visit_for_booth_setup(user, visit_id)
    try:
        booths = actions_desk.open_booths_for_present(visit=visit, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if booths:
            messages.success(
                request,
                ngettext(
                    "%(count)d booth is open: %(prefixes)s.",
                    "%(count)d booths are open: %(prefixes)s.",
                    len(booths),
                )
                % {"count": len(booths), "prefixes": ", ".join(b.prefix for b in booths)},
            )
        else:
            messages.info(request, _("Every present agency already has a booth."))
    return redirect("queueing:booth_setup", visit_id=visit.pk)


@login_required
@require_POST
def booth_edit(request: HttpRequest, visit_id: int, booth_id: int) -> HttpResponse:
    """Rename a booth, set its zone, close or reopen it (booth setup page)."""
    user = _user(request)
    visit = queries.get_visit_for_booth_setup(user, visit_id)
    booth = get_object_or_404(Booth, pk=booth_id, visit=visit)
    form = BoothForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the booth a name."))
        return redirect("queueing:booth_setup", visit_id=visit.pk)
    was_open = booth.is_open
    try:
        actions.update_booth(booth=booth, actor=user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("queueing:booth_setup", visit_id=visit.pk)
    if was_open and not booth.is_open:
        waiting = actions.waiting_count(booth)
        message = _("%(booth)s is closed: it gives no new numbers.") % {"booth": booth.name}
        if waiting:
            message += " " + ngettext(
                "%(count)d resident still waits there: call them or send them to another booth.",
                "%(count)d residents still wait there: call them or send them to another booth.",
                waiting,
            ) % {"count": waiting}
        messages.warning(request, message)
    else:
        messages.success(request, _("%(booth)s is saved.") % {"booth": booth.name})
    return redirect("queueing:booth_setup", visit_id=visit.pk)


@login_required
@require_POST
def desk_ticket_cancel(
    request: HttpRequest, ticket_uuid: uuid.UUID, ticket_id: int
) -> HttpResponse:
    """The desk takes one booth number of a visit ticket out of the queue."""
    user = _user(request)
    visit_ticket = queries.get_visit_ticket_for_desk(user, ticket_uuid)
    ticket = next((t for t in visit_ticket.tickets.all() if t.pk == ticket_id), None)
    if ticket is None:
        raise Http404
    try:
        actions.cancel_ticket(ticket=ticket, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Number %(label)s is cancelled.") % {"label": ticket.label})
    return redirect("queueing:desk_ticket", ticket_uuid=visit_ticket.uuid)
