"""The live visit dashboard: scope, the numbers, the query count, the 304 poll, and the
carry-over button of day two."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.agencies.tests.factories import AgencyFactory
from bujian.conftest import client_for
from bujian.queueing import actions
from bujian.queueing.queries_booth import visit_dashboard
from bujian.queueing.tests.test_actions import (
    DAY_ONE,
    WIB,
    Hall,
    completed,
    make_hall,
    queue_residents,
)
from bujian.regions.models import Regency, Village
from bujian.visits.models import Participation
from bujian.visits.tests.factories import ParticipationFactory

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int, day: dt.date = DAY_ONE) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=WIB)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at(10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def hall(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> Hall:
    """Disdukcapil served two residents (waits 10 and 20 min, services 8 and 44 min,
    finished at 08.20 and 09.05) and has one waiting; Samsat has three waiting."""
    hall = make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )
    queue_residents(hall, [hall.ktp, hall.pkb], 3, actor=budi, start=at(8, 0))
    first = actions.call_next(booth=hall.dukcapil, actor=budi, now=at(8, 10))
    assert first is not None
    actions.start_service(ticket=first, actor=budi, now=at(8, 12))
    actions.finish_ticket(ticket=first, actor=budi, outcomes=[completed(hall.ktp)], now=at(8, 20))
    second = actions.call_next(booth=hall.dukcapil, actor=budi, now=at(8, 21))
    assert second is not None
    actions.start_service(ticket=second, actor=budi, now=at(8, 21))
    actions.finish_ticket(ticket=second, actor=budi, outcomes=[completed(hall.ktp)], now=at(9, 5))
    return hall


def url(hall: Hall, name: str = "queueing:dashboard") -> str:
    return reverse(name, kwargs={"visit_id": hall.visit.pk})


def test_the_numbers_per_booth(hall: Hall) -> None:
    data = visit_dashboard(hall.visit, DAY_ONE, None)
    rows = {row.booth.prefix: row for row in data.booths if row.booth is not None}
    a, b = rows["A"], rows["B"]
    assert (a.waiting, a.called, a.served) == (1, 0, 2)
    assert a.average_wait_minutes == 15.0  # (10 + 20) / 2
    assert a.average_service_minutes == 26.0  # (8 + 44) / 2
    assert (b.waiting, b.served, b.average_wait_minutes) == (3, 0, None)
    assert (rows["C"].waiting, rows["C"].served) == (0, 0)
    assert [(h.hour, h.residents, h.percent) for h in data.per_hour] == [(8, 1, 100), (9, 1, 100)]
    assert data.totals.waiting == 4 and data.totals.served == 2
    assert data.residents_today == 3
    assert [p.agency.short_name for p in data.present] == ["Disdukcapil", "Samsat"]
    assert [p.agency.short_name for p in data.not_present] == ["Dinsos"]


def test_the_hours_are_the_regencys_local_hours(hall: Hall) -> None:
    regency = hall.visit.regency
    regency.time_zone = "Asia/Makassar"  # WITA, one hour ahead of WIB
    regency.save(update_fields=["time_zone"])
    data = visit_dashboard(hall.visit, DAY_ONE, None)
    assert [h.hour for h in data.per_hour] == [9, 10]


def test_the_page_for_program_admins_and_leadership(hall: Hall, budi: User, bupati: User) -> None:
    for user in (budi, bupati):
        response = client_for(user).get(url(hall))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-booth="A"' in html and 'data-booth="B"' in html


def test_an_agency_operator_sees_only_their_booths(hall: Hall, siti: User, andi: User) -> None:
    html = client_for(siti).get(url(hall)).content.decode()
    assert 'data-booth="A"' in html and 'data-booth="B"' not in html
    booth_link = reverse("queueing:booth", kwargs={"booth_id": hall.dukcapil.pk})
    assert booth_link in html
    html = client_for(andi).get(url(hall)).content.decode()
    assert 'data-booth="B"' in html and 'data-booth="A"' not in html


def test_others_are_kept_out(hall: Hall, kades: User, regency: Regency, client: Client) -> None:
    assert client_for(kades).get(url(hall)).status_code == 403
    stranger = User.objects.create(username="rudi", role=User.Role.AGENCY_OPERATOR, regency=regency)
    stranger.agencies.add(AgencyFactory.create(regencies=[regency]))
    assert client_for(stranger).get(url(hall)).status_code == 404
    assert client.get(url(hall)).status_code == 302


def test_the_dashboard_needs_the_same_queries_whatever_the_size(
    hall: Hall,
    budi: User,
    regency: Regency,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    client = client_for(budi)
    client.get(url(hall, "queueing:dashboard_stats"))  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(url(hall, "queueing:dashboard_stats"))
    assert len(small) <= 12
    for _ in range(5):
        agency = AgencyFactory.create(regencies=[regency])
        participation = ParticipationFactory.create(
            visit=hall.visit, agency=agency, attendance=Participation.Attendance.PRESENT
        )
        actions.open_booth(participation=participation, actor=budi)
    queue_residents(hall, [hall.ktp, hall.pkb], 20, actor=budi, start=at(9, 0))
    with django_assert_num_queries(len(small)):
        response = client.get(url(hall, "queueing:dashboard_stats"), headers={"HX-Request": "true"})
    assert response.content.decode().count("data-booth=") == 8


def test_the_poll_answers_304_without_the_database(
    hall: Hall,
    budi: User,
    django_assert_num_queries: Callable[..., Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = client_for(budi)
    stats = url(hall, "queueing:dashboard_stats")
    first = client.get(stats, headers={"HX-Request": "true"})
    assert first.status_code == 200
    with django_assert_num_queries(0):
        assert client.get(stats, headers={"If-None-Match": first["ETag"]}).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        actions.call_next(booth=hall.samsat, actor=budi)
    moved = client.get(stats, headers={"If-None-Match": first["ETag"]})
    assert moved.status_code == 200
    assert 'data-testid="total-called">1<' in moved.content.decode()


# --- day two ----------------------------------------------------------------------------


def test_no_carry_over_button_on_day_one(hall: Hall, budi: User) -> None:
    html = client_for(budi).get(url(hall)).content.decode()
    assert 'data-testid="carry-over"' not in html


def test_program_admin_carries_yesterdays_queue_to_today(
    hall: Hall, budi: User, bupati: User, siti: User, _clock: time_machine.Traveller
) -> None:
    _clock.move_to(at(7, 30, DAY_ONE + dt.timedelta(days=1)))
    html = client_for(budi).get(url(hall)).content.decode()
    assert 'data-testid="carry-over"' in html
    assert 'data-testid="carry-over"' not in client_for(bupati).get(url(hall)).content.decode()
    carry = url(hall, "queueing:carry_over")
    assert client_for(bupati).post(carry).status_code == 403
    assert client_for(siti).post(carry).status_code == 403

    client = client_for(budi)
    response = client.post(carry, follow=True)
    assert response.redirect_chain[-1][0] == url(hall)
    html = response.content.decode()
    assert "message--success" in html
    assert 'data-testid="carry-over"' not in html
    data = visit_dashboard(hall.visit, DAY_ONE + dt.timedelta(days=1), None)
    rows = {row.booth.prefix: row.waiting for row in data.booths if row.booth is not None}
    assert rows == {"A": 1, "B": 3, "C": 0}
    again = client.post(carry, follow=True)
    assert "message--info" in again.content.decode()


def test_the_stats_fragment_alone_for_htmx(hall: Hall, budi: User) -> None:
    response = client_for(budi).get(
        url(hall, "queueing:dashboard_stats"), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard-stats"')
    assert "<html" not in html
