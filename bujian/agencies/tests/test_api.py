from __future__ import annotations

from typing import get_args

import pytest
from django.test import Client
from django.utils import translation
from pytest_django import DjangoAssertNumQueries

from bujian.agencies.api import AgencyKind
from bujian.agencies.models import Agency, Service
from bujian.agencies.tests.factories import AgencyFactory, RequirementFactory, ServiceFactory
from bujian.regions.models import Regency
from bujian.regions.tests.factories import RegencyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ktp(disdukcapil: Agency) -> Service:
    service: Service = ServiceFactory.create(
        agency=disdukcapil,
        code="DUKCAPIL-KTP",
        name="Perekaman KTP-el",
        output_document="KTP-el",
        completed_on_site=Service.OnSite.YES,
        typical_minutes=10,
    )
    RequirementFactory.create(service=service, position=2, text="Kartu Keluarga")
    RequirementFactory.create(service=service, position=1, text="Berusia 17 tahun")
    return service


@pytest.fixture
def sim(samsat: Agency) -> Service:
    service: Service = ServiceFactory.create(
        agency=samsat,
        code="POLRI-SIM",
        name="Perpanjangan SIM A",
        fee_kind=Service.FeeKind.FIXED,
        fee_amount=80000,
        legal_basis="PP 76/2020",
    )
    return service


def test_agency_kinds_match_the_model() -> None:
    assert set(get_args(AgencyKind)) == set(Agency.Kind.values)


def test_agencies_list_only_active_ones_by_code(
    client: Client, disdukcapil: Agency, samsat: Agency, regency: Regency
) -> None:
    disdukcapil.phone = "0739-21000"
    disdukcapil.head_name = "Kepala Dinas"
    disdukcapil.save(update_fields=["phone", "head_name"])
    AgencyFactory.create(code="bappeda", is_active=False, regencies=[regency])

    response = client.get("/api/v1/agencies")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["items"][0] == {
        "code": "disdukcapil",
        "name": "Dinas Kependudukan",
        "short_name": "Disdukcapil",
        "kind": "opd",
        "head_name": "Kepala Dinas",
        "phone": "0739-21000",
        "email": "",
    }
    assert body["items"][1]["code"] == "samsat"


def test_agencies_filter_by_regency_and_kind(
    client: Client, disdukcapil: Agency, samsat: Agency
) -> None:
    AgencyFactory.create(
        code="dinkes-rl", regencies=[RegencyFactory.create(code="17.02", name="Rejang")]
    )

    by_regency = client.get("/api/v1/agencies", {"regency": "17.01"}).json()
    by_kind = client.get("/api/v1/agencies", {"regency": "17.01", "kind": "opd"}).json()

    assert [item["code"] for item in by_regency["items"]] == ["disdukcapil", "samsat"]
    assert [item["code"] for item in by_kind["items"]] == ["disdukcapil"]


def test_an_unknown_agency_kind_is_refused(client: Client, disdukcapil: Agency) -> None:
    assert client.get("/api/v1/agencies", {"kind": "ministry"}).status_code == 422


def test_agency_detail_lists_its_active_services(
    client: Client, disdukcapil: Agency, ktp: Service
) -> None:
    ServiceFactory.create(agency=disdukcapil, code="DUKCAPIL-OLD", is_active=False)

    response = client.get("/api/v1/agencies/disdukcapil")

    assert response.status_code == 200
    body = response.json()
    assert body["short_name"] == "Disdukcapil"
    assert [service["code"] for service in body["services"]] == ["DUKCAPIL-KTP"]


@pytest.mark.parametrize("code", ["no-such-agency", "bappeda"])
def test_unknown_or_inactive_agency_is_a_json_404(
    client: Client, regency: Regency, code: str
) -> None:
    AgencyFactory.create(code="bappeda", is_active=False, regencies=[regency])

    response = client.get(f"/api/v1/agencies/{code}")

    assert response.status_code == 404
    assert code in response.json()["detail"]


def test_service_shows_requirements_in_order_and_the_fee_label(
    client: Client, ktp: Service, sim: Service
) -> None:
    response = client.get("/api/v1/services")

    assert response.status_code == 200
    items = {item["code"]: item for item in response.json()["items"]}
    assert items["DUKCAPIL-KTP"] == {
        "code": "DUKCAPIL-KTP",
        "name": "Perekaman KTP-el",
        "agency": {"code": "disdukcapil", "short_name": "Disdukcapil"},
        "description": "",
        "requirements": ["Berusia 17 tahun", "Kartu Keluarga"],
        "output_document": "KTP-el",
        "completed_on_site": "yes",
        "typical_minutes": 10,
        "fee": {"kind": "free", "amount": None, "note": "", "label": _free_in_indonesian()},
        "legal_basis": "",
    }
    assert items["POLRI-SIM"]["fee"] == {
        "kind": "fixed",
        "amount": 80000,
        "note": "",
        "label": "Rp80.000",
    }


def test_a_fee_note_is_its_own_label(client: Client, disdukcapil: Agency) -> None:
    ServiceFactory.create(
        agency=disdukcapil,
        code="NOTE",
        fee_kind=Service.FeeKind.NOTE,
        fee_note="R2 Rp25.000, R4 Rp50.000",
    )

    fee = client.get("/api/v1/services/NOTE").json()["fee"]

    assert fee["label"] == "R2 Rp25.000, R4 Rp50.000"


def test_services_filter_by_agency_and_name(client: Client, ktp: Service, sim: Service) -> None:
    by_agency = client.get("/api/v1/services", {"agency": "disdukcapil"}).json()
    by_name = client.get("/api/v1/services", {"q": "sim"}).json()

    assert [item["code"] for item in by_agency["items"]] == ["DUKCAPIL-KTP"]
    assert [item["code"] for item in by_name["items"]] == ["POLRI-SIM"]


def test_services_of_inactive_agencies_and_inactive_services_are_hidden(
    client: Client, regency: Regency, ktp: Service
) -> None:
    closed = AgencyFactory.create(code="closed", is_active=False, regencies=[regency])
    ServiceFactory.create(agency=closed, code="CLOSED-1")
    ServiceFactory.create(agency=ktp.agency, code="DUKCAPIL-OLD", is_active=False)

    listed = client.get("/api/v1/services").json()

    assert [item["code"] for item in listed["items"]] == ["DUKCAPIL-KTP"]
    assert client.get("/api/v1/services/CLOSED-1").status_code == 404
    assert client.get("/api/v1/services/DUKCAPIL-OLD").status_code == 404


def test_service_detail(client: Client, sim: Service) -> None:
    response = client.get("/api/v1/services/POLRI-SIM")

    assert response.status_code == 200
    assert response.json()["legal_basis"] == "PP 76/2020"


def test_unknown_service_is_a_json_404(client: Client, regency: Regency) -> None:
    response = client.get("/api/v1/services/NOPE")

    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]


def test_agencies_list_query_count_is_flat(
    client: Client, regency: Regency, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    AgencyFactory.create_batch(8, regencies=[regency])

    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/agencies", {"regency": "17.01"})

    assert response.json()["count"] == 8


def test_services_list_query_count_is_flat(
    client: Client,
    disdukcapil: Agency,
    samsat: Agency,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for agency in (disdukcapil, samsat):
        for service in ServiceFactory.create_batch(4, agency=agency):
            RequirementFactory.create_batch(2, service=service)

    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/services")

    assert response.json()["count"] == 8


def _free_in_indonesian() -> str:
    with translation.override("id"):
        return translation.gettext("Free")
