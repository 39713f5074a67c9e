from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bujian.accounts.models import User
from bujian.core.errors import DomainError
from bujian.core.models import AuditEntry
from bujian.queueing.models import VisitTicket
from bujian.regions.models import Village
from bujian.residents import actions
from bujian.residents.actions import ResidentRefused
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import (
    WARNING_BIRTH_DATE,
    WARNING_DISTRICT_UNKNOWN,
    WARNING_SEX,
    mask_nik,
)
from bujian.residents.queries import services_offered_at
from bujian.residents.tests.conftest import Catalog
from bujian.visits.models import Visit
from bujian.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

WOMAN = "1701054107900003"  # Kota Manna, 01-07-1990, female


def person(village: Village | None, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "national_id": WOMAN,
        "family_card_number": "1701050502100007",
        "full_name": "  Siti   Aminah ",
        "sex": "P",
        "birth_date": dt.date(1990, 7, 1),
        "birth_place": "Manna",
        "village": village,
        "hamlet": "Dusun I",
        "rt": "001",
        "rw": "002",
        "address": "Jl. Raya Padang Kapuk",
        "phone": "0812-3456-7890",
    }
    fields.update(overrides)
    return fields


# --- residents --------------------------------------------------------------------------


def test_register_resident_cleans_and_audits_without_the_full_nik(
    village: Village, kades: User
) -> None:
    resident = actions.register_resident(actor=kades, **person(village))
    assert resident.full_name == "Siti Aminah"
    assert resident.phone == "+6281234567890"
    assert resident.accepted_warnings == []
    assert resident.created_by == kades
    entry = AuditEntry.objects.get(action="residents.resident.created")
    assert entry.data["nik"] == "1701••••••••0003"
    assert WOMAN not in str(entry.data)


def test_nik_with_spaces_is_stored_as_digits(village: Village, kades: User) -> None:
    resident = actions.register_resident(
        actor=kades, **person(village, national_id="1701 0541 0790 0003")
    )
    assert resident.national_id == WOMAN


def test_same_nik_twice_is_refused_with_the_masked_nik(village: Village, kades: User) -> None:
    actions.register_resident(actor=kades, **person(village))
    with pytest.raises(DomainError) as refused:
        actions.register_resident(actor=kades, **person(village, full_name="Orang Lain"))
    assert refused.value.code == "residents.duplicate_nik"
    assert "1701••••••••0003" in refused.value.message
    assert Resident.objects.count() == 1


def test_find_or_register_returns_the_existing_resident(village: Village, kades: User) -> None:
    first, created = actions.find_or_register(actor=kades, **person(village))
    again, created_again = actions.find_or_register(
        actor=kades, **person(village, full_name="Lain")
    )
    assert (created, created_again) == (True, False)
    assert again == first
    assert again.full_name == "Siti Aminah"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"national_id": "1701053507900003"}, "residents.invalid_nik"),
        ({"national_id": "170105410790"}, "residents.invalid_nik"),
        ({"national_id": "1701054107900000"}, "residents.invalid_nik"),
        ({"family_card_number": "1701050513100007"}, "residents.invalid_kk"),
        ({"phone": "12345"}, "residents.invalid_phone"),
        ({"full_name": "  "}, "residents.name_missing"),
        ({"sex": "X"}, "residents.invalid_sex"),
        ({"birth_date": dt.date(2999, 1, 1)}, "residents.birth_in_future"),
    ],
)
def test_errors_refuse(village: Village, kades: User, overrides: dict[str, Any], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        actions.register_resident(actor=kades, **person(village, **overrides))
    assert refused.value.code == code
    assert Resident.objects.count() == 0


def test_nik_errors_are_listed_one_by_one(village: Village, kades: User) -> None:
    with pytest.raises(ResidentRefused) as refused:
        actions.register_resident(actor=kades, **person(village, national_id="1701053513900000"))
    assert [i.code for i in refused.value.issues] == ["nik.day", "nik.month", "nik.serial"]


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"national_id": "1799994107900003"}, WARNING_DISTRICT_UNKNOWN),
        ({"birth_date": dt.date(1990, 7, 2)}, WARNING_BIRTH_DATE),
        ({"sex": "L"}, WARNING_SEX),
    ],
)
def test_each_warning_refuses_until_accepted(
    village: Village, kades: User, overrides: dict[str, Any], warning: str
) -> None:
    with pytest.raises(ResidentRefused) as refused:
        actions.register_resident(actor=kades, **person(village, **overrides))
    assert refused.value.code == "residents.unaccepted_warnings"
    assert [w.code for w in refused.value.warnings] == [warning]
    assert refused.value.pending == [warning]
    assert Resident.objects.count() == 0

    resident = actions.register_resident(
        actor=kades, accept_warnings=[warning], **person(village, **overrides)
    )
    assert resident.accepted_warnings == [warning]
    assert AuditEntry.objects.get(action="residents.resident.created").data["warnings"] == [warning]


