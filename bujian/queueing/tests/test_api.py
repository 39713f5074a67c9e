from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.accounts.tokens import create_api_token
from bujian.agencies.models import Agency, Service
from bujian.agencies.tests.factories import ServiceFactory
from bujian.queueing.models import Ticket
from bujian.records.models import Document, ServiceRecord
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import RegencyFactory
from bujian.residents.models import Resident
from bujian.visits import actions as visit_actions
from bujian.visits.models import Booth, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ktp(disdukcapil: Agency) -> Service:
    return ServiceFactory.create(agency=disdukcapil, code="DUK-KTP-CETAK", name="Cetak KTP-el")


@pytest.fixture
def pkb(samsat: Agency) -> Service:
    return ServiceFactory.create(agency=samsat, code="PKB-TAHUNAN", name="PKB tahunan")


@pytest.fixture
def day_visit(
    regency: Regency, village: Village, budi: User, disdukcapil: Agency, samsat: Agency
) -> Visit:
    from bujian.queueing.actions import open_booth

    today = visit_actions.local_today(regency)
    visit = visit_actions.plan_visit(
        regency=regency, village=village, start_date=today, end_date=today, created_by=budi
    )
    visit_actions.invite_agency(visit=visit, agency=samsat, actor=budi)
    visit_actions.announce_visit(visit=visit, actor=budi)
    for agency in (disdukcapil, samsat):
        visit_actions.check_in(visit=visit, agency=agency, actor=budi)
        open_booth(participation=visit.participations.get(agency=agency), actor=budi)
    return visit


@pytest.fixture
def resident(village: Village) -> Resident:
    return Resident.objects.create(
        national_id="1701054506900003",
        full_name="Rahmawati",
        sex=Resident.Sex.FEMALE,
        birth_date=dt.date(1990, 6, 5),
        village=village,
    )


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(user=user, name='test')}"}


def test_anonymous_calls_are_refused(client: Client, day_visit: Visit) -> None:
    booth = Booth.objects.first()
    assert booth is not None
    response = client.post(f"/api/v1/queue/booths/{booth.pk}/call-next")
    assert response.status_code == 401


def test_issue_call_and_finish_through_the_api(
    day_visit: Visit, resident: Resident, siti: User, ktp: Service, pkb: Service
) -> None:
    client = Client()
    response = client.post(
        f"/api/v1/queue/visits/{day_visit.pk}/tickets",
        {"resident_id": resident.pk, "service_codes": [ktp.code, pkb.code]},
        content_type="application/json",
        headers=bearer(siti),
    )
    assert response.status_code == 201, response.content
    labels = sorted(t["label"] for t in response.json()["tickets"])
    assert labels == ["A-001", "B-001"]

    booth = Booth.objects.get(participation__agency=ktp.agency)
    called = client.post(f"/api/v1/queue/booths/{booth.pk}/call-next", headers=bearer(siti))
    assert called.status_code == 200
    ticket_id = called.json()["id"]
    assert called.json()["status"] == "called"
    assert (
        client.post(f"/api/v1/queue/booths/{booth.pk}/call-next", headers=bearer(siti)).status_code
        == 204
    )

    finished = client.post(
        f"/api/v1/queue/tickets/{ticket_id}/finish",
        {
            "outcomes": [
                {"service_code": ktp.code, "outcome": "completed", "document_number": "1701-KTP-1"}
            ]
        },
        content_type="application/json",
        headers=bearer(siti),
    )
    assert finished.status_code == 200, finished.content
    assert finished.json()["status"] == "done"
    assert ServiceRecord.objects.get().outcome == ServiceRecord.Outcome.COMPLETED
    assert Document.objects.get().status == Document.Status.READY


