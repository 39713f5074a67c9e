from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bujian.agencies.models import Service
from bujian.regions.models import Village
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import (
    WARNING_CODES,
    InvalidPhone,
    NikIssue,
    check_kk,
    check_nik,
    clean_number,
    normalise_phone,
)

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class SearchForm(forms.Form):
    """Sent by POST: a NIK typed here must never end up in a URL or a server log."""

    q = forms.CharField(
        label=_("NIK, last digits of the NIK, or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "inputmode": "search"}
        ),
    )


class VillageField(forms.ModelChoiceField[Village]):
    def label_from_instance(self, obj: Village) -> str:
        return f"{obj.district.name} — {obj}"


class ResidentForm(forms.Form):
    """Parses a resident's data. The NIK's errors show on the field at once; the NIK
    warnings come back from the action and are shown as checkboxes to accept."""

    national_id = forms.CharField(
        label=_("NIK"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("16 digits, as on the KTP or KK."),
    )
    family_card_number = forms.CharField(
        label=_("KK number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=Resident.Sex.choices, widget=forms.RadioSelect)
    birth_date = forms.DateField(
        label=_("Birth date"), input_formats=DATE_INPUT_FORMATS, widget=DateInput()
    )
    birth_place = forms.CharField(label=_("Birth place"), max_length=100, required=False)
    village = VillageField(queryset=Village.objects.none(), label=_("Village"))
    hamlet = forms.CharField(label=_("Dusun"), max_length=100, required=False)
    rt = forms.CharField(
        label=_("RT"),
        max_length=3,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    rw = forms.CharField(
        label=_("RW"),
        max_length=3,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Optional. 08…, 62… or +62…"),
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
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, villages: QuerySet[Village], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village_field = self.fields["village"]
        assert isinstance(village_field, VillageField)
        village_field.queryset = villages
        if villages.count() == 1:
            village_field.initial = villages.first()
        self.warnings: list[NikIssue] = []

    def show_warnings(self, warnings: Sequence[NikIssue]) -> None:
        """Offer one "I have checked: …" checkbox per NIK warning."""
        self.warnings = list(warnings)
        field = self.fields["accept_warnings"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (issue.code, gettext("I have checked: %(warning)s") % {"warning": issue.message})
            for issue in warnings
        ]

    def clean_national_id(self) -> str:
        value = clean_number(self.cleaned_data["national_id"])
        errors = check_nik(value).errors
        if errors:
            raise forms.ValidationError([issue.message for issue in errors])
        return value

    def clean_family_card_number(self) -> str:
        value = clean_number(self.cleaned_data["family_card_number"])
        if value:
            errors = check_kk(value).errors
            if errors:
                raise forms.ValidationError([issue.message for issue in errors])
        return value

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except InvalidPhone as error:
            raise forms.ValidationError(str(error)) from error

    def clean_birth_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["birth_date"]
        if value > dt.date.today():
            raise forms.ValidationError(gettext("The birth date is in the future."))
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
        return data

    @classmethod
    def initial_for(cls, resident: Resident) -> dict[str, Any]:
        return {
            "national_id": resident.national_id,
            "family_card_number": resident.family_card_number,
            "full_name": resident.full_name,
            "sex": resident.sex,
            "birth_date": resident.birth_date,
            "birth_place": resident.birth_place,
            "village": resident.village,
            "hamlet": resident.hamlet,
            "rt": resident.rt,
            "rw": resident.rw,
            "address": resident.address,
            "phone": resident.phone,
            "phone_consent": resident.phone_consent_at is not None,
        }


@dataclass
class ServiceRow:
    """One service on the registration form with its requirement checklist."""

    service: Service
    checked: bool
    documents: forms.BoundField


class RegistrationForm(forms.Form):
    """The services a resident needs at a visit and, for each, the documents they
    already have (``docs_<service id>``). Ticks under a service that is not chosen are
    ignored."""

    services = forms.ModelMultipleChoiceField(
        label=_("Services needed"),
        queryset=Service.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one service the resident needs.")},
    )

    def __init__(
        self,
        *args: Any,
        services: list[Service],
        registration: Registration | None = None,
        **kwargs: Any,
    ) -> None:
        if registration is not None and "initial" not in kwargs:
            needs = list(registration.needs.prefetch_related("documents_present"))
            initial: dict[str, Any] = {"services": [n.service_id for n in needs]}
            for need in needs:
                initial[f"docs_{need.service_id}"] = [
                    str(r.pk) for r in need.documents_present.all()
                ]
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.offered = services
        field = self.fields["services"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Service.objects.filter(pk__in=[s.pk for s in services])
        for service in services:
            self.fields[f"docs_{service.pk}"] = forms.MultipleChoiceField(
                label=_("Documents the resident already has"),
                choices=[(str(r.pk), r.text) for r in service.requirements.all()],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def rows(self) -> list[ServiceRow]:
        if self.is_bound:
            chosen = {str(v) for v in self.data.getlist("services")}  # type: ignore[attr-defined]
        else:
            chosen = {str(v) for v in self.initial.get("services", [])}
        return [
            ServiceRow(
                service=service,
                checked=str(service.pk) in chosen,
                documents=self[f"docs_{service.pk}"],
            )
            for service in self.offered
        ]

    def documents_present(self) -> dict[int, list[int]]:
        chosen = {service.pk for service in self.cleaned_data["services"]}
        return {
            service_id: [int(pk) for pk in self.cleaned_data.get(f"docs_{service_id}", [])]
            for service_id in chosen
        }


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self) -> Any:
        from bujian.residents.imports import MAX_FILE_BYTES

        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                gettext("Choose an Excel file in .xlsx format, made from the template.")
            )
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                gettext("The file is larger than %(size)d MB. Split it into smaller files.")
                % {"size": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


class ImportConfirmForm(forms.Form):
    """The explicit choice to import only the good rows of a file with bad rows."""

    good_rows = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    confirm = forms.BooleanField(
        label=_("I understand that the bad rows are not imported."),
        error_messages={"required": _("Tick the box to confirm.")},
    )