def test_every_warning_must_be_accepted(village: Village, kades: User) -> None:
    fields = person(village, birth_date=dt.date(1990, 7, 2), sex="L")
    with pytest.raises(ResidentRefused) as refused:
        actions.register_resident(actor=kades, accept_warnings=[WARNING_SEX], **fields)
    assert refused.value.pending == [WARNING_BIRTH_DATE]
    assert [w.code for w in refused.value.warnings] == [WARNING_BIRTH_DATE, WARNING_SEX]


def test_update_resident_records_changed_fields(village: Village, kades: User) -> None:
    resident = actions.register_resident(actor=kades, **person(village))
    fields = person(village, full_name="Siti Aminah Putri", phone="")
    actions.update_resident(resident=resident, actor=kades, **fields)
    resident.refresh_from_db()
    assert resident.full_name == "Siti Aminah Putri"
    assert resident.phone == ""
    entry = AuditEntry.objects.get(action="residents.resident.changed")
    assert entry.data["fields"] == ["full_name", "phone", "phone_consent_at"]
    # Nothing changed: no audit entry.
    actions.update_resident(resident=resident, actor=kades, **fields)
    assert AuditEntry.objects.filter(action="residents.resident.changed").count() == 1


def test_update_keeps_accepted_warnings_until_the_identity_changes(
    village: Village, kades: User
) -> None:
    fields = person(village, birth_date=dt.date(1990, 7, 2))
    resident = actions.register_resident(
        actor=kades, accept_warnings=[WARNING_BIRTH_DATE], **fields
    )
    actions.update_resident(resident=resident, actor=kades, **{**fields, "address": "Jl. Baru"})
    with pytest.raises(ResidentRefused):
        actions.update_resident(
            resident=resident, actor=kades, **{**fields, "birth_date": dt.date(1990, 7, 3)}
        )
    actions.update_resident(
        resident=resident, actor=kades, **{**fields, "birth_date": dt.date(1990, 7, 1)}
    )
    resident.refresh_from_db()
    assert resident.accepted_warnings == []


def test_update_refuses_another_residents_nik(village: Village, kades: User) -> None:
    actions.register_resident(actor=kades, **person(village))
    other = actions.register_resident(
        actor=kades,
        **person(village, national_id="1701051403850001", sex="L", birth_date=dt.date(1985, 3, 14)),
    )
    with pytest.raises(DomainError) as refused:
        actions.update_resident(
            resident=other,
            actor=kades,
            **person(village, national_id=WOMAN, sex="L", birth_date=dt.date(1985, 3, 14)),
            accept_warnings=[WARNING_SEX, WARNING_BIRTH_DATE],
        )
    assert refused.value.code == "residents.duplicate_nik"


def test_nik_view_is_audited(resident: Resident, budi: User) -> None:
    assert actions.record_nik_view(actor=budi, resident=resident, reason="detail") == (
        resident.national_id
    )
    entry = AuditEntry.objects.get(action="residents.nik.viewed")
    assert entry.actor == budi
    assert entry.target_id == str(resident.pk)
    assert resident.national_id not in str(entry.data)


# --- pre-registration ----------------------------------------------------------------


def test_offered_services_are_confirmed_ones_and_those_of_pending_agencies(
    visit: Visit, catalog: Catalog
) -> None:
    offered = set(services_offered_at(visit))
    assert {catalog.ktp, catalog.kk, catalog.stnk} <= offered
    assert catalog.excused not in offered


def test_pre_register_with_services_and_checklist(
    visit: Visit, resident: Resident, kades: User, catalog: Catalog
) -> None:
    registration = actions.pre_register(
        visit=visit,
        resident=resident,
        services=[catalog.ktp, catalog.stnk],
        documents_present={catalog.ktp.pk: [catalog.ktp_reqs[0].pk]},
        actor=kades,
    )
    assert registration.source == Registration.Source.PRE_REGISTRATION
    needs = {n.service: n for n in registration.needs.all()}
    assert set(needs) == {catalog.ktp, catalog.stnk}
    assert list(needs[catalog.ktp].documents_present.all()) == [catalog.ktp_reqs[0]]
    assert list(needs[catalog.stnk].documents_present.all()) == []
    entry = AuditEntry.objects.get(action="residents.registration.created")
    assert entry.data["services"] == ["DUK-KTP", "SAMSAT-STNK"]


