"""Aspiration pages. Public (no login): the form, the tracking page, reopening, the
pages per visit and per village, photos. Staff: the list, recording, the detail page
with each workflow step, the leadership dashboard, the pre-visit list of a kecamatan
and the SP4N-LAPOR! export. HTTP only: rules in ``actions``, scope in ``queries``."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bujian.accounts.models import User
from bujian.accounts.permissions import require_regency_reader, staff_regency
from bujian.aspirations import actions, export, queries, ratelimit, stats
from bujian.aspirations.forms import (
    AssignForm,
    FilterForm,
    MergeForm,
    NoteForm,
    OptionalNoteForm,
    PublicAspirationForm,
    PublicReopenForm,
    RejectForm,
    ReopenForm,
    ResolveForm,
    StaffAspirationForm,
    TermForm,
    TrackForm,
)
from bujian.aspirations.models import Aspiration, Attachment, Category
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.regions.models import Regency, Village
from bujian.residents.nik import mask_nik
from bujian.visits.actions import local_today
from bujian.visits.models import Visit
from bujian.visits.queries import get_visit_for_staff, visible_visits

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _public_regency(request: HttpRequest) -> Regency:
    code = request.GET.get("kabupaten") or settings.BUJIAN_HOME_REGENCY
    regency = Regency.objects.filter(code=code).first()
    if regency is None:
        raise Http404
    return regency


def _villages(regency: Regency) -> Any:
    return Village.objects.filter(district__regency=regency)


# --- public: the form -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """The public form, reached from posters and the QR on queue tickets
    (``?kunjungan=<id>`` names the visit)."""
    visit: Visit | None = None
    visit_id = request.GET.get("kunjungan", "")
    if visit_id.isdecimal():
        visit = (
            Visit.objects.public().select_related("regency", "village").filter(pk=visit_id).first()
        )
    regency = visit.regency if visit is not None else _public_regency(request)
    initial = {"village": visit.village_id} if visit is not None else {}
    form = PublicAspirationForm(
        request.POST or None, request.FILES or None, villages=_villages(regency), initial=initial
    )
    if request.method == "POST":
        if form.data.get("website"):
            # A bot filled the hidden field: say no more than a failure would.
            form.add_error(None, _("The form could not be sent. Please try again."))
        elif form.is_valid():
            # Only complete forms count towards the limit: a resident fixing a typo is
            # not blocked, and an invalid form costs nothing to refuse.
            if not ratelimit.hit(request, "submit"):
                form.add_error(
                    None,
                    _(
                        "Too many aspirations were sent from this device. Please wait 10 "
                        "minutes and try again, or tell the officer at the registration desk."
                    ),
                )
            else:
                aspiration = _submit_public(form, regency, visit)
                if aspiration is not None:
                    return redirect("aspirations:sent", code=aspiration.code)
    return render(
        request,
        "aspirations/submit.html",
        {"form": form, "visit": visit, "regency": regency, "track_form": TrackForm()},
    )


def _submit_public(
    form: PublicAspirationForm, regency: Regency, visit: Visit | None
) -> Aspiration | None:
    """The public form's action call; a refusal becomes a form error (None)."""
    data = form.cleaned_data
    # The QR on a ticket names the visit, also when the resident writes days later.
    linked = visit if visit is not None and visit.status != Visit.Status.CANCELLED else None
    try:
        return actions.submit_aspiration(
            regency=regency,
            channel=Aspiration.Channel.PUBLIC_FORM,
            visit=linked,
            category=data["category"],
            title=data["title"],
            text=data["text"],
            village=data["village"],
            hamlet=data["hamlet"],
            rt=data["rt"],
            rw=data["rw"],
            reporter_name=data["reporter_name"],
            reporter_national_id=data["reporter_national_id"],
            reporter_phone=data["reporter_phone"],
            hide_identity=data["hide_identity"],
            phone_consent=data["phone_consent"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            photos=data["photos"],
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return None


def _public_aspiration(code: str) -> Aspiration:
    aspiration = (
        Aspiration.objects.select_related(
            "lead_agency", "village__district", "visit__village", "merged_into", "regency"
        )
        .filter(code=code.strip().upper())
        .first()
    )
    if aspiration is None:
        raise Http404
    return aspiration


@require_GET
def sent(request: HttpRequest, code: str) -> HttpResponse:
    """The thank-you page with the tracking code, big and printable."""
    aspiration = _public_aspiration(code)
    return render(request, "aspirations/sent.html", {"aspiration": aspiration})


@require_GET
def track_lookup(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        if Aspiration.objects.filter(code=code).exists():
            return redirect("aspirations:track", code=code)
        form.add_error(
            "code",
            _("No aspiration has the code %(code)s. Check the letters and digits.")
            % {"code": code},
        )
    return render(request, "aspirations/track_lookup.html", {"form": form})


def _public_context(aspiration: Aspiration) -> dict[str, Any]:
    today = local_today(aspiration.regency)
    return {
        "aspiration": aspiration,
        "events": queries.public_history(aspiration),
        "photos": [a for a in queries.attachments(aspiration, public_only=True)],
        "today": today,
        "overdue": aspiration.is_overdue(today),
        "can_reopen": actions.can_reopen(aspiration, today),
        "reopen_form": PublicReopenForm(phone=aspiration.reporter_phone),
        "supporting": queries.supporting_of(aspiration),
    }


@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    """The public page of one aspiration: status, history, the agency's answer and
    the public photos. No name, NIK or phone."""
    aspiration = _public_aspiration(code)
    return render(request, "aspirations/track.html", _public_context(aspiration))


@require_POST
def reopen(request: HttpRequest, code: str) -> HttpResponse:
    """The resident reopens an answer that does not satisfy them; the tracking code
    (printed for them, sent to their phone) is what proves it is theirs."""
    aspiration = _public_aspiration(code)
    form = PublicReopenForm(request.POST, phone=aspiration.reporter_phone)
    context = _public_context(aspiration)
    if not ratelimit.hit(request, "reopen"):
        messages.error(request, _("Too many attempts from this device. Please wait 10 minutes."))
        return redirect("aspirations:track", code=aspiration.code)
    if form.is_valid():
        try:
            actions.reopen_aspiration(aspiration=aspiration, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The aspiration is open again; the agency will answer."))
        return redirect("aspirations:track", code=aspiration.code)
    context["reopen_form"] = form
    return render(request, "aspirations/track.html", context, status=400)


@require_GET
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo or evidence file. Anyone may open the public ones; the others only
    staff who may see the aspiration. Never a direct /media/ link."""
    item = Attachment.objects.select_related("aspiration").filter(pk=pk).first()
    if item is None:
        raise Http404
    if not item.is_public:
        user = request.user
        if not isinstance(user, User):
            raise Http404
        queries.get_aspiration_for_staff(user, item.aspiration_id)
    # Files are at most 5 MB: read whole, so no file handle outlives the request.
    try:
        with item.file.open("rb") as handle:
            data = handle.read()
    except FileNotFoundError as error:
        raise Http404 from error
    response = HttpResponse(data, content_type=item.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _category_counts(rows: Any) -> list[tuple[str, int]]:
    labels = dict(Category.choices)
    counted = rows.values("category").annotate(n=Count("id")).order_by("-n")
    return [(str(labels.get(row["category"], row["category"])), int(row["n"])) for row in counted]


@require_GET
def visit_public(request: HttpRequest, visit_id: int) -> HttpResponse:
    """What was raised at a visit, and what was done."""
    visit = (
        Visit.objects.public()
        .select_related("village__district", "regency")
        .filter(pk=visit_id)
        .first()
    )
    if visit is None:
        raise Http404
    rows = queries.public_aspirations().filter(visit=visit)
    return render(
        request,
        "aspirations/visit_public.html",
        {
            "visit": visit,
            "aspirations": list(rows),
            "counts": stats.visit_aspiration_counts(visit.pk),
            "today": local_today(visit.regency),
        },
    )


@require_GET
def village_public(request: HttpRequest, village_id: int) -> HttpResponse:
    village = Village.objects.select_related("district__regency").filter(pk=village_id).first()
    if village is None:
        raise Http404
    today = local_today(village.district.regency)
    rows = queries.public_aspirations().filter(village=village)
    return render(
        request,
        "aspirations/village_public.html",
        {
            "village": village,
            "aspirations": list(rows[:200]),
            "counts": stats.village_aspiration_counts(village.pk, today),
            "today": today,
        },
    )


# --- staff ----------------------------------------------------------------------------


def _filters(form: FilterForm) -> queries.ListFilters:
    if not form.is_valid():
        return queries.ListFilters()
    data = form.cleaned_data
    agency = data.get("agency")
    return queries.ListFilters(
        status=data.get("status") or "",
        category=data.get("category") or "",
        agency=agency.pk if agency is not None else None,
        visit=data.get("visit"),
        overdue=bool(data.get("overdue")),
        term=data.get("term") or "",
        q=(data.get("q") or "").strip(),
    )


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    regency = staff_regency(user)
    today = local_today(regency)
    form = FilterForm(request.GET or None, agencies=queries.assignable_agencies(regency))
    rows = queries.aspiration_list(user, _filters(form), today)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "aspirations/staff_list.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "query": query.urlencode(),
            "overdue_total": queries.visible_aspirations(user).overdue(today).count(),
            "can_export": user.sees_whole_regency,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    """Assisted entry: staff record an aspiration for a resident at a visit, or one
    raised in the dialogue session with the leader's direct answer."""
    user = _user(request)
    if not queries.can_record(user):
        raise PermissionDenied
    regency = staff_regency(user)
    visits = visible_visits(user).filter(regency=regency).exclude(status=Visit.Status.CANCELLED)
    villages = _villages(regency)
    if user.is_village_operator:
        villages = villages.filter(pk=user.village_id)
    initial: dict[str, Any] = {}
    visit_id = request.GET.get("kunjungan", "")
    if visit_id.isdecimal():
        visit = get_visit_for_staff(user, int(visit_id))
        initial = {"visit": visit.pk, "village": visit.village_id}
    form = StaffAspirationForm(
        request.POST or None,
        request.FILES or None,
        villages=villages,
        visits=visits.order_by("-start_date"),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            aspiration = actions.submit_aspiration(
                regency=regency,
                channel=data["channel"],
                visit=data["visit"],
                category=data["category"],
                title=data["title"],
                text=data["text"],
                village=data["village"],
                hamlet=data["hamlet"],
                rt=data["rt"],
                rw=data["rw"],
                reporter_name=data["reporter_name"],
                reporter_national_id=data["reporter_national_id"],
                reporter_phone=data["reporter_phone"],
                hide_identity=data["hide_identity"],
                phone_consent=data["phone_consent"],
                raised_by=data["raised_by"],
                leader_response=data["leader_response"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                photos=data["photos"],
                actor=user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Aspiration recorded with the tracking code %(code)s.")
                % {"code": aspiration.code},
            )
            return redirect("aspirations:staff_detail", pk=aspiration.pk)
    return render(request, "aspirations/staff_form.html", {"form": form})


def _detail_context(user: User, aspiration: Aspiration) -> dict[str, Any]:
    today = local_today(aspiration.regency)
    agencies = queries.assignable_agencies(aspiration.regency)
    disposer = queries.can_dispose(user)
    answerer = queries.can_answer(user, aspiration)
    status = aspiration.status
    return {
        "aspiration": aspiration,
        "today": today,
        "overdue": aspiration.is_overdue(today),
        "identity": queries.shows_identity(user, aspiration),
        "masked_nik": mask_nik(aspiration.reporter_national_id),
        "events": queries.history(aspiration),
        "photos": queries.attachments(aspiration, public_only=False),
        "supporting": queries.supporting_of(aspiration),
        "duplicates": list(queries.duplicates_of(aspiration)),
        "can_verify": disposer and status == Aspiration.Status.RECEIVED,
        "can_assign": disposer and status in {"received", "verified"},
        "can_redirect": disposer and status in {"assigned", "in_progress"},
        "can_start": answerer and status == Aspiration.Status.ASSIGNED,
        "can_resolve": answerer and status in {"assigned", "in_progress"},
        "can_reject": aspiration.is_open
        and (disposer or (answerer and status in {"assigned", "in_progress"})),
        "can_merge": disposer and aspiration.is_open,
        "can_reopen": disposer and actions.can_reopen(aspiration, today),
        "can_set_term": (disposer or answerer) and status not in {"merged"},
        "verify_form": OptionalNoteForm(prefix="verify"),
        "assign_form": AssignForm(
            prefix="assign",
            agencies=agencies,
            initial={"lead_agency": aspiration.lead_agency_id, "term": aspiration.term},
        ),
        "start_form": NoteForm(prefix="start"),
        "resolve_form": ResolveForm(prefix="resolve"),
        "reject_form": RejectForm(prefix="reject"),
        "merge_form": MergeForm(prefix="merge"),
        "reopen_form": ReopenForm(prefix="reopen"),
        "term_form": TermForm(
            prefix="term",
            initial={"term": aspiration.term, "planning_year": aspiration.planning_year},
        ),
    }


@login_required
@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    aspiration = queries.get_aspiration_for_staff(user, pk)
    return render(request, "aspirations/staff_detail.html", _detail_context(user, aspiration))


STEPS = {
    "verifikasi": "verify",
    "disposisi": "assign",
    "alihkan": "redirect",
    "proses": "start",
    "selesai": "resolve",
    "tolak": "reject",
    "gabung": "merge",
    "buka-kembali": "reopen",
    "jangka": "term",
}


def _run_step(
    request: HttpRequest, user: User, aspiration: Aspiration, step: str
) -> tuple[bool, str, Any]:
    """Parse the step's form and call its action: (done, form name, form)."""
    regency = aspiration.regency
    if step == "verify":
        verify = OptionalNoteForm(request.POST, prefix="verify")
        if verify.is_valid():
            actions.verify_aspiration(
                aspiration=aspiration, actor=user, note=verify.cleaned_data["note"]
            )
            return True, "verify_form", verify
        return False, "verify_form", verify
    if step in {"assign", "redirect"}:
        assign = AssignForm(
            request.POST, prefix="assign", agencies=queries.assignable_agencies(regency)
        )
        if not assign.is_valid():
            return False, "assign_form", assign
        data = assign.cleaned_data
        if step == "assign":
            actions.assign_aspiration(
                aspiration=aspiration,
                actor=user,
                lead_agency=data["lead_agency"],
                supporting=data["supporting"],
                disposition=data["disposition"],
                term=data["term"] or "",
                planning_year=data["planning_year"],
            )
        else:
            actions.redirect_aspiration(
                aspiration=aspiration,
                actor=user,
                lead_agency=data["lead_agency"],
                supporting=data["supporting"],
                disposition=data["disposition"],
            )
        return True, "assign_form", assign
    if step == "start":
        start = NoteForm(request.POST, prefix="start")
        if start.is_valid():
            actions.start_work(aspiration=aspiration, actor=user, note=start.cleaned_data["note"])
            return True, "start_form", start
        return False, "start_form", start
    if step == "resolve":
        resolve = ResolveForm(request.POST, request.FILES, prefix="resolve")
        if resolve.is_valid():
            actions.resolve_aspiration(
                aspiration=aspiration,
                actor=user,
                response=resolve.cleaned_data["response"],
                evidence=resolve.cleaned_data["evidence"],
            )
            return True, "resolve_form", resolve
        return False, "resolve_form", resolve
    if step == "reject":
        reject = RejectForm(request.POST, prefix="reject")
        if reject.is_valid():
            actions.reject_aspiration(
                aspiration=aspiration, actor=user, reason=reject.cleaned_data["reason"]
            )
            return True, "reject_form", reject
        return False, "reject_form", reject
    if step == "merge":
        merge = MergeForm(request.POST, prefix="merge")
        if merge.is_valid():
            target = (
                queries.visible_aspirations(user)
                .filter(code=merge.cleaned_data["target_code"])
                .first()
            )
            if target is None:
                merge.add_error(
                    "target_code",
                    _("No aspiration has the code %(code)s.")
                    % {"code": merge.cleaned_data["target_code"]},
                )
                return False, "merge_form", merge
            actions.merge_aspiration(
                duplicate=aspiration, target=target, actor=user, note=merge.cleaned_data["note"]
            )
            return True, "merge_form", merge
        return False, "merge_form", merge
    if step == "reopen":
        reopen_form = ReopenForm(request.POST, prefix="reopen")
        if reopen_form.is_valid():
            actions.reopen_aspiration(
                aspiration=aspiration, actor=user, reason=reopen_form.cleaned_data["reason"]
            )
            return True, "reopen_form", reopen_form
        return False, "reopen_form", reopen_form
    term = TermForm(request.POST, prefix="term")
    if term.is_valid():
        actions.set_term(
            aspiration=aspiration,
            actor=user,
            term=term.cleaned_data["term"],
            planning_year=term.cleaned_data["planning_year"],
        )
        return True, "term_form", term
    return False, "term_form", term


def _may_step(user: User, aspiration: Aspiration, step: str) -> bool:
    if step in {"verify", "assign", "redirect", "merge", "reopen"}:
        return queries.can_dispose(user)
    if step in {"start", "resolve"}:
        return queries.can_answer(user, aspiration)
    if step == "reject":
        if queries.can_dispose(user):
            return True
        return queries.can_answer(user, aspiration) and aspiration.status in {
            "assigned",
            "in_progress",
        }
    return queries.can_dispose(user) or queries.can_answer(user, aspiration)


@login_required
@require_POST
def staff_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One workflow step from the detail page; a refusal shows the page again with
    the sentence that says what to do."""
    user = _user(request)
    name = STEPS.get(step)
    if name is None:
        raise Http404
    aspiration = queries.get_aspiration_for_staff(user, pk)
    if not _may_step(user, aspiration, name):
        raise PermissionDenied
    try:
        done, form_name, form = _run_step(request, user, aspiration, name)
    except DomainError as error:
        done, form_name, form = False, "", None
        messages.error(request, error.message)
        aspiration.refresh_from_db()
        return render(
            request, "aspirations/staff_detail.html", _detail_context(user, aspiration), status=409
        )
    if done:
        messages.success(
            request,
            _("Aspiration %(code)s is now: %(status)s.")
            % {"code": aspiration.code, "status": aspiration.get_status_display().lower()},
        )
        return redirect("aspirations:staff_detail", pk=aspiration.pk)
    context = _detail_context(user, aspiration)
    context[form_name] = form
    context["open_step"] = name
    return render(request, "aspirations/staff_detail.html", context, status=400)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Leadership: overdue items, the counts, and the ranking of agencies over a
    period (this year by default, ``?dari=&sampai=``)."""
    user = _user(request)
    require_regency_reader(user)
    regency = staff_regency(user)
    today = local_today(regency)
    start, end = _period(request, today)
    ranking = stats.agency_aspiration_stats(regency.pk, start, end)
    overdue = list(
        queries.visible_aspirations(user).overdue(today).order_by("due_date", "received_at")[:50]
    )
    counts = stats.regency_aspiration_counts(regency.pk, today)
    return render(
        request,
        "aspirations/dashboard.html",
        {
            "regency": regency,
            "today": today,
            "start": start,
            "end": end,
            "ranking": ranking,
            "overdue": overdue,
            "counts": counts,
            "categories": _category_counts(Aspiration.objects.counted().filter(regency=regency)),
            "long_term": Aspiration.objects.counted()
            .filter(regency=regency, term=Aspiration.Term.LONG)
            .exclude(status=Aspiration.Status.REJECTED)
            .values("planning_year")
            .annotate(n=Count("id"))
            .order_by("planning_year"),
        },
    )


def _period(request: HttpRequest, today: dt.date) -> tuple[dt.date, dt.date]:
    def parse(name: str, default: dt.date) -> dt.date:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return default

    start = parse("dari", dt.date(today.year, 1, 1))
    end = parse("sampai", today)
    if end < start:
        start, end = end, start
    return start, end


@login_required
@require_GET
def district_open(request: HttpRequest, visit_id: int) -> HttpResponse:
    """Before a visit: the open aspirations of its kecamatan, to report back on in
    the dialogue session. Printable."""
    user = _user(request)
    visit = get_visit_for_staff(user, visit_id)
    require_regency_reader(user)
    today = local_today(visit.regency)
    rows = list(queries.open_in_district(visit.village.district))
    return render(
        request,
        "aspirations/district_open.html",
        {"visit": visit, "aspirations": rows, "today": today},
    )


@login_required
@require_GET
def upcoming_visits(request: HttpRequest) -> HttpResponse:
    """The coming visits, each with the number of open aspirations of its kecamatan and
    a link to the list to report back on there."""
    user = _user(request)
    require_regency_reader(user)
    regency = staff_regency(user)
    today = local_today(regency)
    visits = list(
        visible_visits(user)
        .filter(
            regency=regency,
            status__in=[Visit.Status.ANNOUNCED, Visit.Status.ONGOING, Visit.Status.DRAFT],
            end_date__gte=today,
        )
        .order_by("start_date", "id")
        .select_related("village__district")[:30]
    )
    district_ids = {visit.village.district_id for visit in visits}
    open_counts = dict(
        Aspiration.objects.open()
        .filter(village__district_id__in=district_ids)
        .values_list("village__district_id")
        .annotate(n=Count("id"))
        .values_list("village__district_id", "n")
    )
    rows = [(visit, open_counts.get(visit.village.district_id, 0)) for visit in visits]
    return render(request, "aspirations/upcoming_visits.html", {"rows": rows, "today": today})


@login_required
@require_GET
def visit_staff(request: HttpRequest, visit_id: int) -> HttpResponse:
    """The aspirations of one visit, for staff (from the visit's menu)."""
    user = _user(request)
    visit = get_visit_for_staff(user, visit_id)
    return redirect(f"{reverse('aspirations:staff_list')}?visit={visit.pk}")


@login_required
@require_GET
def export_lapor(request: HttpRequest) -> HttpResponse:
    """The aspirations of a period as CSV in the layout for SP4N-LAPOR! (columns in the
    app's README and the user guide). Program admins and leadership."""
    user = _user(request)
    require_regency_reader(user)
    regency = staff_regency(user)
    today = local_today(regency)
    start, end = _period(request, today)
    since, until = stats.local_bounds(regency, start, end)
    rows = (
        queries.visible_aspirations(user)
        .counted()
        .filter(received_at__gte=since, received_at__lt=until)
        .order_by("received_at", "id")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="aspirasi-lapor-{regency.code}-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    )
    response.write("\ufeff")  # Excel opens UTF-8 only with the BOM
    writer = csv.writer(response)
    writer.writerow(export.COLUMNS)
    for aspiration in queries.with_related(rows).iterator(chunk_size=500):
        writer.writerow(export.row(aspiration, today=today))
    record_audit(
        actor=user,
        action="aspirations.export.lapor",
        data={"start": start.isoformat(), "end": end.isoformat(), "at": timezone.now().isoformat()},
    )
    return response
