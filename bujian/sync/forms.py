from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from bujian.visits.models import Visit

MAX_FILE_BYTES = 256 * 1024 * 1024


def _within_limit(upload: UploadedFile) -> UploadedFile:
    if (upload.size or 0) > MAX_FILE_BYTES:
        raise forms.ValidationError(_("The file is larger than 256 MB."))
    return upload


class RegisterNodeForm(forms.Form):
    visit = forms.ModelChoiceField(label=_("Visit"), queryset=Visit.objects.none())
    name = forms.CharField(label=_("Name of the laptop"), max_length=100)

    def __init__(self, *args: object, visits: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if visits is not None:
            self.fields["visit"].queryset = visits  # type: ignore[attr-defined]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Pairing code"), max_length=20, help_text=_("E.g. K7QM-2XHD-9TRA.")
    )


class PairForm(CodeForm):
    central_url = forms.URLField(
        assume_scheme="https",
        label=_("Address of the central server"),
        help_text=_("E.g. https://bujian.example.go.id"),
    )


class PackageFileForm(CodeForm):
    file = forms.FileField(label=_("Package file (.bjp)"))

    def clean_file(self) -> UploadedFile:
        return _within_limit(self.cleaned_data["file"])


class PushFileForm(forms.Form):
    file = forms.FileField(label=_("Push file from the field node (.bjs)"))

    def clean_file(self) -> UploadedFile:
        return _within_limit(self.cleaned_data["file"])
