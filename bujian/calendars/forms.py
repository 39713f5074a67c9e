from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bujian.calendars.models import DayOff


class DayOffForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=DayOff.Kind.choices)
    name = forms.CharField(
        label=_("Description"),
        max_length=150,
        help_text=_("For example: Cuti bersama Idul Fitri, Hari Jadi Kabupaten."),
    )
    all_regencies = forms.BooleanField(
        label=_("For every regency (national collective leave)"), required=False
    )

    def clean_date(self) -> dt.date:
        date: dt.date = self.cleaned_data["date"]
        if not 2000 <= date.year <= 2100:
            raise forms.ValidationError(_("Enter a date between 2000 and 2100."))
        return date

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("all_regencies") and cleaned.get("kind") != DayOff.Kind.CUTI_BERSAMA:
            self.add_error(
                "all_regencies",
                _(
                    "Only a collective leave applies to every regency; an event or a blocked "
                    "date belongs to your regency."
                ),
            )
        return cleaned


class YearForm(forms.Form):
    tahun = forms.IntegerField(min_value=2000, max_value=2100, required=False)
