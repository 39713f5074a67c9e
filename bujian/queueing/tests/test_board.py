"""The TV board: its page, the state it polls (304 without the database), the zone
filter and the spoken calls."""

from __future__ import annotations

import time
import wave
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.http import FileResponse
from django.test import Client
from pytest_django import DjangoAssertNumQueries, DjangoCaptureOnCommitCallbacks, Settings

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Service
from bujian.agencies.tests.factories import ServiceFactory
from bujian.conftest import client_for
from bujian.queueing import actions, queries_board, voice
from bujian.queueing.models import Ticket
from bujian.queueing.queries_board import build_board_state
from bujian.regions.models import Regency, Village
from bujian.residents.tests.factories import ResidentFactory
from bujian.visits import actions as visit_actions
from bujian.visits.models import Booth, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _voice_dir(settings: Settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


@pytest.fixture(autouse=True)
def _plain_static_names(settings: Settings) -> None:
    """The manifest storage needs a collectstatic run that knows board.js."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def open_hall(regency: Regency, village: Village, budi: User, agencies: list[Agency]) -> Visit:
    """A visit today with a booth per agency, prefixes A, B, … in turn, zones Utara,
    Selatan, Utara, …"""
    today = visit_actions.local_today(regency)
    visit = visit_actions.plan_visit(
        regency=regency, village=village, start_date=today, end_date=today, created_by=budi
    )
    for agency in agencies:
        if not visit.participations.filter(agency=agency).exists():
            visit_actions.invite_agency(visit=visit, agency=agency, actor=budi)
    visit_actions.announce_visit(visit=visit, actor=budi)
    zones = ["Utara", "Selatan"]
    for index, agency in enumerate(agencies):
        actions.open_booth(
            participation=visit.participations.get(agency=agency),
            actor=budi,
            name=f"Loket {agency.short_name}",
            zone=zones[index % 2],
        )
    return visit


def queue_residents(visit: Visit, service: Service, count: int, by: User) -> None:
    for _ in range(count):
        actions.issue_visit_ticket(
            visit=visit,
            resident=ResidentFactory.create(village=visit.village),
            services=[service],
            issued_by=by,
        )


@pytest.fixture
def ktp(disdukcapil: Agency) -> Service:
    return ServiceFactory.create(agency=disdukcapil, code="DUK-KTP-CETAK", name="Cetak KTP-el")


@pytest.fixture
def pkb(samsat: Agency) -> Service:
    return ServiceFactory.create(agency=samsat, code="PKB-TAHUNAN", name="PKB tahunan")


@pytest.fixture
def hall(
    regency: Regency,
    village: Village,
    budi: User,
    disdukcapil: Agency,
    samsat: Agency,
    ktp: Service,
    pkb: Service,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> Visit:
    """Booth A (Disdukcapil, zone Utara) with 3 waiting, booth B (Samsat, Selatan)
    with 2 waiting; nobody called yet."""
    with django_capture_on_commit_callbacks(execute=True):
        visit = open_hall(regency, village, budi, [disdukcapil, samsat])
        queue_residents(visit, ktp, 3, budi)
        queue_residents(visit, pkb, 2, budi)
    return visit


def booth(visit: Visit, prefix: str) -> Booth:
    return Booth.objects.get(visit=visit, prefix=prefix)


Call = Callable[..., Any]


@pytest.fixture
def committed(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> Callable[..., Any]:
    """Run an action and its on-commit callbacks (the board version bump)."""

    def run(action: Call, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action(**kwargs)

    return run


def state_url(visit: Visit, zone: str = "") -> str:
    return f"/antrian/papan/{visit.pk}/state.json" + (f"?zona={zone}" if zone else "")


# --- the page ---------------------------------------------------------------------


def test_board_page_shows_the_call_and_no_personal_data(
    client: Client, hall: Visit, siti: User, committed: Call
) -> None:
    ticket = committed(actions.call_next, booth=booth(hall, "A"), actor=siti)
    response = client.get(f"/antrian/papan/{hall.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "A-001" in html
    assert "Loket Disdukcapil" in html and "Loket Samsat" in html
    assert 'http-equiv="refresh" content="5"' in html  # the <noscript> fallback
    resident = ticket.visit_ticket.resident
    assert resident.full_name not in html
    assert resident.national_id not in html
    assert "sessionid" not in response.cookies


def test_board_of_a_draft_visit_is_not_found(
    client: Client, regency: Regency, village: Village, budi: User
) -> None:
    today = visit_actions.local_today(regency)
    draft = visit_actions.plan_visit(
        regency=regency, village=village, start_date=today, end_date=today, created_by=budi
    )
    assert client.get(f"/antrian/papan/{draft.pk}/").status_code == 404
    assert client.get(state_url(draft)).status_code == 404


# --- the state --------------------------------------------------------------------


def test_state_after_a_call(client: Client, hall: Visit, siti: User, committed: Call) -> None:
    ticket = committed(actions.call_next, booth=booth(hall, "A"), actor=siti)
    state = client.get(state_url(hall)).json()
    a, b = state["booths"]
    assert (a["prefix"], a["name"], a["agency"], a["zone"]) == (
        "A",
        "Loket Disdukcapil",
        "Disdukcapil",
        "Utara",
    )
    assert a["waiting"] == 2
    assert a["current"]["label"] == "A-001"
    assert a["current"]["ticket"] == ticket.pk
    assert a["current"]["calls"] == 1
    assert b["waiting"] == 2 and b["current"] is None
    assert [call["label"] for call in state["recent"]] == ["A-001"]
    assert state["recent"][0]["voice"] == f"/antrian/papan/{hall.pk}/suara/{ticket.pk}.wav"
    assert "Warga" not in str(state)  # no resident names


def test_a_recall_raises_the_call_count(
    client: Client, hall: Visit, siti: User, committed: Call
) -> None:
    ticket = committed(actions.call_next, booth=booth(hall, "A"), actor=siti)
    committed(actions.recall, ticket=ticket, actor=siti)
    state = client.get(state_url(hall)).json()
    assert state["booths"][0]["current"]["calls"] == 2
    assert [call["label"] for call in state["recent"]] == ["A-001"]


def test_last_calls_are_newest_first_and_at_most_six(
    client: Client, hall: Visit, andi: User, pkb: Service, budi: User, committed: Call
) -> None:
    with_more = booth(hall, "B")
    committed(queue_residents, visit=hall, service=pkb, count=6, by=budi)
    for _ in range(7):
        called = committed(actions.call_next, booth=with_more, actor=andi)
        committed(actions.skip, ticket=called, actor=andi)
    state = client.get(state_url(hall)).json()
    labels = [call["label"] for call in state["recent"]]
    assert labels == ["B-007", "B-006", "B-005", "B-004", "B-003", "B-002"]
    assert state["booths"][1]["current"] is None  # skipped: nobody at the counter


def test_an_unchanged_board_answers_304_without_touching_the_database(
    hall: Visit, siti: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # A logged-in browser sends its session cookie: loading that session would query.
    tv = client_for(siti)
    first = tv.get(state_url(hall))
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = tv.get(state_url(hall), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert "no-cache" in again["Cache-Control"]
    assert not again.cookies


def test_many_boards_build_the_state_once_per_change(
    hall: Visit,
    siti: User,
    committed: Call,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    Client().get(state_url(hall))
    with django_assert_num_queries(0):
        for _ in range(9):  # other boards, without an ETag yet: served from the cache
            assert Client().get(state_url(hall)).status_code == 200
    committed(actions.call_next, booth=booth(hall, "A"), actor=siti)
    with django_assert_num_queries(4):  # the visit, booths, called now, last calls
        Client().get(state_url(hall))
    with django_assert_num_queries(0):
        assert Client().get(state_url(hall)).json()["recent"][0]["label"] == "A-001"


def test_a_call_changes_the_etag_and_the_next_poll_gets_it(
    client: Client, hall: Visit, siti: User, committed: Call
) -> None:
    before = client.get(state_url(hall))
    committed(actions.call_next, booth=booth(hall, "B"), actor=siti)
    after = client.get(state_url(hall), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.json()["booths"][1]["current"]["label"] == "B-001"


def test_building_the_state_takes_three_queries_whatever_the_booths(
    regency: Regency,
    village: Village,
    budi: User,
    siti: User,
    django_assert_num_queries: DjangoAssertNumQueries,
    committed: Call,
) -> None:
    from bujian.agencies.tests.factories import AgencyFactory

    agencies = AgencyFactory.create_batch(6, regencies=[regency])
    visit = committed(open_hall, regency=regency, village=village, budi=budi, agencies=agencies)
    for agency in agencies:
        service = ServiceFactory.create(agency=agency)
        committed(queue_residents, visit=visit, service=service, count=2, by=budi)
        committed(
            actions.call_next,
            booth=Booth.objects.get(visit=visit, participation__agency=agency),
            actor=budi,
        )
    visit = Visit.objects.select_related("regency").get(pk=visit.pk)
    with django_assert_num_queries(3):
        state = build_board_state(visit)
    assert len(state["booths"]) == 6
    assert all(b["current"] is not None for b in state["booths"])
    assert len(state["recent"]) == 6


def test_a_zone_board_shows_only_its_booths_and_calls(
    client: Client, hall: Visit, siti: User, andi: User, committed: Call
) -> None:
    committed(actions.call_next, booth=booth(hall, "A"), actor=siti)
    committed(actions.call_next, booth=booth(hall, "B"), actor=andi)
    north = client.get(state_url(hall, "Utara")).json()
    assert [b["prefix"] for b in north["booths"]] == ["A"]
    assert [c["label"] for c in north["recent"]] == ["A-001"]
    south = client.get(state_url(hall, "Selatan")).json()
    assert [c["label"] for c in south["recent"]] == ["B-001"]
    everything = client.get(state_url(hall)).json()
    assert [c["label"] for c in everything["recent"]] == ["B-001", "A-001"]
    page = client.get(f"/antrian/papan/{hall.pk}/?zona=Selatan").content.decode()
    assert "Loket Samsat" in page and "Loket Disdukcapil" not in page
    assert f'data-state-url="/antrian/papan/{hall.pk}/state.json?zona=Selatan"' in page


# --- the voice --------------------------------------------------------------------


def test_the_voice_clip_of_a_call(client: Client, hall: Visit, siti: User, committed: Call) -> None:
    if not voice.is_available():
        pytest.skip("eSpeak NG is not available (espeakng-loader library, espeak-ng command)")
    ticket = committed(actions.call_next, booth=booth(hall, "A"), actor=siti)
    response = client.get(f"/antrian/papan/{hall.pk}/suara/{ticket.pk}.wav")
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert "max-age=86400" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert isinstance(response, FileResponse)
    content = b"".join(response.streaming_content)
    response.close()
    with wave.open(BytesIO(content), "rb") as clip:
        assert clip.getnframes() / clip.getframerate() > 1.5


def test_the_voice_clip_says_the_tickets_own_call(
    client: Client, hall: Visit, siti: User, committed: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []

    def fake_clip(text: str) -> Path:
        said.append(text)
        path = Path(voice.cache_dir()) / "fake.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"RIFF")
        return path

    monkeypatch.setattr(voice, "clip_path", fake_clip)
    ticket = committed(actions.call_next, booth=booth(hall, "A"), actor=siti)
    response = client.get(f"/antrian/papan/{hall.pk}/suara/{ticket.pk}.wav")
    assert response.status_code == 200
    response.close()
    assert said == ["Nomor antrian A satu, silakan ke loket Disdukcapil."]


def test_no_voice_clip_for_a_ticket_of_another_visit_or_without_a_voice(
    client: Client, hall: Visit, siti: User, committed: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = committed(actions.call_next, booth=booth(hall, "A"), actor=siti)
    assert client.get(f"/antrian/papan/{hall.pk + 1}/suara/{ticket.pk}.wav").status_code == 404
    assert not Ticket.objects.filter(pk=ticket.pk + 100).exists()
    assert client.get(f"/antrian/papan/{hall.pk}/suara/{ticket.pk + 100}.wav").status_code == 404

    def no_voice(text: str) -> Path:
        raise voice.VoiceUnavailable("none")

    monkeypatch.setattr(voice, "clip_path", no_voice)
    assert client.get(f"/antrian/papan/{hall.pk}/suara/{ticket.pk}.wav").status_code == 404


# --- a busy queue -----------------------------------------------------------------


@pytest.fixture
def clock(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The builds' clock, moved by hand (``clock[0] += seconds``), with the rebuild
    interval of a busy day (500 ms)."""
    settings.BUJIAN_BOARD_REBUILD_MS = 500
    now = [time.monotonic()]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    return now


def other_process() -> None:
    """What a second worker process knows: none of this one's builds in memory."""
    queries_board._memo.clear()


@pytest.mark.parametrize("elsewhere", [False, True], ids=["same process", "other process"])
def test_while_the_queue_moves_the_state_is_built_at_most_once_per_interval(
    hall: Visit,
    siti: User,
    committed: Call,
    clock: list[float],
    django_assert_num_queries: DjangoAssertNumQueries,
    elsewhere: bool,
) -> None:
    """The same rules whether the poll reaches the process that built the board or
    another one, which reads that build from the shared file."""

    def poll(etag: str = "") -> Any:
        if elsewhere:
            other_process()
        return Client().get(state_url(hall), headers={"If-None-Match": etag} if etag else None)

    first = poll()
    committed(actions.call_next, booth=booth(hall, "A"), actor=siti)
    clock[0] += 0.2
    with django_assert_num_queries(0):  # within the interval: the last build, its ETag
        soon = poll(first["ETag"])
    assert soon.status_code == 304
    assert soon["ETag"] == first["ETag"]
    clock[0] += 0.4
    with django_assert_num_queries(4):  # too old for a version that has moved: built
        later = poll(first["ETag"])
    assert later.status_code == 200
    assert later["ETag"] != first["ETag"]
    assert later.json()["booths"][0]["current"]["label"] == "A-001"
    with django_assert_num_queries(0):  # the version it was built at: 304
        again = poll(later["ETag"])
    assert again.status_code == 304


# --- one build for every worker process -----------------------------------------------


def test_a_build_of_one_process_serves_the_others_without_a_query(
    hall: Visit,
    siti: User,
    committed: Call,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    committed(actions.call_next, booth=booth(hall, "A"), actor=siti)
    first = Client().get(state_url(hall))
    other_process()
    with django_assert_num_queries(0):
        elsewhere = Client().get(state_url(hall))
        page_state = queries_board.current_board(hall.pk).state  # the page's and the API's
    assert elsewhere.status_code == 200
    assert elsewhere["ETag"] == first["ETag"]
    assert elsewhere.content == first.content
    assert page_state == first.json()
    current = page_state["booths"][0]["current"]
    assert current is not None and current["label"] == "A-001"


def test_each_zone_has_its_own_shared_build(
    hall: Visit, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    north = Client().get(state_url(hall, "Utara")).json()
    south = Client().get(state_url(hall, "Selatan")).json()
    other_process()
    with django_assert_num_queries(0):
        assert Client().get(state_url(hall, "Utara")).json() == north
        assert Client().get(state_url(hall, "Selatan")).json() == south
    assert [b["prefix"] for b in north["booths"]] == ["A"]
    assert [b["prefix"] for b in south["booths"]] == ["B"]


def test_a_damaged_or_future_shared_build_is_built_again(
    hall: Visit, siti: User, committed: Call, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    Client().get(state_url(hall))
    shared = queries_board._shared_path((hall.pk, ""))
    for damage in (b"", b"not json\n{}", b'{"tag": "x"}\n{}'):
        shared.write_bytes(damage)
        other_process()
        with django_assert_num_queries(4):
            answer = Client().get(state_url(hall))
        assert answer.status_code == 200
        assert [b["prefix"] for b in answer.json()["booths"]] == ["A", "B"]
    # A build stamped ahead of this machine's clock (left from before a restart).
    built = queries_board._read_shared((hall.pk, ""))
    assert built is not None
    ahead = built.json
    shared.write_bytes(
        b'{"tag": "%s", "built_at": %f}\n' % (built.tag.encode(), time.monotonic() + 3600) + ahead
    )
    other_process()
    with django_assert_num_queries(4):
        Client().get(state_url(hall))
