from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.conftest import client_for
from bujian.core.models import AuditEntry
from bujian.records.models import Document
from bujian.regions.models import Village
from bujian.residents import actions
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import WARNING_BIRTH_DATE
from bujian.residents.tests.conftest import Catalog
from bujian.residents.tests.factories import ResidentFactory
from bujian.visits.models import Visit

pytestmark = pytest.mark.django_db

NEW_NIK = "1701051403850001"  # Kota Manna, 14-03-1985, male


def new_resident_data(village: Village, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "national_id": "1701 0514 0385 0001",
        "family_card_number": "",
        "full_name": "Budi Santoso",
        "sex": "L",
        "birth_date": "1985-03-14",
        "birth_place": "Manna",
        "village": village.pk,
        "hamlet": "Dusun II",
        "rt": "003",
        "rw": "001",
        "address": "",
        "phone": "0813 1234 5678",
        "phone_consent": "on",
    }
    data.update(overrides)
    return data


def register_data(catalog: Catalog) -> dict[str, Any]:
    return {
        "services": [catalog.ktp.pk, catalog.stnk.pk],
        f"docs_{catalog.ktp.pk}": [str(catalog.ktp_reqs[0].pk)],
        f"docs_{catalog.stnk.pk}": [str(r.pk) for r in catalog.stnk_reqs],
        # A tick under a service that is not chosen is ignored.
        f"docs_{catalog.kk.pk}": [str(catalog.kk_reqs[0].pk)],
    }


# --- search and detail ----------------------------------------------------------------


