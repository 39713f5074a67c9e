"""A visit day with finished booth tickets to rate (the queue app's test visit:
Disdukcapil at booth A, Samsat at booth B, on 10 December 2026)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
import time_machine
from django.utils import timezone

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Service
from bujian.queueing import actions as queue_actions
from bujian.queueing.models import Ticket
from bujian.queueing.tests.test_desk import NOW, VisitDay, make_resident, make_visit_day
from bujian.records.models import ServiceRecord
from bujian.regions.models import Regency, Village
from bujian.surveys import actions
from bujian.surveys.models import SurveyResponse

__all__ = ["NOW", "Served", "answer"]


@pytest.fixture(autouse=True)
def _frozen_clock(request: pytest.FixtureRequest) -> Iterator[object]:
    """The queue app's visit day, 10 December 2026, 09.00 WIB; browser tests keep the
    real clock (the live server and the browser must agree on it)."""
    if request.node.get_closest_marker("browser"):
        yield None
        return
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class Served:
    """The visit day and a way to finish a service for a new resident."""

    day: VisitDay
    village: Village
    siti: User
    serial: int = 0

    def ticket(self, service: Service | None = None, *, finished: bool = True) -> Ticket:
        """A booth ticket of a new resident, finished with a service record."""
        service = service or self.day.ktp
        self.serial += 1
        resident = make_resident(self.village, f"Warga {self.serial}", 100 + self.serial)
        visit_ticket = queue_actions.issue_visit_ticket(
            visit=self.day.visit, resident=resident, services=[service], issued_by=self.siti
        )
        ticket = visit_ticket.tickets.get()
        if finished:
            Ticket.objects.filter(pk=ticket.pk).update(
                status=Ticket.Status.DONE, finished_at=timezone.now()
            )
            ServiceRecord.objects.create(
                ticket=ticket, service=service, outcome=ServiceRecord.Outcome.COMPLETED
            )
            ticket.refresh_from_db()
        return ticket


@pytest.fixture
def served(
    regency: Regency,
    village: Village,
    budi: User,
    siti: User,
    disdukcapil: Agency,
    samsat: Agency,
) -> Served:
    day = make_visit_day(
        regency=regency, village=village, budi=budi, disdukcapil=disdukcapil, samsat=samsat
    )
    return Served(day=day, village=village, siti=siti)


RESPONDENT = actions.Respondent(sex="P", age=34, education="sma", occupation="wirausaha")


def answer(
    ticket: Ticket,
    answers: Sequence[int] = (4, 4, 4, 4, 4, 4, 4, 4, 4),
    *,
    suggestion: str = "",
    channel: str = SurveyResponse.Channel.KIOSK,
) -> SurveyResponse:
    return actions.submit_response(
        respondent=RESPONDENT,
        answers=answers,
        ticket=ticket,
        channel=channel,
        suggestion=suggestion,
    )


def form_data(
    answers: Sequence[int] = (4, 3, 3, 4, 3, 4, 4, 3, 3), **changes: str
) -> dict[str, str]:
    data = {
        "sex": "L",
        "age": "41",
        "education": "smp",
        "occupation": "lainnya",
        "occupation_other": "Petani",
        "suggestion": "",
        **{f"u{i}": str(a) for i, a in enumerate(answers, start=1)},
    }
    data.update(changes)
    return data
