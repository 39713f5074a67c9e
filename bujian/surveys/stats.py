"""IKM statistics computed in SQL: per visit, agency, service and period.

The database sums each element's scores and counts the questionnaires per group (one
``GROUP BY`` query); the NRR and the IKM are then computed exactly from those sums
(``ikm.py``). No response row is loaded, so the same functions serve one visit and
the evaluation reports over millions of responses.

The population for the Krejcie & Morgan minimum is the number of services delivered:
booth tickets finished (``done``) in the same scope, since each questionnaire is about
one service delivered (FACTS.md §3: "population = number of service users").

This module is the contract the evaluation app relies on; keep the signatures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, QuerySet, Sum

from bujian.queueing.models import Ticket
from bujian.records.models import ServiceRecord
from bujian.surveys import ikm
from bujian.surveys.models import ANSWER_FIELDS, ELEMENT_COUNT, SurveyResponse

NRR_PLACES = Decimal("0.001")


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    nrr: tuple[Decimal, ...]  # 9 values, U1..U9, rounded to 3 decimals for display
    ikm: Decimal  # IKM × 25, rounded half up to 2 decimals
    grade: str  # "A".."D"
    grade_label: str
    minimum_sample: int | None  # Krejcie & Morgan, when the population is known
    sample_ok: bool | None

    @property
    def weighted_nrr(self) -> tuple[Decimal, ...]:
        """NRR × 1/9 per element, for display (rounded to 3 decimals)."""
        return tuple(ikm.round_half_up(Fraction(v) * ikm.WEIGHT, NRR_PLACES) for v in self.nrr)

    @property
    def weakest(self) -> list[int]:
        """0-based indexes of the (at most three) lowest elements, lowest first."""
        return ikm.weakest(self.nrr)

    @property
    def missing_respondents(self) -> int:
        if self.minimum_sample is None:
            return 0
        return max(0, self.minimum_sample - self.respondents)


def ikm_from_sums(
    sums: Sequence[int], respondents: int, *, population: int | None = None
) -> IkmResult | None:
    """The IKM of ``respondents`` questionnaires whose scores add up to ``sums`` (U1..U9).
    None without respondents. With ``population`` (services delivered), the minimum
    sample and whether it is reached."""
    if respondents <= 0:
        return None
    if len(sums) != ELEMENT_COUNT:
        raise ValueError(f"Expected {ELEMENT_COUNT} sums, got {len(sums)}.")
    exact = [ikm.nrr(int(total), respondents) for total in sums]
    score = ikm.ikm_score(exact)
    grade = ikm.grade_for(score)
    minimum = ikm.minimum_sample(population) if population else None
    return IkmResult(
        respondents=respondents,
        nrr=tuple(ikm.round_half_up(value, NRR_PLACES) for value in exact),
        ikm=score,
        grade=grade.letter,
        grade_label=str(grade.label),
        minimum_sample=minimum,
        sample_ok=None if minimum is None else respondents >= minimum,
    )


# --- SQL building blocks ---------------------------------------------------------------


def _sum_annotations() -> dict[str, Any]:
    return {"respondents": Count("id"), **{f"sum_{f}": Sum(f) for f in ANSWER_FIELDS}}


def _sums_of(row: Mapping[str, Any]) -> list[int]:
    return [int(row[f"sum_{f}"] or 0) for f in ANSWER_FIELDS]


def grouped_sums(responses: QuerySet[SurveyResponse], key: str) -> dict[Any, tuple[list[int], int]]:
    """{group: (sums U1..U9, respondents)} in one GROUP BY query."""
    rows = responses.order_by().values(key).annotate(**_sum_annotations())
    return {row[key]: (_sums_of(row), int(row["respondents"])) for row in rows}


def total_sums(responses: QuerySet[SurveyResponse]) -> tuple[list[int], int]:
    row = responses.order_by().aggregate(**_sum_annotations())
    return _sums_of(row), int(row["respondents"] or 0)


def served_counts(tickets: QuerySet[Ticket], key: str) -> dict[Any, int]:
    """Services delivered (finished booth tickets) per group."""
    rows = (
        tickets.filter(status=Ticket.Status.DONE)
        .order_by()
        .values(key)
        .annotate(served=Count("id"))
    )
    return {row[key]: int(row["served"]) for row in rows}


def served_total(tickets: QuerySet[Ticket]) -> int:
    return tickets.filter(status=Ticket.Status.DONE).count()


def served_per_service(records: QuerySet[ServiceRecord]) -> dict[int, int]:
    """Finished booth tickets per service (a ticket counts once per service)."""
    rows = (
        records.filter(ticket__status=Ticket.Status.DONE)
        .order_by()
        .values("service_id")
        .annotate(served=Count("ticket_id", distinct=True))
    )
    return {int(row["service_id"]): int(row["served"]) for row in rows}


def results_by(
    sums: Mapping[Any, tuple[list[int], int]], populations: Mapping[Any, int] | None = None
) -> dict[Any, IkmResult]:
    results = {}
    for key, (group_sums, respondents) in sums.items():
        population = populations.get(key) if populations is not None else None
        result = ikm_from_sums(group_sums, respondents, population=population)
        if result is not None:
            results[key] = result
    return results


def combined(
    responses: QuerySet[SurveyResponse], tickets: QuerySet[Ticket] | None
) -> IkmResult | None:
    sums, respondents = total_sums(responses)
    population = served_total(tickets) if tickets is not None else None
    return ikm_from_sums(sums, respondents, population=population)


def _overall_and_per_agency(
    responses: QuerySet[SurveyResponse], tickets: QuerySet[Ticket]
) -> tuple[IkmResult | None, dict[int, IkmResult]]:
    """Three queries: the totals, the sums per agency, the services per agency (whose
    sum is the overall population)."""
    served = served_counts(tickets, "booth__participation__agency_id")
    per_agency = results_by(grouped_sums(responses, "agency_id"), served)
    sums, respondents = total_sums(responses)
    overall = ikm_from_sums(sums, respondents, population=sum(served.values()))
    return overall, per_agency


# --- the contract ---------------------------------------------------------------------


def visit_ikm(visit_id: int) -> tuple[IkmResult | None, dict[int, IkmResult]]:
    """The IKM of a visit, overall and per agency_id."""
    responses = SurveyResponse.objects.filter(visit_id=visit_id)
    tickets = Ticket.objects.filter(booth__visit_id=visit_id)
    return _overall_and_per_agency(responses, tickets)


def period_ikm(
    regency_id: int, start: dt.date, end: dt.date
) -> tuple[IkmResult | None, dict[int, IkmResult]]:
    """The IKM of a regency over the days start..end (inclusive), overall and per
    agency_id."""
    responses = SurveyResponse.objects.filter(regency_id=regency_id, day__range=(start, end))
    tickets = Ticket.objects.filter(booth__visit__regency_id=regency_id, day__range=(start, end))
    return _overall_and_per_agency(responses, tickets)


def ikm_by_visit(regency_id: int, start: dt.date, end: dt.date) -> dict[int, IkmResult]:
    """The IKM of each visit of a regency with responses dated start..end (trends)."""
    responses = SurveyResponse.objects.filter(regency_id=regency_id, day__range=(start, end))
    tickets = Ticket.objects.filter(booth__visit__regency_id=regency_id, day__range=(start, end))
    return results_by(
        grouped_sums(responses, "visit_id"), served_counts(tickets, "booth__visit_id")
    )
