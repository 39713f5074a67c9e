"""Document pages: scope per role (404 outside it, 403 read-only), the handover forms
(alone, on the visit page with htmx, at the village office), masked NIKs, and query
counts that do not grow with the lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.agencies.models import Agency
from bujian.conftest import client_for
from bujian.records.models import Document, DocumentHandover
from bujian.records.tests.factories import DocumentFactory, ResidentFactory, served_at
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import DistrictFactory, RegencyFactory, VillageFactory
from bujian.residents.models import Resident
from bujian.residents.nik import make_nik, mask_nik
from bujian.visits.models import Visit
from bujian.visits.tests.factories import ParticipationFactory, VisitFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
TODAY = NOW.date()
PROXY_NIK = make_nik("17.01.05", dt.date(1988, 3, 12), "L", 21)


@pytest.fixture(autouse=True)
def _frozen_clock() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def neighbour(village: Village) -> Village:
    return VillageFactory.create(
        district=village.district, code="17.01.05.2002", name="Kayu Kunyit"
    )


@pytest.fixture
def visit(regency: Regency, neighbour: Village, disdukcapil: Agency, samsat: Agency) -> Visit:
    """Today's visit to Kayu Kunyit, in the same kecamatan as Padang Kapuk, with
    Disdukcapil and Samsat taking part."""
    visit = VisitFactory.create(
        regency=regency,
        village=neighbour,
        start_date=TODAY,
        end_date=TODAY,
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


def _proxy_post(prefix: str, **extra: str) -> dict[str, str]:
    data = {
        f"{prefix}-recipient": "proxy",
        f"{prefix}-proxy_name": "Ahmad Yani",
        f"{prefix}-proxy_national_id": PROXY_NIK,
        f"{prefix}-proxy_relationship": "Suami",
    }
    data.update({f"{prefix}-{key}": value for key, value in extra.items()})
    return data


# --- list and detail -----------------------------------------------------------------


def test_agency_operator_lists_only_their_agencys_documents(
    ktp: Document, stnk: Document, siti: User
) -> None:
    response = client_for(siti).get(reverse("records:list"))
    assert response.status_code == 200
    assert list(response.context["page"]) == [ktp]
    body = response.content.decode()
    assert "Rina Marlina" in body and "Joko Susilo" not in body
    assert ktp.resident.national_id not in body
    assert mask_nik(ktp.resident.national_id) in body


def test_list_filters_by_status(ktp: Document, resident: Resident, siti: User) -> None:
    waiting = DocumentFactory.create(  # a number the search below cannot match
        resident=resident, agency=ktp.agency, status=Document.Status.IN_PROCESS, number="KK-77"
    )
    client = client_for(siti)
    response = client.get(reverse("records:list"), {"status": "in_process"})
    assert list(response.context["page"]) == [waiting]
    response = client.get(reverse("records:list"), {"q": "KTP-0001"})
    assert list(response.context["page"]) == [ktp]


def test_samsat_operator_cannot_see_disdukcapils_document(ktp: Document, andi: User) -> None:
    client = client_for(andi)
    assert client.get(reverse("records:detail", args=[ktp.pk])).status_code == 404
    assert client.get(reverse("records:handover", args=[ktp.pk])).status_code == 404
    assert client.post(reverse("records:mark_ready", args=[ktp.pk])).status_code == 404
    response = client.post(
        reverse("records:handover", args=[ktp.pk]),
        {f"d{ktp.pk}-recipient": "resident", f"d{ktp.pk}-place": "agency_office"},
    )
    assert response.status_code == 404
    assert not DocumentHandover.objects.exists()


def test_detail_shows_history_and_a_masked_nik(ktp: Document, siti: User) -> None:
    response = client_for(siti).get(reverse("records:detail", args=[ktp.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert mask_nik(ktp.resident.national_id) in body
    assert ktp.resident.national_id not in body
    assert response.context["can_hand_over"] is True


def test_leadership_reads_but_may_not_act(ktp: Document, bupati: User, visit: Visit) -> None:
    client = client_for(bupati)
    assert client.get(reverse("records:detail", args=[ktp.pk])).status_code == 200
    assert client.get(reverse("records:list")).status_code == 200
    assert client.get(reverse("records:visit_documents", args=[visit.pk])).status_code == 200
    assert client.get(reverse("records:create")).status_code == 403
    assert client.post(reverse("records:mark_ready", args=[ktp.pk])).status_code == 403
    assert client.post(reverse("records:handover", args=[ktp.pk])).status_code == 403
    response = client.post(
        reverse("records:visit_handover", args=[visit.pk, ktp.pk]),
        {f"d{ktp.pk}-recipient": "resident", f"d{ktp.pk}-place": "visit"},
    )
    assert response.status_code == 403
    assert not DocumentHandover.objects.exists()


def test_program_admin_of_another_regency_gets_404(ktp: Document) -> None:
    lampung = RegencyFactory.create(code="18.02", name="Kabupaten Lampung Tengah")
    other = UserFactory.create(username="lteng", role=User.Role.PROGRAM_ADMIN, regency=lampung)
    assert client_for(other).get(reverse("records:detail", args=[ktp.pk])).status_code == 404


# --- register and mark ready ------------------------------------------------------------


def test_operator_registers_a_ready_ktp_by_nik(resident: Resident, siti: User) -> None:
    response = client_for(siti).post(
        reverse("records:create"),
        {
            "national_id": resident.national_id,
            "kind": "ktp_el",
            "agency": str(siti.agencies.get().pk),
            "number": "KTP-9",
            "ready": "on",
        },
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("records:detail", args=[document.pk])
    assert document.status == Document.Status.READY and document.resident == resident


def test_registering_an_unknown_nik_or_a_ready_document_without_number_is_refused(
    resident: Resident, siti: User
) -> None:
    client = client_for(siti)
    agency = str(siti.agencies.get().pk)
    unknown = make_nik("17.01.05", dt.date(1970, 1, 1), "L", 9)
    response = client.post(
        reverse("records:create"), {"national_id": unknown, "kind": "ktp_el", "agency": agency}
    )
    assert response.status_code == 200 and "national_id" in response.context["form"].errors
    response = client.post(
        reverse("records:create"),
        {"national_id": resident.national_id, "kind": "ktp_el", "agency": agency, "ready": "on"},
    )
    assert response.status_code == 200 and "number" in response.context["form"].errors
    assert not Document.objects.exists()


def test_operator_may_not_register_for_another_agency(
    resident: Resident, siti: User, samsat: Agency
) -> None:
    response = client_for(siti).post(
        reverse("records:create"),
        {"national_id": resident.national_id, "kind": "stnk", "agency": str(samsat.pk)},
    )
    assert response.status_code == 200 and "agency" in response.context["form"].errors
    assert not Document.objects.exists()


def test_mark_ready_page_action(resident: Resident, disdukcapil: Agency, siti: User) -> None:
    document = DocumentFactory.create(
        resident=resident, agency=disdukcapil, status=Document.Status.IN_PROCESS, number=""
    )
    client = client_for(siti)
    client.post(reverse("records:mark_ready", args=[document.pk]), {"number": ""})
    document.refresh_from_db()
    assert document.status == Document.Status.IN_PROCESS  # a KTP-el needs its number
    response = client.post(reverse("records:mark_ready", args=[document.pk]), {"number": "K-5"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == Document.Status.READY and document.number == "K-5"


# --- handover page ------------------------------------------------------------------------


def test_handover_at_the_agency_office(ktp: Document, siti: User) -> None:
    prefix = f"d{ktp.pk}"
    response = client_for(siti).post(
        reverse("records:handover", args=[ktp.pk]),
        {f"{prefix}-recipient": "resident", f"{prefix}-place": "agency_office"},
    )
    assert response.status_code == 302
    handover = DocumentHandover.objects.get()
    assert handover.place == "agency_office" and handover.handed_over_by == siti


def test_handover_twice_shows_the_refusal(ktp: Document, siti: User, budi: User) -> None:
    prefix = f"d{ktp.pk}"
    data = {f"{prefix}-recipient": "resident", f"{prefix}-place": "agency_office"}
    client_for(siti).post(reverse("records:handover", args=[ktp.pk]), data)
    response = client_for(budi).post(reverse("records:handover", args=[ktp.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert DocumentHandover.objects.count() == 1


def test_village_operator_hands_over_at_the_village_office_only(
    ktp: Document, kades: User, visit: Visit
) -> None:
    client = client_for(kades)
    prefix = f"d{ktp.pk}"
    assert client.get(reverse("records:detail", args=[ktp.pk])).status_code == 200
    assert client.post(reverse("records:mark_ready", args=[ktp.pk])).status_code == 403
    response = client.post(
        reverse("records:handover", args=[ktp.pk]),
        {
            f"{prefix}-recipient": "resident",
            f"{prefix}-place": "visit",
            f"{prefix}-visit": visit.pk,
        },
    )
    assert response.status_code == 200 and not DocumentHandover.objects.exists()
    response = client.post(
        reverse("records:visit_handover", args=[visit.pk, ktp.pk]),
        {f"{prefix}-recipient": "resident"},
    )
    assert response.status_code in {403, 404} and not DocumentHandover.objects.exists()
    response = client.post(
        reverse("records:handover", args=[ktp.pk]),
        _proxy_post(prefix, place="village_office"),
    )
    assert response.status_code == 302
    handover = DocumentHandover.objects.get()
    assert handover.place == "village_office" and handover.recipient == "proxy"


def test_village_operator_of_another_village_gets_404(ktp: Document, neighbour: Village) -> None:
    other = UserFactory.create(
        username="kades2",
        role=User.Role.VILLAGE_OPERATOR,
        regency=neighbour.district.regency,
        village=neighbour,
    )
    client = client_for(other)
    assert client.get(reverse("records:detail", args=[ktp.pk])).status_code == 404
    assert (
        client.get(
            reverse("records:village_office_list", args=[ktp.resident.village_id])
        ).status_code
        == 404
    )


# --- the visit page ------------------------------------------------------------------------


def test_visit_page_lists_ready_documents_of_the_kecamatan_by_village(
    ktp: Document, stnk: Document, visit: Visit, neighbour: Village, disdukcapil: Agency, siti: User
) -> None:
    host = DocumentFactory.create(
        resident=ResidentFactory.create(village=neighbour, full_name="Dewi Lestari"),
        agency=disdukcapil,
    )
    response = client_for(siti).get(reverse("records:visit_documents", args=[visit.pk]))
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [(g.village_name, g.documents) for g in groups] == [
        ("Kayu Kunyit", [host]),  # the host village first
        ("Padang Kapuk", [ktp]),  # the Samsat document is not Siti's
    ]
    assert set(response.context["forms"]) == {host.pk, ktp.pk}
    body = response.content.decode()
    assert ktp.resident.national_id not in body


def test_visit_page_is_read_only_for_the_village_operator(
    ktp: Document, regency: Regency, village: Village, kades: User
) -> None:
    own_visit = VisitFactory.create(
        regency=regency, village=village, start_date=TODAY, end_date=TODAY
    )
    response = client_for(kades).get(reverse("records:visit_documents", args=[own_visit.pk]))
    assert response.status_code == 200
    assert [g.documents for g in response.context["groups"]] == [[ktp]]
    assert response.context["forms"] == {}


def test_htmx_handover_to_a_proxy_returns_the_handed_over_card(
    ktp: Document, visit: Visit, siti: User
) -> None:
    response = client_for(siti).post(
        reverse("records:visit_handover", args=[visit.pk, ktp.pk]),
        _proxy_post(f"d{ktp.pk}", place="visit", visit=str(visit.pk), on_stage="on"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.templates[0].name == "records/_visit_document.html"
    assert 'data-status="handed_over"' in response.content.decode()
    handover = DocumentHandover.objects.get()
    assert handover.visit == visit and handover.on_stage
    assert (handover.proxy_name, handover.proxy_national_id, handover.proxy_relationship) == (
        "Ahmad Yani",
        PROXY_NIK,
        "Suami",
    )
    assert PROXY_NIK not in response.content.decode()


def test_htmx_handover_without_relationship_shows_the_error_on_the_card(
    ktp: Document, visit: Visit, siti: User
) -> None:
    prefix = f"d{ktp.pk}"
    data = _proxy_post(prefix, place="visit", visit=str(visit.pk))
    data[f"{prefix}-proxy_relationship"] = ""
    response = client_for(siti).post(
        reverse("records:visit_handover", args=[visit.pk, ktp.pk]), data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "proxy_relationship" in response.context["form"].errors
    assert 'data-status="ready"' in response.content.decode()
    assert not DocumentHandover.objects.exists()


def test_visit_handover_without_script_redirects_back(
    ktp: Document, visit: Visit, siti: User
) -> None:
    prefix = f"d{ktp.pk}"
    response = client_for(siti).post(
        reverse("records:visit_handover", args=[visit.pk, ktp.pk]),
        {
            f"{prefix}-recipient": "resident",
            f"{prefix}-place": "visit",
            f"{prefix}-visit": visit.pk,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("records:visit_documents", args=[visit.pk])
    page = client_for(siti).get(reverse("records:visit_documents", args=[visit.pk]))
    assert page.context["groups"] == [] and page.context["handed"] == [ktp]


# --- the village office list ----------------------------------------------------------------


def test_village_office_list_shows_waiting_documents_until_handed_over(
    ktp: Document, stnk: Document, village: Village, kades: User, andi: User
) -> None:
    url = reverse("records:village_office_list", args=[village.pk])
    response = client_for(kades).get(url)
    assert response.status_code == 200
    assert set(response.context["documents"]) == {ktp, stnk}
    assert ktp.resident.national_id not in response.content.decode()
    assert response.context["may_hand_over"] == {ktp.pk, stnk.pk}
    assert client_for(andi).get(url).context["documents"] == [stnk]
    client_for(kades).post(
        reverse("records:handover", args=[ktp.pk]),
        {f"d{ktp.pk}-recipient": "resident", f"d{ktp.pk}-place": "village_office"},
    )
    assert client_for(kades).get(url).context["documents"] == [stnk]


def test_village_office_list_of_another_regency_is_404(budi: User) -> None:
    far = VillageFactory.create(
        district=DistrictFactory.create(
            regency=RegencyFactory.create(code="18.02", name="Lampung Tengah"), code="18.02.01"
        ),
        code="18.02.01.2001",
    )
    response = client_for(budi).get(reverse("records:village_office_list", args=[far.pk]))
    assert response.status_code == 404


# --- query counts --------------------------------------------------------------------------


def _queries(get: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        get()
    return len(captured)


def _add_documents(count: int, village: Village, neighbour: Village, agency: Agency) -> None:
    for n in range(count):
        DocumentFactory.create(
            resident=ResidentFactory.create(village=village if n % 2 else neighbour),
            agency=agency,
        )


@pytest.mark.parametrize(
    "page",
    ["records:list", "records:visit_documents", "records:village_office_list"],
)
def test_lists_take_the_same_number_of_queries_for_2_or_12_documents(
    page: str, visit: Visit, village: Village, neighbour: Village, disdukcapil: Agency, siti: User
) -> None:
    args = {
        "records:list": [],
        "records:visit_documents": [visit.pk],
        "records:village_office_list": [village.pk],
    }[page]
    client: Client = client_for(siti)
    url = reverse(page, args=args)
    _add_documents(2, village, neighbour, disdukcapil)
    client.get(url)  # warm the session
    few = _queries(lambda: client.get(url))
    _add_documents(10, village, neighbour, disdukcapil)
    many = _queries(lambda: client.get(url))
    assert few == many
    assert many <= 10


def test_visit_page_counts_documents_made_at_the_visit(
    visit: Visit, disdukcapil: Agency, siti: User
) -> None:
    far = VillageFactory.create(
        district=DistrictFactory.create(code="17.01.07", name="Seginim"), code="17.01.07.2001"
    )
    served_at(visit, resident=ResidentFactory.create(village=far), agency=disdukcapil, number="Z")
    response = client_for(siti).get(reverse("records:visit_documents", args=[visit.pk]))
    assert response.context["waiting_count"] == 1


def test_the_handover_page_of_a_document_not_ready_sends_back_to_the_document(
    resident: Resident, disdukcapil: Agency, siti: User
) -> None:
    document = DocumentFactory.create(
        resident=resident, agency=disdukcapil, status=Document.Status.IN_PROCESS
    )
    response = client_for(siti).get(reverse("records:handover", args=[document.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("records:detail", args=[document.pk])
