from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Service
from bujian.agencies.queries import search_services
from bujian.agencies.tests.factories import AgencyFactory, RequirementFactory, ServiceFactory
from bujian.conftest import client_for
from bujian.core.models import AuditEntry
from bujian.regions.models import Regency

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim_renewal(regency: Regency) -> Service:
    lantas = AgencyFactory.create(
        code="polres-lantas",
        short_name="Satlantas Polres",
        name="Satuan Lalu Lintas Polres",
        kind=Agency.Kind.VERTICAL,
        regencies=[regency],
    )
    service = ServiceFactory.create(
        agency=lantas,
        code="SIM-PJG-A",
        name="Perpanjangan SIM A",
        output_document="SIM A",
        fee_kind=Service.FeeKind.FIXED,
        fee_amount=80000,
    )
    RequirementFactory.create(service=service, position=0, text="KTP-el asli dan fotokopi")
    RequirementFactory.create(service=service, position=1, text="SIM lama asli dan fotokopi")
    return service


@pytest.fixture
def ktp(disdukcapil: Agency) -> Service:
    service = ServiceFactory.create(
        agency=disdukcapil, code="DUK-KTP-CETAK", name="Pencetakan KTP-el"
    )
    RequirementFactory.create(service=service, text="KK")
    return service


def test_a_residents_question_finds_sim_renewal(sim_renewal: Service, ktp: Service) -> None:
    results = search_services("Apa yang harus saya bawa untuk perpanjang SIM?")
    assert results == [sim_renewal]


def test_search_ranks_the_service_name_above_requirements(
    sim_renewal: Service, ktp: Service
) -> None:
    # "KTP" is a requirement of SIM renewal, but the name of KTP printing.
    assert search_services("ktp")[0] == ktp
    assert set(search_services("ktp")) == {ktp, sim_renewal}


def test_empty_query_lists_every_active_service(sim_renewal: Service, ktp: Service) -> None:
    ServiceFactory.create(code="OLD", is_active=False)
    assert set(search_services("")) == {sim_renewal, ktp}


