"""The staff API of documents: scope per role (404 outside it, 403 read-only), the same
refusals as the pages (409 with the action's code), and masked NIKs, the proxy's too."""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

import pytest
from django.test import Client

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.accounts.tokens import create_api_token
from bujian.agencies.models import Agency
from bujian.conftest import client_for
from bujian.core.models import AuditEntry
from bujian.records.api import DocumentStatus, Kind, Place, Recipient
from bujian.records.models import Document, DocumentHandover
from bujian.records.tests.factories import DocumentFactory, ResidentFactory, served_at
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import DistrictFactory, RegencyFactory, VillageFactory
from bujian.residents.models import Resident
from bujian.residents.nik import make_nik, mask_nik
from bujian.visits.actions import local_today
from bujian.visits.models import Visit
from bujian.visits.tests.factories import ParticipationFactory, VisitFactory

pytestmark = pytest.mark.django_db

PROXY_NIK = make_nik("17.01.05", dt.date(1988, 3, 12), "L", 21)


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(user=user, name='test')}"}


def post(user: User, path: str, data: dict[str, Any] | None = None) -> Any:
    return Client().post(path, data or {}, content_type="application/json", headers=bearer(user))


def get(user: User, path: str) -> Any:
    return Client().get(path, headers=bearer(user))


@pytest.fixture
def neighbour(village: Village) -> Village:
    return VillageFactory.create(
        district=village.district, code="17.01.05.2002", name="Kayu Kunyit"
    )


@pytest.fixture
def visit(regency: Regency, neighbour: Village, disdukcapil: Agency, samsat: Agency) -> Visit:
    """Today's visit to Kayu Kunyit, in the kecamatan of Padang Kapuk."""
    today = local_today(regency)
    visit = VisitFactory.create(
        regency=regency,
        village=neighbour,
        start_date=today,
        end_date=today,
        status=Visit.Status.ONGOING,
    )
    for agency in (disdukcapil, samsat):
        ParticipationFactory.create(visit=visit, agency=agency)
    return visit


@pytest.fixture
def resident(village: Village) -> Resident:
    return ResidentFactory.create(village=village, full_name="Rina Marlina")


@pytest.fixture
def ktp(resident: Resident, disdukcapil: Agency) -> Document:
    return DocumentFactory.create(resident=resident, agency=disdukcapil, number="KTP-0001")


@pytest.fixture
def stnk(samsat: Agency, village: Village) -> Document:
    return DocumentFactory.create(
        resident=ResidentFactory.create(village=village, full_name="Joko Susilo"),
        agency=samsat,
        kind=Document.Kind.STNK,
        number="BD-1234-AB",
    )


def proxy_handover(visit: Visit, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "recipient": "proxy",
        "place": "visit",
        "visit_id": visit.pk,
        "proxy_name": "Ahmad Yani",
        "proxy_national_id": PROXY_NIK,
        "proxy_relationship": "Suami",
    }
    data.update(overrides)
    return data


def test_the_choices_are_those_of_the_models() -> None:
    assert set(get_args(Kind)) == set(Document.Kind.values)
    assert set(get_args(DocumentStatus)) == set(Document.Status.values)
    assert set(get_args(Recipient)) == set(DocumentHandover.Recipient.values)
    assert set(get_args(Place)) == set(DocumentHandover.Place.values)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/documents"),
        ("post", "/api/v1/documents"),
        ("get", "/api/v1/documents/1"),
        ("post", "/api/v1/documents/1/ready"),
        ("post", "/api/v1/documents/1/handover"),
    ],
)
def test_anonymous_calls_are_refused(client: Client, method: str, path: str) -> None:
    response = getattr(client, method)(path, {}, content_type="application/json")
    assert response.status_code == 401


# --- list and detail -------------------------------------------------------------------


def test_agency_operator_lists_only_their_agencys_documents(
    ktp: Document, stnk: Document, siti: User, andi: User, budi: User
) -> None:
    response = get(siti, "/api/v1/documents")
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [ktp.pk]
    item = body["items"][0]
    assert item["agency"] == {"code": "disdukcapil", "short_name": "Disdukcapil"}
    assert item["resident"]["national_id_masked"] == mask_nik(ktp.resident.national_id)
    assert ktp.resident.national_id not in response.content.decode()
    assert [i["id"] for i in get(andi, "/api/v1/documents").json()["items"]] == [stnk.pk]
    assert get(budi, "/api/v1/documents").json()["count"] == 2


def test_list_filters_by_status_kind_and_search(
    ktp: Document, stnk: Document, resident: Resident, budi: User, disdukcapil: Agency
) -> None:
    waiting = DocumentFactory.create(  # a number the search below cannot match
        resident=resident,
        agency=disdukcapil,
        kind=Document.Kind.KK,
        status="in_process",
        number="KK-77",
    )

    def ids(query: str) -> list[int]:
        response = get(budi, f"/api/v1/documents?{query}")
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids("status=in_process") == [waiting.pk]
    assert sorted(ids("status=ready")) == sorted([ktp.pk, stnk.pk])
    assert ids("kind=stnk") == [stnk.pk]
    assert ids("q=Joko") == [stnk.pk]
    assert ids("q=KTP-0001") == [ktp.pk]
    assert get(budi, "/api/v1/documents?status=lost").status_code == 422


