"""The survey pages: QR path, kiosk, paper entry, results and suggestions, with the
scope of each role (404 outside it, 403 inside it without the right)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.conftest import client_for
from bujian.queueing.models import Ticket
from bujian.queueing.tests.test_desk import WIB
from bujian.regions.tests.factories import RegencyFactory
from bujian.surveys.models import SurveyResponse
from bujian.surveys.tests.conftest import Served, answer, form_data
from bujian.surveys.views import kiosk_token

pytestmark = pytest.mark.django_db


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def english_client_for(user: User) -> Client:
    client = english()
    client.force_login(user)
    return client


def form_url(ticket: Ticket) -> str:
    return reverse("surveys:public_form", args=[ticket.visit_ticket.uuid, ticket.pk])


# --- the QR path ------------------------------------------------------------------------


def test_status_page_links_to_the_survey_then_thanks(
    served: Served, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    ticket = served.ticket()
    status_url = reverse("queueing:status", args=[ticket.visit_ticket.uuid])
    client = english()
    first = client.get(status_url)
    assert 'data-testid="survey-link"' in first.content.decode()
    assert form_url(ticket) in first.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer(ticket)
    # The phone asks with its old ETag: the survey moved the version, so no 304.
    again = client.get(status_url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200
    assert "Thank you, the survey has been filled in." in again.content.decode()


def test_resident_fills_the_survey_through_the_qr(served: Served) -> None:
    ticket = served.ticket()
    client = english()
    assert client.get(form_url(ticket)).status_code == 200
    response = client.post(form_url(ticket), form_data(suggestion="Ruang tunggu panas."))
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:public_thanks", args=[ticket.visit_ticket.uuid])
    saved = SurveyResponse.objects.get()
    assert (saved.ticket, saved.channel) == (ticket, SurveyResponse.Channel.QR)
    assert saved.answers == (4, 3, 3, 4, 3, 4, 4, 3, 3)
    assert saved.occupation_other == "Petani"


def test_second_survey_through_the_qr_is_refused(served: Served) -> None:
    ticket = served.ticket()
    answer(ticket)
    response = english().post(form_url(ticket), form_data(), follow=True)
    assert "has already been filled in" in response.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_missing_answer_is_shown_and_nothing_saved(served: Served) -> None:
    ticket = served.ticket()
    data = form_data()
    del data["u7"]
    response = english().post(form_url(ticket), data)
    assert response.status_code == 200
    assert "Choose one answer to this question." in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_qr_of_another_ticket_is_404(served: Served) -> None:
    mine, other = served.ticket(), served.ticket()
    url = reverse("surveys:public_form", args=[mine.visit_ticket.uuid, other.pk])
    assert english().get(url).status_code == 404
    unknown = reverse("surveys:public_choose", args=["0b7c1f1e-1d7c-4a55-9d0b-2f9c6bb3d1a1"])
    assert english().get(unknown).status_code == 404


def test_choose_page_lists_finished_services(served: Served) -> None:
    ticket = served.ticket()
    body = english().get(reverse("surveys:public_choose", args=[ticket.visit_ticket.uuid]))
    assert "Rate this service" in body.content.decode()
    assert "Pencetakan KTP-el" in body.content.decode()


# --- the kiosk --------------------------------------------------------------------------


def test_staff_opens_the_kiosk_and_is_logged_out(served: Served, budi: User) -> None:
    client = client_for(budi)
    url = reverse("surveys:kiosk_open", args=[served.day.visit.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"log_out": "on"})
    assert response.status_code == 302
    assert "/survei/kios/" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert client.get(response["Location"]).status_code == 200


def test_kiosk_flow_by_ticket_number(served: Served) -> None:
    ticket = served.ticket()
    token = kiosk_token(served.day.visit)
    client = english()
    lookup = client.post(reverse("surveys:kiosk", args=[token]), {"number": "a 1"})
    assert lookup.status_code == 302
    form = reverse("surveys:kiosk_form", args=[token, ticket.pk])
    assert lookup["Location"] == form
    done = client.post(form, form_data())
    assert done["Location"] == reverse("surveys:kiosk_thanks", args=[token])
    assert SurveyResponse.objects.get().channel == SurveyResponse.Channel.KIOSK
    thanks = client.get(done["Location"]).content.decode()
    assert 'http-equiv="refresh"' in thanks
    # The next resident types the same number: already answered.
    again = client.post(reverse("surveys:kiosk", args=[token]), {"number": "A-001"})
    assert again.status_code == 200
    assert "Thank you, the survey has been filled in." in again.content.decode()


def test_kiosk_accepts_the_scanned_qr(served: Served) -> None:
    ticket = served.ticket()
    token = kiosk_token(served.day.visit)
    scanned = f"http://192.168.1.10:8000/antrean/status/{ticket.visit_ticket.uuid}/"
    lookup = english().post(reverse("surveys:kiosk", args=[token]), {"number": scanned})
    assert lookup["Location"] == reverse("surveys:kiosk_form", args=[token, ticket.pk])


def test_kiosk_unknown_or_unfinished_number(served: Served) -> None:
    served.ticket(finished=False)
    token = kiosk_token(served.day.visit)
    client = english()
    unknown = client.post(reverse("surveys:kiosk", args=[token]), {"number": "Z-999"})
    assert unknown.status_code == 200
    assert "No ticket with this number" in unknown.content.decode()
    waiting = client.post(reverse("surveys:kiosk", args=[token]), {"number": "A-001"})
    assert "None of the services on this ticket is finished yet" in waiting.content.decode()


def test_kiosk_with_a_forged_token_is_404(served: Served) -> None:
    assert english().get(reverse("surveys:kiosk", args=["not-a-token"])).status_code == 404


def test_kiosk_ticket_of_another_visit_is_404(served: Served) -> None:
    ticket = served.ticket()
    token = kiosk_token(served.day.visit)
    url = reverse("surveys:kiosk_form", args=[token, ticket.pk + 999])
    assert english().get(url).status_code == 404


@pytest.mark.parametrize(("who", "status"), [("bupati", 403), ("kades", 403), ("andi", 200)])
def test_who_may_open_the_kiosk(
    served: Served, who: str, status: int, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    url = reverse("surveys:kiosk_open", args=[served.day.visit.pk])
    assert client_for(user).get(url).status_code == status


def test_admin_of_another_regency_gets_404(served: Served) -> None:
    other = UserFactory.create(regency=RegencyFactory.create(code="18.02", name="Lampung Tengah"))
    client = client_for(other)
    visit = served.day.visit
    assert client.get(reverse("surveys:kiosk_open", args=[visit.pk])).status_code == 404
    assert client.get(reverse("surveys:visit_results", args=[visit.pk])).status_code == 404
    agency = served.day.ktp.agency
    assert client.get(reverse("surveys:agency_results", args=[agency.pk])).status_code == 404


# --- paper entry ------------------------------------------------------------------------


def paper_data(served: Served, **changes: str) -> dict[str, str]:
    data = {
        "agency": str(served.day.ktp.agency_id),
        "service": str(served.day.ktp.pk),
        "ticket_label": "",
        "day": "2026-12-10",
        "session": "afternoon",
        **changes,
    }
    return form_data((4, 3, 3, 4, 3, 4, 4, 3, 3), **data)


def test_staff_enters_a_paper_questionnaire(served: Served, siti: User) -> None:
    url = reverse("surveys:paper_entry", args=[served.day.visit.pk])
    client = client_for(siti)
    assert client.get(url).status_code == 200
    response = client.post(url, paper_data(served))
    assert response.status_code == 302
    saved = SurveyResponse.objects.get()
    assert (saved.channel, saved.entered_by, saved.ticket) == ("paper", siti, None)
    assert saved.session == SurveyResponse.Session.AFTERNOON


def test_paper_questionnaire_with_the_ticket_number(served: Served, siti: User) -> None:
    ticket = served.ticket()
    url = reverse("surveys:paper_entry", args=[served.day.visit.pk])
    client = english_client_for(siti)
    client.post(url, paper_data(served, ticket_label="A-001"))
    assert SurveyResponse.objects.get().ticket == ticket
    again = client.post(url, paper_data(served, ticket_label="A-001"))
    assert "already been filled in" in again.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_paper_entry_for_another_agency_is_refused(served: Served, siti: User) -> None:
    """Siti (Disdukcapil) cannot pick Samsat: it is not in her list."""
    url = reverse("surveys:paper_entry", args=[served.day.visit.pk])
    data = paper_data(served, agency=str(served.day.stnk.agency_id), service="")
    response = english_client_for(siti).post(url, data)
    assert "Select a valid choice." in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_leadership_may_not_enter_paper(served: Served, bupati: User) -> None:
    url = reverse("surveys:paper_entry", args=[served.day.visit.pk])
    assert client_for(bupati).get(url).status_code == 403


# --- results ----------------------------------------------------------------------------


def fill(served: Served) -> None:
    answer(served.ticket(), [4, 4, 3, 4, 4, 4, 4, 3, 2], suggestion="Petugas ramah.")
    answer(served.ticket(), [3, 3, 2, 4, 3, 3, 4, 3, 2])
    answer(served.ticket(served.day.stnk), [2] * 9, suggestion="Loket Samsat lambat.")


def test_period_results_for_program_admin(served: Served, budi: User) -> None:
    fill(served)
    served.ticket()  # served but not answered: 3 respondents of 4 served
    client = client_for(budi)
    december = {"start": "2026-12-01", "end": "2026-12-31"}
    client.get(reverse("surveys:results"))  # warm the session and the questionnaire
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("surveys:results"), december)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="ikm-summary"' in body
    assert 'data-testid="method"' in body
    assert 'data-testid="rows-agency"' in body
    assert "Disdukcapil" in body and "Samsat" in body
    assert 'class="is-weak"' in body
    assert 'data-testid="sample-warning"' in body  # Krejcie & Morgan: all 4 must answer
    assert 'data-testid="collecting"' in body
    assert 'data-testid="rows-month"' in body and "Desember 2026" in body
    # The page costs the same number of queries for 3 answers or 15: sums, not rows.
    for _ in range(12):
        answer(served.ticket(served.day.stnk), [3] * 9, suggestion="Oke.")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("surveys:results"), december)
    assert len(many) == len(few) <= 30


def test_agency_operator_sees_only_their_agency(served: Served, siti: User) -> None:
    fill(served)
    client = client_for(siti)
    body = client.get(reverse("surveys:visit_results", args=[served.day.visit.pk])).content.decode()
    assert "Petugas ramah." in body
    assert "Loket Samsat lambat." not in body
    ikm_value = re.search(r'data-ikm="([\d.]+)"', body)
    assert ikm_value is not None
    assert ikm_value.group(1) == "81.94"  # Disdukcapil's two answers only
    samsat = served.day.stnk.agency_id
    assert client.get(reverse("surveys:agency_results", args=[samsat])).status_code == 404
    disdukcapil = served.day.ktp.agency_id
    assert client.get(reverse("surveys:agency_results", args=[disdukcapil])).status_code == 200
    suggestions = client.get(reverse("surveys:suggestions")).content.decode()
    assert "Petugas ramah." in suggestions
    assert "Loket Samsat lambat." not in suggestions


def test_leadership_reads_every_agency(served: Served, bupati: User) -> None:
    fill(served)
    client = client_for(bupati)
    body = client.get(reverse("surveys:visit_results", args=[served.day.visit.pk])).content.decode()
    assert "Petugas ramah." in body and "Loket Samsat lambat." in body
    assert (
        "Open the kiosk" not in client_for(bupati).get(reverse("surveys:results")).content.decode()
    )


def test_village_operator_may_not_read_results(served: Served, kades: User) -> None:
    client = client_for(kades)
    assert client.get(reverse("surveys:results")).status_code == 403
    assert (
        client.get(reverse("surveys:visit_results", args=[served.day.visit.pk])).status_code == 403
    )
    assert client.get(reverse("surveys:suggestions")).status_code == 403


def test_results_need_a_login(db: None) -> None:
    response = Client().get(reverse("surveys:results"))
    assert response.status_code == 302


def test_bad_period_says_why(served: Served, budi: User) -> None:
    response = english_client_for(budi).get(
        reverse("surveys:results"), {"start": "2026-12-31", "end": "2026-01-01"}
    )
    assert "The end date is before the start date." in response.content.decode()


def test_pages_speak_indonesian(served: Served) -> None:
    ticket = served.ticket()
    status_url = reverse("queueing:status", args=[ticket.visit_ticket.uuid])
    assert "Isi survei kepuasan" in Client().get(status_url).content.decode()
    answer(ticket)
    refused = Client().post(form_url(ticket), form_data(), follow=True).content.decode()
    assert "Survei untuk nomor antrean ini sudah diisi. Terima kasih." in refused
    assert "Terima kasih, survei sudah diisi." in Client().get(status_url).content.decode()


def test_unfinished_service_sends_back_to_the_list(served: Served) -> None:
    ticket = served.ticket(finished=False)
    response = english().get(form_url(ticket), follow=True)
    assert "The survey opens when the service of number A-001 is finished." in (
        response.content.decode()
    )
    token = kiosk_token(served.day.visit)
    kiosk = english().get(reverse("surveys:kiosk_form", args=[token, ticket.pk]))
    assert kiosk["Location"] == reverse("surveys:kiosk", args=[token])


def test_results_show_the_respondents_profile(served: Served, bupati: User) -> None:
    fill(served)
    body = english_client_for(bupati).get(
        reverse("surveys:visit_results", args=[served.day.visit.pk])
    )
    text = body.content.decode()
    assert 'data-testid="profile"' in text
    assert '<td>Female</td><td class="num">3</td>' in text  # conftest's respondent
    assert '<td>30–39</td><td class="num">3</td>' in text


def test_kiosk_address_ends_the_day_after_the_visit(served: Served) -> None:
    token = kiosk_token(served.day.visit)
    url = reverse("surveys:kiosk", args=[token])
    assert english().get(url).status_code == 200
    with time_machine.travel(dt.datetime(2026, 12, 12, 9, 0, tzinfo=WIB), tick=False):
        assert english().get(url).status_code == 404


def test_blank_questionnaire_to_print(served: Served, siti: User, bupati: User) -> None:
    url = reverse("surveys:paper_form", args=[served.day.visit.pk])
    body = client_for(siti).get(url).content.decode()
    assert body.count("<li data-element=") == 9
    assert "a. Sangat mahal" in body and "d. Gratis" in body
    assert "Disdukcapil" in body and "Samsat" not in body  # her agency only
    assert client_for(bupati).get(url).status_code == 403


def test_double_tap_on_send_is_one_answer(served: Served) -> None:
    ticket = served.ticket()
    data = form_data(submission="5b0c6d2e-8f3a-4e51-9a43-1c2d3e4f5a6b")
    client = english()
    first = client.post(form_url(ticket), data)
    second = client.post(form_url(ticket), data)
    thanks = reverse("surveys:public_thanks", args=[ticket.visit_ticket.uuid])
    assert first["Location"] == second["Location"] == thanks
    assert SurveyResponse.objects.count() == 1
