"""The public status page behind the QR on the printed ticket."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.conftest import client_for
from bujian.queueing import actions
from bujian.queueing.models import Ticket, VisitTicket
from bujian.queueing.tests.test_desk import NOW, VisitDay, make_resident, make_visit_day
from bujian.regions.models import Regency, Village
from bujian.surveys.tests.conftest import answer
from bujian.visits.models import Booth

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[object]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def day(
    regency: Regency, village: Village, budi: User, disdukcapil: Agency, samsat: Agency
) -> VisitDay:
    return make_visit_day(
        regency=regency, village=village, budi=budi, disdukcapil=disdukcapil, samsat=samsat
    )


def english() -> Client:
    """An anonymous phone reading English (the msgids), whatever the catalog says."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def queue(day: VisitDay, village: Village, names: list[str], *, siti: User) -> list[VisitTicket]:
    """Residents queued at Disdukcapil (booth A) one minute apart, in order."""
    tickets = []
    for i, name in enumerate(names):
        resident = make_resident(village, name, 40 + i)
        tickets.append(
            actions.issue_visit_ticket(
                visit=day.visit,
                resident=resident,
                services=[day.ktp],
                issued_by=siti,
                now=NOW + dt.timedelta(minutes=i),
            )
        )
    return tickets


def url(visit_ticket: VisitTicket) -> str:
    return reverse("queueing:status", args=[visit_ticket.uuid])


def booth_a(day: VisitDay) -> Booth:
    return day.visit.booths.get(prefix="A")


