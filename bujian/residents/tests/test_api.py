"""The staff API of residents and pre-registrations: the same rules and scope as the
pages, NIKs answered masked, and the full NIK only through the audited reveal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from bujian.accounts.models import User
from bujian.accounts.tokens import create_api_token
from bujian.conftest import client_for
from bujian.core.models import AuditEntry
from bujian.queueing.models import VisitTicket
from bujian.regions.models import Village
from bujian.residents import actions
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import WARNING_BIRTH_DATE, mask_nik
from bujian.residents.tests.conftest import Catalog
from bujian.residents.tests.factories import ResidentFactory
from bujian.visits.models import Visit

pytestmark = pytest.mark.django_db

NEW_NIK = "1701051403850001"  # Kota Manna, 14-03-1985, male


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_api_token(user=user, name='test')}"}


def post(user: User, path: str, data: dict[str, Any]) -> Any:
    return Client().post(path, data, content_type="application/json", headers=bearer(user))


def get(user: User, path: str) -> Any:
    return Client().get(path, headers=bearer(user))


def new_resident(village: Village, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "national_id": "1701 0514 0385 0001",
        "full_name": "Budi Santoso",
        "sex": "L",
        "birth_date": "1985-03-14",
        "birth_place": "Manna",
        "village_code": village.code,
        "hamlet": "Dusun II",
        "rt": "003",
        "rw": "001",
        "phone": "0813 1234 5678",
    }
    data.update(overrides)
    return data


# --- authentication and the schema -----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/residents"),
        ("post", "/api/v1/residents/lookup"),
        ("get", "/api/v1/residents/1"),
        ("post", "/api/v1/residents/1/nik"),
        ("get", "/api/v1/visits/1/registrations"),
        ("post", "/api/v1/visits/1/registrations"),
        ("delete", "/api/v1/registrations/1"),
    ],
)
def test_anonymous_calls_are_refused(client: Client, method: str, path: str) -> None:
    response = getattr(client, method)(path, {}, content_type="application/json")
    assert response.status_code == 401


def test_a_revoked_or_unknown_token_is_refused(client: Client, resident: Resident) -> None:
    response = client.get(
        f"/api/v1/residents/{resident.pk}", headers={"Authorization": "Bearer bjn_nothing"}
    )
    assert response.status_code == 401


def test_a_staff_session_works_too(budi: User, resident: Resident) -> None:
    response = client_for(budi).get(f"/api/v1/residents/{resident.pk}")
    assert response.status_code == 200
    assert response.json()["full_name"] == "Siti Aminah"


# --- create ----------------------------------------------------------------------------


def test_create_records_the_resident_and_answers_the_nik_masked(
    kades: User, village: Village
) -> None:
    response = post(kades, "/api/v1/residents", new_resident(village))
    assert response.status_code == 201, response.content
    body = response.json()
    resident = Resident.objects.get()
    assert body["id"] == resident.pk
    assert resident.national_id == NEW_NIK
    assert resident.phone == "+6281312345678"
    assert resident.created_by == kades
    assert body["national_id_masked"] == mask_nik(NEW_NIK)
    assert NEW_NIK not in response.content.decode()
    assert body["village"] == {"code": village.code, "name": village.name, "district": "Kota Manna"}
    assert AuditEntry.objects.filter(action="residents.resident.created").exists()


def test_nik_errors_answer_422_with_each_issue(kades: User, village: Village) -> None:
    # day 35 is neither 01–31 nor 41–71; month 13 does not exist
    response = post(
        kades, "/api/v1/residents", new_resident(village, national_id="1701053513850001")
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "residents.invalid_nik"
    assert [issue["code"] for issue in body["issues"]] == ["nik.day", "nik.month"]
    assert all(issue["message"] for issue in body["issues"])
    assert not Resident.objects.exists()


def test_other_refusals_answer_422_with_their_code(kades: User, village: Village) -> None:
    response = post(kades, "/api/v1/residents", new_resident(village, phone="12345"))
    assert response.status_code == 422
    assert response.json()["code"] == "residents.invalid_phone"


def test_a_malformed_body_answers_422(kades: User, village: Village) -> None:
    response = post(kades, "/api/v1/residents", new_resident(village, sex="X"))
    assert response.status_code == 422
    without_village = new_resident(village)
    del without_village["village_code"]
    assert post(kades, "/api/v1/residents", without_village).status_code == 422
    assert not Resident.objects.exists()


def test_warnings_answer_409_until_each_is_accepted(kades: User, village: Village) -> None:
    data = new_resident(village, birth_date="1985-03-15")
    refused = post(kades, "/api/v1/residents", data)
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "residents.unaccepted_warnings"
    assert body["pending"] == [WARNING_BIRTH_DATE]
    assert [issue["code"] for issue in body["issues"]] == [WARNING_BIRTH_DATE]
    assert not Resident.objects.exists()

    accepted = post(kades, "/api/v1/residents", {**data, "accept_warnings": [WARNING_BIRTH_DATE]})
    assert accepted.status_code == 201
    assert accepted.json()["accepted_warnings"] == [WARNING_BIRTH_DATE]


def test_duplicate_nik_answers_409_with_the_existing_resident(
    kades: User, village: Village, resident: Resident
) -> None:
    response = post(
        kades,
        "/api/v1/residents",
        new_resident(village, national_id=resident.national_id, sex="P", birth_date="1990-07-01"),
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "residents.duplicate_nik"
    assert body["resident_id"] == resident.pk
    assert resident.national_id not in response.content.decode()
    assert Resident.objects.count() == 1


def test_village_operator_cannot_record_a_resident_of_another_village(
    other_kades: User, village: Village
) -> None:
    response = post(other_kades, "/api/v1/residents", new_resident(village))
    assert response.status_code == 422
    assert response.json()["code"] == "residents.village_not_allowed"
    assert not Resident.objects.exists()


def test_leadership_cannot_record_a_resident(bupati: User, village: Village) -> None:
    response = post(bupati, "/api/v1/residents", new_resident(village))
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not Resident.objects.exists()


# --- lookup, detail, reveal ------------------------------------------------------------


def test_lookup_by_exact_nik_answers_the_resident_masked(siti: User, resident: Resident) -> None:
    spaced = f"{resident.national_id[:6]} {resident.national_id[6:]}"
    response = post(siti, "/api/v1/residents/lookup", {"nik": spaced})
    assert response.status_code == 200
    assert response.json()["id"] == resident.pk
    assert response.json()["national_id_masked"] == mask_nik(resident.national_id)
    assert resident.national_id not in response.content.decode()


def test_lookup_of_an_unknown_or_partial_nik_is_404(siti: User, resident: Resident) -> None:
    assert post(siti, "/api/v1/residents/lookup", {"nik": NEW_NIK}).status_code == 404
    partial = resident.national_id[-6:]
    assert post(siti, "/api/v1/residents/lookup", {"nik": partial}).status_code == 404
    assert post(siti, "/api/v1/residents/lookup", {"nik": ""}).status_code == 404


def test_lookup_outside_the_scope_is_404(other_kades: User, resident: Resident) -> None:
    response = post(other_kades, "/api/v1/residents/lookup", {"nik": resident.national_id})
    assert response.status_code == 404


def test_detail_is_masked_and_scoped(
    kades: User, other_kades: User, resident: Resident, outsider: Resident
) -> None:
    response = get(kades, f"/api/v1/residents/{resident.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["national_id_masked"] == mask_nik(resident.national_id)
    assert resident.national_id not in response.content.decode()
    assert get(kades, f"/api/v1/residents/{outsider.pk}").status_code == 404
    assert get(other_kades, f"/api/v1/residents/{resident.pk}").status_code == 404


def test_reveal_gives_the_full_nik_and_records_the_view(budi: User, resident: Resident) -> None:
    response = post(budi, f"/api/v1/residents/{resident.pk}/nik", {})
    assert response.status_code == 200
    assert response.json() == {"national_id": resident.national_id}
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="residents.nik.viewed")
    assert entry.actor == budi
    assert entry.data["reason"] == "api"
    assert resident.national_id not in str(entry.data)


def test_reveal_is_refused_to_roles_that_only_read(
    siti: User, bupati: User, other_kades: User, resident: Resident
) -> None:
    assert post(siti, f"/api/v1/residents/{resident.pk}/nik", {}).status_code == 403
    assert post(bupati, f"/api/v1/residents/{resident.pk}/nik", {}).status_code == 403
    assert post(other_kades, f"/api/v1/residents/{resident.pk}/nik", {}).status_code == 404
    assert not AuditEntry.objects.filter(action="residents.nik.viewed").exists()


# --- registrations ---------------------------------------------------------------------


def registration_body(resident: Resident, catalog: Catalog) -> dict[str, Any]:
    return {
        "resident_id": resident.pk,
        "services": [
            {"code": catalog.ktp.code, "documents_present": [catalog.ktp_reqs[0].pk]},
            {"code": catalog.stnk.code},
        ],
    }


def test_village_operator_registers_a_resident_with_services_and_checklist(
    kades: User, visit: Visit, resident: Resident, catalog: Catalog
) -> None:
    url = f"/api/v1/visits/{visit.pk}/registrations"
    response = post(kades, url, registration_body(resident, catalog))
    assert response.status_code == 201, response.content
    body = response.json()
    registration = Registration.objects.get()
    assert body["id"] == registration.pk
    assert body["source"] == "pre"
    assert body["resident"]["national_id_masked"] == mask_nik(resident.national_id)
    assert resident.national_id not in response.content.decode()
    ktp = next(s for s in body["services"] if s["code"] == catalog.ktp.code)
    assert [(r["id"], r["present"]) for r in ktp["requirements"]] == [
        (catalog.ktp_reqs[0].pk, True),
        (catalog.ktp_reqs[1].pk, False),
    ]

    # Again: replaces the services (STNK dropped), answered 200.
    again = post(kades, url, {"resident_id": resident.pk, "services": [{"code": catalog.ktp.code}]})
    assert again.status_code == 200
    assert [s["code"] for s in again.json()["services"]] == [catalog.ktp.code]
    assert Registration.objects.count() == 1


def test_registration_refusals_of_the_action_answer_409(
    kades: User, visit: Visit, resident: Resident, catalog: Catalog
) -> None:
    url = f"/api/v1/visits/{visit.pk}/registrations"
    not_offered = post(
        kades, url, {"resident_id": resident.pk, "services": [{"code": catalog.excused.code}]}
    )
    assert not_offered.status_code == 409
    assert not_offered.json()["detail"].startswith("residents.service_not_offered: ")
    wrong_document = post(
        kades,
        url,
        {
            "resident_id": resident.pk,
            "services": [{"code": catalog.ktp.code, "documents_present": [catalog.kk_reqs[0].pk]}],
        },
    )
    assert wrong_document.status_code == 409
    assert wrong_document.json()["detail"].startswith("residents.unknown_requirement: ")
    nothing = post(kades, url, {"resident_id": resident.pk, "services": []})
    assert nothing.status_code == 409
    assert nothing.json()["detail"].startswith("residents.no_service: ")
    assert not Registration.objects.exists()


def test_unknown_service_code_answers_422(kades: User, visit: Visit, resident: Resident) -> None:
    response = post(
        kades,
        f"/api/v1/visits/{visit.pk}/registrations",
        {"resident_id": resident.pk, "services": [{"code": "NO-SUCH"}]},
    )
    assert response.status_code == 422
    assert "NO-SUCH" in response.json()["detail"]


def test_registration_scope_and_rights(
    kades: User,
    other_kades: User,
    siti: User,
    bupati: User,
    visit: Visit,
    resident: Resident,
    outsider: Resident,
    catalog: Catalog,
) -> None:
    url = f"/api/v1/visits/{visit.pk}/registrations"
    # another village's operator does not see the visit
    assert post(other_kades, url, registration_body(resident, catalog)).status_code == 404
    # a resident of another village is not the village operator's to register
    assert post(kades, url, registration_body(outsider, catalog)).status_code == 404
    # leadership and agency operators read the lists only
    assert post(bupati, url, registration_body(resident, catalog)).status_code == 403
    assert post(siti, url, registration_body(resident, catalog)).status_code == 403
    assert not Registration.objects.exists()


def test_list_is_paginated_masked_and_scoped(
    kades: User,
    budi: User,
    other_kades: User,
    visit: Visit,
    resident: Resident,
    outsider: Resident,
    catalog: Catalog,
    django_assert_max_num_queries: Any,
) -> None:
    for person in (resident, outsider):
        actions.pre_register(
            visit=visit,
            resident=person,
            services=[catalog.ktp],
            documents_present={catalog.ktp.pk: [catalog.ktp_reqs[1].pk]},
            actor=budi,
        )
    for i in range(8):
        actions.pre_register(
            visit=visit,
            resident=ResidentFactory.create(village=visit.village, full_name=f"Warga {i}"),
            services=[catalog.ktp, catalog.kk],
            documents_present={},
            actor=budi,
        )
    url = f"/api/v1/visits/{visit.pk}/registrations"
    everyone = get(budi, url).json()
    assert everyone["count"] == 10
    headers = bearer(kades)
    client = Client()
    client.get(url, headers=headers)  # the token is remembered after its first use
    # the visit, the count, the page, its services, their requirements, the ticks
    with django_assert_max_num_queries(6):
        page = client.get(f"{url}?page_size=5", headers=headers)
    body = page.json()
    assert body["count"] == 9  # the village operator: their own village's residents only
    assert len(body["items"]) == 5
    assert "Joko Susilo" not in page.content.decode()
    assert resident.national_id not in page.content.decode()
    first = next(i for i in get(kades, url).json()["items"] if i["resident"]["id"] == resident.pk)
    assert first["resident"]["national_id_masked"] == mask_nik(resident.national_id)
    assert first["services"][0]["requirements"][1]["present"] is True
    assert get(other_kades, url).status_code == 404


def test_delete_takes_the_resident_off_the_list(
    kades: User, visit: Visit, resident: Resident, catalog: Catalog
) -> None:
    registration = actions.pre_register(
        visit=visit, resident=resident, services=[catalog.ktp], documents_present={}, actor=kades
    )
    response = Client().delete(f"/api/v1/registrations/{registration.pk}", headers=bearer(kades))
    assert response.status_code == 204
    assert not Registration.objects.exists()
    assert AuditEntry.objects.filter(action="residents.registration.removed").exists()


def test_delete_refusals(
    kades: User,
    other_kades: User,
    bupati: User,
    budi: User,
    visit: Visit,
    resident: Resident,
    catalog: Catalog,
) -> None:
    registration = actions.pre_register(
        visit=visit, resident=resident, services=[catalog.ktp], documents_present={}, actor=kades
    )
    url = f"/api/v1/registrations/{registration.pk}"
    assert Client().delete(url, headers=bearer(other_kades)).status_code == 404
    assert Client().delete(url, headers=bearer(bupati)).status_code == 403
    VisitTicket.objects.create(visit=visit, resident=resident, registration=registration)
    held = Client().delete(url, headers=bearer(budi))
    assert held.status_code == 409
    assert held.json()["detail"].startswith("residents.registration_has_ticket: ")
    assert Registration.objects.count() == 1


def test_a_past_visit_takes_no_registration(
    kades: User, visit: Visit, resident: Resident, catalog: Catalog
) -> None:
    Visit.objects.filter(pk=visit.pk).update(
        start_date=dt.date(2020, 1, 6), end_date=dt.date(2020, 1, 6)
    )
    response = post(
        kades, f"/api/v1/visits/{visit.pk}/registrations", registration_body(resident, catalog)
    )
    assert response.status_code == 409
    assert response.json()["detail"].startswith("residents.visit_closed: ")
