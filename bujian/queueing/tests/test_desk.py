"""The registration desk, the booth setup page and the printed ticket."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.agencies.models import Agency, Service
from bujian.agencies.tests.factories import AgencyFactory, ServiceFactory
from bujian.conftest import client_for
from bujian.core.errors import DomainError
from bujian.core.models import AuditEntry
from bujian.queueing import actions
from bujian.queueing.models import Ticket, VisitTicket
from bujian.queueing.views_desk import qr_svg
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import RegencyFactory
from bujian.residents.actions import pre_register, register_resident
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import make_nik
from bujian.visits import actions as visit_actions
from bujian.visits.models import Booth, Visit

WIB = dt.timezone(dt.timedelta(hours=7))
VISIT_DAY = dt.date(2026, 12, 10)
NOW = dt.datetime(2026, 12, 10, 9, 0, tzinfo=WIB)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[object]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class VisitDay:
    """An ongoing visit with Disdukcapil (booth A) and Samsat (booth B) open."""

    visit: Visit
    ktp: Service
    stnk: Service


def make_visit_day(
    *, regency: Regency, village: Village, budi: User, disdukcapil: Agency, samsat: Agency
) -> VisitDay:
    ktp = ServiceFactory.create(agency=disdukcapil, code="DUK-KTP", name="Pencetakan KTP-el")
    stnk = ServiceFactory.create(agency=samsat, code="SAM-STNK", name="Pengesahan STNK")
    visit = visit_actions.plan_visit(
        regency=regency, village=village, start_date=VISIT_DAY, end_date=VISIT_DAY, created_by=budi
    )
    visit_actions.invite_agency(visit=visit, agency=samsat, actor=budi)
    visit_actions.announce_visit(visit=visit, actor=budi)
    for agency in (disdukcapil, samsat):
        visit_actions.check_in(visit=visit, agency=agency, actor=budi)
        actions.open_booth(participation=visit.participations.get(agency=agency), actor=budi)
    visit.refresh_from_db()
    return VisitDay(visit=visit, ktp=ktp, stnk=stnk)


def make_resident(village: Village, name: str, serial: int, *, sex: str = "L") -> Resident:
    birth = dt.date(1990, 7, 1)
    return register_resident(
        national_id=make_nik(village.district.code, birth, sex, serial),
        family_card_number="",
        full_name=name,
        sex=sex,
        birth_date=birth,
        birth_place="Manna",
        village=village,
        hamlet="",
        rt="",
        rw="",
        address="",
        phone="",
        actor=None,
    )


@pytest.fixture
def day(
    regency: Regency, village: Village, budi: User, disdukcapil: Agency, samsat: Agency
) -> VisitDay:
    return make_visit_day(
        regency=regency, village=village, budi=budi, disdukcapil=disdukcapil, samsat=samsat
    )


def walk_in_data(village: Village, **changes: str) -> dict[str, str]:
    data = {
        "national_id": make_nik(village.district.code, dt.date(1985, 3, 14), "P", 21),
        "full_name": "Rahmawati Putri",
        "sex": "P",
        "birth_date": "1985-03-14",
        "birth_place": "Manna",
        "family_card_number": "",
        "village": str(village.pk),
        "hamlet": "Dusun II",
        "rt": "002",
        "rw": "001",
        "address": "Jl. Raya Padang Kapuk",
        "phone": "0812-3456-7890",
        "phone_consent": "on",
    }
    data.update(changes)
    return data


def in_english(client: Client) -> Client:
    """Assert on the English messages, whatever the Indonesian catalog says."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def labels(visit_ticket: VisitTicket) -> list[str]:
    return sorted(t.label for t in visit_ticket.tickets.select_related("booth"))


# --- the desk: issue ------------------------------------------------------------------