def test_status_says_how_many_people_are_ahead(day: VisitDay, village: Village, siti: User) -> None:
    tickets = queue(
        day, village, ["Ani Lestari", "Badu", "Citra", "Dedi", "Eka Saputra"], siti=siti
    )
    response = english().get(url(tickets[4]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="waiting"' in body
    assert "You are number A-005: 4 people are ahead of you." in body
    assert "Hello, Eka" in body


def test_status_shows_no_personal_data_but_the_first_name(
    day: VisitDay, village: Village, siti: User
) -> None:
    (visit_ticket,) = queue(day, village, ["Eka Saputra Wijaya"], siti=siti)
    nik = visit_ticket.resident.national_id
    body = english().get(url(visit_ticket)).content.decode()
    assert "Eka" in body
    assert "Saputra" not in body and "Wijaya" not in body
    assert nik not in body
    assert nik[-4:] not in body  # not even the masked NIK
    assert "csrfmiddlewaretoken" not in body


def test_status_follows_the_ticket_through_the_queue(
    day: VisitDay, village: Village, siti: User
) -> None:
    first, second = queue(day, village, ["Ani", "Badu"], siti=siti)
    client = english()
    assert (
        "You are number A-002: 1 person is ahead of you."
        in client.get(url(second)).content.decode()
    )

    called = actions.call_next(booth=booth_a(day), actor=siti)
    assert called is not None and called.visit_ticket_id == first.pk
    body = client.get(url(second)).content.decode()
    assert "You are number A-002, and you are next." in body
    body = client.get(url(first)).content.decode()
    assert 'data-state="called"' in body
    assert "please go to Loket Disdukcapil now" in body

    actions.skip(ticket=called, actor=siti)
    assert 'data-state="skipped"' in client.get(url(first)).content.decode()
    assert "you are next" in client.get(url(second)).content.decode()

    # Ten minutes later the skipped ticket is back in line, ahead by its original time.
    later = NOW + dt.timedelta(minutes=actions.SKIP_RETURN_MINUTES, seconds=1)
    with time_machine.travel(later, tick=False):
        body = client.get(url(second)).content.decode()
    assert "1 person is ahead of you" in body


def test_a_resident_busy_at_another_booth_is_told_so(
    day: VisitDay, village: Village, siti: User, andi: User
) -> None:
    resident = make_resident(village, "Ani", 50)
    visit_ticket = actions.issue_visit_ticket(
        visit=day.visit, resident=resident, services=[day.ktp, day.stnk], issued_by=siti
    )
    actions.call_next(booth=day.visit.booths.get(prefix="B"), actor=andi)
    body = english().get(url(visit_ticket)).content.decode()
    assert "You are at Loket Samsat now; this booth calls you after that." in body


def test_unchanged_queue_answers_304_without_touching_the_database(
    day: VisitDay,
    village: Village,
    siti: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    _first, second = queue(day, village, ["Ani", "Badu"], siti=siti)
    client = english()
    response = client.get(url(second))
    etag = response["ETag"]
    assert etag
    assert "no-cache" in response["Cache-Control"]
    assert "Cookie" not in response["Vary"]  # the page never reads the session
    assert not response.cookies

    with django_assert_num_queries(0):
        again = client.get(url(second), headers={"If-None-Match": etag, "HX-Request": "true"})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""

    # A logged-in phone too: the public page never opens the session.
    staff = client_for(siti)
    staff.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with django_assert_num_queries(0):
        assert staff.get(url(second), headers={"If-None-Match": etag}).status_code == 304

    # A queue change moves the version (once it commits): the next poll gets the new page.
    # (The version is a clock stamp, so the frozen clock moves on a second first.)
    with (
        time_machine.travel(NOW + dt.timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        actions.call_next(booth=booth_a(day), actor=siti)
    changed = client.get(url(second), headers={"If-None-Match": etag, "HX-Request": "true"})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "you are next" in changed.content.decode()


def test_poll_is_an_htmx_fragment_that_sends_the_etag(
    day: VisitDay, village: Village, siti: User
) -> None:
    (visit_ticket,) = queue(day, village, ["Ani"], siti=siti)
    page = english().get(url(visit_ticket))
    body = page.content.decode()
    assert 'hx-trigger="every 10s"' in body
    assert json.dumps({"If-None-Match": page["ETag"]}).replace('"', "&quot;") in body
    fragment = english().get(url(visit_ticket), headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith("<section")
    assert "HX-Request" in fragment["Vary"]


def test_skipped_ticket_coming_back_ends_the_304(
    day: VisitDay,
    village: Village,
    siti: User,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    _first, second = queue(day, village, ["Ani", "Badu"], siti=siti)
    called = actions.call_next(booth=booth_a(day), actor=siti)
    assert called is not None
    actions.skip(ticket=called, actor=siti)
    client = english()
    etag = client.get(url(second))["ETag"]
    with django_assert_num_queries(0):
        assert client.get(url(second), headers={"If-None-Match": etag}).status_code == 304
    later = NOW + dt.timedelta(minutes=actions.SKIP_RETURN_MINUTES, seconds=1)
    with time_machine.travel(later, tick=False):
        response = client.get(url(second), headers={"If-None-Match": etag})
    assert response.status_code == 200  # no queue action, but the count changed
    assert "1 person is ahead of you" in response.content.decode()


def test_finished_ticket_stops_polling(day: VisitDay, village: Village, siti: User) -> None:
    (visit_ticket,) = queue(day, village, ["Ani"], siti=siti)
    Ticket.objects.filter(visit_ticket=visit_ticket).update(status=Ticket.Status.DONE)
    body = english().get(url(visit_ticket)).content.decode()
    assert 'data-state="done"' in body
    assert "hx-trigger" not in body


def test_unknown_ticket_is_404(db: None) -> None:
    response = english().get(
        reverse("queueing:status", args=["0b7c1f1e-1d7c-4a55-9d0b-2f9c6bb3d1a1"])
    )
    assert response.status_code == 404


def test_unchanged_page_answers_304_after_a_queue_change_elsewhere(
    day: VisitDay,
    village: Village,
    siti: User,
    andi: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """The visit's version moves on every queue action; a page whose places did not
    change still answers 304, without rendering, after a few queries."""
    (visit_ticket,) = queue(day, village, ["Ani"], siti=siti)
    other = make_resident(village, "Badu", 60)
    client = english()
    etag = client.get(url(visit_ticket))["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.issue_visit_ticket(
            visit=day.visit, resident=other, services=[day.stnk], issued_by=siti
        )
        actions.call_next(booth=day.visit.booths.get(prefix="B"), actor=andi)
    with django_assert_max_num_queries(3):
        again = client.get(url(visit_ticket), headers={"If-None-Match": etag, "HX-Request": "true"})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""
    # The page is remembered at the new version: the next poll touches no database.
    with django_assert_max_num_queries(0):
        assert client.get(url(visit_ticket), headers={"If-None-Match": etag}).status_code == 304


def test_changed_page_answers_200_with_the_new_state(
    day: VisitDay,
    village: Village,
    siti: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """With the rebuild interval at 0 (conftest), the poll right after a change shows it."""
    first, second, third = queue(day, village, ["Ani", "Badu", "Citra"], siti=siti)
    client = english()
    etags = {t.pk: client.get(url(t))["ETag"] for t in (first, second, third)}
    assert len(set(etags.values())) == 3  # the tag is the page's, not the visit's
    with django_capture_on_commit_callbacks(execute=True):
        actions.call_next(booth=booth_a(day), actor=siti)
    for visit_ticket, expected in [
        (first, "please go to Loket Disdukcapil now"),
        (second, "You are number A-002, and you are next."),
        (third, "You are number A-003: 1 person is ahead of you."),
    ]:
        response = client.get(
            url(visit_ticket),
            headers={"If-None-Match": etags[visit_ticket.pk], "HX-Request": "true"},
        )
        assert response.status_code == 200
        assert response["ETag"] != etags[visit_ticket.pk]
        assert expected in response.content.decode()


def test_status_lags_a_busy_queue_by_at_most_the_rebuild_interval(
    day: VisitDay,
    village: Village,
    siti: User,
    settings: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """Within the interval the lines ahead come from the worker's last read; the
    ticket's own rows are always read fresh, and a page shown from an older read is
    not remembered as current."""
    settings.BUJIAN_BOARD_REBUILD_MS = 500  # type: ignore[attr-defined]
    clock = [time.monotonic()]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    first, second, third = queue(day, village, ["Ani", "Badu", "Citra"], siti=siti)
    client = english()
    assert "2 people are ahead of you" in client.get(url(third)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        actions.call_next(booth=booth_a(day), actor=siti)
    clock[0] += 0.2
    soon = client.get(url(third))
    assert "2 people are ahead of you" in soon.content.decode()
    assert 'data-state="called"' in client.get(url(first)).content.decode()
    clock[0] += 0.4
    later = client.get(url(third), headers={"If-None-Match": soon["ETag"]})
    assert later.status_code == 200
    assert "1 person is ahead of you" in later.content.decode()
    assert "you are next" in client.get(url(second)).content.decode()


def test_etag_carries_no_personal_data(day: VisitDay, village: Village, siti: User) -> None:
    (visit_ticket,) = queue(day, village, ["Eka Saputra Wijaya"], siti=siti)
    response = english().get(url(visit_ticket))
    nik = visit_ticket.resident.national_id
    for header in ("ETag", "Cache-Control", "Vary"):
        value = response[header]
        assert "Eka" not in value and "Saputra" not in value
        assert nik not in value and nik[-4:] not in value
    assert "private" in response["Cache-Control"]


def test_a_transferred_ticket_is_left_out_and_the_new_one_shown(
    day: VisitDay, village: Village, siti: User
) -> None:
    (visit_ticket,) = queue(day, village, ["Ani"], siti=siti)
    called = actions.call_next(booth=booth_a(day), actor=siti)
    assert called is not None and called.visit_ticket_id == visit_ticket.pk
    moved = actions.transfer(
        ticket=called, to_booth=day.visit.booths.get(prefix="B"), actor=siti, services=[day.stnk]
    )
    body = english().get(url(visit_ticket)).content.decode()
    assert re.findall(r'data-label="([A-Z]-\d{3})"', body) == [moved.label] == ["B-001"]
    assert "A-001" not in body


def test_a_visit_ticket_without_booth_tickets_shows_the_empty_page(
    day: VisitDay, village: Village, siti: User
) -> None:
    (visit_ticket,) = queue(day, village, ["Ani Lestari"], siti=siti)
    Ticket.objects.filter(visit_ticket=visit_ticket).delete()
    response = english().get(url(visit_ticket))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Hello, Ani" in body
    assert "No queue number on this ticket yet." in body
    assert "hx-trigger" not in body  # nothing open: the page does not poll


def test_a_page_that_changed_is_read_in_one_query_with_its_survey_answers(
    day: VisitDay,
    village: Village,
    siti: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    """A poll whose page changed reads the visit ticket, its booth tickets, their
    agencies and survey answers in one statement; the lines ahead are the second
    (the suite's rebuild interval is 0). The survey line costs no query of its own."""
    resident = make_resident(village, "Ani", 52)
    visit_ticket = actions.issue_visit_ticket(
        visit=day.visit, resident=resident, services=[day.ktp, day.stnk], issued_by=siti
    )
    done = Ticket.objects.get(visit_ticket=visit_ticket, booth__prefix="A")
    Ticket.objects.filter(pk=done.pk).update(status=Ticket.Status.DONE)
    client = english()
    first = client.get(url(visit_ticket))
    assert 'data-testid="survey-link"' in first.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer(done)  # moves the visit's version
    with django_assert_num_queries(2):
        again = client.get(url(visit_ticket), headers={"If-None-Match": first["ETag"]})
    body = again.content.decode()
    assert again.status_code == 200
    assert 'data-testid="survey-done"' in body
    assert "You are number B-001, and you are next." in body