def test_list_by_visit_has_what_was_made_waits_or_was_handed_over_there(
    visit: Visit, ktp: Document, budi: User, disdukcapil: Agency, regency: Regency
) -> None:
    elsewhere = VillageFactory.create(
        district=DistrictFactory.create(regency=regency, code="17.01.06", name="Pino"),
        code="17.01.06.2001",
    )
    far = DocumentFactory.create(
        resident=ResidentFactory.create(village=elsewhere), agency=disdukcapil
    )
    record = served_at(
        visit,
        resident=ResidentFactory.create(village=elsewhere),
        agency=disdukcapil,
        outcome="in_process",
    )
    made_here = Document.objects.get(service_record=record)
    response = get(budi, f"/api/v1/documents?visit={visit.pk}")
    assert response.status_code == 200
    found = {item["id"] for item in response.json()["items"]}
    assert found == {ktp.pk, made_here.pk}  # ktp: its resident lives in the kecamatan
    assert far.pk not in found
    assert get(budi, "/api/v1/documents?visit=999999").status_code == 404


def test_list_takes_the_same_number_of_queries_for_2_or_12_documents(
    resident: Resident, disdukcapil: Agency, siti: User, django_assert_max_num_queries: Any
) -> None:
    client, headers = Client(), bearer(siti)
    DocumentFactory.create_batch(2, resident=resident, agency=disdukcapil)
    client.get("/api/v1/documents", headers=headers)  # the token is remembered
    with django_assert_max_num_queries(4) as few:
        client.get("/api/v1/documents", headers=headers)
    DocumentFactory.create_batch(10, resident=resident, agency=disdukcapil)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/v1/documents", headers=headers)
    assert response.json()["count"] == 12


def test_samsat_operator_cannot_see_disdukcapils_document(ktp: Document, andi: User) -> None:
    assert get(andi, f"/api/v1/documents/{ktp.pk}").status_code == 404
    assert post(andi, f"/api/v1/documents/{ktp.pk}/ready").status_code == 404
    assert (
        post(
            andi,
            f"/api/v1/documents/{ktp.pk}/handover",
            {"recipient": "resident", "place": "agency_office"},
        ).status_code
        == 404
    )


def test_program_admin_of_another_regency_gets_404(ktp: Document) -> None:
    lampung = RegencyFactory.create(code="18.02", name="Kabupaten Lampung Tengah")
    stranger = UserFactory.create(role=User.Role.PROGRAM_ADMIN, regency=lampung)
    assert get(stranger, f"/api/v1/documents/{ktp.pk}").status_code == 404