def test_registering_again_updates_the_needs(
    visit: Visit, resident: Resident, kades: User, catalog: Catalog
) -> None:
    first = actions.pre_register(
        visit=visit,
        resident=resident,
        services=[catalog.ktp, catalog.stnk],
        documents_present={},
        actor=kades,
    )
    again = actions.pre_register(
        visit=visit,
        resident=resident,
        services=[catalog.ktp, catalog.kk],
        documents_present={catalog.ktp.pk: [r.pk for r in catalog.ktp_reqs]},
        actor=kades,
        source=Registration.Source.IMPORT,
    )
    assert again.pk == first.pk
    assert again.source == Registration.Source.PRE_REGISTRATION
    needs = {n.service: n for n in again.needs.all()}
    assert set(needs) == {catalog.ktp, catalog.kk}
    assert set(needs[catalog.ktp].documents_present.all()) == set(catalog.ktp_reqs)
    assert AuditEntry.objects.filter(action="residents.registration.changed").count() == 1
    # The same answer a third time changes nothing and audits nothing.
    actions.pre_register(
        visit=visit,
        resident=resident,
        services=[catalog.kk, catalog.ktp],
        documents_present={catalog.ktp.pk: [r.pk for r in reversed(catalog.ktp_reqs)]},
        actor=kades,
    )
    assert AuditEntry.objects.filter(action="residents.registration.changed").count() == 1
    assert Registration.objects.count() == 1


def test_service_of_an_excused_agency_is_refused(
    visit: Visit, resident: Resident, kades: User, catalog: Catalog
) -> None:
    with pytest.raises(DomainError) as refused:
        actions.pre_register(
            visit=visit,
            resident=resident,
            services=[catalog.excused],
            documents_present={},
            actor=kades,
        )
    assert refused.value.code == "residents.service_not_offered"
    assert Registration.objects.count() == 0


def test_service_a_confirmed_agency_does_not_bring_is_refused(
    visit: Visit, resident: Resident, kades: User, catalog: Catalog
) -> None:
    from bujian.agencies.tests.factories import ServiceFactory

    akta = ServiceFactory.create(agency=catalog.ktp.agency, code="DUK-AKTA")
    with pytest.raises(DomainError) as refused:
        actions.pre_register(
            visit=visit, resident=resident, services=[akta], documents_present={}, actor=kades
        )
    assert refused.value.code == "residents.service_not_offered"


def test_no_service_is_refused(visit: Visit, resident: Resident, kades: User) -> None:
    with pytest.raises(DomainError) as refused:
        actions.pre_register(
            visit=visit, resident=resident, services=[], documents_present={}, actor=kades
        )
    assert refused.value.code == "residents.no_service"


def test_requirement_of_another_service_is_refused(
    visit: Visit, resident: Resident, kades: User, catalog: Catalog
) -> None:
    with pytest.raises(DomainError) as refused:
        actions.pre_register(
            visit=visit,
            resident=resident,
            services=[catalog.ktp],
            documents_present={catalog.ktp.pk: [catalog.kk_reqs[0].pk]},
            actor=kades,
        )
    assert refused.value.code == "residents.unknown_requirement"
    with pytest.raises(DomainError) as refused:
        actions.pre_register(
            visit=visit,
            resident=resident,
            services=[catalog.ktp],
            documents_present={catalog.kk.pk: [catalog.kk_reqs[0].pk]},
            actor=kades,
        )
    assert refused.value.code == "residents.checklist_without_service"


@pytest.mark.parametrize(
    ("status", "days_from_today"),
    [
        (Visit.Status.DRAFT, 7),
        (Visit.Status.CANCELLED, 7),
        (Visit.Status.FINISHED, -1),
        (Visit.Status.ANNOUNCED, -1),  # announced but its day has passed
    ],
)
def test_closed_visits_take_no_registrations(
    resident: Resident,
    kades: User,
    catalog: Catalog,
    status: str,
    days_from_today: int,
    village: Village,
) -> None:
    day = dt.date.today() + dt.timedelta(days=days_from_today)
    visit = VisitFactory.create(
        regency=village.district.regency,
        village=village,
        start_date=day,
        status=status,
        cancel_reason="Banjir" if status == Visit.Status.CANCELLED else "",
    )
    with pytest.raises(DomainError) as refused:
        actions.pre_register(
            visit=visit,
            resident=resident,
            services=[catalog.ktp],
            documents_present={},
            actor=kades,
        )
    assert refused.value.code == "residents.visit_closed"


def test_remove_registration(
    visit: Visit, resident: Resident, kades: User, catalog: Catalog
) -> None:
    registration = actions.pre_register(
        visit=visit, resident=resident, services=[catalog.ktp], documents_present={}, actor=kades
    )
    actions.remove_registration(registration=registration, actor=kades)
    assert Registration.objects.count() == 0
    entry = AuditEntry.objects.get(action="residents.registration.removed")
    assert entry.data["services"] == ["DUK-KTP"]
    assert entry.data["nik"] == mask_nik(resident.national_id)


def test_registration_with_a_visit_ticket_stays(
    visit: Visit, resident: Resident, kades: User, catalog: Catalog
) -> None:
    registration = actions.pre_register(
        visit=visit, resident=resident, services=[catalog.ktp], documents_present={}, actor=kades
    )
    VisitTicket.objects.create(visit=visit, resident=resident, registration=registration)
    with pytest.raises(DomainError) as refused:
        actions.remove_registration(registration=registration, actor=kades)
    assert refused.value.code == "residents.registration_has_ticket"
    assert Registration.objects.count() == 1
