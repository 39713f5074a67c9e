"""Forms of the booth operator screen: parse and validate, never write."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bujian.agencies.models import Service
from bujian.records.actions import OutcomeInput
from bujian.records.models import ServiceRecord
from bujian.visits.models import Booth

REASON_MAX = 250  # ServiceRecord.rejection_reason


class TicketForm(forms.Form):
    """The ticket a button acts on (recall, skip, hold, resume, start)."""

    ticket = forms.IntegerField(widget=forms.HiddenInput)


class BoothChoiceField(forms.ModelChoiceField[Booth]):
    """A booth named as operators say it: "B · Samsat (Loket Samsat)"."""

    def label_from_instance(self, obj: Booth) -> str:
        return f"{obj.prefix} · {obj.participation.agency.short_name} ({obj.name})"


class TransferForm(forms.Form):
    ticket = forms.IntegerField(widget=forms.HiddenInput)
    to_booth = BoothChoiceField(
        label=_("Send to booth"),
        queryset=Booth.objects.none(),
        empty_label=_("Choose a booth"),
        help_text=_("Only booths of agencies present today. The resident keeps their place."),
    )

    def __init__(self, *args: Any, targets: QuerySet[Booth], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_booth"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = targets


OUTCOME_CHOICES = [("", _("Not recorded")), *ServiceRecord.Outcome.choices]


class OutcomeForm(forms.Form):
    """The outcome of one service. A requested service comes fixed (hidden field);
    the extra row lets the operator choose another service of the agency."""

    service = forms.ModelChoiceField(
        label=_("Other service"),
        queryset=Service.objects.none(),
        required=False,
        empty_label=_("None"),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=OUTCOME_CHOICES, required=False, widget=forms.RadioSelect
    )
    document_number = forms.CharField(
        label=_("Number of the document issued"), max_length=60, required=False
    )
    promised_date = forms.DateField(
        label=_("Promised date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    missing = forms.MultipleChoiceField(
        label=_("Missing requirements"),
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
    )
    missing_other = forms.CharField(
        label=_("Other missing requirement"), max_length=200, required=False
    )
    referred_to = BoothChoiceField(
        label=_("Referred to booth"),
        queryset=Booth.objects.none(),
        required=False,
        empty_label=_("Choose a booth"),
    )
    notes = forms.CharField(label=_("Notes"), max_length=250, required=False)

    def __init__(
        self,
        *args: Any,
        services: QuerySet[Service],
        targets: QuerySet[Booth],
        fixed: Service | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fixed = fixed
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ModelChoiceField)
        service_field.queryset = services
        referral_field = self.fields["referred_to"]
        assert isinstance(referral_field, forms.ModelChoiceField)
        referral_field.queryset = targets
        missing_field = self.fields["missing"]
        assert isinstance(missing_field, forms.MultipleChoiceField)
        if fixed is not None:
            service_field.widget = forms.HiddenInput()
            self.initial["service"] = fixed.pk
            self.requirements = {str(r.pk): r.text for r in fixed.requirements.all()}
            missing_field.choices = list(self.requirements.items())
        else:
            self.requirements = {}
            del self.fields["missing"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome")
        if not outcome:
            return data
        if self.fixed is not None:
            data["service"] = self.fixed
        elif data.get("service") is None:
            self.add_error("service", gettext("Choose the service this outcome is for."))
        if outcome == ServiceRecord.Outcome.REJECTED and not self.rejection_reason(data):
            self.add_error(
                "missing_other",
                gettext("Say which requirement is missing, so the resident knows what to bring."),
            )
        if outcome == ServiceRecord.Outcome.IN_PROCESS and data.get("promised_date") is None:
            self.add_error("promised_date", gettext("Give the date the document is promised."))
        if outcome == ServiceRecord.Outcome.REFERRED and data.get("referred_to") is None:
            self.add_error("referred_to", gettext("Choose the booth the resident is referred to."))
        return data

    def rejection_reason(self, data: dict[str, Any]) -> str:
        parts = [self.requirements[key] for key in data.get("missing") or []]
        other = (data.get("missing_other") or "").strip()
        if other:
            parts.append(other)
        return "; ".join(parts)[:REASON_MAX]

    @property
    def service_name(self) -> str:
        return self.fixed.name if self.fixed is not None else ""

    def to_input(self) -> OutcomeInput | None:
        """The outcome for ``finish_ticket``, or None for a row left empty."""
        data = self.cleaned_data
        if not data.get("outcome"):
            return None
        return OutcomeInput(
            service=data["service"],
            outcome=data["outcome"],
            document_number=data.get("document_number") or "",
            promised_date=data.get("promised_date"),
            rejection_reason=self.rejection_reason(data),
            referred_to=data.get("referred_to"),
            notes=data.get("notes") or "",
        )


class FinishForm:
    """One outcome row per requested service, plus one row for another service of the
    agency. Rows are keyed by service, so a row always belongs to the same service."""

    def __init__(
        self,
        data: Any | None,
        *,
        ticket_id: int,
        requested: Iterable[Service],
        services: QuerySet[Service],
        targets: QuerySet[Booth],
    ) -> None:
        self.ticket_id = ticket_id
        self.rows = [
            OutcomeForm(
                data,
                prefix=f"s{service.pk}",
                services=services,
                targets=targets,
                fixed=service,
            )
            for service in requested
        ]
        self.rows.append(OutcomeForm(data, prefix="extra", services=services, targets=targets))
        self.errors: list[str] = []

    def __iter__(self) -> Iterator[OutcomeForm]:
        return iter(self.rows)

    def is_valid(self) -> bool:
        valid = all(row.is_valid() for row in self.rows)
        if not valid:
            return False
        outcomes = self.outcomes()
        if not outcomes:
            self.errors.append(gettext("Record the outcome of at least one service."))
            return False
        services = [o.service.pk for o in outcomes]
        if len(services) != len(set(services)):
            self.errors.append(gettext("Each service can have one outcome only."))
            return False
        return True

    def outcomes(self) -> list[OutcomeInput]:
        return [o for o in (row.to_input() for row in self.rows) if o is not None]
