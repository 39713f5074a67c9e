"""Need indicators of every village of a regency, their weight and the one-line reason.

The weight (a positive integer, the solver's coefficient before the earliness bonus):

    10
    + 5 per month since the last finished visit (never visited counts as 36 months)
    + up to 60 for population (relative to the most populous village of the regency)
    + 3 per open aspiration (up to 50)
    + 2 per document waiting for handover (up to 50)
    + 100 for a high, 250 for an urgent manual priority

so a village unvisited for three years outweighs one with a dozen open aspirations
visited last year, and a manual "urgent" beats everything but the longest waits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bujian.planner.models import Priority, VillageProfile
from bujian.records.models import Document
from bujian.regions.models import Regency, Village
from bujian.visits.models import Visit

NEVER_VISITED_MONTHS = 36
# Travel time from distance when only the distance is known (district roads, hills).
ASSUMED_KMH = 40
PRIORITY_BONUS = {Priority.NORMAL: 0, Priority.HIGH: 100, Priority.URGENT: 250}


@dataclass
class VillageNeed:
    village: Village
    profile: VillageProfile | None
    last_finished: dt.date | None
    aspirations: int
    documents: int
    weight: int = 0
    reason: str = ""

    @property
    def population(self) -> int | None:
        return self.profile.population if self.profile else None

    @property
    def travel_minutes(self) -> int:
        """As entered; without it, estimated from the distance at an average
        ``ASSUMED_KMH`` on village roads; 0 when neither is known."""
        if self.profile is None:
            return 0
        if self.profile.travel_minutes is not None:
            return self.profile.travel_minutes
        if self.profile.distance_km is not None:
            return round(self.profile.distance_km * 60 / ASSUMED_KMH)
        return 0

    @property
    def excluded(self) -> bool:
        return bool(self.profile and self.profile.excluded)

    @property
    def priority(self) -> str:
        return self.profile.priority if self.profile else Priority.NORMAL


def months_since(last: dt.date | None, today: dt.date) -> int | None:
    if last is None:
        return None
    return max(0, (today.year - last.year) * 12 + today.month - last.month)


def open_aspirations_by_village(regency: Regency) -> dict[int, int]:
    """Open aspirations per village; nothing while the aspirations app has no model."""
    try:
        model = apps.get_model("aspirations", "Aspiration")
    except LookupError:
        return {}
    rows = model.objects.filter(village__district__regency=regency)
    open_states = getattr(model, "OPEN_STATES", None)
    if open_states is not None:
        rows = rows.filter(status__in=list(open_states))
    counts = rows.values("village_id").annotate(n=Count("id"))
    return {row["village_id"]: row["n"] for row in counts if row["village_id"] is not None}


def documents_waiting_by_village(regency: Regency) -> dict[int, int]:
    counts = (
        Document.objects.filter(
            status=Document.Status.READY, resident__village__district__regency=regency
        )
        .values("resident__village_id")
        .annotate(n=Count("id"))
    )
    return {row["resident__village_id"]: row["n"] for row in counts}


def last_finished_visits(regency: Regency) -> dict[int, dt.date]:
    rows = (
        Visit.objects.filter(
            regency=regency, status__in=[Visit.Status.FINISHED, Visit.Status.REPORTED]
        )
        .values("village_id")
        .annotate(last=Max("end_date"))
    )
    return {row["village_id"]: row["last"] for row in rows}


def village_needs(regency: Regency, today: dt.date) -> list[VillageNeed]:
    """Every village of the regency, in code order, with its weight and reason. Five
    queries whatever the number of villages."""
    villages = list(
        Village.objects.filter(district__regency=regency)
        .select_related("district", "planning_profile")
        .order_by("code")
    )
    aspirations = open_aspirations_by_village(regency)
    documents = documents_waiting_by_village(regency)
    last = last_finished_visits(regency)
    needs = [
        VillageNeed(
            village=v,
            profile=getattr(v, "planning_profile", None),
            last_finished=last.get(v.pk),
            aspirations=aspirations.get(v.pk, 0),
            documents=documents.get(v.pk, 0),
        )
        for v in villages
    ]
    biggest = max((n.population or 0 for n in needs), default=0)
    for need in needs:
        need.weight, need.reason = weigh(need, today, biggest)
    return needs


def weigh(need: VillageNeed, today: dt.date, biggest_population: int) -> tuple[int, str]:
    parts: list[tuple[int, str]] = []
    months = months_since(need.last_finished, today)
    if months is None:
        waited = NEVER_VISITED_MONTHS
        parts.append((5 * waited, _("never visited")))
    else:
        waited = min(months, NEVER_VISITED_MONTHS)
        parts.append(
            (
                5 * waited,
                ngettext(
                    "not visited for %(count)d month",
                    "not visited for %(count)d months",
                    months,
                )
                % {"count": months},
            )
        )
    if need.aspirations:
        parts.append(
            (
                3 * min(need.aspirations, 50),
                ngettext(
                    "%(count)d open aspiration", "%(count)d open aspirations", need.aspirations
                )
                % {"count": need.aspirations},
            )
        )
    if need.documents:
        parts.append(
            (
                2 * min(need.documents, 50),
                ngettext(
                    "%(count)d document waiting for handover",
                    "%(count)d documents waiting for handover",
                    need.documents,
                )
                % {"count": need.documents},
            )
        )
    population = need.population or 0
    if population and biggest_population:
        parts.append(
            (
                round(60 * population / biggest_population),
                _("%(count)s residents") % {"count": f"{population:,}".replace(",", ".")},
            )
        )
    bonus = PRIORITY_BONUS[Priority(need.priority)]
    weight = 10 + sum(points for points, _text in parts) + bonus
    parts.sort(key=lambda p: -p[0])
    texts = [text for points, text in parts if points > 0][:3]
    if bonus and need.profile is not None:
        texts.insert(
            0,
            _("priority %(level)s: %(reason)s")
            % {"level": Priority(need.priority).label.lower(), "reason": need.profile.reason},
        )
    return weight, ", ".join(texts)
