"""Forms of the registration desk: parse and validate, never write."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bujian.agencies.models import Service
from bujian.queueing.queries import DeskAgency, parse_code
from bujian.regions.models import Village
from bujian.residents.models import Resident
from bujian.residents.nik import (
    WARNING_CODES,
    InvalidPhone,
    NikIssue,
    check_kk,
    check_nik,
    clean_number,
    normalise_phone,
)
from bujian.visits.models import Participation, Visit


class DeskSearchForm(forms.Form):
    q = forms.CharField(
        label=_("NIK or name"),
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "autofocus": True, "inputmode": "text"}
        ),
    )


class DeskCodeForm(forms.Form):
    """What a QR scanner (which types like a keyboard) or the officer entered."""

    kode = forms.CharField(
        label=_("Registration code (QR)"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_kode(self) -> uuid.UUID:
        code = parse_code(self.cleaned_data["kode"])
        if code is None:
            raise forms.ValidationError(
                _("This is not a Bujian registration code. Scan the QR on the registration slip.")
            )
        return code


class WalkInForm(forms.Form):
    """A resident who was not registered beforehand. NIK errors refuse the form; NIK
    warnings must each be ticked as checked against the KTP."""

    national_id = forms.CharField(
        label=_("NIK"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=Resident.Sex.choices, widget=forms.RadioSelect)
    birth_date = forms.DateField(
        label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_place = forms.CharField(label=_("Birth place"), max_length=100, required=False)
    family_card_number = forms.CharField(
        label=_("KK number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    village = forms.ModelChoiceField(
        label=_("Village"),
        queryset=Village.objects.none(),
        required=False,
        empty_label=_("Outside this regency"),
    )
    hamlet = forms.CharField(label=_("Dusun"), max_length=100, required=False)
    rt = forms.CharField(label=_("RT"), max_length=3, required=False)
    rw = forms.CharField(label=_("RW"), max_length=3, required=False)
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    phone_consent = forms.BooleanField(
        label=_(
            "The resident agrees to be contacted on this number about their services, "
            "documents and aspirations (they may withdraw this at any time)"
        ),
        required=False,
    )
    accept_warnings = forms.MultipleChoiceField(
        label=_("Checked against the KTP"),
        choices=[(code, code) for code in WARNING_CODES],
        required=False,
        widget=forms.MultipleHiddenInput,
    )

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visit = visit
        self.fields["village"].queryset = (  # type: ignore[attr-defined]
            Village.objects.filter(district__regency=visit.regency)
            .select_related("district")
            .order_by("district__name", "name")
        )
        self.fields["village"].initial = visit.village_id
        self.nik_warnings: list[NikIssue] = []

    def clean_national_id(self) -> str:
        value = clean_number(self.cleaned_data["national_id"])
        check = check_nik(value)
        if check.errors:
            raise forms.ValidationError([issue.message for issue in check.errors])
        return value

    def clean_family_card_number(self) -> str:
        value = clean_number(self.cleaned_data["family_card_number"])
        if not value:
            return ""
        check = check_kk(value)
        if check.errors:
            raise forms.ValidationError([issue.message for issue in check.errors])
        return value

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except InvalidPhone as error:
            raise forms.ValidationError(str(error)) from error

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_birth_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["birth_date"]
        if value > dt.date.today():
            raise forms.ValidationError(_("The birth date is in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("phone") and not data.get("phone_consent"):
            self.add_error(
                "phone_consent",
                gettext(
                    "Ask the resident's consent to be contacted and tick it, or leave the "
                    "phone number empty."
                ),
            )
        nik, birth_date, sex = data.get("national_id"), data.get("birth_date"), data.get("sex")
        if nik and birth_date and sex:
            check = check_nik(nik, birth_date=birth_date, sex=sex)
            self.nik_warnings = check.warnings
            accepted = set(data.get("accept_warnings") or [])
            if check.unaccepted(accepted):
                self.add_error(
                    None,
                    gettext(
                        "The NIK does not match the rest of the record. Compare it with the "
                        "KTP; when the KTP shows the same, tick each point below and save again."
                    ),
                )
            data["accept_warnings"] = [c for c in check.warning_codes if c in accepted]
        return data

    def visible_warnings(self) -> list[tuple[NikIssue, bool]]:
        """The NIK warnings with whether each is already ticked, for the template."""
        accepted = set(self.cleaned_data.get("accept_warnings") or []) if self.is_bound else set()
        return [(issue, issue.code in accepted) for issue in self.nik_warnings]


class IssueTicketForm(forms.Form):
    """The services a resident needs; only services of agencies with an open booth
    are offered."""

    services = forms.MultipleChoiceField(
        label=_("Services needed"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one service.")},
    )

    def __init__(self, *args: Any, agencies: list[DeskAgency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._services: dict[str, Service] = {
            str(s.pk): s for group in agencies for s in group.services
        }
        self.fields["services"].choices = [  # type: ignore[attr-defined]
            (key, service.name) for key, service in self._services.items()
        ]

    def clean_services(self) -> list[Service]:
        return [self._services[key] for key in self.cleaned_data["services"]]


class OpenBoothForm(forms.Form):
    participation = forms.ModelChoiceField(queryset=Participation.objects.none())

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participation"].queryset = Participation.objects.filter(  # type: ignore[attr-defined]
            visit=visit
        ).select_related("agency", "visit")


class BoothForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    zone = forms.CharField(
        label=_("Zone"),
        max_length=50,
        required=False,
        help_text=_("For a big hall with several boards, e.g. Aula or Teras."),
    )
    is_open = forms.BooleanField(label=_("Open"), required=False)
