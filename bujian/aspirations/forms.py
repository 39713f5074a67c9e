"""Parsing and validation of the aspiration forms; nothing here writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bujian.agencies.models import Agency
from bujian.aspirations.models import Aspiration, Category
from bujian.aspirations.uploads import MAX_EVIDENCE, MAX_PHOTOS
from bujian.regions.models import Village
from bujian.visits.models import Visit


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the content checks are in ``uploads``."""

    def __init__(self, *args: Any, limit: int, **kwargs: Any) -> None:
        self.limit = limit
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if len(files) > self.limit:
            raise forms.ValidationError(
                _("Send at most %(limit)s files."), params={"limit": self.limit}
            )
        return [f for f in files if f]


class AspirationForm(forms.Form):
    """What a resident says, on the public form and on the staff form."""

    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices])
    title = forms.CharField(
        label=_("Title"),
        max_length=150,
        help_text=_("In a few words, e.g. “Jembatan gantung Dusun II putus”."),
    )
    text = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is the problem or the wish, where, since when."),
    )
    village = forms.TypedChoiceField(
        label=_("Village"), coerce=int, required=False, empty_value=None
    )
    hamlet = forms.CharField(label=_("Hamlet (dusun)"), max_length=100, required=False)
    rt = forms.CharField(label=_("RT"), max_length=3, required=False)
    rw = forms.CharField(label=_("RW"), max_length=3, required=False)
    reporter_name = forms.CharField(
        label=_("Your name"), max_length=120, required=False, help_text=_("Optional.")
    )
    reporter_national_id = forms.CharField(
        label=_("NIK"), max_length=20, required=False, help_text=_("Optional, 16 digits.")
    )
    reporter_phone = forms.CharField(
        label=_("Phone (WhatsApp/SMS)"),
        max_length=20,
        required=False,
        help_text=_("Optional: we send the tracking code and every change to this number."),
    )
    phone_consent = forms.BooleanField(
        label=_(
            "I agree to receive messages about this aspiration on this number (the consent "
            "can be withdrawn at any time)"
        ),
        required=False,
    )
    hide_identity = forms.BooleanField(label=_("Hide my identity from the agency"), required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        required=False,
        min_value=-90,
        max_value=90,
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        required=False,
        min_value=-180,
        max_value=180,
    )
    photos = MultipleFileField(
        label=_("Photos"),
        limit=MAX_PHOTOS,
        help_text=_("Up to 3 photos (JPEG, PNG or WebP), 5 MB each. Location data is removed."),
    )

    def __init__(self, *args: Any, villages: QuerySet[Village], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._villages = villages.select_related("district").order_by("district__name", "name")
        # Grouped by kecamatan: 158 villages in one flat list are hard to find on a phone.
        groups: dict[str, list[tuple[int, str]]] = {}
        for village in self._villages:
            groups.setdefault(village.district.name, []).append((village.pk, str(village)))
        village_field = self.fields["village"]
        assert isinstance(village_field, forms.TypedChoiceField)
        village_field.choices = [("", "—"), *groups.items()]
        self.fields["photos"].widget.attrs["accept"] = "image/jpeg,image/png,image/webp"

    def clean_village(self) -> Village | None:
        village_id = self.cleaned_data.get("village")
        if village_id is None:
            return None
        return self._villages.filter(pk=village_id).first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(_("Give both latitude and longitude, or neither."))
        if (data.get("reporter_phone") or "").strip() and not data.get("phone_consent"):
            self.add_error(
                "phone_consent",
                _("Agree to be contacted on this number, or leave the phone number empty."),
            )
        return data


class PublicAspirationForm(AspirationForm):
    # A field people do not see; bots fill every field they find.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class StaffAspirationForm(AspirationForm):
    channel = forms.ChoiceField(
        label=_("Where was it raised?"),
        choices=[
            (Aspiration.Channel.ASSISTED, _("At the desk, recorded for the resident")),
            (Aspiration.Channel.DIALOGUE, _("In the dialogue session")),
        ],
        initial=Aspiration.Channel.ASSISTED,
        widget=forms.RadioSelect,
    )
    visit = forms.ModelChoiceField(label=_("Visit"), queryset=Visit.objects.none(), required=False)
    raised_by = forms.CharField(
        label=_("Raised by"),
        max_length=150,
        required=False,
        help_text=_("In the dialogue session: who spoke, e.g. Kepala Dusun II."),
    )
    leader_response = forms.CharField(
        label=_("Leader's direct answer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the Bupati (or Wabup, Sekda) answered on the spot."),
    )

    def __init__(self, *args: Any, visits: QuerySet[Visit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visit_field = self.fields["visit"]
        assert isinstance(visit_field, forms.ModelChoiceField)
        visit_field.queryset = visits


class AgencyChoices(forms.ModelChoiceField[Agency]):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.short_name} — {obj.name}" if obj.short_name != obj.name else obj.name


class AgencyMultipleChoices(forms.ModelMultipleChoiceField[Agency]):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.short_name or obj.name


class AssignForm(forms.Form):
    lead_agency = AgencyChoices(label=_("Lead agency"), queryset=Agency.objects.none())
    supporting = AgencyMultipleChoices(
        label=_("Supporting agencies"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    disposition = forms.CharField(
        label=_("Disposition"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The Bupati's instruction to the agency."),
    )
    term = forms.ChoiceField(label=_("Term"), choices=Aspiration.Term.choices, required=False)
    planning_year = forms.IntegerField(label=_("Planning year"), required=False)

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lead_agency", "supporting"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = agencies


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Answer for the resident"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public page and sent to the resident."),
    )


class OptionalNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the resident"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(forms.Form):
    response = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the public page and sent to the resident."),
    )
    evidence = MultipleFileField(
        label=_("Evidence"),
        limit=MAX_EVIDENCE,
        help_text=_("A photo (JPEG, PNG, WebP) or a PDF document, 5 MB each; at most 3."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].widget.attrs["accept"] = (
            "image/jpeg,image/png,image/webp,application/pdf"
        )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public page and sent to the resident."),
    )


class MergeForm(forms.Form):
    target_code = forms.CharField(
        label=_("Tracking code of the aspiration it duplicates"), max_length=16
    )
    note = forms.CharField(label=_("Internal note"), required=False)

    def clean_target_code(self) -> str:
        return str(self.cleaned_data["target_code"]).strip().upper()


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the answer not satisfy you?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PublicReopenForm(ReopenForm):
    """Reopening on the public page. When the resident left a phone number, its last
    four digits show that the request is theirs, not anyone's who saw the code."""

    phone_end = forms.CharField(
        label=_("Last 4 digits of the phone number you gave"),
        max_length=4,
        min_length=4,
        required=False,
    )

    def __init__(self, *args: Any, phone: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phone = phone
        if phone:
            self.fields["phone_end"].required = True
        else:
            del self.fields["phone_end"]

    def clean_phone_end(self) -> str:
        value = str(self.cleaned_data.get("phone_end") or "").strip()
        if self.phone and value != self.phone[-4:]:
            raise forms.ValidationError(_("These are not the last digits of that phone number."))
        return value


class TermForm(forms.Form):
    term = forms.ChoiceField(label=_("Term"), choices=Aspiration.Term.choices)
    planning_year = forms.IntegerField(label=_("Planning year"), required=False)


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=16)

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper().replace(" ", "")


class FilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("open", _("Open")), *Aspiration.Status.choices],
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *Category.choices]
    )
    agency = forms.ModelChoiceField(
        label=_("Lead agency"), queryset=Agency.objects.none(), required=False
    )
    term = forms.ChoiceField(
        label=_("Term"),
        required=False,
        choices=[("", _("All")), ("short", _("Short term")), ("long", _("Long term"))],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    visit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Code or title"), required=False, max_length=100)

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = agencies
