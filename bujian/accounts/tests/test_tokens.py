from __future__ import annotations

import pytest
from django.core.management import call_command

from bujian.accounts.models import ApiToken, User
from bujian.accounts.tokens import create_api_token, revoke_api_token, user_for_token

pytestmark = pytest.mark.django_db


def test_a_token_finds_its_user_and_only_its_digest_is_stored(budi: User) -> None:
    token = create_api_token(user=budi, name="laptop")
    stored = ApiToken.objects.get()
    assert token.startswith("bjn_")
    assert token not in (stored.digest, stored.prefix)
    assert user_for_token(token) == budi
    assert user_for_token(token + "x") is None


def test_a_revoked_token_stops_working(budi: User) -> None:
    token = create_api_token(user=budi, name="laptop")
    revoke_api_token(api_token=ApiToken.objects.get(), actor=budi)
    assert user_for_token(token) is None


def test_an_inactive_user_token_is_refused(budi: User) -> None:
    token = create_api_token(user=budi, name="laptop")
    budi.is_active = False
    budi.save(update_fields=["is_active"])
    assert user_for_token(token) is None


def test_command_prints_a_token(budi: User, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("create_api_token", "budi", "--name", "bench")
    token = capsys.readouterr().out.strip()
    assert user_for_token(token) == budi


def test_revoke_command_by_prefix(budi: User) -> None:
    token = create_api_token(user=budi, name="tablet")
    call_command("revoke_api_token", token[:8])
    assert user_for_token(token) is None
