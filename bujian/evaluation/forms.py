from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bujian.evaluation.models import ReportLetterhead
from bujian.evaluation.reports import Period

MAX_LOGO_BYTES = 512 * 1024


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Period"),
        choices=[
            ("month", _("Month")),
            ("quarter", _("Quarter")),
            ("semester", _("Semester")),
            ("year", _("Year")),
        ],
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    number = forms.IntegerField(
        label=_("Number"),
        min_value=1,
        max_value=12,
        help_text=_("Month 1–12, quarter 1–4, semester 1–2; 1 for a year."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                data["period"] = Period.parse(data["kind"], data["year"], data["number"])
            except ValueError:
                raise forms.ValidationError(
                    _("There is no such period: a quarter is 1 to 4, a semester 1 or 2.")
                ) from None
        return data


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=[("pdf", "PDF"), ("xlsx", "Excel")])


class LetterheadForm(forms.ModelForm[ReportLetterhead]):
    logo_file = forms.ImageField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG or JPEG, at most 512 KB. Printed at the left of the letterhead."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = ReportLetterhead
        fields = [
            "government_name",
            "office_name",
            "address",
            "contact",
            "city",
            "signer_title",
            "signer_name",
            "signer_nip",
        ]

    def clean_logo_file(self) -> Any:
        upload = self.cleaned_data.get("logo_file")
        if upload is None:
            return None
        if upload.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(_("The logo is larger than 512 KB."))
        kind = getattr(getattr(upload, "image", None), "format", "") or ""
        if kind.upper() not in {"PNG", "JPEG"}:
            raise forms.ValidationError(_("Upload a PNG or JPEG image."))
        return upload

    def clean_signer_nip(self) -> str:
        nip = str(self.cleaned_data.get("signer_nip") or "").replace(" ", "")
        if nip and (not nip.isdigit() or len(nip) != 18):
            raise forms.ValidationError(_("A NIP has 18 digits."))
        return nip


class IndicatorImportForm(forms.Form):
    file = forms.FileField(
        label=_("Indicator file (JSON or CSV)"),
        help_text=_("Exported by the Bujian of another regency, at most 5 MB."),
    )
