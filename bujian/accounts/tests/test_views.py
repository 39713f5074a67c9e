from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_renders(client: Client) -> None:
    assert client.get(reverse("accounts:login")).status_code == 200


def test_login_and_logout(client: Client, budi: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "budi", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:staff_home")
    assert client.get(reverse("core:staff_home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("core:staff_home")).status_code == 302


def test_wrong_password_gets_a_message(client: Client, budi: User) -> None:
    response = client.post(reverse("accounts:login"), {"username": "budi", "password": "salah"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_repeated_failures_lock_the_account(client: Client, budi: User) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "budi", "password": "salah"})
    # Even the right password is refused while locked.
    response = client.post(
        reverse("accounts:login"), {"username": "budi", "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert f"{round(settings.AXES_COOLOFF_TIME * 60)} menit" in response.content.decode()
    assert client.get(reverse("core:staff_home")).status_code == 302


def test_sessions_expire() -> None:
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_passwords_are_hashed_with_argon2_in_production_settings() -> None:
    from bujian import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_village_operator_must_have_a_village(regency: object) -> None:
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        User.objects.create(username="tanpa-desa", role=User.Role.VILLAGE_OPERATOR)
