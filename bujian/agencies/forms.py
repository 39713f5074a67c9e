from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bujian.agencies.models import Agency, Service


class CatalogSearchForm(forms.Form):
    q = forms.CharField(
        label=_("What do you need?"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. perpanjang SIM, akta kelahiran, KTP"), "type": "search"}
        ),
    )
    agency = forms.CharField(required=False, widget=forms.HiddenInput)


class AgencyForm(forms.ModelForm[Agency]):
    class Meta:
        model = Agency
        fields = [
            "name",
            "short_name",
            "head_name",
            "head_title",
            "phone",
            "email",
            "address",
            "is_active",
        ]


class ServiceForm(forms.ModelForm[Service]):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        required=False,
        help_text=_("E.g. DUK-KTP-CETAK. Cannot change later."),
    )
    requirements_text = forms.CharField(
        label=_("Requirements (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "description",
            "output_document",
            "completed_on_site",
            "typical_minutes",
            "fee_kind",
            "fee_amount",
            "fee_note",
            "legal_basis",
            "is_active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["code"]
            self.fields["requirements_text"].initial = "\n".join(
                r.text for r in self.instance.requirements.all()
            )
        else:
            self.fields["code"].required = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("fee_kind")
        if kind == Service.FeeKind.FIXED and not data.get("fee_amount"):
            self.add_error("fee_amount", _("Write the fee amount in rupiah."))
        if kind == Service.FeeKind.NOTE and not data.get("fee_note"):
            self.add_error("fee_note", _("Explain the fee in the note."))
        return data

    @property
    def requirement_lines(self) -> list[str]:
        return [
            line
            for line in self.cleaned_data.get("requirements_text", "").splitlines()
            if line.strip()
        ]
