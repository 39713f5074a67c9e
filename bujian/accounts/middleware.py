"""Two-factor sign-in (TOTP) after the password, for the users who need it.

A signed-in user who has a confirmed authenticator, or whose role is listed in
``BUJIAN_2FA_REQUIRED_ROLES``, gets no page until the session is verified with a code:
they are sent to enter one (or, required but not set up yet, to set it up). API
requests with a bearer token do not use the session and are not affected; the staff API
through a session answers 401 until the session is verified.

The check runs when a view first looks at ``request.user``, not on every request: the
TV board's and the status page's 304 answers never load the session and must stay
free of queries.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django_otp import user_has_device

OPEN_PATHS = ("/static/", "/i18n/", "/favicon.ico")


class SecondFactorRequired(Exception):
    """The session's user must still enter (or set up) a second factor."""

    def __init__(self, *, has_device: bool) -> None:
        super().__init__("second factor required")
        self.has_device = has_device


def needs_second_factor(user: Any) -> bool:
    role = getattr(user, "role", "")
    return role in settings.BUJIAN_2FA_REQUIRED_ROLES or user_has_device(user, confirmed=True)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._open(request.path) and hasattr(request, "user"):
            user = request.user
            request.user = SimpleLazyObject(lambda: self._checked(user))  # type: ignore[assignment]
        return self.get_response(request)

    @staticmethod
    def _checked(user: Any) -> Any:
        if user.is_authenticated and not user.is_verified() and needs_second_factor(user):
            raise SecondFactorRequired(has_device=user_has_device(user, confirmed=True))
        return user

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SecondFactorRequired):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Second factor required."}, status=401)
        target = reverse("accounts:otp_verify" if exception.has_device else "accounts:otp_setup")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _open(path: str) -> bool:
        return path.startswith(OPEN_PATHS) or path in _sign_in_paths()


@functools.cache
def _sign_in_paths() -> frozenset[str]:
    """The pages of signing in and out, reversed once per process (this middleware
    runs on every request, the queue's busiest included)."""
    names = ("logout", "otp_verify", "otp_setup", "login")
    return frozenset(reverse(f"accounts:{name}") for name in names)