def test_detail_by_session_too(ktp: Document, siti: User) -> None:
    response = client_for(siti).get(f"/api/v1/documents/{ktp.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == "KTP-0001"
    assert body["kind"] == "ktp_el" and body["status"] == "ready"
    assert body["handover"] is None


# --- register and mark ready -----------------------------------------------------------


def test_operator_registers_a_document(resident: Resident, siti: User) -> None:
    response = post(
        siti,
        "/api/v1/documents",
        {
            "kind": "kk",
            "resident_id": resident.pk,
            "agency_code": "disdukcapil",
            "promised_date": "2030-01-15",
        },
    )
    assert response.status_code == 201, response.content
    document = Document.objects.get()
    assert response.json()["id"] == document.pk
    assert document.status == Document.Status.IN_PROCESS
    assert document.promised_date == dt.date(2030, 1, 15)
    assert AuditEntry.objects.filter(action="records.document.registered", actor=siti).exists()


def test_registering_refusals(resident: Resident, siti: User, regency: Regency) -> None:
    ready_without_number = post(
        siti,
        "/api/v1/documents",
        {"kind": "ktp_el", "resident_id": resident.pk, "agency_code": "disdukcapil", "ready": True},
    )
    assert ready_without_number.status_code == 409
    assert ready_without_number.json()["detail"].startswith("records.number_required: ")
    other_agency = post(
        siti,
        "/api/v1/documents",
        {"kind": "stnk", "resident_id": resident.pk, "agency_code": "samsat"},
    )
    assert other_agency.status_code == 422
    bad_kind = post(
        siti,
        "/api/v1/documents",
        {"kind": "passport", "resident_id": resident.pk, "agency_code": "disdukcapil"},
    )
    assert bad_kind.status_code == 422
    lampung = RegencyFactory.create(code="18.02", name="Kabupaten Lampung Tengah")
    stranger = ResidentFactory.create(
        village=VillageFactory.create(
            district=DistrictFactory.create(regency=lampung, code="18.02.01"),
            code="18.02.01.2001",
        )
    )
    out_of_scope = post(
        siti,
        "/api/v1/documents",
        {"kind": "kk", "resident_id": stranger.pk, "agency_code": "disdukcapil"},
    )
    assert out_of_scope.status_code == 404
    assert not Document.objects.exists()


def test_leadership_and_village_operators_may_not_register(
    resident: Resident, bupati: User, kades: User
) -> None:
    body = {"kind": "kk", "resident_id": resident.pk, "agency_code": "disdukcapil"}
    assert post(bupati, "/api/v1/documents", body).status_code == 403
    assert post(kades, "/api/v1/documents", body).status_code == 403
    assert not Document.objects.exists()


def test_mark_ready(resident: Resident, disdukcapil: Agency, siti: User, bupati: User) -> None:
    document = DocumentFactory.create(
        resident=resident, agency=disdukcapil, status=Document.Status.IN_PROCESS, number=""
    )
    url = f"/api/v1/documents/{document.pk}/ready"
    assert post(bupati, url, {"number": "KTP-9"}).status_code == 403
    no_number = post(siti, url)
    assert no_number.status_code == 409
    assert no_number.json()["detail"].startswith("records.number_required: ")
    response = post(siti, url, {"number": "KTP-9"})
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["number"] == "KTP-9"
    again = post(siti, url, {"number": "KTP-9"})
    assert again.status_code == 409
    assert again.json()["detail"].startswith("records.not_in_process: ")


# --- handover --------------------------------------------------------------------------


def test_handover_to_a_proxy_at_the_visit_masks_the_proxy_nik(
    ktp: Document, visit: Visit, siti: User
) -> None:
    response = post(siti, f"/api/v1/documents/{ktp.pk}/handover", proxy_handover(visit))
    assert response.status_code == 201, response.content
    handover = response.json()["handover"]
    assert response.json()["status"] == "handed_over"
    assert handover["recipient"] == "proxy"
    assert handover["proxy_national_id_masked"] == mask_nik(PROXY_NIK)
    assert handover["visit_id"] == visit.pk
    assert handover["handed_over_by"] == "Siti"
    assert PROXY_NIK not in response.content.decode()
    assert ktp.resident.national_id not in response.content.decode()
    saved = DocumentHandover.objects.get()
    assert saved.proxy_national_id == PROXY_NIK and saved.handed_over_by == siti


def test_handing_over_twice_is_a_conflict(ktp: Document, visit: Visit, siti: User) -> None:
    url = f"/api/v1/documents/{ktp.pk}/handover"
    assert post(siti, url, {"recipient": "resident", "place": "agency_office"}).status_code == 201
    again = post(siti, url, proxy_handover(visit))
    assert again.status_code == 409
    assert again.json()["detail"].startswith("records.already_handed_over: ")
    assert DocumentHandover.objects.count() == 1


def test_handover_refusals_of_the_action(
    ktp: Document, visit: Visit, siti: User, resident: Resident, disdukcapil: Agency
) -> None:
    url = f"/api/v1/documents/{ktp.pk}/handover"
    bad_nik = post(siti, url, proxy_handover(visit, proxy_national_id="1701053513850001"))
    assert bad_nik.status_code == 409
    assert bad_nik.json()["detail"].startswith("records.proxy_nik_invalid: ")
    no_visit = post(siti, url, proxy_handover(visit, visit_id=None))
    assert no_visit.json()["detail"].startswith("records.visit_required: ")
    unknown_visit = post(siti, url, proxy_handover(visit, visit_id=999999))
    assert unknown_visit.status_code == 404
    bad_place = post(siti, url, proxy_handover(visit, place="market"))
    assert bad_place.status_code == 422
    in_process = DocumentFactory.create(
        resident=resident, agency=disdukcapil, status=Document.Status.IN_PROCESS
    )
    not_ready = post(
        siti,
        f"/api/v1/documents/{in_process.pk}/handover",
        {"recipient": "resident", "place": "agency_office"},
    )
    assert not_ready.json()["detail"].startswith("records.not_ready: ")
    assert not DocumentHandover.objects.exists()


def test_leadership_may_not_hand_over(ktp: Document, visit: Visit, bupati: User) -> None:
    response = post(bupati, f"/api/v1/documents/{ktp.pk}/handover", proxy_handover(visit))
    assert response.status_code == 403
    assert response.json()["detail"]  # JSON, like every other refusal of the API
    assert not DocumentHandover.objects.exists()


def test_village_operator_hands_over_at_the_village_office_only(
    ktp: Document, visit: Visit, kades: User
) -> None:
    url = f"/api/v1/documents/{ktp.pk}/handover"
    assert post(kades, url, proxy_handover(visit)).status_code == 403
    response = post(kades, url, {"recipient": "resident", "place": "village_office"})
    assert response.status_code == 201
    assert response.json()["handover"]["place"] == "village_office"
