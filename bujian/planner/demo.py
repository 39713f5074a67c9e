"""Demo data of the planner, called by ``bujian.core.demo`` after the core demo: a
profile for every village of Bengkulu Selatan (population, travel time from Manna,
a few priorities and one exclusion) and a ready plan for the next twelve months,
solved inline, that the program admin can open, export and accept."""

from __future__ import annotations

import datetime as dt
import random

from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.planner import actions
from bujian.planner.engine import add_months
from bujian.planner.models import Plan, Priority, VillageProfile
from bujian.regions.models import Regency, Village

DEMO_REGENCY = "17.01"
DEMO_SEED = 1701
CAPITAL_DISTRICT = "17.01.05"  # Kota Manna
PRIORITIES = {
    # village code: (priority, reason)
    "17.01.01.2001": (Priority.URGENT, "Jembatan putus sejak banjir Oktober"),
    "17.01.10.2001": (Priority.HIGH, "Banyak KTP-el dan akta belum terbit"),
}
EXCLUDED = {"17.01.02.2003": "Jalan desa sedang dibangun sampai pertengahan tahun"}


def seed(today: dt.date) -> str | None:
    """Add this app's demo data; return one line for the summary (or None)."""
    regency = Regency.objects.filter(code=DEMO_REGENCY).first()
    admin = User.objects.filter(regency=regency, role=User.Role.PROGRAM_ADMIN).first()
    if regency is None or admin is None:
        return None
    rng = random.Random(DEMO_SEED)  # noqa: S311 -- repeatable demo figures, not secrets
    villages = list(Village.objects.filter(district__regency=regency).select_related("district"))
    district_codes = sorted({v.district.code for v in villages})
    capital = district_codes.index(CAPITAL_DISTRICT) if CAPITAL_DISTRICT in district_codes else 0
    profiles = []
    for village in villages:
        hops = abs(district_codes.index(village.district.code) - capital)
        priority, reason = PRIORITIES.get(village.code, (Priority.NORMAL, ""))
        excluded_reason = EXCLUDED.get(village.code, "")
        profiles.append(
            VillageProfile(
                village=village,
                population=rng.randint(6, 45) * 100,
                travel_minutes=15 + 14 * hops + rng.randint(0, 20),
                distance_km=5 + 9 * hops + rng.randint(0, 8),
                priority=priority,
                excluded=bool(excluded_reason),
                reason=reason or excluded_reason,
                updated_by=admin,
            )
        )
    VillageProfile.objects.bulk_create(profiles, ignore_conflicts=True)
    start = add_months(today.replace(day=1), 1)
    plan = actions.create_plan(
        regency=regency,
        actor=admin,
        rules=actions.PlanRules(
            period_start=start,
            period_end=add_months(start, 12) - dt.timedelta(days=1),
            visits_per_month=2,
            weekdays=(1, 2, 3),
            min_visits_per_district=2,
            min_gap_visits=1,
            revisit_months=12,
            long_trip_minutes=90,
            max_long_trips_per_month=1,
            pause_ramadan=True,
            time_limit_seconds=10,
        ),
        enqueue=False,
    )
    plan = actions.run_plan(plan.pk) or plan
    if plan.status != Plan.Status.DONE:
        return _("Rotation planner: %(count)d village profiles; the demo plan is %(status)s.") % {
            "count": len(profiles),
            "status": plan.get_status_display().lower(),
        }
    return _(
        "Rotation planner: %(count)d village profiles; a plan of %(visits)d visits from "
        "%(start)s, %(gap).2f %% from the bound, at /rencana/%(pk)d/."
    ) % {
        "count": len(profiles),
        "visits": plan.slots.count(),
        "start": start.strftime("%d-%m-%Y"),
        "gap": 100 * (plan.gap or 0),
        "pk": plan.pk,
    }
