"""The booth operator screen and the live visit dashboard (staff).

Both poll with htmx. A poll carries the ETag of its last answer; while the visit's
board version (``queueing.board``) and the minute have not moved, the answer is 304
from the cache alone: the tag is checked before the session or the user is read, so
such a poll touches no database. The tag is bound to the session cookie, the path
and the language, so only the session that received the content can revalidate it;
a 304 carries no data either way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from bujian.accounts.models import User
from bujian.core.errors import DomainError
from bujian.queueing import actions
from bujian.queueing import queries_booth as queries
from bujian.queueing.board import board_version
from bujian.queueing.forms_booth import FinishForm, TicketForm, TransferForm
from bujian.queueing.models import IN_PROGRESS, Ticket
from bujian.visits.actions import local_today
from bujian.visits.models import Booth
from bujian.visits.queries import get_visit_for_admin, operable_agency_ids

POLL_SECONDS = 5


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- polling with ETags -----------------------------------------------------------------


def _booth_visit_key(booth_id: int) -> str:
    return f"queueing:booth-visit:{booth_id}"


def _remember_booth(booth: Booth) -> None:
    """A booth never changes visit: remember which one, so a poll needs no query."""
    cache.set(_booth_visit_key(booth.pk), booth.visit_id, timeout=None)


def _poll_tag(request: HttpRequest, visit_id: int, path: str) -> str:
    """The ETag of a poll answer at ``path``: the visit's board version, the minute
    (waiting times and returning skipped tickets change with the clock), and the
    asker. Pages send it back themselves (``hx-headers``), so it works even where
    the browser keeps no HTTP cache."""
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    parts = [
        str(board_version(visit_id)),
        str(int(time.time() // 60)),
        session,
        path,
        translation.get_language() or "",
    ]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def _not_modified(request: HttpRequest, tag: str) -> HttpResponse | None:
    if tag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
        response["ETag"] = tag
        return response
    return None


def _poll_headers(response: HttpResponse, tag: str) -> HttpResponse:
    response["ETag"] = tag
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie", "HX-Request"])
    return response


def _login_again(request: HttpRequest) -> HttpResponse:
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # the full page then asks to log in
        return response
    return redirect_to_login(request.get_full_path())


# --- the booth screen -------------------------------------------------------------------


def _queue_context(request: HttpRequest, booth: Booth, now: dt.datetime) -> dict[str, Any]:
    path = reverse("queueing:booth_queue", kwargs={"booth_id": booth.pk})
    etag = _poll_tag(request, booth.visit_id, path)  # before the reads: never newer
    today = local_today(booth.visit.regency, now)
    return {
        "etag": etag,
        "booth": booth,
        "waiting": queries.waiting_list(booth, now, today),
        "parked": queries.parked_tickets(booth, now, today),
        "counts": queries.booth_counts(booth, today),
        "poll_seconds": POLL_SECONDS,
    }


def _panel_context(
    request: HttpRequest,
    booth: Booth,
    *,
    now: dt.datetime,
    wanted: int | None = None,
    finish_form: FinishForm | None = None,
    transfer_form: TransferForm | None = None,
    notice: str = "",
    error: str = "",
) -> dict[str, Any]:
    user = _user(request)
    today = local_today(booth.visit.regency, now)
    in_progress = queries.in_progress_tickets(booth)
    ticket = queries.pick_current(in_progress, user, wanted)
    current = queries.current_ticket(ticket, user) if ticket is not None else None
    targets = queries.transfer_targets(booth)
    if ticket is not None and current is not None:
        finish_form = finish_form or FinishForm(
            None,
            ticket_id=ticket.pk,
            requested=[need.service for need in current.needs],
            services=queries.booth_services(booth),
            targets=targets,
        )
        transfer_form = transfer_form or TransferForm(
            initial={"ticket": ticket.pk}, targets=targets, prefix="transfer"
        )
    return {
        "booth": booth,
        "visit": booth.visit,
        "current": current,
        "others": [t for t in in_progress if ticket is None or t.pk != ticket.pk],
        "finish_form": finish_form if current else None,
        "transfer_form": transfer_form if current else None,
        "can_call": not any(t.called_by_id == user.pk for t in in_progress),
        "callable_now": actions.callable_tickets(booth, now).count() if ticket is None else 0,
        "notice": notice,
        "error": error,
        "is_service_day": today in booth.visit.days,
    }


def _wanted(request: HttpRequest) -> int | None:
    raw = request.GET.get("tiket", "")
    return int(raw) if raw.isdecimal() else None


@login_required
@require_GET
def booth(request: HttpRequest, booth_id: int) -> HttpResponse:
    """The booth operator screen: the ticket being served with its buttons, and the
    queue (refreshed every few seconds)."""
    booth = queries.get_booth_for_operator(_user(request), booth_id)
    _remember_booth(booth)
    now = timezone.now()
    context = _panel_context(request, booth, now=now, wanted=_wanted(request))
    context |= _queue_context(request, booth, now)
    return render(request, "queueing/booth.html", context)


@require_GET
def booth_queue(request: HttpRequest, booth_id: int) -> HttpResponse:
    """The waiting list and counts, polled by the booth screen (304 while unchanged)."""
    visit_id = cache.get(_booth_visit_key(booth_id))
    if visit_id is not None:
        tag = _poll_tag(request, visit_id, request.path)
        if (unchanged := _not_modified(request, tag)) is not None:
            return unchanged
    if not request.user.is_authenticated:
        return _login_again(request)
    booth = queries.get_booth_for_operator(_user(request), booth_id)
    _remember_booth(booth)
    context = _queue_context(request, booth, timezone.now())
    response = render(request, "queueing/_booth_queue.html", context)
    return _poll_headers(response, context["etag"])


def _ticket_of(booth: Booth, request: HttpRequest) -> Ticket:
    form = TicketForm(request.POST)
    if not form.is_valid():
        raise Http404
    return queries.get_booth_ticket(booth, form.cleaned_data["ticket"])


Step = Callable[[HttpRequest, Booth, User], "StepResult"]


class StepResult:
    def __init__(
        self,
        notice: str = "",
        *,
        wanted: int | None = None,
        finish_form: FinishForm | None = None,
        transfer_form: TransferForm | None = None,
    ) -> None:
        self.notice = notice
        self.wanted = wanted
        self.finish_form = finish_form
        self.transfer_form = transfer_form


def _call(request: HttpRequest, booth: Booth, user: User) -> StepResult:
    ticket = actions.call_next(booth=booth, actor=user, unless_busy=True)
    if ticket is None:
        return StepResult(_("Nobody is waiting who can be called now."))
    return StepResult(
        _("Ticket %(ticket)s is called.") % {"ticket": ticket.label}, wanted=ticket.pk
    )


def _recall(request: HttpRequest, booth: Booth, user: User) -> StepResult:
    ticket = actions.recall(ticket=_ticket_of(booth, request), actor=user)
    return StepResult(
        _("Ticket %(ticket)s is called again.") % {"ticket": ticket.label}, wanted=ticket.pk
    )


def _skip(request: HttpRequest, booth: Booth, user: User) -> StepResult:
    ticket = actions.skip(ticket=_ticket_of(booth, request), actor=user)
    if ticket.status == Ticket.Status.CANCELLED:
        return StepResult(
            _("Ticket %(ticket)s was skipped %(times)s times and is cancelled as a no-show.")
            % {"ticket": ticket.label, "times": actions.MAX_SKIPS + 1}
        )
    return StepResult(
        _("Ticket %(ticket)s is skipped; it comes back in %(minutes)s minutes.")
        % {"ticket": ticket.label, "minutes": actions.SKIP_RETURN_MINUTES}
    )


def _hold(request: HttpRequest, booth: Booth, user: User) -> StepResult:
    ticket = actions.hold(ticket=_ticket_of(booth, request), actor=user)
    return StepResult(
        _("Ticket %(ticket)s is on hold and keeps its place.") % {"ticket": ticket.label}
    )


def _resume(request: HttpRequest, booth: Booth, user: User) -> StepResult:
    ticket = actions.resume(ticket=_ticket_of(booth, request), actor=user)
    return StepResult(
        _("Ticket %(ticket)s is back in the queue at its place.") % {"ticket": ticket.label}
    )


def _start(request: HttpRequest, booth: Booth, user: User) -> StepResult:
    ticket = actions.start_service(ticket=_ticket_of(booth, request), actor=user)
    return StepResult(_("Serving ticket %(ticket)s.") % {"ticket": ticket.label}, wanted=ticket.pk)


def _transfer(request: HttpRequest, booth: Booth, user: User) -> StepResult:
    form = TransferForm(request.POST, targets=queries.transfer_targets(booth), prefix="transfer")
    if not form.is_valid():
        return StepResult(wanted=form.cleaned_data.get("ticket"), transfer_form=form)
    ticket = queries.get_booth_ticket(booth, form.cleaned_data["ticket"])
    new = actions.transfer(ticket=ticket, to_booth=form.cleaned_data["to_booth"], actor=user)
    return StepResult(
        _("Ticket %(ticket)s is sent to %(booth)s as %(new)s, keeping its place.")
        % {"ticket": ticket.label, "booth": new.booth.name, "new": new.label}
    )


def _finish(request: HttpRequest, booth: Booth, user: User) -> StepResult:
    ticket = _ticket_of(booth, request)
    form = FinishForm(
        request.POST,
        ticket_id=ticket.pk,
        requested=list(ticket.services.prefetch_related("requirements").order_by("name")),
        services=queries.booth_services(booth),
        targets=queries.transfer_targets(booth),
    )
    if not form.is_valid():
        return StepResult(wanted=ticket.pk, finish_form=form)
    try:
        actions.finish_ticket(ticket=ticket, actor=user, outcomes=form.outcomes())
    except DomainError as error:
        if not Ticket.objects.filter(pk=ticket.pk, status__in=IN_PROGRESS).exists():
            raise  # finished meanwhile (a double click): no form to correct
        form.errors.append(error.message)
        return StepResult(wanted=ticket.pk, finish_form=form)
    return StepResult(_("Ticket %(ticket)s is finished.") % {"ticket": ticket.label})


STEPS: dict[str, Step] = {
    "panggil": _call,
    "panggil-ulang": _recall,
    "lewati": _skip,
    "tahan": _hold,
    "lanjutkan": _resume,
    "mulai": _start,
    "alihkan": _transfer,
    "selesai": _finish,
}


@login_required
@require_POST
def booth_action(request: HttpRequest, booth_id: int, step: str) -> HttpResponse:
    """One button of the booth screen. Every action filters on the ticket's old state,
    so a double click does the step once and the second click gets a clear message.
    htmx gets the panel (and the queue, out of band); a plain form post is redirected
    back to the screen."""
    user = _user(request)
    booth = queries.get_booth_for_operator(user, booth_id)
    run = STEPS.get(step)
    if run is None:
        raise Http404
    error = ""
    try:
        result = run(request, booth, user)
    except DomainError as domain_error:
        error = domain_error.message
        result = StepResult()
    form_failed = result.finish_form is not None or result.transfer_form is not None
    if not _is_htmx(request) and not form_failed:
        if error:
            messages.error(request, error)
        elif result.notice:
            messages.success(request, result.notice)
        url = reverse("queueing:booth", kwargs={"booth_id": booth.pk})
        return redirect(f"{url}?tiket={result.wanted}" if result.wanted else url)
    now = timezone.now()
    context = _panel_context(
        request,
        booth,
        now=now,
        wanted=result.wanted,
        finish_form=result.finish_form,
        transfer_form=result.transfer_form,
        notice=result.notice,
        error=error,
    )
    queue = _queue_context(request, booth, now)
    if not _is_htmx(request):
        return render(request, "queueing/booth.html", context | queue)
    panel = render_to_string("queueing/_booth_panel.html", context, request=request)
    queue_html = render_to_string(
        "queueing/_booth_queue.html", queue | {"oob": True}, request=request
    )
    return HttpResponse(panel + queue_html)


# --- the visit dashboard ----------------------------------------------------------------


def _dashboard_context(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    user = _user(request)
    visit, agency_ids = queries.get_visit_for_dashboard(user, visit_id)
    path = reverse("queueing:dashboard_stats", kwargs={"visit_id": visit.pk})
    etag = _poll_tag(request, visit.pk, path)  # before the reads: never newer
    now = timezone.now()
    today = local_today(visit.regency, now)
    carry_possible = user.is_program_admin and today in visit.days and today > visit.start_date
    data = queries.visit_dashboard(visit, today, agency_ids, with_left_over=carry_possible)
    operable = operable_agency_ids(user)
    return {
        "etag": etag,
        "visit": visit,
        "today": today,
        "data": data,
        "operable_booths": {
            stats.booth.pk
            for stats in data.booths
            if stats.booth is not None
            and (operable is None or stats.booth.participation.agency_id in operable)
        },
        "carry_possible": carry_possible and data.left_over > 0,
        "poll_seconds": POLL_SECONDS,
    }


@login_required
@require_GET
def dashboard(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The live visit dashboard: queues per booth, waiting and service times,
    residents served per hour, agencies present."""
    return render(request, "queueing/dashboard.html", _dashboard_context(request, visit_id))


@require_GET
def dashboard_stats(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The dashboard's numbers, polled (304 while unchanged, without the database)."""
    tag = _poll_tag(request, visit_id, request.path)
    if (unchanged := _not_modified(request, tag)) is not None:
        return unchanged
    if not request.user.is_authenticated:
        return _login_again(request)
    context = _dashboard_context(request, visit_id)
    response = render(request, "queueing/_dashboard_stats.html", context)
    return _poll_headers(response, context["etag"])


@login_required
@require_POST
def carry_over(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Program admins, from day two: bring yesterday's unserved tickets to today."""
    user = _user(request)
    visit = get_visit_for_admin(user, visit_id)
    try:
        count = actions.carry_over(visit=visit, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)s ticket from earlier days is now in today's queue.",
                    "%(count)s tickets from earlier days are now in today's queue.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("No ticket from earlier days was left to carry over."))
    return redirect("queueing:dashboard", visit_id=visit.pk)
