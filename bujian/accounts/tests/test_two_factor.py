"""Two-factor sign-in (TOTP): required for the roles in BUJIAN_2FA_REQUIRED_ROLES
(program admins and leadership in production), optional for everyone else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD
from bujian.accounts.tokens import create_api_token
from bujian.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required_for_admins(settings: Any) -> None:
    settings.BUJIAN_2FA_REQUIRED_ROLES = ["program_admin", "leadership"]


def log_in(user: User) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{(totp(device.bin_key) + offset) % 1_000_000:06d}"


def test_a_program_admin_must_set_it_up_before_any_page(budi: User) -> None:
    client = log_in(budi)
    response = client.get(reverse("core:staff_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_setup"))

    page = client.get(response["Location"])
    body = page.content.decode()
    assert 'data-testid="otp-qr"' in body and "<svg" in body
    device = TOTPDevice.objects.get(user=budi, confirmed=False)

    wrong = client.post(page.request["PATH_INFO"], {"code": code_for(device, offset=1)})
    assert "Kode salah atau sudah kedaluwarsa" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=budi, confirmed=True).exists()

    # A wrong code holds further tries off for a moment (django-otp's throttling).
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=5)):
        device.refresh_from_db()
        done = client.post(
            reverse("accounts:otp_setup"), {"code": code_for(device), "next": "/staf/"}
        )
        assert done.status_code == 302 and done["Location"] == "/staf/"
        assert client.get(reverse("core:staff_home")).status_code == 200
    assert AuditEntry.objects.filter(action="accounts.2fa.enabled").count() == 1


def test_next_time_the_code_is_asked_after_the_password(budi: User) -> None:
    device = TOTPDevice.objects.create(user=budi, name="authenticator", confirmed=True)
    client = log_in(budi)
    response = client.get("/staf/")
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    bad = client.post(reverse("accounts:otp_verify"), {"code": "12a456", "next": "/staf/"})
    assert "Kode terdiri dari 6 angka." in bad.content.decode()
    good = client.post(reverse("accounts:otp_verify"), {"code": code_for(device), "next": "/staf/"})
    assert good["Location"] == "/staf/"
    assert client.get("/staf/").status_code == 200
    assert AuditEntry.objects.filter(action="accounts.2fa.verified").count() == 1


def test_an_unverified_session_gets_401_from_the_api_but_a_token_works(
    budi: User, siti: User
) -> None:
    client = log_in(budi)
    assert client.get("/api/v1/residents/search?q=1234").status_code == 401
    token = create_api_token(user=budi, name="desk")
    response = Client().get("/api/v1/visits", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_the_next_parameter_cannot_leave_the_site(budi: User) -> None:
    device = TOTPDevice.objects.create(user=budi, name="authenticator", confirmed=True)
    client = log_in(budi)
    response = client.post(
        reverse("accounts:otp_verify"), {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("core:staff_home")


def test_other_roles_may_turn_it_on_and_off(siti: User, budi: User) -> None:
    client = log_in(siti)
    assert client.get("/staf/").status_code == 200  # not required for agency operators
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=siti)
    client.post(reverse("accounts:otp_setup"), {"code": code_for(device)})
    assert TOTPDevice.objects.filter(user=siti, confirmed=True).exists()

    again = log_in(siti)  # now that it is on, it is asked
    assert again.get("/staf/")["Location"].startswith(reverse("accounts:otp_verify"))

    client.post(reverse("accounts:otp_disable"))
    assert not TOTPDevice.objects.filter(user=siti).exists()
    assert AuditEntry.objects.filter(action="accounts.2fa.disabled").count() == 1

    admin = log_in(budi)
    admin_device = TOTPDevice.objects.create(user=budi, name="authenticator", confirmed=True)
    admin.post(reverse("accounts:otp_verify"), {"code": code_for(admin_device)})
    assert admin.post(reverse("accounts:otp_disable")).status_code == 403
    assert TOTPDevice.objects.filter(user=budi).exists()