def test_finishing_an_uncalled_ticket_is_a_conflict(
    day_visit: Visit, resident: Resident, siti: User, ktp: Service
) -> None:
    client = Client()
    client.post(
        f"/api/v1/queue/visits/{day_visit.pk}/tickets",
        {"resident_id": resident.pk, "service_codes": [ktp.code]},
        content_type="application/json",
        headers=bearer(siti),
    )
    ticket = Ticket.objects.get()
    response = client.post(
        f"/api/v1/queue/tickets/{ticket.pk}/finish",
        {"outcomes": [{"service_code": ktp.code, "outcome": "completed"}]},
        content_type="application/json",
        headers=bearer(siti),
    )
    assert response.status_code == 409
    assert "queueing.not_called" in response.json()["detail"]
    assert not ServiceRecord.objects.exists()


def test_samsat_operator_cannot_call_disdukcapils_queue(
    day_visit: Visit, andi: User, bupati: User, disdukcapil: Agency
) -> None:
    booth = Booth.objects.get(participation__agency=disdukcapil)
    client = Client()
    assert (
        client.post(f"/api/v1/queue/booths/{booth.pk}/call-next", headers=bearer(andi)).status_code
        == 404
    )
    refused = client.post(f"/api/v1/queue/booths/{booth.pk}/call-next", headers=bearer(bupati))
    assert refused.status_code == 403
    assert refused.json()["detail"]  # JSON like every other answer, not an HTML page


def test_steps_move_a_ticket(
    day_visit: Visit, resident: Resident, siti: User, ktp: Service
) -> None:
    client = Client()
    client.post(
        f"/api/v1/queue/visits/{day_visit.pk}/tickets",
        {"resident_id": resident.pk, "service_codes": [ktp.code]},
        content_type="application/json",
        headers=bearer(siti),
    )
    booth = Booth.objects.get(participation__agency=ktp.agency)
    ticket_id = client.post(
        f"/api/v1/queue/booths/{booth.pk}/call-next", headers=bearer(siti)
    ).json()["id"]
    recalled = client.post(f"/api/v1/queue/tickets/{ticket_id}/recall", headers=bearer(siti))
    assert recalled.json()["call_count"] == 2
    started = client.post(f"/api/v1/queue/tickets/{ticket_id}/start", headers=bearer(siti))
    assert started.json()["status"] == "serving"
    again = client.post(f"/api/v1/queue/tickets/{ticket_id}/start", headers=bearer(siti))
    assert again.status_code == 409


