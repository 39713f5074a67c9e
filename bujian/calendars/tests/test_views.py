from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.calendars.models import DayOff
from bujian.conftest import client_for
from bujian.core.models import AuditEntry
from bujian.regions.models import Regency
from bujian.regions.tests.factories import RegencyFactory

pytestmark = pytest.mark.django_db


def test_the_year_lists_national_holidays_and_entries(budi: User, regency: Regency) -> None:
    DayOff.objects.create(
        regency=regency,
        date=dt.date(2026, 11, 11),
        kind=DayOff.Kind.REGENCY_EVENT,
        name="Musrenbang",
    )
    response = client_for(budi).get("/kalender/?tahun=2026")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Hari Kemerdekaan Republik Indonesia" in body
    assert "Musrenbang" in body
    assert "Senin, 17 Agustus 2026" in body


def test_an_admin_adds_a_cuti_bersama(budi: User, regency: Regency) -> None:
    response = client_for(budi).post(
        "/kalender/",
        {"date": "2027-03-12", "kind": "cuti_bersama", "name": "Cuti bersama Nyepi"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/kalender/?tahun=2027"
    day = DayOff.objects.get()
    assert (day.regency, day.date, day.created_by) == (regency, dt.date(2027, 3, 12), budi)
    assert AuditEntry.objects.filter(action="calendars.day_off.added").count() == 1


def test_a_duplicate_entry_is_refused_in_indonesian(budi: User, regency: Regency) -> None:
    data = {"date": "2027-03-12", "kind": "regency_event", "name": "Hari jadi"}
    client_for(budi).post("/kalender/", data)
    response = client_for(budi).post("/kalender/", data)
    assert response.status_code == 200
    assert "12-03-2027 sudah memiliki catatan jenis ini." in response.content.decode()
    assert DayOff.objects.count() == 1


def test_only_collective_leave_applies_to_every_regency(budi: User) -> None:
    response = client_for(budi).post(
        "/kalender/",
        {
            "date": "2027-03-12",
            "kind": "leader_blocked",
            "name": "Dinas luar",
            "all_regencies": "on",
        },
    )
    assert response.status_code == 200
    assert "Hanya cuti bersama" in response.content.decode()
    assert not DayOff.objects.exists()


def test_a_bad_date_gets_a_message(budi: User) -> None:
    response = client_for(budi).post(
        "/kalender/", {"date": "31-02-2027", "kind": "cuti_bersama", "name": "x"}
    )
    assert response.status_code == 200
    assert "Masukkan tanggal yang valid." in response.content.decode()


def test_others_read_but_may_not_change(bupati: User, siti: User) -> None:
    assert client_for(bupati).get("/kalender/").status_code == 200
    data = {"date": "2027-03-12", "kind": "cuti_bersama", "name": "Cuti"}
    assert client_for(bupati).post("/kalender/", data).status_code == 403
    assert client_for(siti).post("/kalender/", data).status_code == 403
    assert not DayOff.objects.exists()


def test_removal_is_scoped_to_the_regency(budi: User, regency: Regency) -> None:
    other = RegencyFactory.create(code="18.02", name="Kabupaten Lampung Tengah")
    theirs = DayOff.objects.create(
        regency=other, date=dt.date(2026, 11, 11), kind=DayOff.Kind.REGENCY_EVENT, name="Theirs"
    )
    ours = DayOff.objects.create(
        regency=regency, date=dt.date(2026, 11, 11), kind=DayOff.Kind.REGENCY_EVENT, name="Ours"
    )
    client = client_for(budi)
    assert client.post(f"/kalender/{theirs.pk}/hapus/").status_code == 404
    response = client.post(f"/kalender/{ours.pk}/hapus/")
    assert response.status_code == 302
    assert list(DayOff.objects.all()) == [theirs]
    lampung_admin = UserFactory.create(role=User.Role.PROGRAM_ADMIN, regency=other)
    assert client_for(lampung_admin).post(f"/kalender/{theirs.pk}/hapus/").status_code == 302
    assert not DayOff.objects.exists()


def test_the_api_lists_a_year(client: Client, regency: Regency) -> None:
    DayOff.objects.create(
        regency=regency,
        date=dt.date(2026, 11, 11),
        kind=DayOff.Kind.REGENCY_EVENT,
        name="Musrenbang",
    )
    response = client.get("/api/v1/calendar/days-off", {"regency": "17.01", "year": "2026"})
    assert response.status_code == 200
    days = {row["date"]: row for row in response.json()}
    assert days["2026-11-11"] == {"date": "2026-11-11", "name": "Musrenbang", "working_day": True}
    assert days["2026-12-24"]["working_day"] is False
    assert (
        client.get("/api/v1/calendar/days-off", {"regency": "99.99", "year": "2026"}).status_code
        == 404
    )
    assert (
        client.get("/api/v1/calendar/days-off", {"regency": "17.01", "year": "1900"}).status_code
        == 422
    )
