"""The booth operator screen: who may use it, every button, the outcome form, and the
queue poll that answers 304 without the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.conftest import client_for
from bujian.queueing import actions
from bujian.queueing.models import Ticket, VisitTicket
from bujian.queueing.tests.test_actions import (
    MORNING,
    Hall,
    make_hall,
    queue_residents,
    ticket_at,
)
from bujian.records.models import Document, ServiceRecord
from bujian.regions.models import Regency, Village
from bujian.residents.models import Registration, RegistrationService
from bujian.residents.tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hall(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> Hall:
    return make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )


def screen(hall: Hall) -> str:
    return reverse("queueing:booth", kwargs={"booth_id": hall.dukcapil.pk})


def step_url(hall: Hall, step: str, booth: Any = None) -> str:
    booth = booth or hall.dukcapil
    return reverse("queueing:booth_action", kwargs={"booth_id": booth.pk, "step": step})


def current(hall: Hall) -> Ticket:
    return Ticket.objects.get(
        booth=hall.dukcapil, status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING]
    )


# --- who may use it ---------------------------------------------------------------------


def test_operators_of_the_agency_and_program_admins_open_the_screen(
    hall: Hall, siti: User, budi: User
) -> None:
    for user in (siti, budi):
        response = client_for(user).get(screen(hall))
        assert response.status_code == 200
        assert b'data-testid="call-next"' in response.content


def test_an_operator_of_another_agency_cannot_see_or_call_the_queue(
    hall: Hall, andi: User, budi: User
) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    client = client_for(andi)
    assert client.get(screen(hall)).status_code == 404
    queue_url = reverse("queueing:booth_queue", kwargs={"booth_id": hall.dukcapil.pk})
    assert client.get(queue_url).status_code == 404
    assert client.post(step_url(hall, "panggil"), headers=HTMX).status_code == 404
    assert not Ticket.objects.filter(status=Ticket.Status.CALLED).exists()
    # their own booth is fine
    samsat = reverse("queueing:booth", kwargs={"booth_id": hall.samsat.pk})
    assert client.get(samsat).status_code == 200


def test_readers_may_not_operate_a_booth(
    hall: Hall, bupati: User, kades: User, client: Client
) -> None:
    assert client_for(bupati).get(screen(hall)).status_code == 403
    assert client_for(bupati).post(step_url(hall, "panggil")).status_code == 403
    assert client_for(kades).get(screen(hall)).status_code == 403
    response = client.get(screen(hall))
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_a_ticket_of_another_booth_is_not_found(hall: Hall, siti: User, budi: User) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.pkb], 1, actor=budi)
    other = ticket_at(visit_ticket, hall.samsat)
    response = client_for(siti).post(step_url(hall, "tahan"), {"ticket": other.pk}, headers=HTMX)
    assert response.status_code == 404
    assert client_for(siti).post(step_url(hall, "terbang"), headers=HTMX).status_code == 404


# --- the panel --------------------------------------------------------------------------


def test_the_panel_shows_the_resident_with_a_masked_nik_and_the_checklist(
    hall: Hall, siti: User, budi: User
) -> None:
    resident = ResidentFactory.create(village=hall.visit.village, full_name="Rahmawati")
    registration = Registration.objects.create(
        visit=hall.visit, resident=resident, source=Registration.Source.PRE_REGISTRATION
    )
    need = RegistrationService.objects.create(registration=registration, service=hall.ktp)
    family_card = hall.ktp.requirements.get(text="Kartu Keluarga asli")
    need.documents_present.add(family_card)
    actions.issue_visit_ticket(
        visit=hall.visit,
        resident=resident,
        services=[hall.ktp],
        issued_by=budi,
        registration=registration,
    )
    client = client_for(siti)
    response = client.post(step_url(hall, "panggil"), headers=HTMX)
    html = response.content.decode()
    assert "A-001" in html and "Rahmawati" in html
    assert resident.national_id not in html
    assert resident.national_id[:4] + "••••••••" + resident.national_id[-4:] in html
    assert '<li class="is-done">Kartu Keluarga asli' in html
    assert "<li>Surat pengantar desa" in html
    assert 'hx-swap-oob="true"' in html  # the queue is refreshed too


def test_the_booth_page_needs_few_queries(
    hall: Hall,
    siti: User,
    budi: User,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    queue_residents(hall, [hall.ktp, hall.kk], 15, actor=budi)
    client = client_for(siti)
    client.post(step_url(hall, "panggil"))
    with django_assert_max_num_queries(40):
        response = client.get(screen(hall))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<tr data-ticket="A-') == 10  # the next ten


# --- the buttons ------------------------------------------------------------------------


def test_call_next_twice_calls_one_resident(hall: Hall, siti: User, budi: User) -> None:
    queue_residents(hall, [hall.ktp], 3, actor=budi)
    client = client_for(siti)
    first = client.post(step_url(hall, "panggil"), headers=HTMX)
    second = client.post(step_url(hall, "panggil"), headers=HTMX)
    assert first.status_code == second.status_code == 200
    assert Ticket.objects.filter(status=Ticket.Status.CALLED).count() == 1
    assert 'data-testid="booth-error"' in second.content.decode()
    assert 'data-ticket="A-001"' in second.content.decode()  # still on the panel


def test_call_next_with_nobody_waiting_says_so(hall: Hall, siti: User) -> None:
    response = client_for(siti).post(step_url(hall, "panggil"), headers=HTMX)
    assert response.status_code == 200
    assert 'data-testid="booth-notice"' in response.content.decode()


def test_every_button_moves_the_ticket(hall: Hall, siti: User, budi: User) -> None:
    queue_residents(hall, [hall.ktp], 2, actor=budi)
    client = client_for(siti)
    client.post(step_url(hall, "panggil"), headers=HTMX)
    ticket = current(hall)
    client.post(step_url(hall, "panggil-ulang"), {"ticket": ticket.pk}, headers=HTMX)
    ticket.refresh_from_db()
    assert ticket.call_count == 2
    client.post(step_url(hall, "mulai"), {"ticket": ticket.pk}, headers=HTMX)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SERVING and ticket.started_at is not None
    client.post(step_url(hall, "tahan"), {"ticket": ticket.pk}, headers=HTMX)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.HELD
    response = client.post(step_url(hall, "lanjutkan"), {"ticket": ticket.pk}, headers=HTMX)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert 'data-testid="call-next"' in response.content.decode()
    client.post(step_url(hall, "panggil"), headers=HTMX)
    assert current(hall).pk == ticket.pk  # resumed at its place
    client.post(step_url(hall, "lewati"), {"ticket": ticket.pk}, headers=HTMX)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.SKIPPED and ticket.return_at is not None


def test_a_refused_step_is_a_clear_message(hall: Hall, siti: User, budi: User) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    waiting = ticket_at(visit_ticket, hall.dukcapil)
    response = client_for(siti).post(step_url(hall, "lewati"), {"ticket": waiting.pk}, headers=HTMX)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "A-001" in response.content.decode()


def test_a_plain_form_post_redirects_back_with_a_message(
    hall: Hall, siti: User, budi: User
) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    client = client_for(siti)
    response = client.post(step_url(hall, "panggil"))
    ticket = current(hall)
    assert response.status_code == 302
    assert response["Location"] == f"{screen(hall)}?tiket={ticket.pk}"
    page = client.get(response["Location"])
    assert "message--success" in page.content.decode()


def test_transfer_lists_only_present_agencies_and_keeps_the_place(
    hall: Hall, siti: User, budi: User
) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    client = client_for(siti)
    html = client.post(step_url(hall, "panggil"), headers=HTMX).content.decode()
    assert f'<option value="{hall.samsat.pk}">' in html
    assert f'<option value="{hall.absent.pk}">' not in html
    ticket = current(hall)
    refused = client.post(
        step_url(hall, "alihkan"),
        {"transfer-ticket": ticket.pk, "transfer-to_booth": hall.absent.pk},
        headers=HTMX,
    )
    assert 'data-testid="transfer-form"' in refused.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CALLED
    client.post(
        step_url(hall, "alihkan"),
        {"transfer-ticket": ticket.pk, "transfer-to_booth": hall.samsat.pk},
        headers=HTMX,
    )
    new = Ticket.objects.get(booth=hall.samsat)
    assert new.queued_at == ticket.queued_at and new.transferred_from_id == ticket.pk


# --- the outcome form ---------------------------------------------------------------------


def finish(client: Client, hall: Hall, ticket: Ticket, **rows: str) -> str:
    data = {"ticket": str(ticket.pk), **rows}
    return client.post(step_url(hall, "selesai"), data, headers=HTMX).content.decode()


def test_finish_with_several_outcomes(hall: Hall, siti: User, budi: User) -> None:
    queue_residents(hall, [hall.ktp, hall.kk], 1, actor=budi)
    client = client_for(siti)
    client.post(step_url(hall, "panggil"), headers=HTMX)
    ticket = current(hall)
    promised = (MORNING + dt.timedelta(days=7)).date()
    html = finish(
        client,
        hall,
        ticket,
        **{
            f"s{hall.ktp.pk}-outcome": "completed",
            f"s{hall.ktp.pk}-document_number": "1701054506900003",
            f"s{hall.kk.pk}-outcome": "in_process",
            f"s{hall.kk.pk}-promised_date": promised.isoformat(),
        },
    )
    assert 'data-testid="booth-notice"' in html
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.DONE
    assert ServiceRecord.objects.filter(ticket=ticket).count() == 2
    assert Document.objects.get(kind=Document.Kind.KTP_EL).status == Document.Status.READY
    assert Document.objects.get(kind=Document.Kind.KK).promised_date == promised
    visit_ticket = VisitTicket.objects.get(pk=ticket.visit_ticket_id)
    assert visit_ticket.busy_with_id is None


def test_a_rejection_takes_the_missing_requirement_from_the_list_or_text(
    hall: Hall, siti: User, budi: User
) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    client = client_for(siti)
    client.post(step_url(hall, "panggil"), headers=HTMX)
    ticket = current(hall)
    html = finish(client, hall, ticket, **{f"s{hall.ktp.pk}-outcome": "rejected"})
    assert "field--error" in html
    assert not ServiceRecord.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CALLED
    family_card = hall.ktp.requirements.get(text="Kartu Keluarga asli")
    finish(
        client,
        hall,
        ticket,
        **{
            f"s{hall.ktp.pk}-outcome": "rejected",
            f"s{hall.ktp.pk}-missing": str(family_card.pk),
            f"s{hall.ktp.pk}-missing_other": "Akta kelahiran",
        },
    )
    record = ServiceRecord.objects.get()
    assert record.rejection_reason == "Kartu Keluarga asli; Akta kelahiran"


def test_in_process_needs_a_date_and_nothing_needs_an_outcome(
    hall: Hall, siti: User, budi: User
) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    client = client_for(siti)
    client.post(step_url(hall, "panggil"), headers=HTMX)
    ticket = current(hall)
    html = finish(client, hall, ticket, **{f"s{hall.ktp.pk}-outcome": "in_process"})
    assert "field--error" in html
    html = finish(client, hall, ticket)
    assert 'role="alert"' in html
    yesterday = (MORNING - dt.timedelta(days=1)).date().isoformat()
    html = finish(
        client,
        hall,
        ticket,
        **{f"s{hall.ktp.pk}-outcome": "in_process", f"s{hall.ktp.pk}-promised_date": yesterday},
    )
    assert 'role="alert"' in html  # the action's rule, shown on the form
    assert not ServiceRecord.objects.exists()


def test_a_referral_queues_the_resident_at_the_other_booth(
    hall: Hall, siti: User, budi: User
) -> None:
    (visit_ticket,) = queue_residents(hall, [hall.ktp], 1, actor=budi)
    client = client_for(siti)
    client.post(step_url(hall, "panggil"), headers=HTMX)
    ticket = current(hall)
    finish(
        client,
        hall,
        ticket,
        **{
            f"s{hall.ktp.pk}-outcome": "referred",
            f"s{hall.ktp.pk}-referred_to": str(hall.samsat.pk),
            "extra-service": str(hall.kk.pk),
            "extra-outcome": "completed",
        },
    )
    referred = ticket_at(visit_ticket, hall.samsat)
    assert referred.status == Ticket.Status.WAITING
    assert referred.queued_at == ticket.queued_at
    assert sorted(ServiceRecord.objects.values_list("outcome", flat=True)) == [
        "completed",
        "referred",
    ]


# --- the queue poll ---------------------------------------------------------------------


def test_the_queue_poll_answers_304_without_the_database_until_the_queue_moves(
    hall: Hall,
    siti: User,
    budi: User,
    django_assert_num_queries: Callable[..., Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    queue_residents(hall, [hall.ktp], 2, actor=budi)
    client = client_for(siti)
    url = reverse("queueing:booth_queue", kwargs={"booth_id": hall.dukcapil.pk})
    first = client.get(url, headers=HTMX)
    assert first.status_code == 200
    tag = first["ETag"]
    assert 'data-ticket="A-001"' in first.content.decode()
    with django_assert_num_queries(0):
        unchanged = client.get(url, headers={**HTMX, "If-None-Match": tag})
    assert unchanged.status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        client.post(step_url(hall, "panggil"), headers=HTMX)
    moved = client.get(url, headers={**HTMX, "If-None-Match": tag})
    assert moved.status_code == 200 and moved["ETag"] != tag
    assert 'data-ticket="A-001"' not in moved.content.decode()


def test_the_queue_poll_changes_with_the_minute(
    hall: Hall, siti: User, _clock: time_machine.Traveller
) -> None:
    client = client_for(siti)
    url = reverse("queueing:booth_queue", kwargs={"booth_id": hall.dukcapil.pk})
    tag = client.get(url, headers=HTMX)["ETag"]
    _clock.shift(dt.timedelta(minutes=1))
    assert client.get(url, headers={**HTMX, "If-None-Match": tag}).status_code == 200


def test_another_session_cannot_reuse_the_tag(hall: Hall, siti: User, andi: User) -> None:
    url = reverse("queueing:booth_queue", kwargs={"booth_id": hall.dukcapil.pk})
    tag = client_for(siti).get(url, headers=HTMX)["ETag"]
    assert client_for(andi).get(url, headers={**HTMX, "If-None-Match": tag}).status_code == 404


def test_a_logged_out_poll_asks_for_a_reload(hall: Hall, client: Client) -> None:
    url = reverse("queueing:booth_queue", kwargs={"booth_id": hall.dukcapil.pk})
    response = client.get(url, headers=HTMX)
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_finish_twice_says_the_ticket_is_done(hall: Hall, siti: User, budi: User) -> None:
    queue_residents(hall, [hall.ktp], 1, actor=budi)
    client = client_for(siti)
    client.post(step_url(hall, "panggil"), headers=HTMX)
    ticket = current(hall)
    rows = {f"s{hall.ktp.pk}-outcome": "completed"}
    finish(client, hall, ticket, **rows)
    html = finish(client, hall, ticket, **rows)
    assert 'data-testid="booth-error"' in html
    assert ServiceRecord.objects.count() == 1
