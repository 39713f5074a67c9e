from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.conftest import client_for
from bujian.core.templatetags.bujian import format_rupiah, long_date
from bujian.regions.models import Regency, Village
from bujian.visits import actions
from bujian.visits.models import Participation

pytestmark = pytest.mark.django_db


def test_rupiah_is_written_the_indonesian_way() -> None:
    assert format_rupiah(80000) == "Rp80.000"
    assert format_rupiah(1250000) == "Rp1.250.000"
    assert format_rupiah(0) == "Rp0"


def test_long_date_is_indonesian() -> None:
    assert long_date(dt.date(2027, 6, 10)) == "Kamis, 10 Juni 2027"


def test_about_page(client: Client) -> None:
    response = client.get(reverse("core:about"))
    assert response.status_code == 200
    assert "cahya dsn" in response.content.decode()


@pytest.mark.parametrize("name", ["budi", "bupati", "siti", "kades"])
def test_every_role_has_a_dashboard(request: pytest.FixtureRequest, name: str) -> None:
    user = request.getfixturevalue(name)
    assert client_for(user).get(reverse("core:staff_home")).status_code == 200


def test_agency_operator_dashboard_lists_their_invitations(
    siti: User, budi: User, regency: Regency, village: Village, disdukcapil: Agency
) -> None:
    today = actions.local_today(regency)
    visit = actions.plan_visit(
        regency=regency,
        village=village,
        start_date=today + dt.timedelta(days=7),
        end_date=today + dt.timedelta(days=7),
        created_by=budi,
    )
    response = client_for(siti).get(reverse("core:staff_home"))
    parts = response.context["my_participations"]
    assert [p.visit for p in parts] == [visit]


def test_dashboard_shows_agencies_absent_at_the_last_visit(
    budi: User, regency: Regency, village: Village, disdukcapil: Agency
) -> None:
    day = dt.date(2026, 10, 1)
    visit = actions.plan_visit(
        regency=regency,
        village=village,
        start_date=day,
        end_date=day,
        created_by=budi,
        allow_past=True,
    )
    actions.announce_visit(visit=visit, actor=budi)
    actions.finish_visit(visit=visit, actor=budi)
    assert Participation.objects.get(visit=visit).attendance == Participation.Attendance.ABSENT
    response = client_for(budi).get(reverse("core:staff_home"))
    assert [p.agency for p in response.context["absent_last"]] == [disdukcapil]


def test_the_privacy_notice_names_the_officer_and_the_retention(
    client: Client, settings: Any
) -> None:
    settings.BUJIAN_DPO_NAME = "Ibu Rina, PPDP Diskominfo"
    settings.BUJIAN_DPO_EMAIL = "ppdp@bengkuluselatankab.go.id"
    settings.BUJIAN_RETENTION_REGISTRATION_DAYS = 365
    response = client.get("/privasi/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ibu Rina, PPDP Diskominfo" in body
    assert "mailto:ppdp@bengkuluselatankab.go.id" in body
    assert "365 hari setelah kunjungan" in body
    assert "UU 27/2022" in body or "Nomor 27 Tahun 2022" in body
    assert 'href="/privasi/"' in client.get("/tentang/").content.decode()


def test_every_page_carries_the_security_headers(client: Client) -> None:
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert "camera=()" in response["Permissions-Policy"]
