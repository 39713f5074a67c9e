"""Forms of the document pages. They parse; the rules live in actions_documents."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bujian.agencies.models import Agency
from bujian.records.models import Document, DocumentHandover
from bujian.residents.models import Resident
from bujian.residents.nik import clean_number
from bujian.visits.forms import DateInput
from bujian.visits.models import Visit


class DocumentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Document.Status.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Document type"),
        choices=[("", _("All types")), *Document.Kind.choices],
        required=False,
    )
    q = forms.CharField(
        label=_("Name or document number"), max_length=100, required=False, strip=True
    )


class AgencyChoiceField(forms.ModelChoiceField[Agency]):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.short_name


class RegisterDocumentForm(forms.Form):
    """A document made outside the booth flow. The resident is found by NIK: the
    operator types it from the application file, and it is never shown back."""

    national_id = forms.CharField(
        label=_("Resident's NIK"),
        max_length=30,
        help_text=_("The resident must already be recorded (at a visit or by the village)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("Document type"), choices=Document.Kind.choices)
    agency = AgencyChoiceField(queryset=Agency.objects.none(), label=_("Agency"))
    number = forms.CharField(label=_("Document number"), max_length=60, required=False)
    promised_date = forms.DateField(label=_("Promised date"), required=False, widget=DateInput())
    ready = forms.BooleanField(
        label=_("The document is finished and ready for handover"), required=False
    )

    def __init__(
        self,
        *args: Any,
        agencies: QuerySet[Agency],
        residents: QuerySet[Resident],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.residents = residents
        field = self.fields["agency"]
        assert isinstance(field, AgencyChoiceField)
        field.queryset = agencies
        if len(agencies) == 1:
            field.initial = agencies[0].pk

    def clean_national_id(self) -> Resident:
        national_id = clean_number(self.cleaned_data["national_id"])
        # Only residents the user may see: a NIK from outside the scope reads as unknown.
        resident = self.residents.select_related("village").filter(national_id=national_id)
        found = resident.first()
        if found is None:
            raise forms.ValidationError(
                _(
                    "No resident has this NIK yet. Record the resident at the registration "
                    "desk or with the village operator first."
                ),
                code="unknown_resident",
            )
        return found


class MarkReadyForm(forms.Form):
    number = forms.CharField(label=_("Document number"), max_length=60, required=False)


class VisitChoiceField(forms.ModelChoiceField[Visit]):
    def label_from_instance(self, obj: Visit) -> str:
        return f"{obj.village.name} ({obj.start_date:%d-%m-%Y})"


class HandoverForm(forms.Form):
    """Who receives the document, where. The proxy fields are shown only when "a proxy"
    is chosen (CSS :has(), no script needed); the action checks them either way.
    Prefixed with the document's id, so a page can hold one form per document."""

    recipient = forms.ChoiceField(
        label=_("Received by"),
        choices=DocumentHandover.Recipient.choices,
        initial=DocumentHandover.Recipient.RESIDENT,
        widget=forms.RadioSelect,
    )
    proxy_name = forms.CharField(label=_("Proxy's full name"), max_length=150, required=False)
    proxy_national_id = forms.CharField(
        label=_("Proxy's NIK"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    proxy_relationship = forms.CharField(
        label=_("Relationship to the resident"),
        max_length=60,
        required=False,
        help_text=_("E.g. spouse, child, parent, sibling."),
    )
    place = forms.ChoiceField(label=_("Place"), choices=DocumentHandover.Place.choices)
    visit = VisitChoiceField(queryset=Visit.objects.none(), label=_("Visit"), required=False)
    on_stage = forms.BooleanField(
        label=_("Handed over on stage by the Bupati (symbolic handover)"), required=False
    )

    def __init__(
        self,
        *args: Any,
        document: Document,
        places: list[str],
        visits: QuerySet[Visit] | None = None,
        fixed_visit: Visit | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", f"d{document.pk}")
        super().__init__(*args, **kwargs)
        self.fixed_visit = fixed_visit
        place = self.fields["place"]
        assert isinstance(place, forms.ChoiceField)
        place.choices = [(v, lbl) for v, lbl in DocumentHandover.Place.choices if v in places]
        place.initial = places[0] if places else None
        visit = self.fields["visit"]
        assert isinstance(visit, VisitChoiceField)
        if fixed_visit is not None:
            # The visit page: the place and the visit are the page's own.
            place.widget = forms.HiddenInput()
            place.initial = DocumentHandover.Place.VISIT
            visit.queryset = Visit.objects.filter(pk=fixed_visit.pk)
            visit.initial = fixed_visit.pk
            visit.widget = forms.HiddenInput()
        else:
            visit.queryset = visits if visits is not None else Visit.objects.none()
        if DocumentHandover.Place.VISIT not in places:
            del self.fields["visit"]
            del self.fields["on_stage"]

    def clean_proxy_national_id(self) -> str:
        return clean_number(self.cleaned_data.get("proxy_national_id", ""))

    def action_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``hand_over_document`` from the cleaned data."""
        data = self.cleaned_data
        place = data["place"]
        return {
            "recipient": data["recipient"],
            "place": place,
            "visit": data.get("visit") if place == DocumentHandover.Place.VISIT else None,
            "proxy_name": data.get("proxy_name", ""),
            "proxy_national_id": data.get("proxy_national_id", ""),
            "proxy_relationship": data.get("proxy_relationship", ""),
            "on_stage": bool(data.get("on_stage")),
        }


# Where a refusal of hand_over_document belongs on the form.
HANDOVER_ERROR_FIELDS = {
    "records.proxy_name_required": "proxy_name",
    "records.proxy_relationship_required": "proxy_relationship",
    "records.proxy_nik_required": "proxy_national_id",
    "records.proxy_nik_invalid": "proxy_national_id",
    "records.proxy_is_resident": "proxy_national_id",
    "records.visit_required": "visit",
    "records.visit_not_held": "visit",
    "records.on_stage_needs_visit": "on_stage",
}
