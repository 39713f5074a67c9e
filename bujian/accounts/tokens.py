"""Bearer tokens for the staff API."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from bujian.accounts.models import ApiToken, User
from bujian.core.audit import record_audit

TOKEN_PREFIX = "bjn_"  # noqa: S105 (a fixed label, not a secret)
# A token's user is remembered this long per process, so a busy booth client costs no
# lookup per request; a revoked token stops working within this time.
_CACHE_SECONDS = 30.0
_cache: dict[str, tuple[float, User]] = {}
_lock = threading.Lock()


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_api_token(*, user: User, name: str, actor: User | None = None) -> str:
    """Make a token for the user and return it; it cannot be shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken.objects.create(
        user=user, name=name, prefix=token[: len(TOKEN_PREFIX) + 4], digest=digest_of(token)
    )
    record_audit(actor=actor, action="accounts.api_token.created", target=api_token)
    return token


@transaction.atomic
def revoke_api_token(*, api_token: ApiToken, actor: User | None) -> None:
    ApiToken.objects.filter(pk=api_token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    with _lock:
        _cache.pop(api_token.digest, None)
    record_audit(actor=actor, action="accounts.api_token.revoked", target=api_token)


def user_for_token(token: str) -> User | None:
    digest = digest_of(token)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(digest)
    if cached is not None and cached[0] > now:
        return cached[1]
    api_token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if api_token is None:
        return None
    with _lock:
        _cache[digest] = (now + _CACHE_SECONDS, api_token.user)
    return api_token.user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