def test_search_is_a_post_and_shows_masked_niks(
    kades: User, resident: Resident, outsider: Resident
) -> None:
    client = client_for(kades)
    assert client.get(reverse("residents:search")).status_code == 200
    response = client.post(
        reverse("residents:search"), {"q": resident.national_id}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "Siti Aminah" in body
    assert resident.national_id not in body
    assert resident.national_id[:4] + "••••••••" + resident.national_id[-4:] in body


def test_village_operator_finds_only_residents_of_their_village(
    kades: User, resident: Resident, outsider: Resident
) -> None:
    client = client_for(kades)
    body = client.post(reverse("residents:search"), {"q": ""}).content.decode()
    assert "Siti Aminah" in body and "Joko Susilo" not in body
    body = client.post(reverse("residents:search"), {"q": outsider.national_id}).content.decode()
    assert "Joko Susilo" not in body
    body = client.post(
        reverse("residents:search"), {"q": "joko"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Joko Susilo" not in body
    assert "<html" not in body  # the htmx fragment


def test_search_by_last_digits_and_by_name(budi: User, resident: Resident) -> None:
    client = client_for(budi)
    for q in [resident.national_id[-6:], "aminah", "SITI amin"]:
        body = client.post(reverse("residents:search"), {"q": q}).content.decode()
        assert "Siti Aminah" in body, q


def test_agency_operator_may_search_the_regency_but_not_reveal_or_edit(
    siti: User, resident: Resident, outsider: Resident
) -> None:
    client = client_for(siti)
    body = client.post(reverse("residents:search"), {"q": "joko"}).content.decode()
    assert "Joko Susilo" in body
    assert client.get(reverse("residents:detail", args=[resident.pk])).status_code == 200
    assert client.post(reverse("residents:reveal_nik", args=[resident.pk])).status_code == 403
    assert client.get(reverse("residents:edit", args=[resident.pk])).status_code == 403


def test_without_a_query_only_a_village_operator_gets_a_list(
    siti: User, kades: User, resident: Resident
) -> None:
    for user, expected in [(kades, True), (siti, False)]:
        body = client_for(user).post(reverse("residents:search"), {"q": " "}).content.decode()
        assert ("Siti Aminah" in body) is expected, user


def test_edit_form_shows_the_full_nik_and_records_the_view(kades: User, resident: Resident) -> None:
    response = client_for(kades).get(reverse("residents:edit", args=[resident.pk]))
    assert resident.national_id in response.content.decode()
    entry = AuditEntry.objects.get(action="residents.nik.viewed")
    assert entry.data["reason"] == "residents.edit"


def test_other_village_resident_is_404_for_a_village_operator(
    kades: User, outsider: Resident
) -> None:
    client = client_for(kades)
    assert client.get(reverse("residents:detail", args=[outsider.pk])).status_code == 404
    assert client.get(reverse("residents:edit", args=[outsider.pk])).status_code == 404
    assert client.post(reverse("residents:reveal_nik", args=[outsider.pk])).status_code == 404


def test_detail_masks_and_reveal_is_audited(budi: User, resident: Resident) -> None:
    client = client_for(budi)
    body = client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    assert resident.national_id not in body
    assert "reveal-nik" in body
    response = client.post(
        reverse("residents:reveal_nik", args=[resident.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert resident.national_id in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="residents.nik.viewed")
    assert entry.actor == budi and entry.target_id == str(resident.pk)


def test_reveal_is_post_only(budi: User, resident: Resident) -> None:
    response = client_for(budi).get(reverse("residents:reveal_nik", args=[resident.pk]))
    assert response.status_code == 405
    assert not AuditEntry.objects.filter(action="residents.nik.viewed").exists()


def test_village_operator_may_reveal_their_residents_nik(kades: User, resident: Resident) -> None:
    response = client_for(kades).post(reverse("residents:reveal_nik", args=[resident.pk]))
    assert resident.national_id in response.content.decode()


def test_leadership_reads_but_gets_403_on_every_change(
    bupati: User, resident: Resident, visit: Visit, catalog: Catalog, village: Village
) -> None:
    client = client_for(bupati)
    assert client.get(reverse("residents:detail", args=[resident.pk])).status_code == 200
    assert client.get(reverse("residents:print", args=[visit.pk])).status_code == 200
    assert client.get(reverse("residents:visit", args=[visit.pk])).status_code == 200
    posts = [
        (reverse("residents:create"), new_resident_data(village)),
        (reverse("residents:edit", args=[resident.pk]), new_resident_data(village)),
        (reverse("residents:reveal_nik", args=[resident.pk]), {}),
        (reverse("residents:register", args=[visit.pk, resident.pk]), register_data(catalog)),
        (reverse("residents:import", args=[visit.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert Resident.objects.count() == 1
    assert Registration.objects.count() == 0


# --- new resident, warnings -------------------------------------------------------------


def test_village_operator_records_a_resident(kades: User, village: Village) -> None:
    response = client_for(kades).post(reverse("residents:create"), new_resident_data(village))
    resident = Resident.objects.get(national_id=NEW_NIK)
    assert response.status_code == 302
    assert response["Location"] == reverse("residents:detail", args=[resident.pk])
    assert resident.phone == "+6281312345678"
    assert resident.created_by == kades


def test_village_operator_cannot_record_a_resident_in_another_village(
    kades: User, other_village: Village
) -> None:
    response = client_for(kades).post(reverse("residents:create"), new_resident_data(other_village))
    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert not Resident.objects.exists()


def test_nik_errors_show_on_the_field(kades: User, village: Village) -> None:
    response = client_for(kades).post(
        reverse("residents:create"), new_resident_data(village, national_id="1701053503850001")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["national_id"]
    assert "7–8" in errors[0]
    assert not Resident.objects.exists()


def test_warnings_are_shown_as_checkboxes_and_accepted_on_the_second_post(
    kades: User, village: Village
) -> None:
    client = client_for(kades)
    data = new_resident_data(village, birth_date="15-03-1985")
    response = client.post(reverse("residents:create"), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="nik-warnings"' in body
    assert f'value="{WARNING_BIRTH_DATE}"' in body
    assert not Resident.objects.exists()

    response = client.post(
        reverse("residents:create"), {**data, "accept_warnings": [WARNING_BIRTH_DATE]}
    )
    assert response.status_code == 302
    resident = Resident.objects.get()
    assert resident.accepted_warnings == [WARNING_BIRTH_DATE]
    assert resident.birth_date == dt.date(1985, 3, 15)


def test_duplicate_nik_shows_on_the_field(
    kades: User, village: Village, resident: Resident
) -> None:
    response = client_for(kades).post(
        reverse("residents:create"),
        new_resident_data(
            village, national_id=resident.national_id, sex="P", birth_date="1990-07-01"
        ),
    )
    assert response.status_code == 200
    assert "••••••••" in response.context["form"].errors["national_id"][0]


def test_new_resident_for_a_visit_goes_on_to_the_registration(
    kades: User, village: Village, visit: Visit
) -> None:
    response = client_for(kades).post(
        reverse("residents:create") + f"?kunjungan={visit.pk}", new_resident_data(village)
    )
    resident = Resident.objects.get()
    assert response["Location"] == reverse("residents:register", args=[visit.pk, resident.pk])


def test_edit_resident(kades: User, resident: Resident, village: Village) -> None:
    data = new_resident_data(
        village,
        national_id=resident.national_id,
        full_name="Siti Aminah Putri",
        sex="P",
        birth_date="01-07-1990",
    )
    response = client_for(kades).post(reverse("residents:edit", args=[resident.pk]), data)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.full_name == "Siti Aminah Putri"


# --- pre-registration -----------------------------------------------------------------


def test_village_operator_sees_the_open_visit(kades: User, visit: Visit) -> None:
    response = client_for(kades).get(reverse("residents:visits"))
    assert response.status_code == 200
    assert [v.pk for v in response.context["visits"]] == [visit.pk]


def test_village_operator_registers_with_services_and_checklist(
    kades: User, visit: Visit, resident: Resident, catalog: Catalog
) -> None:
    client = client_for(kades)
    page = client.get(reverse("residents:register", args=[visit.pk, resident.pk]))
    body = page.content.decode()
    assert "Pencetakan KTP-el" in body and "Pengesahan STNK" in body
    assert "Usulan DTKS" not in body  # the excused agency's service
    assert page.context["confirmed_agencies"] == {catalog.ktp.agency_id}  # Samsat: pending
    response = client.post(
        reverse("residents:register", args=[visit.pk, resident.pk]), register_data(catalog)
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    needs = {n.service: set(n.documents_present.all()) for n in registration.needs.all()}
    assert needs == {
        catalog.ktp: {catalog.ktp_reqs[0]},
        catalog.stnk: set(catalog.stnk_reqs),
    }
    # The form shows the earlier answer.
    page = client.get(reverse("residents:register", args=[visit.pk, resident.pk]))
    assert page.context["form"].initial["services"] == [catalog.ktp.pk, catalog.stnk.pk] or set(
        page.context["form"].initial["services"]
    ) == {catalog.ktp.pk, catalog.stnk.pk}


def test_registration_without_a_service_is_refused(
    kades: User, visit: Visit, resident: Resident
) -> None:
    response = client_for(kades).post(
        reverse("residents:register", args=[visit.pk, resident.pk]), {}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["services"]
    assert not Registration.objects.exists()


def test_village_operator_cannot_register_a_resident_of_another_village(
    kades: User, visit: Visit, outsider: Resident, catalog: Catalog
) -> None:
    response = client_for(kades).post(
        reverse("residents:register", args=[visit.pk, outsider.pk]), register_data(catalog)
    )
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_another_village_operator_cannot_see_the_visit(
    other_kades: User, visit: Visit, resident: Resident, catalog: Catalog
) -> None:
    client = client_for(other_kades)
    assert client.get(reverse("residents:visit", args=[visit.pk])).status_code == 404
    assert client.get(reverse("residents:print", args=[visit.pk])).status_code == 404
    assert (
        client.post(
            reverse("residents:register", args=[visit.pk, resident.pk]), register_data(catalog)
        ).status_code
        == 404
    )
    assert client.get(reverse("residents:import", args=[visit.pk])).status_code == 404


def test_agency_operator_reads_the_list_but_cannot_register(
    siti: User, visit: Visit, resident: Resident, catalog: Catalog
) -> None:
    client = client_for(siti)
    assert client.get(reverse("residents:visit", args=[visit.pk])).status_code == 200
    response = client.post(
        reverse("residents:register", args=[visit.pk, resident.pk]), register_data(catalog)
    )
    assert response.status_code == 403


def test_visit_page_search_finds_village_residents_only(
    kades: User, visit: Visit, resident: Resident, outsider: Resident
) -> None:
    response = client_for(kades).post(
        reverse("residents:visit", args=[visit.pk]), {"q": "a"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "Siti Aminah" in body and "Joko Susilo" not in body
    assert reverse("residents:register", args=[visit.pk, resident.pk]) in body


def test_remove_registration(
    kades: User, visit: Visit, resident: Resident, catalog: Catalog
) -> None:
    registration = actions.pre_register(
        visit=visit, resident=resident, services=[catalog.ktp], documents_present={}, actor=kades
    )
    response = client_for(kades).post(reverse("residents:unregister", args=[registration.pk]))
    assert response.status_code == 302
    assert not Registration.objects.exists()


def test_printable_list_shows_what_to_bring_and_documents_to_hand_over(
    kades: User,
    visit: Visit,
    resident: Resident,
    outsider: Resident,
    catalog: Catalog,
    disdukcapil: Agency,
    django_assert_max_num_queries: Any,
) -> None:
    actions.pre_register(
        visit=visit,
        resident=resident,
        services=[catalog.ktp, catalog.stnk],
        documents_present={catalog.ktp.pk: [catalog.ktp_reqs[0].pk]},
        actor=kades,
    )
    for i in range(5):
        other = ResidentFactory.create(village=visit.village, full_name=f"Warga {i}")
        actions.pre_register(
            visit=visit, resident=other, services=[catalog.kk], documents_present={}, actor=kades
        )
    Document.objects.create(
        kind=Document.Kind.KTP_EL,
        number="KTP-1",
        resident=resident,
        agency=disdukcapil,
        status=Document.Status.READY,
    )
    Document.objects.create(
        kind=Document.Kind.KK,
        resident=resident,
        agency=disdukcapil,
        status=Document.Status.IN_PROCESS,
    )
    Document.objects.create(
        kind=Document.Kind.SIM, resident=outsider, agency=disdukcapil, status=Document.Status.READY
    )
    client = client_for(kades)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("residents:print", args=[visit.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["registrations"]) == 6
    assert "Surat pengantar desa" in body  # KTP: still to bring
    assert "STNK asli" in body and "BPKB" in body
    assert [d.number for d in response.context["documents"]] == ["KTP-1"]
    assert resident.national_id not in body
    # Each row carries the registration's QR code for the desk, drawn inline.
    assert body.count("<svg") >= 6


def test_visit_page_query_count(
    kades: User,
    visit: Visit,
    catalog: Catalog,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(10):
        person = ResidentFactory.create(village=visit.village, full_name=f"Warga {i}")
        actions.pre_register(
            visit=visit,
            resident=person,
            services=[catalog.ktp, catalog.kk],
            documents_present={catalog.ktp.pk: [catalog.ktp_reqs[0].pk]},
            actor=kades,
        )
    client: Client = client_for(kades)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("residents:visit", args=[visit.pk]))
    assert len(response.context["registrations"]) == 10


def test_past_visit_takes_no_registration(
    kades: User, resident: Resident, catalog: Catalog, village: Village
) -> None:
    from bujian.visits.tests.factories import VisitFactory

    past = VisitFactory.create(
        regency=village.district.regency,
        village=village,
        start_date=dt.date.today() - dt.timedelta(days=3),
        status=Visit.Status.ANNOUNCED,
    )
    client = client_for(kades)
    page = client.get(reverse("residents:visit", args=[past.pk]))
    assert page.status_code == 200 and not page.context["can_register"]
    response = client.post(
        reverse("residents:register", args=[past.pk, resident.pk]),
        {"services": [catalog.ktp.pk]},
    )
    assert response.status_code == 200
    assert not Registration.objects.exists()


def test_slips_give_each_resident_the_day_what_to_bring_and_the_desk_qr(
    kades: User,
    other_kades: User,
    visit: Visit,
    resident: Resident,
    catalog: Catalog,
    django_assert_max_num_queries: Any,
) -> None:
    registration = actions.pre_register(
        visit=visit,
        resident=resident,
        services=[catalog.ktp, catalog.stnk],
        documents_present={catalog.ktp.pk: [catalog.ktp_reqs[0].pk]},
        actor=kades,
    )
    for i in range(3):
        other = ResidentFactory.create(village=visit.village, full_name=f"Warga {i}")
        actions.pre_register(
            visit=visit, resident=other, services=[catalog.kk], documents_present={}, actor=kades
        )
    client = client_for(kades)
    url = reverse("residents:print_slips", args=[visit.pk])
    with django_assert_max_num_queries(20):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('class="slip"') == 4
    assert "Surat pengantar desa" in body and "STNK asli" in body
    assert resident.national_id not in body
    assert body.count("<svg") >= 4
    one = client.get(url, {"daftar": str(registration.pk)}).content.decode()
    assert one.count('class="slip"') == 1 and resident.full_name in one
    assert client.get(url, {"daftar": "999999"}).status_code == 404
    assert client_for(other_kades).get(url).status_code == 404
    page = client.get(reverse("residents:visit", args=[visit.pk])).content.decode()
    assert f"?daftar={registration.pk}" in page


# --- consent to be contacted (UU 27/2022) ---------------------------------------------


def test_a_phone_needs_the_residents_consent(kades: User, village: Village) -> None:
    client = client_for(kades)
    response = client.post(
        reverse("residents:create"), new_resident_data(village, phone_consent="")
    )
    assert response.status_code == 200
    assert "Tanyakan persetujuan warga untuk dihubungi" in response.content.decode()
    assert not Resident.objects.filter(national_id=NEW_NIK).exists()

    client.post(reverse("residents:create"), new_resident_data(village))
    resident = Resident.objects.get(national_id=NEW_NIK)
    assert resident.phone == "+6281312345678"
    assert resident.phone_consent_at is not None


def test_no_phone_needs_no_consent_and_removing_it_withdraws_consent(
    kades: User, village: Village
) -> None:
    client = client_for(kades)
    client.post(reverse("residents:create"), new_resident_data(village))
    resident = Resident.objects.get(national_id=NEW_NIK)
    response = client.post(
        reverse("residents:edit", args=[resident.pk]),
        new_resident_data(village, phone="", phone_consent=""),
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.phone, resident.phone_consent_at) == ("", None)


def test_the_forms_show_the_privacy_notice(kades: User, village: Village) -> None:
    body = client_for(kades).get(reverse("residents:create")).content.decode()
    assert 'data-testid="privacy-note"' in body
    assert reverse("core:privacy") in body