def test_the_schema_documents_the_queue_endpoints(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/queue/booths/{booth_id}/call-next" in paths
    assert "/api/v1/queue/tickets/{ticket_id}/finish" in paths


def test_every_role_gets_the_booth_screens_answer(
    day_visit: Visit,
    resident: Resident,
    budi: User,
    siti: User,
    andi: User,
    bupati: User,
    kades: User,
    ktp: Service,
) -> None:
    """The hand-written scope of call-next and finish: the booth's own operators and
    program admins work it; another agency's operator and a program admin of another
    regency do not find it (404); leadership and the village, who may see the visit,
    may not work it (403)."""
    stranger = UserFactory.create(
        username="elsewhere",
        role=User.Role.PROGRAM_ADMIN,
        regency=RegencyFactory.create(code="17.02", name="Kabupaten Rejang Lebong"),
    )
    client = Client()
    issued = client.post(
        f"/api/v1/queue/visits/{day_visit.pk}/tickets",
        {"resident_id": resident.pk, "service_codes": [ktp.code]},
        content_type="application/json",
        headers=bearer(budi),
    )
    assert issued.status_code == 201
    booth = Booth.objects.get(participation__agency=ktp.agency)
    ticket = Ticket.objects.get()
    finish = {"outcomes": [{"service_code": ktp.code, "outcome": "completed"}]}
    for user, expected in [(andi, 404), (stranger, 404), (bupati, 403), (kades, 403)]:
        call = client.post(f"/api/v1/queue/booths/{booth.pk}/call-next", headers=bearer(user))
        assert call.status_code == expected, user.username
        done = client.post(
            f"/api/v1/queue/tickets/{ticket.pk}/finish",
            finish,
            content_type="application/json",
            headers=bearer(user),
        )
        assert done.status_code == expected, user.username
    assert Ticket.objects.get().status == Ticket.Status.WAITING
    for user in (siti, budi):
        call = client.post(f"/api/v1/queue/booths/{booth.pk}/call-next", headers=bearer(user))
        assert call.status_code in {200, 204}, user.username
    assert Ticket.objects.get().status == Ticket.Status.CALLED
    done = client.post(
        f"/api/v1/queue/tickets/{ticket.pk}/finish",
        finish,
        content_type="application/json",
        headers=bearer(siti),
    )
    assert done.status_code == 200
    # The desk: a village operator sees the visit but issues nothing; another
    # regency's admin does not see it.
    for user, expected in [(kades, 403), (stranger, 404)]:
        refused = client.post(
            f"/api/v1/queue/visits/{day_visit.pk}/tickets",
            {"resident_id": resident.pk, "service_codes": [ktp.code]},
            content_type="application/json",
            headers=bearer(user),
        )
        assert refused.status_code == expected, user.username


def test_an_inactive_service_is_not_issued_but_can_be_finished(
    day_visit: Visit, resident: Resident, siti: User, ktp: Service
) -> None:
    client = Client()
    client.post(
        f"/api/v1/queue/visits/{day_visit.pk}/tickets",
        {"resident_id": resident.pk, "service_codes": [ktp.code]},
        content_type="application/json",
        headers=bearer(siti),
    )
    Service.objects.filter(pk=ktp.pk).update(is_active=False)
    other = Resident.objects.create(
        national_id="1701050101900001", full_name="Joko", birth_date=dt.date(1990, 1, 1)
    )
    refused = client.post(
        f"/api/v1/queue/visits/{day_visit.pk}/tickets",
        {"resident_id": other.pk, "service_codes": [ktp.code]},
        content_type="application/json",
        headers=bearer(siti),
    )
    assert refused.status_code == 422
    booth = Booth.objects.get(participation__agency=ktp.agency)
    ticket_id = client.post(
        f"/api/v1/queue/booths/{booth.pk}/call-next", headers=bearer(siti)
    ).json()["id"]
    done = client.post(
        f"/api/v1/queue/tickets/{ticket_id}/finish",
        {"outcomes": [{"service_code": ktp.code, "outcome": "completed"}]},
        content_type="application/json",
        headers=bearer(siti),
    )
    assert done.status_code == 200


def test_the_busiest_requests_run_few_queries(
    day_visit: Visit,
    resident: Resident,
    siti: User,
    ktp: Service,
    pkb: Service,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    """Issue, call next and finish: each read, claim and row is one statement (the
    token is remembered after its first use). In a test the action's transaction is a
    savepoint (two statements more) and call-next reads the queue inside it."""
    client = Client()
    headers = bearer(siti)
    booth = Booth.objects.get(participation__agency=ktp.agency)
    empty = client.post(f"/api/v1/queue/booths/{booth.pk}/call-next", headers=headers)
    assert empty.status_code == 204
    # visit, resident, services; field node holding the visit?; savepoint, booths, visit
    # ticket, 2 x (number, ticket), the tickets' services, audit, release
    with django_assert_num_queries(3 + 1 + 1 + 2 + 2 * 2 + 1 + 1 + 1):
        issued = client.post(
            f"/api/v1/queue/visits/{day_visit.pk}/tickets",
            {"resident_id": resident.pk, "service_codes": [ktp.code, pkb.code]},
            content_type="application/json",
            headers=headers,
        )
    assert issued.status_code == 201
    # booth; savepoint, callable tickets, resident, ticket, audit, release
    with django_assert_num_queries(1 + 1 + 4 + 1):
        called = client.post(f"/api/v1/queue/booths/{booth.pk}/call-next", headers=headers)
    assert called.status_code == 200
    # ticket, services; savepoint, ticket, resident, audit; service record, document,
    # audit; release
    with django_assert_num_queries(2 + 1 + 3 + 3 + 1):
        done = client.post(
            f"/api/v1/queue/tickets/{called.json()['id']}/finish",
            {"outcomes": [{"service_code": ktp.code, "outcome": "completed"}]},
            content_type="application/json",
            headers=headers,
        )
    assert done.status_code == 200
