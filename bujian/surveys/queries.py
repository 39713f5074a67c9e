"""Reads of survey results and suggestions, with the access scope of each role.

Scope: program admins and leadership read their whole regency; an agency operator
reads the results and suggestions of their own agencies only; village operators do
not read survey results (403). Outside the scope → 404.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from bujian.accounts.models import User
from bujian.accounts.permissions import staff_regency
from bujian.agencies.models import Agency, Service
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records.models import ServiceRecord
from bujian.regions.models import Regency
from bujian.surveys import stats
from bujian.surveys.models import Element, SurveyResponse
from bujian.surveys.stats import IkmResult
from bujian.visits.models import Visit
from bujian.visits.queries import get_visit_for_staff, visible_visits

# --- access scope ---------------------------------------------------------------------


def require_results_reader(user: User) -> None:
    """Who may read survey results at all: everyone but village operators."""
    if not (user.sees_whole_regency or user.is_agency_operator):
        raise PermissionDenied


def agency_scope(user: User) -> set[int] | None:
    """The agencies whose results the user reads; None means every agency."""
    if user.sees_whole_regency:
        return None
    if user.is_agency_operator:
        return set(user.agencies.values_list("pk", flat=True))
    return set()


def scoped_responses(user: User, responses: QuerySet[SurveyResponse]) -> QuerySet[SurveyResponse]:
    if user.is_superuser:
        return responses
    regency = staff_regency(user)
    responses = responses.filter(regency=regency)
    agencies = agency_scope(user)
    return responses if agencies is None else responses.filter(agency_id__in=agencies)


def scoped_tickets(user: User, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    agencies = agency_scope(user)
    if agencies is None:
        return tickets
    return tickets.filter(booth__participation__agency_id__in=agencies)


def get_visit_for_results(user: User, pk: int) -> Visit:
    visit = get_visit_for_staff(user, pk)  # 404 outside the scope
    require_results_reader(user)
    return visit


def get_agency_for_results(user: User, pk: int) -> Agency:
    require_results_reader(user)
    agency = Agency.objects.filter(pk=pk).first()
    if agency is None:
        raise Http404
    if not user.is_superuser and not agency.regencies.filter(pk=staff_regency(user).pk).exists():
        raise Http404
    agencies = agency_scope(user)
    if agencies is not None and agency.pk not in agencies:
        raise Http404  # another agency's results are not theirs to read
    return agency


def entry_agencies(user: User, visit: Visit) -> QuerySet[Agency]:
    """The agencies of a visit for which the user may enter paper questionnaires or
    open the kiosk: all for program admins, their own for agency operators."""
    agencies = Agency.objects.filter(participations__visit=visit).order_by("short_name")
    if user.is_program_admin:
        return agencies
    if user.is_agency_operator:
        return agencies.filter(pk__in=user.agencies.all())
    return agencies.none()


def get_visit_for_entry(user: User, pk: int) -> Visit:
    """A visit the user may collect questionnaires at: 404 outside the scope, 403 for
    roles that do not serve (leadership, village operators)."""
    visit = get_visit_for_staff(user, pk)
    if not (user.is_program_admin or user.is_agency_operator):
        raise PermissionDenied
    if not entry_agencies(user, visit).exists():
        raise PermissionDenied
    return visit


def collecting_visits(user: User, today: dt.date) -> QuerySet[Visit]:
    """Visits where questionnaires are being collected now or were lately: the list
    with the kiosk and paper-entry buttons."""
    if not (user.is_program_admin or user.is_agency_operator):
        return Visit.objects.none()
    return (
        visible_visits(user)
        .filter(
            start_date__lte=today + dt.timedelta(days=7),
            end_date__gte=today - dt.timedelta(days=45),
        )
        .exclude(status__in=[Visit.Status.DRAFT, Visit.Status.CANCELLED])
        .order_by("-start_date")
    )


# --- public and kiosk -----------------------------------------------------------------


@dataclass
class TicketChoice:
    ticket: Ticket
    agency: Agency
    service: Service | None
    answered: bool


def ticket_choices(visit_ticket: VisitTicket) -> list[TicketChoice]:
    """The finished services of a visit ticket, each with whether it was answered."""
    tickets = list(
        Ticket.objects.filter(visit_ticket=visit_ticket, status=Ticket.Status.DONE)
        .select_related("booth__participation__agency")
        .prefetch_related("records__service", "services")
        .order_by("finished_at", "pk")
    )
    answered = set(
        SurveyResponse.objects.filter(ticket__in=tickets).values_list("ticket_id", flat=True)
    )
    choices = []
    for ticket in tickets:
        records = sorted(ticket.records.all(), key=lambda r: (r.created_at, r.pk))
        services = list(ticket.services.all())
        service = records[0].service if records else (services[0] if len(services) == 1 else None)
        choices.append(
            TicketChoice(
                ticket=ticket,
                agency=ticket.booth.participation.agency,
                service=service,
                answered=ticket.pk in answered,
            )
        )
    return choices


def public_visit_ticket(ticket_uuid: uuid.UUID) -> VisitTicket:
    visit_ticket = (
        VisitTicket.objects.select_related("visit__regency", "visit__village")
        .filter(uuid=ticket_uuid)
        .first()
    )
    if visit_ticket is None:
        raise Http404
    return visit_ticket


def public_ticket(visit_ticket: VisitTicket, ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.select_related("booth__participation__agency", "booth__visit__regency")
        .filter(pk=ticket_id, visit_ticket=visit_ticket)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def find_kiosk_ticket(visit: Visit, text: str, today: dt.date) -> VisitTicket | None:
    """The visit ticket a resident names at the kiosk: the number of one of its booth
    tickets ("A-014", "a14", "A 014") on the visit's current day, or the scanned QR
    (the status page address, which holds the ticket's uuid)."""
    text = text.strip()
    for part in text.replace("?", "/").split("/")[::-1]:
        try:
            scanned = uuid.UUID(part.strip())
        except ValueError:
            continue
        return VisitTicket.objects.filter(visit=visit, uuid=scanned).first()
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    prefix = "".join(ch for ch in compact if ch.isalpha())
    digits = compact[len(prefix) :]
    if not prefix or not digits.isdecimal():
        return None
    days = [d for d in visit.days if d <= today] or visit.days
    ticket = (
        Ticket.objects.filter(booth__visit=visit, booth__prefix=prefix, number=int(digits))
        .filter(day__in=days)
        .select_related("visit_ticket")
        .order_by("-day")
        .first()
    )
    return ticket.visit_ticket if ticket is not None else None


# --- results --------------------------------------------------------------------------


def elements() -> list[Element]:
    """The element names shown on results: those of the current version. The nine
    elements of the regulation do not change between versions, only their wording."""
    return list(Element.objects.filter(questionnaire__is_current=True).order_by("position"))


@dataclass
class Row:
    """One line of a results table: a visit, an agency or a service, and its IKM."""

    key: Any
    label: str
    result: IkmResult
    served: int | None = None


@dataclass
class ProfileGroup:
    """One part of the respondents' profile (sex, age, …): (label, count) lines."""

    title: str
    lines: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(count for _label, count in self.lines)


AGE_GROUPS = [(20, _("under 20")), (30, "20–29"), (40, "30–39"), (50, "40–49"), (60, "50–59")]


def respondent_profile(responses: QuerySet[SurveyResponse]) -> list[ProfileGroup]:
    """Who answered, as SKM reports show it: counts per sex, age group, education,
    occupation, survey time and channel (one GROUP BY each, no rows loaded)."""

    age_group = Case(
        *(When(age__lt=bound, then=Value(i)) for i, (bound, _label) in enumerate(AGE_GROUPS)),
        default=Value(len(AGE_GROUPS)),
        output_field=IntegerField(),
    )
    ages = [(i, label) for i, (_bound, label) in enumerate(AGE_GROUPS)]
    ages.append((len(AGE_GROUPS), _("60 and over")))
    by_age = responses.annotate(age_group=age_group)
    groups: list[tuple[Any, QuerySet[SurveyResponse], str, list[tuple[Any, Any]]]] = [
        (_("Sex"), responses, "sex", SurveyResponse.Sex.choices),
        (_("Age"), by_age, "age_group", ages),
        (_("Education"), responses, "education", SurveyResponse.Education.choices),
        (_("Occupation"), responses, "occupation", SurveyResponse.Occupation.choices),
        (_("Survey time"), responses, "session", SurveyResponse.Session.choices),
        (_("Channel"), responses, "channel", SurveyResponse.Channel.choices),
    ]
    return [
        ProfileGroup(str(title), _counted(rows, key, choices))
        for title, rows, key, choices in groups
    ]


def _counted(
    responses: QuerySet[SurveyResponse], key: str, choices: list[tuple[Any, Any]]
) -> list[tuple[str, int]]:
    rows = responses.order_by().values(key).annotate(n=Count("id"))
    found = {row[key]: int(row["n"]) for row in rows}
    return [(str(label), found.get(value, 0)) for value, label in choices]


@dataclass
class Results:
    overall: IkmResult | None
    by_agency: list[Row] = field(default_factory=list)
    by_service: list[Row] = field(default_factory=list)
    by_visit: list[Row] = field(default_factory=list)
    by_month: list[Row] = field(default_factory=list)
    served: int | None = None
    suggestions: list[SurveyResponse] = field(default_factory=list)
    profile: list[ProfileGroup] = field(default_factory=list)

    @property
    def low_samples(self) -> list[Row]:
        rows = self.by_agency + self.by_service + self.by_visit + self.by_month
        return [row for row in rows if row.result.sample_ok is False]


def _agency_rows(
    responses: QuerySet[SurveyResponse], tickets: QuerySet[Ticket] | None
) -> list[Row]:
    populations = (
        stats.served_counts(tickets, "booth__participation__agency_id") if tickets else None
    )
    results = stats.results_by(stats.grouped_sums(responses, "agency_id"), populations)
    agencies = Agency.objects.in_bulk(list(results))
    rows = [
        Row(
            key=agency_id,
            label=str(agencies[agency_id]),
            result=result,
            served=populations.get(agency_id) if populations is not None else None,
        )
        for agency_id, result in results.items()
    ]
    return sorted(rows, key=lambda r: (-r.result.ikm, r.label))


def _service_rows(
    responses: QuerySet[SurveyResponse], records: QuerySet[ServiceRecord] | None
) -> list[Row]:
    populations = stats.served_per_service(records) if records is not None else None
    sums = stats.grouped_sums(responses.filter(service__isnull=False), "service_id")
    results = stats.results_by(sums, populations)
    services = Service.objects.select_related("agency").in_bulk(list(results))
    rows = [
        Row(
            key=service_id,
            label=f"{services[service_id].name} ({services[service_id].agency})",
            result=result,
            served=populations.get(service_id) if populations is not None else None,
        )
        for service_id, result in results.items()
    ]
    return sorted(rows, key=lambda r: (-r.result.ikm, r.label))


def _visit_rows(responses: QuerySet[SurveyResponse], tickets: QuerySet[Ticket]) -> list[Row]:
    populations = stats.served_counts(tickets, "booth__visit_id")
    results = stats.results_by(stats.grouped_sums(responses, "visit_id"), populations)
    visits = Visit.objects.select_related("village").in_bulk(list(results))
    rows = [
        Row(
            key=visit_id,
            label=str(visits[visit_id]),
            result=result,
            served=populations.get(visit_id),
        )
        for visit_id, result in results.items()
    ]
    return sorted(rows, key=lambda r: (visits[r.key].start_date, r.key))


def _month_rows(responses: QuerySet[SurveyResponse], tickets: QuerySet[Ticket]) -> list[Row]:
    """The IKM of each calendar month of the period: the trend SKM reports show."""
    populations = stats.served_counts(tickets.annotate(month=TruncMonth("day")), "month")
    sums = stats.grouped_sums(responses.annotate(month=TruncMonth("day")), "month")
    results = stats.results_by(sums, populations)
    return [
        Row(
            key=month,
            label=formats.date_format(month, "F Y"),
            result=results[month],
            served=populations.get(month),
        )
        for month in sorted(results)
    ]


def _suggestions(responses: QuerySet[SurveyResponse], limit: int) -> list[SurveyResponse]:
    return list(
        responses.exclude(suggestion="")
        .select_related("agency", "service", "visit__village")
        .order_by("-day", "-created_at")[:limit]
    )


def visit_results(user: User, visit: Visit) -> Results:
    responses = scoped_responses(user, SurveyResponse.objects.filter(visit=visit))
    tickets = scoped_tickets(user, Ticket.objects.filter(booth__visit=visit))
    records = ServiceRecord.objects.filter(ticket__in=tickets)
    return Results(
        overall=stats.combined(responses, tickets),
        served=stats.served_total(tickets),
        by_agency=_agency_rows(responses, tickets),
        by_service=_service_rows(responses, records),
        suggestions=_suggestions(responses, 200),
        profile=respondent_profile(responses),
    )


def agency_results(agency: Agency, regency: Regency, start: dt.date, end: dt.date) -> Results:
    responses = SurveyResponse.objects.filter(
        agency=agency, regency=regency, day__range=(start, end)
    )
    tickets = Ticket.objects.filter(
        booth__participation__agency=agency,
        booth__visit__regency=regency,
        day__range=(start, end),
    )
    records = ServiceRecord.objects.filter(ticket__in=tickets)
    return Results(
        overall=stats.combined(responses, tickets),
        served=stats.served_total(tickets),
        by_service=_service_rows(responses, records),
        by_visit=_visit_rows(responses, tickets),
        by_month=_month_rows(responses, tickets),
        suggestions=_suggestions(responses, 200),
        profile=respondent_profile(responses),
    )


def period_results(user: User, regency: Regency, start: dt.date, end: dt.date) -> Results:
    responses = scoped_responses(
        user, SurveyResponse.objects.filter(regency=regency, day__range=(start, end))
    )
    tickets = scoped_tickets(
        user, Ticket.objects.filter(booth__visit__regency=regency, day__range=(start, end))
    )
    records = ServiceRecord.objects.filter(ticket__in=tickets)
    return Results(
        overall=stats.combined(responses, tickets),
        served=stats.served_total(tickets),
        by_agency=_agency_rows(responses, tickets),
        by_service=_service_rows(responses, records),
        by_visit=_visit_rows(responses, tickets),
        by_month=_month_rows(responses, tickets),
        profile=respondent_profile(responses),
    )


def suggestion_list(
    user: User, *, visit_id: int | None = None, agency_id: int | None = None
) -> QuerySet[SurveyResponse]:
    """Suggestions the user may read, newest first: an agency operator sees only those
    about their own agencies."""
    responses = scoped_responses(user, SurveyResponse.objects.exclude(suggestion=""))
    if visit_id is not None:
        responses = responses.filter(visit_id=visit_id)
    if agency_id is not None:
        responses = responses.filter(agency_id=agency_id)
    return responses.select_related("agency", "service", "visit__village").order_by(
        "-day", "-created_at", "-pk"
    )


def suggestion_filters(user: User) -> tuple[QuerySet[Agency], QuerySet[Visit]]:
    regency = staff_regency(user)
    agencies = Agency.objects.serving(regency.pk).order_by("short_name")
    scope = agency_scope(user)
    if scope is not None:
        agencies = agencies.filter(pk__in=scope)
    visits = (
        visible_visits(user)
        .filter(Q(survey_responses__isnull=False))
        .distinct()
        .order_by("-start_date")[:100]
    )
    return agencies, visits
