"""The rules that can obviously not hold together, named before any solving."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from bujian.planner.engine.problem import Problem, Slot, eligible, months_between, sequence


def named_conflicts(problem: Problem, slots: list[Slot]) -> list[str]:
    """The rules that can obviously not hold together, in words the admin knows."""
    rules = problem.rules
    conflicts: list[str] = []
    n_slots = len(slots)
    if n_slots == 0:
        return [_("No open date is left in the period: every allowed day is blocked or past.")]
    positions = sequence(problem, slots)
    kept_by_district: dict[int, int] = defaultdict(int)
    for p in positions:
        if p.counts and p.kept is not None:
            kept_by_district[p.kept.district_id] += 1
    eligible_by_district: dict[int, set[int]] = defaultdict(set)
    all_eligible: set[int] = set()
    for c in problem.villages:
        for s in slots:
            if eligible(problem, c, s):
                eligible_by_district[c.district_id].add(c.id)
                all_eligible.add(c.id)
                break
    if not all_eligible:
        return [
            _(
                "No village may be visited in this period: every village is excluded or "
                "was visited too recently."
            )
        ]
    n = rules.min_visits_per_district
    districts = sorted(problem.district_names)
    # A village comes at most once when the revisit rule spans the whole period.
    once = rules.revisit_months >= len(months_between(rules.start, rules.end))
    needed = sum(max(0, n - kept_by_district[d]) for d in districts)
    if n > 0 and needed > n_slots:
        if needed == n * len(districts):
            conflicts.append(
                _("%(districts)d kecamatan × %(visits)d visits > %(slots)d slots available")
                % {"districts": len(districts), "visits": n, "slots": n_slots}
            )
        else:
            conflicts.append(
                _(
                    "%(needed)d more visits are needed for %(visits)d per kecamatan "
                    "> %(slots)d slots available"
                )
                % {"needed": needed, "visits": n, "slots": n_slots}
            )
    for d in districts:
        want = n - kept_by_district[d]
        have = len(eligible_by_district[d])
        if want > have and (once or have == 0):
            conflicts.append(
                _(
                    "Kecamatan %(district)s needs %(want)d more visits but only %(have)d of "
                    "its villages may be visited (revisit rule, exclusions)."
                )
                % {"district": problem.district_names[d], "want": want, "have": have}
            )
    if rules.min_gap_visits > 0:
        active = [d for d in districts if eligible_by_district[d]]
        if len(active) <= rules.min_gap_visits and n_slots > 1:
            conflicts.append(
                _(
                    "A kecamatan may not come back within %(gap)d visits, but only "
                    "%(count)d kecamatan have villages that may be visited."
                )
                % {"gap": rules.min_gap_visits, "count": len(active)}
            )
        total = sum(1 for p in positions if not p.history)
        most = (total + rules.min_gap_visits) // (rules.min_gap_visits + 1)
        if n > most:
            conflicts.append(
                _(
                    "%(visits)d visits per kecamatan cannot be spaced %(gap)d visits apart "
                    "in %(total)d visits."
                )
                % {"visits": n, "gap": rules.min_gap_visits, "total": total}
            )
    if once and len(all_eligible) < n_slots:
        conflicts.append(
            _("Only %(villages)d villages may be visited for %(slots)d slots (revisit rule).")
            % {"villages": len(all_eligible), "slots": n_slots}
        )
    if rules.max_long_trips_per_month is not None:
        short = {c.id for c in problem.villages if c.id in all_eligible}
        short = {
            c.id
            for c in problem.villages
            if c.id in short and not problem.is_long(c.travel_minutes)
        }
        per_month: dict[tuple[int, int], int] = defaultdict(int)
        for s in slots:
            per_month[(s.start.year, s.start.month)] += 1
        need_short = sum(
            max(0, count - rules.max_long_trips_per_month) for count in per_month.values()
        )
        if once and need_short > len(short):
            conflicts.append(
                _(
                    "At most %(long)d long trips a month needs %(need)d short trips, but "
                    "only %(short)d villages are within %(minutes)d minutes."
                )
                % {
                    "long": rules.max_long_trips_per_month,
                    "need": need_short,
                    "short": len(short),
                    "minutes": rules.long_trip_minutes,
                }
            )
    return conflicts
