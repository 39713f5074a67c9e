from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bujian.accounts.models import User
from bujian.core.errors import DomainError
from bujian.planner import actions, exports, queries
from bujian.planner.forms import PlanForm, VillageProfileForm
from bujian.planner.models import Plan, VillageProfile
from bujian.planner.needs import village_needs
from bujian.regions.models import District
from bujian.visits.actions import local_today

TABS = ("calendar", "districts", "coverage")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    plans = list(queries.plans_for(user)[:50])
    return render(request, "planner/list.html", {"plans": plans})


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    regency = queries.planner_regency(user, for_change=True)
    today = local_today(regency)
    form = PlanForm(request.POST or None, initial=PlanForm.defaults(today))
    if request.method == "POST" and form.is_valid():
        try:
            plan = actions.create_plan(regency=regency, actor=user, rules=form.rules())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("planner:detail", pk=plan.pk)
    return render(request, "planner/form.html", {"form": form, "regency": regency})


def _status_context(plan: Plan) -> dict[str, object]:
    return {"plan": plan, "progress": actions.get_progress(plan.pk)}


@login_required
@require_GET
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment the plan page polls while the planner runs; when the
    run ends it asks htmx to reload the whole page (the result appears)."""
    plan = queries.get_plan_for_user(_user(request), pk)
    response = render(request, "planner/_status.html", _status_context(plan))
    if _is_htmx(request) and not plan.is_running and request.GET.get("running") == "1":
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int, tab: str = "calendar") -> HttpResponse:
    user = _user(request)
    plan = queries.get_plan_for_user(user, pk)
    slots = queries.plan_slots(plan) if plan.has_result else []
    context: dict[str, object] = {**_status_context(plan), "slots": slots, "tab": tab}
    if plan.has_result:
        if tab == "calendar":
            context["months"] = queries.plan_calendar(plan, slots)
        else:
            context["districts"] = queries.plan_by_district(plan, slots)
            context["months"] = queries.coverage_months(plan)
        if plan.status == Plan.Status.DONE:
            context["violations"] = queries.verify(plan, slots, local_today(plan.regency))
        if plan.status == Plan.Status.ACCEPTED:
            context["changed"] = queries.changed_since_accepted(slots)
        context["new_count"] = sum(1 for s in slots if not s.kept)
        context["kept_count"] = sum(1 for s in slots if s.kept)
    return render(request, "planner/detail.html", context)


@login_required
@require_POST
def plan_accept(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    plan = queries.get_plan_for_user(user, pk, for_change=True)
    try:
        created = actions.accept_plan(plan=plan, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "The plan is accepted: %(count)d draft visit was created and every OPD is "
                "invited to it.",
                "The plan is accepted: %(count)d draft visits were created and every OPD is "
                "invited to them.",
                created,
            )
            % {"count": created},
        )
    return redirect("planner:detail", pk=plan.pk)


@login_required
@require_POST
def plan_replan(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    plan = queries.get_plan_for_user(user, pk, for_change=True)
    try:
        new_plan = actions.replan(plan=plan, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("planner:detail", pk=plan.pk)
    messages.info(
        request,
        _("Re-planning the rest of the period; past, announced, locked and moved visits stay."),
    )
    return redirect("planner:detail", pk=new_plan.pk)


@login_required
@require_POST
def slot_lock(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    slot = queries.get_slot_for_user(user, pk, for_change=True)
    try:
        actions.set_slot_lock(slot=slot, actor=user, locked=request.POST.get("locked") == "1")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("planner:districts", pk=slot.plan_id)


@login_required
@require_GET
def plan_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    plan = queries.get_plan_for_user(_user(request), pk)
    slots = queries.plan_slots(plan)
    body = exports.plan_to_xlsx(plan, slots, queries.plan_by_district(plan, slots))
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="rencana-{plan.regency.code}-{plan.period_start:%Y%m%d}.xlsx"'
    )
    return response


@login_required
@require_GET
def plan_ics(request: HttpRequest, pk: int) -> HttpResponse:
    plan = queries.get_plan_for_user(_user(request), pk)
    response = HttpResponse(
        exports.plan_to_ics(plan, queries.plan_slots(plan)),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="rencana-{plan.regency.code}-{plan.period_start:%Y%m%d}.ics"'
    )
    return response


@login_required
@require_GET
def villages(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    regency = queries.planner_regency(user)
    needs = village_needs(regency, local_today(regency))
    districts = list(District.objects.filter(regency=regency).order_by("code"))
    chosen = request.GET.get("kecamatan", "")
    if chosen.isdecimal():
        needs = [n for n in needs if n.village.district_id == int(chosen)]
    needs.sort(key=lambda n: -n.weight)
    return render(
        request,
        "planner/villages.html",
        {"needs": needs, "districts": districts, "chosen": chosen},
    )


@login_required
@require_http_methods(["GET", "POST"])
def village_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    village = queries.get_village_for_user(user, pk, for_change=True)
    profile = VillageProfile.objects.filter(village=village).first() or VillageProfile(
        village=village
    )
    form = VillageProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.save_village_profile(village=village, actor=user, **data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(village)s is updated.") % {"village": village.name})
            return redirect("planner:villages")
    return render(request, "planner/village_form.html", {"form": form, "village": village})