def test_walk_in_with_two_services_gets_a_number_at_each_booth(
    day: VisitDay, siti: User, village: Village
) -> None:
    client = client_for(siti)
    response = client.post(
        reverse("queueing:desk_walk_in", args=[day.visit.pk]), walk_in_data(village)
    )
    resident = Resident.objects.get(full_name="Rahmawati Putri")
    assert resident.phone == "+6281234567890"
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "queueing:desk_resident", args=[day.visit.pk, resident.uuid]
    )

    response = client.post(response["Location"], {"services": [day.ktp.pk, day.stnk.pk]})

    visit_ticket = VisitTicket.objects.get(resident=resident, visit=day.visit)
    assert response.status_code == 302
    assert response["Location"] == reverse("queueing:desk_ticket", args=[visit_ticket.uuid])
    assert labels(visit_ticket) == ["A-001", "B-001"]  # numbers are per booth, from 1
    registration = Registration.objects.get(visit=day.visit, resident=resident)
    assert registration.source == Registration.Source.WALK_IN
    assert visit_ticket.registration == registration
    assert set(registration.needs.values_list("service_id", flat=True)) == {
        day.ktp.pk,
        day.stnk.pk,
    }
    page = client.get(response["Location"]).content.decode()
    assert "A-001" in page and "B-001" in page
    assert resident.national_id not in page  # masked on the desk too


def test_numbers_count_per_booth(day: VisitDay, siti: User, village: Village) -> None:
    client = client_for(siti)
    first = make_resident(village, "Ahmad Fauzi", 31)
    second = make_resident(village, "Budiman", 32)
    third = make_resident(village, "Cahya", 33)
    for resident, services in [
        (first, [day.ktp.pk]),
        (second, [day.ktp.pk, day.stnk.pk]),
        (third, [day.stnk.pk]),
    ]:
        client.post(
            reverse("queueing:desk_resident", args=[day.visit.pk, resident.uuid]),
            {"services": services},
        )
    assert labels(VisitTicket.objects.get(resident=first)) == ["A-001"]
    assert labels(VisitTicket.objects.get(resident=second)) == ["A-002", "B-001"]
    assert labels(VisitTicket.objects.get(resident=third)) == ["B-002"]


def test_second_issue_for_the_same_resident_issues_nothing(
    day: VisitDay, siti: User, village: Village
) -> None:
    client = in_english(client_for(siti))
    resident = make_resident(village, "Ahmad Fauzi", 31)
    url = reverse("queueing:desk_resident", args=[day.visit.pk, resident.uuid])
    first = client.post(url, {"services": [day.ktp.pk, day.stnk.pk]})
    again = client.post(url, {"services": [day.ktp.pk, day.stnk.pk]})  # a double click

    assert Ticket.objects.count() == 2
    assert VisitTicket.objects.count() == 1
    assert again.status_code == 302
    assert again["Location"] == first["Location"]
    notes = [m.message for m in client.get(again["Location"]).context["messages"]]
    assert any("already in the queue" in note for note in notes)


def test_adding_a_booth_later_keeps_the_first_number(
    day: VisitDay, siti: User, village: Village
) -> None:
    client = client_for(siti)
    resident = make_resident(village, "Ahmad Fauzi", 31)
    url = reverse("queueing:desk_resident", args=[day.visit.pk, resident.uuid])
    client.post(url, {"services": [day.ktp.pk]})
    client.post(url, {"services": [day.stnk.pk]})
    assert labels(VisitTicket.objects.get(resident=resident)) == ["A-001", "B-001"]


def test_pre_registered_needs_are_ticked_and_the_qr_opens_them(
    day: VisitDay, siti: User, kades: User, village: Village
) -> None:
    resident = make_resident(village, "Ahmad Fauzi", 31)
    registration = pre_register(
        visit=day.visit, resident=resident, services=[day.stnk], documents_present={}, actor=kades
    )
    client = client_for(siti)
    scanned = client.get(
        reverse("queueing:desk_code", args=[day.visit.pk]),
        {"kode": f"https://bujian.example/warga/daftar/{registration.uuid}/"},
    )
    assert scanned.status_code == 302
    assert scanned["Location"] == reverse(
        "queueing:desk_resident", args=[day.visit.pk, resident.uuid]
    )
    page = client.get(scanned["Location"]).content.decode()
    assert re.search(rf'value="{day.stnk.pk}" checked', page)
    assert not re.search(rf'value="{day.ktp.pk}" checked', page)

    client.post(scanned["Location"], {"services": [day.stnk.pk]})
    visit_ticket = VisitTicket.objects.get(resident=resident)
    assert visit_ticket.registration == registration
    assert (
        Registration.objects.get(pk=registration.pk).source == Registration.Source.PRE_REGISTRATION
    )


