"""Two-factor sign-in (TOTP) after the password, for the users who need it.

A signed-in user who has a confirmed authenticator, or whose role is listed in
``BUJIAN_2FA_REQUIRED_ROLES``, reaches no page until the session is verified with a
code: they are sent to enter one (or, required but not set up yet, to set it up).
API requests with a bearer token do not use the session and are not affected; the
staff API through a session answers 401 until the session is verified.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django_otp import user_has_device

OPEN_PATHS = ("/static/", "/i18n/", "/favicon.ico")


def needs_second_factor(user: object) -> bool:
    role = getattr(user, "role", "")
    return role in settings.BUJIAN_2FA_REQUIRED_ROLES or user_has_device(user, confirmed=True)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()  # set by OTPMiddleware
            and not self._open(request.path)
            and needs_second_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Second factor required."}, status=401)
            has_device = user_has_device(user, confirmed=True)
            target = reverse("accounts:otp_verify" if has_device else "accounts:otp_setup")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        if path.startswith(OPEN_PATHS):
            return True
        return path in {
            reverse("accounts:logout"),
            reverse("accounts:otp_verify"),
            reverse("accounts:otp_setup"),
            reverse("accounts:login"),
        }
