"""Forms of the survey: parse and validate, never write."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bujian.agencies.models import Agency, Service
from bujian.queueing.models import Ticket
from bujian.surveys.actions import MAX_AGE, MIN_AGE, Respondent
from bujian.surveys.models import ANSWER_FIELDS, Element, SurveyResponse
from bujian.visits.models import Visit


class SurveyForm(forms.Form):
    """The questionnaire: the respondent profile of the regulation's template, the
    nine elements with their four labels (of the current version), and a suggestion."""

    sex = forms.ChoiceField(
        label=gettext_lazy("Sex"), choices=SurveyResponse.Sex.choices, widget=forms.RadioSelect
    )
    age = forms.IntegerField(
        label=gettext_lazy("Age (years)"),
        min_value=MIN_AGE,
        max_value=MAX_AGE,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    education = forms.ChoiceField(
        label=gettext_lazy("Last education"),
        choices=SurveyResponse.Education.choices,
        widget=forms.RadioSelect,
    )
    occupation = forms.ChoiceField(
        label=gettext_lazy("Main occupation"),
        choices=SurveyResponse.Occupation.choices,
        widget=forms.RadioSelect,
    )
    occupation_other = forms.CharField(
        label=gettext_lazy("Other occupation, namely"), required=False, max_length=60
    )
    submission = forms.UUIDField(required=False, widget=forms.HiddenInput)
    suggestion = forms.CharField(
        label=gettext_lazy("Suggestions or complaints about this service (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, elements: Sequence[Element], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["submission"].initial = uuid.uuid4()
        self.elements = list(elements)
        for element in self.elements:
            name = f"u{element.position}"
            self.fields[name] = forms.TypedChoiceField(
                label=element.question,
                choices=[(i, label) for i, label in enumerate(element.labels, start=1)],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose one answer to this question.")},
            )
        self.order_fields(
            ["sex", "age", "education", "occupation", "occupation_other"]
            + [f"u{e.position}" for e in self.elements]
            + ["suggestion"]
        )

    def profile_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("sex", "age", "education", "occupation")]

    def question_fields(self) -> list[tuple[Element, forms.BoundField]]:
        return [(e, self[f"u{e.position}"]) for e in self.elements]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if (
            data.get("occupation") == SurveyResponse.Occupation.OTHER
            and not data.get("occupation_other", "").strip()
        ):
            self.add_error("occupation_other", _("Write the occupation."))
        return data

    def respondent(self) -> Respondent:
        data = self.cleaned_data
        return Respondent(
            sex=data["sex"],
            age=int(data["age"]),
            education=data["education"],
            occupation=data["occupation"],
            occupation_other=data.get("occupation_other", ""),
        )

    def answers(self) -> list[int]:
        return [int(self.cleaned_data[field]) for field in ANSWER_FIELDS]


def _service_label(service: Service) -> str:
    return f"{service.agency} · {service.name}"


class PaperEntryForm(SurveyForm):
    """A paper questionnaire typed in by staff: what service it is about, and when."""

    agency = forms.ModelChoiceField(label=gettext_lazy("Agency"), queryset=Agency.objects.none())
    service = forms.ModelChoiceField(
        label=gettext_lazy("Service received"), queryset=Service.objects.none(), required=False
    )
    ticket_label = forms.CharField(
        label=gettext_lazy("Queue number on the questionnaire (optional)"),
        required=False,
        max_length=12,
        help_text=gettext_lazy("E.g. A-014. Links the questionnaire to the service delivered."),
    )
    day = forms.TypedChoiceField(label=gettext_lazy("Survey date"), coerce=dt.date.fromisoformat)
    session = forms.ChoiceField(
        label=gettext_lazy("Survey time"),
        choices=SurveyResponse.Session.choices,
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args: Any,
        visit: Visit,
        agencies: Any,
        day_labels: Sequence[tuple[dt.date, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.visit = visit
        agency_field = self.fields["agency"]
        assert isinstance(agency_field, forms.ModelChoiceField)
        agency_field.queryset = agencies
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ModelChoiceField)
        service_field.queryset = (
            Service.objects.filter(agency__in=agencies).select_related("agency").order_by("name")
        )
        service_field.label_from_instance = _service_label  # type: ignore[method-assign,assignment]
        day_field = self.fields["day"]
        assert isinstance(day_field, forms.TypedChoiceField)
        day_field.choices = [(d.isoformat(), label) for d, label in day_labels]
        self.ticket: Ticket | None = None
        self.order_fields(["agency", "service", "ticket_label", "day", "session", *self.fields])

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        agency, service = data.get("agency"), data.get("service")
        if agency is not None and service is not None and service.agency_id != agency.pk:
            self.add_error("service", _("This service belongs to another agency."))
        label = (data.get("ticket_label") or "").strip().upper()
        day = data.get("day")
        if label and agency is not None and day is not None:
            prefix, _dash, number = label.replace(" ", "-").partition("-")
            if not number:
                prefix = "".join(ch for ch in label if ch.isalpha())
                number = label[len(prefix) :]
            ticket = None
            if prefix and number.isdecimal():
                ticket = (
                    Ticket.objects.filter(
                        booth__visit=self.visit, booth__prefix=prefix, number=int(number), day=day
                    )
                    .select_related("booth__participation")
                    .first()
                )
            if ticket is None:
                self.add_error(
                    "ticket_label",
                    _("No queue number %(label)s on that day of this visit.") % {"label": label},
                )
            elif ticket.booth.participation.agency_id != agency.pk:
                self.add_error(
                    "ticket_label",
                    _("Number %(label)s was served by another agency.") % {"label": label},
                )
            else:
                self.ticket = ticket
        return data


class KioskLookupForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Your queue number"),
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "placeholder": "A-014",
                "autofocus": True,
            }
        ),
        help_text=gettext_lazy("Type the number on your ticket, or scan its QR code."),
    )


class KioskOpenForm(forms.Form):
    log_out = forms.BooleanField(
        label=gettext_lazy("Log out of this device, so residents cannot reach staff pages"),
        required=False,
        initial=True,
    )


class PeriodForm(forms.Form):
    # ISO dates: what an <input type="date"> reads and sends, whatever the language.
    start = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    MAX_DAYS = 366 * 5

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days > self.MAX_DAYS:
                self.add_error("end", _("Choose a period of at most five years."))
        return data