def test_catalog_page_answers_the_question(
    client: Client, sim_renewal: Service, ktp: Service
) -> None:
    response = client.get(
        reverse("agencies:catalog"), {"q": "Apa yang harus saya bawa untuk perpanjang SIM?"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Perpanjangan SIM A" in body
    assert "SIM lama asli dan fotokopi" in body
    assert "Rp80.000" in body
    assert "Pencetakan KTP-el" not in body


def test_catalog_htmx_returns_only_the_results(client: Client, sim_renewal: Service) -> None:
    response = client.get(reverse("agencies:catalog"), {"q": "sim"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Perpanjangan SIM A" in body
    assert "<html" not in body


def test_service_detail_page(client: Client, sim_renewal: Service) -> None:
    response = client.get(reverse("agencies:service_detail", args=[sim_renewal.code]))
    assert response.status_code == 200
    assert "KTP-el asli dan fotokopi" in response.content.decode()
    assert client.get(reverse("agencies:service_detail", args=["NOPE"])).status_code == 404


def test_program_admin_edits_an_agency(budi: User, disdukcapil: Agency) -> None:
    response = client_for(budi).post(
        reverse("agencies:agency_edit", args=[disdukcapil.code]),
        {
            "name": disdukcapil.name,
            "short_name": "Dukcapil",
            "head_name": "Drs. Hasan",
            "head_title": "Kepala Dinas",
            "phone": "0739-21000",
            "email": "dukcapil@example.go.id",
            "address": "Manna",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    disdukcapil.refresh_from_db()
    assert disdukcapil.short_name == "Dukcapil" and disdukcapil.head_name == "Drs. Hasan"
    assert AuditEntry.objects.filter(action="agencies.agency.changed").exists()


def test_agency_operator_edits_own_services_only(
    siti: User, ktp: Service, sim_renewal: Service
) -> None:
    client = client_for(siti)
    assert client.get(reverse("agencies:service_edit", args=[ktp.code])).status_code == 200
    assert client.get(reverse("agencies:service_edit", args=[sim_renewal.code])).status_code == 404
    assert (
        client.get(reverse("agencies:agency_edit", args=[sim_renewal.agency.code])).status_code
        == 404
    )
    response = client.post(
        reverse("agencies:service_edit", args=[ktp.code]),
        {
            "name": "Pencetakan KTP-el",
            "description": "",
            "output_document": "KTP-el",
            "completed_on_site": "yes",
            "typical_minutes": 15,
            "fee_kind": "free",
            "fee_amount": "",
            "fee_note": "",
            "legal_basis": "UU 24/2013",
            "is_active": "on",
            "requirements_text": "KK asli\nSurat keterangan hilang (bila hilang)\n",
        },
    )
    assert response.status_code == 302
    ktp.refresh_from_db()
    assert list(ktp.requirements.values_list("text", flat=True)) == [
        "KK asli",
        "Surat keterangan hilang (bila hilang)",
    ]
    assert ktp.typical_minutes == 15


def test_agency_operator_cannot_switch_off_their_agency(siti: User, disdukcapil: Agency) -> None:
    client_for(siti).post(
        reverse("agencies:agency_edit", args=[disdukcapil.code]),
        {
            "name": disdukcapil.name,
            "short_name": "Disdukcapil",
            "head_name": "",
            "head_title": "",
            "phone": "",
            "email": "",
            "address": "",
        },
    )
    disdukcapil.refresh_from_db()
    assert disdukcapil.is_active is True


def test_fixed_fee_without_amount_is_refused(budi: User, disdukcapil: Agency) -> None:
    response = client_for(budi).post(
        reverse("agencies:service_create", args=[disdukcapil.code]),
        {
            "code": "DUK-NEW",
            "name": "Layanan baru",
            "completed_on_site": "yes",
            "fee_kind": "fixed",
            "fee_amount": "",
            "fee_note": "",
            "is_active": "on",
            "requirements_text": "",
        },
    )
    assert response.status_code == 200
    assert not Service.objects.filter(code="DUK-NEW").exists()


def test_program_admin_adds_a_service(budi: User, disdukcapil: Agency) -> None:
    response = client_for(budi).post(
        reverse("agencies:service_create", args=[disdukcapil.code]),
        {
            "code": "duk-kia",
            "name": "Kartu Identitas Anak",
            "completed_on_site": "sometimes",
            "fee_kind": "free",
            "fee_amount": "",
            "fee_note": "",
            "is_active": "on",
            "requirements_text": "Akta kelahiran\nKK",
        },
    )
    assert response.status_code == 302
    service = Service.objects.get(code="DUK-KIA")
    assert service.agency == disdukcapil
    assert service.requirements.count() == 2


def test_duplicate_service_code_gets_a_message(
    budi: User, disdukcapil: Agency, ktp: Service
) -> None:
    response = client_for(budi).post(
        reverse("agencies:service_create", args=[disdukcapil.code]),
        {
            "code": ktp.code,
            "name": "Lagi",
            "completed_on_site": "yes",
            "fee_kind": "free",
            "fee_amount": "",
            "fee_note": "",
            "is_active": "on",
            "requirements_text": "",
        },
    )
    assert response.status_code == 200
    assert Service.objects.filter(code=ktp.code).count() == 1


@pytest.mark.parametrize("name", ["bupati", "kades"])
def test_readers_see_the_list_but_cannot_edit(
    request: pytest.FixtureRequest, name: str, disdukcapil: Agency
) -> None:
    client = client_for(request.getfixturevalue(name))
    assert client.get(reverse("agencies:staff_list")).status_code == 200
    assert client.get(reverse("agencies:agency_edit", args=[disdukcapil.code])).status_code == 404
