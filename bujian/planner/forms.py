from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bujian.planner.actions import PlanRules
from bujian.planner.engine import add_months
from bujian.planner.models import Priority, VillageProfile

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PlanForm(forms.Form):
    """The admin's rules for one planning run. Parses only; ``actions.create_plan``
    checks the rules that need the database or the clock."""

    period_start = forms.DateField(label=_("First day"), widget=DateInput())
    period_end = forms.DateField(label=_("Last day"), widget=DateInput())
    visits_per_month = forms.IntegerField(label=_("Visits per month"), min_value=1, max_value=8)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays allowed"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one weekday.")},
    )
    days_per_visit = forms.TypedChoiceField(
        label=_("Days per visit"),
        choices=[(1, _("One day")), (2, _("Two days"))],
        coerce=int,
    )
    pause_ramadan = forms.BooleanField(
        label=_("Pause during Ramadan"),
        required=False,
        help_text=_("The 30 days before Idul Fitri; enter exact dates in the calendar if needed."),
    )
    min_visits_per_district = forms.IntegerField(
        label=_("Every kecamatan at least (visits)"), min_value=0, max_value=50
    )
    min_gap_visits = forms.IntegerField(
        label=_("The same kecamatan not within (visits)"),
        min_value=0,
        max_value=20,
        help_text=_("1: never on two consecutive visits. 0: no rule."),
    )
    min_gap_weeks = forms.IntegerField(
        label=_("The same kecamatan not within (weeks)"),
        min_value=0,
        max_value=52,
        help_text=_("0: no rule."),
    )
    revisit_months = forms.IntegerField(
        label=_("A village not revisited within (months)"), min_value=0, max_value=60
    )
    long_trip_minutes = forms.IntegerField(
        label=_("A long trip takes at least (minutes)"), min_value=1, max_value=1000
    )
    max_long_trips_per_month = forms.IntegerField(
        label=_("Long trips per month at most"),
        min_value=0,
        max_value=8,
        required=False,
        help_text=_("Empty: no limit."),
    )
    time_limit_seconds = forms.IntegerField(
        label=_("Time the planner may take (seconds)"), min_value=2, max_value=120
    )

    GROUPS = (
        (
            _("Period and cadence"),
            (
                "period_start",
                "period_end",
                "visits_per_month",
                "weekdays",
                "days_per_visit",
                "pause_ramadan",
            ),
        ),
        (
            _("Rules"),
            (
                "min_visits_per_district",
                "min_gap_visits",
                "min_gap_weeks",
                "revisit_months",
                "long_trip_minutes",
                "max_long_trips_per_month",
            ),
        ),
        (_("Planner"), ("time_limit_seconds",)),
    )

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields in the fieldsets the page shows."""
        return [(str(legend), [self[name] for name in names]) for legend, names in self.GROUPS]

    @classmethod
    def defaults(cls, today: dt.date) -> dict[str, Any]:
        first = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        return {
            "period_start": first,
            "period_end": add_months(first, 12) - dt.timedelta(days=1),
            "visits_per_month": 2,
            "weekdays": [1, 2, 3],
            "days_per_visit": 1,
            "min_visits_per_district": 2,
            "min_gap_visits": 1,
            "min_gap_weeks": 0,
            "revisit_months": 12,
            "long_trip_minutes": 90,
            "max_long_trips_per_month": 1,
            "time_limit_seconds": 20,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The last day is before the first day."))
        return data

    def rules(self) -> PlanRules:
        data = self.cleaned_data
        return PlanRules(
            period_start=data["period_start"],
            period_end=data["period_end"],
            visits_per_month=data["visits_per_month"],
            weekdays=tuple(data["weekdays"]),
            days_per_visit=data["days_per_visit"],
            pause_ramadan=data["pause_ramadan"],
            min_visits_per_district=data["min_visits_per_district"],
            min_gap_visits=data["min_gap_visits"],
            min_gap_weeks=data["min_gap_weeks"],
            revisit_months=data["revisit_months"],
            long_trip_minutes=data["long_trip_minutes"],
            max_long_trips_per_month=data["max_long_trips_per_month"],
            time_limit_seconds=data["time_limit_seconds"],
        )


class VillageProfileForm(forms.ModelForm[VillageProfile]):
    class Meta:
        model = VillageProfile
        fields = [
            "population",
            "travel_minutes",
            "distance_km",
            "priority",
            "excluded",
            "reason",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        special = data.get("priority", Priority.NORMAL) != Priority.NORMAL or data.get("excluded")
        if special and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Write why this village has a priority or is excluded."))
        return data

    def validate_constraints(self, exclude: Any = None) -> None:
        """The reason rule is checked in ``clean`` with a message on the field."""