def test_a_code_scanned_into_the_search_box_opens_the_registration(
    day: VisitDay, siti: User, kades: User, village: Village
) -> None:
    resident = make_resident(village, "Ahmad Fauzi", 31)
    registration = pre_register(
        visit=day.visit, resident=resident, services=[day.ktp], documents_present={}, actor=kades
    )
    response = client_for(siti).post(
        reverse("queueing:desk", args=[day.visit.pk]), {"q": str(registration.uuid)}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "queueing:desk_resident", args=[day.visit.pk, resident.uuid]
    )


def test_unknown_code_returns_to_the_desk_with_a_message(day: VisitDay, siti: User) -> None:
    client = client_for(siti)
    response = client.get(
        reverse("queueing:desk_code", args=[day.visit.pk]),
        {"kode": "0b7c1f1e-1d7c-4a55-9d0b-2f9c6bb3d1a1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("queueing:desk", args=[day.visit.pk])
    assert len(list(response.context["messages"])) == 1


def test_search_shows_the_nik_masked(day: VisitDay, siti: User, village: Village) -> None:
    resident = make_resident(village, "Ahmad Fauzi", 31)
    response = client_for(siti).post(
        reverse("queueing:desk", args=[day.visit.pk]),
        {"q": resident.national_id},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ahmad Fauzi" in body
    assert resident.national_id not in body
    assert resident.national_id[:4] + "••••••••" + resident.national_id[-4:] in body
    assert "<html" not in body  # the htmx fragment only


def test_nik_warning_must_be_accepted(day: VisitDay, siti: User, village: Village) -> None:
    client = client_for(siti)
    url = reverse("queueing:desk_walk_in", args=[day.visit.pk])
    # The NIK says 14-03-85, the record says 15-03-1985: a warning, not an error.
    data = walk_in_data(village, birth_date="1985-03-15")
    response = client.post(url, data)
    assert response.status_code == 200
    assert not Resident.objects.exists()
    assert b"nik.birth_date_mismatch" in response.content

    response = client.post(url, {**data, "accept_warnings": ["nik.birth_date_mismatch"]})
    assert response.status_code == 302
    assert Resident.objects.get().accepted_warnings == ["nik.birth_date_mismatch"]


def test_invalid_nik_is_refused_with_the_digits_named(
    day: VisitDay, siti: User, village: Village
) -> None:
    response = client_for(siti).post(
        reverse("queueing:desk_walk_in", args=[day.visit.pk]),
        walk_in_data(village, national_id="1701053513850021"),
    )
    assert response.status_code == 200
    assert "7–8" in response.content.decode()
    assert not Resident.objects.exists()


def test_walk_in_with_a_known_nik_opens_that_resident(
    day: VisitDay, siti: User, village: Village
) -> None:
    existing = make_resident(village, "Rahmawati", 21, sex="P")
    data = walk_in_data(
        village, national_id=existing.national_id, birth_date=existing.birth_date.isoformat()
    )
    response = client_for(siti).post(reverse("queueing:desk_walk_in", args=[day.visit.pk]), data)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "queueing:desk_resident", args=[day.visit.pk, existing.uuid]
    )
    assert Resident.objects.count() == 1


def test_issue_on_a_day_outside_the_visit_shows_the_reason(
    day: VisitDay, siti: User, village: Village
) -> None:
    resident = make_resident(village, "Ahmad Fauzi", 31)
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        response = in_english(client_for(siti)).post(
            reverse("queueing:desk_resident", args=[day.visit.pk, resident.uuid]),
            {"services": [day.ktp.pk]},
        )
    assert response.status_code == 200
    assert "only on the days" in response.content.decode()
    assert not Ticket.objects.exists()


# --- scoping -----------------------------------------------------------------------------


def test_operator_of_an_absent_agency_may_not_use_the_desk(
    regency: Regency, village: Village, budi: User, disdukcapil: Agency, samsat: Agency, andi: User
) -> None:
    ktp = ServiceFactory.create(agency=disdukcapil, code="DUK-KTP")
    visit = visit_actions.plan_visit(
        regency=regency, village=village, start_date=VISIT_DAY, end_date=VISIT_DAY, created_by=budi
    )
    visit_actions.invite_agency(visit=visit, agency=samsat, actor=budi)
    visit_actions.announce_visit(visit=visit, actor=budi)
    visit_actions.check_in(visit=visit, agency=disdukcapil, actor=budi)
    actions.open_booth(participation=visit.participations.get(agency=disdukcapil), actor=budi)
    resident = make_resident(village, "Ahmad Fauzi", 31)

    client = client_for(andi)  # Samsat is invited but has not come
    assert client.get(reverse("queueing:desk", args=[visit.pk])).status_code == 403
    response = client.post(
        reverse("queueing:desk_resident", args=[visit.pk, resident.uuid]), {"services": [ktp.pk]}
    )
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_staff_of_another_regency_get_404(day: VisitDay, village: Village) -> None:
    other = RegencyFactory.create(code="18.02", name="Kabupaten Lampung Tengah")
    samsat_lampung = AgencyFactory.create(code="samsat-lteng", regencies=[other])
    operator = UserFactory.create(
        username="operator-lteng",
        role=User.Role.AGENCY_OPERATOR,
        regency=other,
        agencies=[samsat_lampung],
    )
    admin = UserFactory.create(
        username="bappeda-lteng", role=User.Role.PROGRAM_ADMIN, regency=other
    )
    resident = make_resident(village, "Ahmad Fauzi", 31)
    for user in (operator, admin):
        client = client_for(user)
        assert client.get(reverse("queueing:desk", args=[day.visit.pk])).status_code == 404
        response = client.post(
            reverse("queueing:desk_resident", args=[day.visit.pk, resident.uuid]),
            {"services": [day.ktp.pk]},
        )
        assert response.status_code == 404
    assert not Ticket.objects.exists()


def test_leadership_and_village_operators_cannot_issue(
    day: VisitDay, bupati: User, kades: User, village: Village
) -> None:
    resident = make_resident(village, "Ahmad Fauzi", 31)
    for user in (bupati, kades):
        client = client_for(user)
        assert client.get(reverse("queueing:desk", args=[day.visit.pk])).status_code == 403
        response = client.post(
            reverse("queueing:desk_resident", args=[day.visit.pk, resident.uuid]),
            {"services": [day.ktp.pk]},
        )
        assert response.status_code == 403
        assert (
            client.post(
                reverse("queueing:desk_walk_in", args=[day.visit.pk]), walk_in_data(village)
            ).status_code
            == 403
        )
    assert not Ticket.objects.exists()
    assert Resident.objects.count() == 1


def test_program_admin_can_use_the_desk(day: VisitDay, budi: User, village: Village) -> None:
    resident = make_resident(village, "Ahmad Fauzi", 31)
    response = client_for(budi).post(
        reverse("queueing:desk_resident", args=[day.visit.pk, resident.uuid]),
        {"services": [day.ktp.pk]},
    )
    assert response.status_code == 302
    assert labels(VisitTicket.objects.get()) == ["A-001"]


def test_anonymous_visitors_are_sent_to_login(day: VisitDay) -> None:
    response = Client().get(reverse("queueing:desk", args=[day.visit.pk]))
    assert response.status_code == 302
    assert "/akun/masuk/" in response["Location"]


# --- booth setup -------------------------------------------------------------------------


def test_program_admin_opens_a_booth_for_every_present_agency(
    regency: Regency, village: Village, budi: User, disdukcapil: Agency, samsat: Agency
) -> None:
    bpjs = AgencyFactory.create(
        code="bpjs", short_name="BPJS", kind=Agency.Kind.VERTICAL, regencies=[regency]
    )
    visit = visit_actions.plan_visit(
        regency=regency, village=village, start_date=VISIT_DAY, end_date=VISIT_DAY, created_by=budi
    )
    for agency in (samsat, bpjs):
        visit_actions.invite_agency(visit=visit, agency=agency, actor=budi)
    visit_actions.announce_visit(visit=visit, actor=budi)
    for agency in (disdukcapil, samsat):
        visit_actions.check_in(visit=visit, agency=agency, actor=budi)
    client = client_for(budi)

    page = client.get(reverse("queueing:booth_setup", args=[visit.pk]))
    assert page.status_code == 200
    response = client.post(reverse("queueing:booth_open_all", args=[visit.pk]))
    assert response.status_code == 302
    opened = {b.participation.agency.code: b.prefix for b in visit.booths.all()}
    assert opened == {"disdukcapil": "A", "samsat": "B"}  # BPJS has not come
    client.post(reverse("queueing:booth_open_all", args=[visit.pk]))
    assert visit.booths.count() == 2  # pressing again opens nothing more

    client.post(
        reverse("queueing:booth_open", args=[visit.pk]),
        {"participation": visit.participations.get(agency=bpjs).pk},
    )
    assert visit.booths.get(participation__agency=bpjs).prefix == "C"
    assert AuditEntry.objects.filter(action="queueing.booth.opened").count() == 3


def test_only_program_admins_set_up_booths(day: VisitDay, siti: User, bupati: User) -> None:
    for user in (siti, bupati):
        client = client_for(user)
        assert client.get(reverse("queueing:booth_setup", args=[day.visit.pk])).status_code == 403
        assert (
            client.post(reverse("queueing:booth_open_all", args=[day.visit.pk])).status_code == 403
        )


# --- the printed ticket -----------------------------------------------------------------


@pytest.mark.parametrize(("width", "page_width"), [("58", "58mm"), ("80", "80mm")])
def test_printed_ticket_has_both_numbers_and_the_qr(
    day: VisitDay, siti: User, village: Village, width: str, page_width: str
) -> None:
    resident = make_resident(village, "Ahmad Fauzi Rahman", 31)
    visit_ticket = actions.issue_visit_ticket(
        visit=day.visit, resident=resident, services=[day.ktp, day.stnk], issued_by=siti
    )
    response = client_for(siti).get(
        reverse("queueing:ticket_print", args=[visit_ticket.uuid]), {"lebar": width}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"size: {page_width} " in body
    assert 'data-label="A-001"' in body and 'data-label="B-001"' in body
    assert "Disdukcapil" in body and "Samsat" in body
    status_url = "http://testserver" + reverse("queueing:status", args=[visit_ticket.uuid])
    assert str(qr_svg(status_url)) in body  # the QR opens the public status page
    assert '<svg viewBox="0 0' in body
    assert "Ahmad" in body and "Rahman" not in body  # first name only
    assert resident.national_id not in body
    assert resident.national_id[-4:] in body  # the masked NIK
    assert "http" not in body.split("<body>")[0].replace(status_url, "")  # no outside asset


def test_printed_ticket_is_for_desk_staff_only(
    day: VisitDay, siti: User, bupati: User, village: Village
) -> None:
    resident = make_resident(village, "Ahmad Fauzi", 31)
    visit_ticket = actions.issue_visit_ticket(
        visit=day.visit, resident=resident, services=[day.ktp], issued_by=siti
    )
    url = reverse("queueing:ticket_print", args=[visit_ticket.uuid])
    assert client_for(bupati).get(url).status_code == 403
    assert Client().get(url).status_code == 302


# --- booth changes and cancelled numbers ------------------------------------------------


def _booth(day: VisitDay, prefix: str) -> Booth:
    return Booth.objects.get(visit=day.visit, prefix=prefix)


def test_admin_renames_a_booth_and_puts_it_in_a_zone(day: VisitDay, budi: User) -> None:
    booth = _booth(day, "A")
    response = client_for(budi).post(
        reverse("queueing:booth_edit", args=[day.visit.pk, booth.pk]),
        {"name": "Loket KTP", "zone": "Teras", "is_open": "on"},
    )
    assert response.status_code == 302
    booth.refresh_from_db()
    assert (booth.name, booth.zone, booth.is_open) == ("Loket KTP", "Teras", True)
    entry = AuditEntry.objects.get(action="queueing.booth.updated")
    assert entry.data == {"name": ["Loket Disdukcapil", "Loket KTP"], "zone": ["", "Teras"]}
    page = client_for(budi).get(reverse("queueing:booth_setup", args=[day.visit.pk]))
    assert "Loket KTP · Teras" in page.content.decode()


def test_a_closed_booth_gives_no_numbers_and_says_who_still_waits(
    day: VisitDay, budi: User, siti: User, village: Village
) -> None:
    resident = make_resident(village, "Ahmad Fauzi", 31)
    actions.issue_visit_ticket(
        visit=day.visit, resident=resident, services=[day.ktp], issued_by=siti
    )
    booth = _booth(day, "A")
    response = in_english(client_for(budi)).post(
        reverse("queueing:booth_edit", args=[day.visit.pk, booth.pk]),
        {"name": booth.name, "zone": ""},
        follow=True,
    )
    body = response.content.decode()
    assert "Loket Disdukcapil is closed: it gives no new numbers." in body
    assert "1 resident still waits there" in body
    booth.refresh_from_db()
    assert not booth.is_open
    other = make_resident(village, "Siti Aminah", 32, sex="P")
    with pytest.raises(DomainError) as refused:
        actions.issue_visit_ticket(
            visit=day.visit, resident=other, services=[day.ktp], issued_by=siti
        )
    assert refused.value.code == "queueing.no_booth"
    # Reopened, it numbers on from where it stopped.
    actions.update_booth(booth=booth, actor=budi, name=booth.name, zone="", is_open=True)
    ticket = actions.issue_visit_ticket(
        visit=day.visit, resident=other, services=[day.ktp], issued_by=siti
    )
    assert [t.label for t in ticket.tickets.all()] == ["A-002"]


def test_a_booth_serving_someone_cannot_close(
    day: VisitDay, budi: User, siti: User, village: Village
) -> None:
    resident = make_resident(village, "Ahmad Fauzi", 31)
    actions.issue_visit_ticket(
        visit=day.visit, resident=resident, services=[day.ktp], issued_by=siti
    )
    booth = _booth(day, "A")
    called = actions.call_next(booth=booth, actor=siti)
    assert called is not None
    response = client_for(budi).post(
        reverse("queueing:booth_edit", args=[day.visit.pk, booth.pk]),
        {"name": booth.name, "zone": ""},
        follow=True,
    )
    assert "sedang melayani A-001" in response.content.decode()
    booth.refresh_from_db()
    assert booth.is_open


def test_a_booth_needs_a_name_and_only_admins_edit(
    day: VisitDay, budi: User, siti: User, bupati: User
) -> None:
    booth = _booth(day, "A")
    url = reverse("queueing:booth_edit", args=[day.visit.pk, booth.pk])
    response = client_for(budi).post(url, {"name": "  ", "is_open": "on"}, follow=True)
    assert "Beri nama loket." in response.content.decode()
    for user in (siti, bupati):
        assert client_for(user).post(url, {"name": "X", "is_open": "on"}).status_code == 403
    booth.refresh_from_db()
    assert booth.name == "Loket Disdukcapil"
    other_visit_booth = reverse("queueing:booth_edit", args=[day.visit.pk, 999999])
    assert client_for(budi).post(other_visit_booth, {"name": "X"}).status_code == 404


def test_the_desk_cancels_a_waiting_number(day: VisitDay, siti: User, village: Village) -> None:
    resident = make_resident(village, "Ahmad Fauzi", 31)
    visit_ticket = actions.issue_visit_ticket(
        visit=day.visit, resident=resident, services=[day.ktp, day.stnk], issued_by=siti
    )
    samsat = visit_ticket.tickets.get(booth__prefix="B")
    client = client_for(siti)
    page = client.get(reverse("queueing:desk_ticket", args=[visit_ticket.uuid])).content.decode()
    assert 'data-testid="cancel-B-001"' in page
    response = client.post(
        reverse("queueing:desk_ticket_cancel", args=[visit_ticket.uuid, samsat.pk]), follow=True
    )
    assert "Nomor B-001 dibatalkan." in response.content.decode()
    samsat.refresh_from_db()
    assert samsat.status == Ticket.Status.CANCELLED
    assert samsat.finished_at is not None
    assert AuditEntry.objects.filter(action="queueing.ticket.cancelled").count() == 1
    # Samsat's booth no longer sees them.
    assert actions.call_next(booth=_booth(day, "B"), actor=siti) is None


def test_a_called_number_cannot_be_cancelled_at_the_desk(
    day: VisitDay, siti: User, village: Village
) -> None:
    resident = make_resident(village, "Ahmad Fauzi", 31)
    visit_ticket = actions.issue_visit_ticket(
        visit=day.visit, resident=resident, services=[day.ktp], issued_by=siti
    )
    called = actions.call_next(booth=_booth(day, "A"), actor=siti)
    assert called is not None
    response = client_for(siti).post(
        reverse("queueing:desk_ticket_cancel", args=[visit_ticket.uuid, called.pk]), follow=True
    )
    assert "tidak dapat dilakukan sekarang" in response.content.decode()
    called.refresh_from_db()
    assert called.status == Ticket.Status.CALLED
    missing = reverse("queueing:desk_ticket_cancel", args=[visit_ticket.uuid, 999999])
    assert client_for(siti).post(missing).status_code == 404
