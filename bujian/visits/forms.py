from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bujian.agencies.models import Agency, Service
from bujian.regions.models import Regency, Village
from bujian.visits.models import Participation, Visit


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class VillageChoiceField(forms.ModelChoiceField[Village]):
    def label_from_instance(self, obj: Village) -> str:
        return f"{obj.district.name} — {obj}"


class VisitForm(forms.ModelForm[Visit]):
    """Parses the visit's fields; the rules (dates, overlap, regency) live in the actions."""

    village = VillageChoiceField(queryset=Village.objects.none(), label=_("Village"))

    class Meta:
        model = Visit
        fields = [
            "village",
            "start_date",
            "end_date",
            "daily_start",
            "daily_end",
            "venue",
            "expects_bupati",
            "expects_vice_bupati",
            "expects_sekda",
            "notes",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "daily_start": TimeInput(),
            "daily_end": TimeInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, regency: Regency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village_field = self.fields["village"]
        assert isinstance(village_field, VillageChoiceField)
        village_field.queryset = (
            Village.objects.filter(district__regency=regency)
            .select_related("district")
            .order_by("district__name", "name")
        )
        village_field.error_messages["invalid_choice"] = _(
            "Choose a village of %(regency)s from the list."
        ) % {"regency": regency.name}


class CancelVisitForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the public schedule."),
    )


class InviteAgencyForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"))

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = agencies


class ServicesField(forms.ModelMultipleChoiceField[Service]):
    def label_from_instance(self, obj: Service) -> str:
        return obj.name


class ConfirmParticipationForm(forms.ModelForm[Participation]):
    services = ServicesField(
        queryset=Service.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=pgettext_lazy("public service", "Services offered at this visit"),
        error_messages={"required": _("Choose at least one service your agency will offer.")},
    )

    class Meta:
        model = Participation
        fields = [
            "services",
            "booth_tables",
            "booth_chairs",
            "needs_power",
            "needs_network",
            "needs_printer",
            "equipment",
        ]
        widgets = {"equipment": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["services"]
        assert isinstance(field, ServicesField)
        field.queryset = Service.objects.active().filter(agency=self.instance.agency)
        for name in ("booth_tables", "booth_chairs"):
            self.fields[name].widget.attrs.update({"min": 0, "max": 20})


_NIP = re.compile(r"^\d{18}$")


class StaffForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    nip = forms.CharField(
        label=_("NIP (optional)"), max_length=18, required=False, help_text=_("18 digits.")
    )
    role = forms.CharField(label=_("Task at the booth"), max_length=120, required=False)

    def clean_nip(self) -> str:
        nip = str(self.cleaned_data.get("nip", "")).replace(" ", "")
        if nip and not _NIP.match(nip):
            raise forms.ValidationError(_("A NIP has exactly 18 digits."))
        return nip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("nip") or data.get("role")) and not data.get("name"):
            self.add_error("name", _("Write the name of this staff member."))
        return data


StaffFormSet = forms.formset_factory(StaffForm, extra=2, min_num=1, validate_min=False)


class ExcuseRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        min_length=15,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The program admin decides; the reason is kept on record."),
    )


class ExcuseDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the agency"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CheckInForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.all(), widget=forms.HiddenInput)
    direction = forms.ChoiceField(choices=[("in", "in"), ("out", "out")], widget=forms.HiddenInput)


class LedgerFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise forms.ValidationError(_("The end of the period is before its start."))
        return data
