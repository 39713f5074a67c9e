"""The planner part of /api/v1/: /api/v1/planner/...

Bearer token or staff session. Program admins and leadership read the plans and the
village needs of their regency; only program admins run, accept and re-plan (403
otherwise); a plan of another regency is 404. Changes go through the same actions as
the pages; refusals answer 409 with a stable code.

No ``from __future__ import annotations`` here: ninja reads the evaluated signature.
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import django_auth

from bujian.accounts.tokens import TokenAuth
from bujian.planner import actions, queries
from bujian.planner.models import Plan, PlanSlot, Priority
from bujian.planner.needs import VillageNeed, village_needs
from bujian.regions.api import ErrorOut
from bujian.residents.api import refusals, staff_user
from bujian.visits.actions import local_today

router = Router(tags=["planner"], auth=[TokenAuth(), django_auth])


class PlanIn(Schema):
    period_start: dt.date
    period_end: dt.date
    visits_per_month: int = Field(2, ge=1, le=8)
    weekdays: list[int] = Field([1, 2, 3], description="Monday is 0.")
    days_per_visit: int = Field(1, ge=1, le=2)
    pause_ramadan: bool = False
    min_visits_per_district: int = Field(1, ge=0, le=50)
    min_gap_visits: int = Field(1, ge=0, le=20)
    min_gap_weeks: int = Field(0, ge=0, le=52)
    revisit_months: int = Field(12, ge=0, le=60)
    long_trip_minutes: int = Field(90, ge=1, le=1000)
    max_long_trips_per_month: int | None = Field(None, ge=0, le=8)
    time_limit_seconds: int = Field(20, ge=2, le=120)


class PlanOut(Schema):
    id: int
    status: str
    period_start: dt.date
    period_end: dt.date
    visits_per_month: int
    solver_status: str
    objective: int | None
    bound: float | None
    gap: float | None = Field(description="(bound - objective) / bound")
    greedy_objective: int | None
    solve_seconds: float | None
    first_feasible_seconds: float | None
    conflicts: list[str]
    notes: list[str]
    replan_of_id: int | None
    progress_percent: int = Field(description="0-100 while queued or running.")

    @staticmethod
    def resolve_progress_percent(obj: Plan) -> int:
        if not obj.is_running:
            return 100
        return int(actions.get_progress(obj.pk).get("percent") or 0)


class SlotOut(Schema):
    id: int
    start_date: dt.date
    end_date: dt.date
    village_code: str
    village: str
    kecamatan: str
    kept: bool
    locked: bool
    long_trip: bool
    weight: int
    reason: str
    visit_id: int | None

    @staticmethod
    def resolve_village_code(obj: PlanSlot) -> str:
        return obj.village.code

    @staticmethod
    def resolve_village(obj: PlanSlot) -> str:
        return obj.village.name

    @staticmethod
    def resolve_kecamatan(obj: PlanSlot) -> str:
        return obj.village.district.name


class PlanDetailOut(PlanOut):
    slots: list[SlotOut]

    @staticmethod
    def resolve_slots(obj: Plan) -> list[PlanSlot]:
        return queries.plan_slots(obj)


class AcceptedOut(Schema):
    visits_created: int


class NeedOut(Schema):
    village_id: int
    village_code: str
    village: str
    kecamatan: str
    last_finished_visit: dt.date | None
    population: int | None
    open_aspirations: int
    documents_waiting: int
    travel_minutes: int
    priority: str
    excluded: bool
    weight: int
    reason: str


class ProfileIn(Schema):
    population: int | None = Field(None, ge=0)
    travel_minutes: int | None = Field(None, ge=0, le=32767)
    distance_km: int | None = Field(None, ge=0, le=32767)
    priority: Priority = Priority.NORMAL
    excluded: bool = False
    reason: str = ""


def _need_out(need: VillageNeed) -> NeedOut:
    return NeedOut(
        village_id=need.village.pk,
        village_code=need.village.code,
        village=need.village.name,
        kecamatan=need.village.district.name,
        last_finished_visit=need.last_finished,
        population=need.population,
        open_aspirations=need.aspirations,
        documents_waiting=need.documents,
        travel_minutes=need.travel_minutes,
        priority=need.priority,
        excluded=need.excluded,
        weight=need.weight,
        reason=need.reason,
    )


@router.get("/plans", response={200: list[PlanOut], 403: ErrorOut}, summary="Plans")
def list_plans(request: HttpRequest) -> list[Plan]:
    return list(queries.plans_for(staff_user(request))[:100])


@router.post(
    "/plans",
    response={201: PlanOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Run the planner",
)
def create_plan(request: HttpRequest, payload: PlanIn) -> Status[Plan]:
    """Queues the run; poll ``GET /plans/{id}`` until the status leaves queued/running."""
    user = staff_user(request)
    regency = queries.planner_regency(user, for_change=True)
    with refusals():
        plan = actions.create_plan(
            regency=regency,
            actor=user,
            rules=actions.PlanRules(
                **{**payload.model_dump(), "weekdays": tuple(payload.weekdays)}
            ),
        )
    plan.refresh_from_db()
    return Status(201, plan)


@router.get("/plans/{plan_id}", response={200: PlanDetailOut, 403: ErrorOut, 404: ErrorOut})
def get_plan(request: HttpRequest, plan_id: int) -> Plan:
    return queries.get_plan_for_user(staff_user(request), plan_id)


@router.post(
    "/plans/{plan_id}/accept",
    response={200: AcceptedOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Turn the plan into draft visits",
)
def accept_plan(request: HttpRequest, plan_id: int) -> AcceptedOut:
    user = staff_user(request)
    plan = queries.get_plan_for_user(user, plan_id, for_change=True)
    with refusals():
        created = actions.accept_plan(plan=plan, actor=user)
    return AcceptedOut(visits_created=created)


@router.post(
    "/plans/{plan_id}/replan",
    response={201: PlanOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Re-plan the rest of the period",
)
def replan(request: HttpRequest, plan_id: int) -> Status[Plan]:
    user = staff_user(request)
    plan = queries.get_plan_for_user(user, plan_id, for_change=True)
    with refusals():
        new_plan = actions.replan(plan=plan, actor=user)
    new_plan.refresh_from_db()
    return Status(201, new_plan)


@router.get("/villages", response={200: list[NeedOut], 403: ErrorOut}, summary="Village needs")
def list_needs(request: HttpRequest) -> list[NeedOut]:
    regency = queries.planner_regency(staff_user(request))
    return [_need_out(n) for n in village_needs(regency, local_today(regency))]


@router.put(
    "/villages/{village_id}",
    response={200: NeedOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Correct a village's profile",
)
def update_profile(request: HttpRequest, village_id: int, payload: ProfileIn) -> NeedOut:
    user = staff_user(request)
    village = queries.get_village_for_user(user, village_id, for_change=True)
    with refusals():
        actions.save_village_profile(village=village, actor=user, **payload.model_dump())
    regency = village.district.regency
    need = next(
        n for n in village_needs(regency, local_today(regency)) if n.village.pk == village.pk
    )
    return _need_out(need)
