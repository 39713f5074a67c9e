"""The WSGI handler: Django's, with a shorter middleware chain for staff API calls made
with a bearer token and no cookie (the booth devices, the desks' scripts, the bench).

Such a call cannot use a session: the token names the user (``accounts.tokens``),
and without a cookie there is no session to load, no CSRF cookie to check or renew,
no flash messages and no sign-in to lock out or verify with a second factor. The
middleware for those (``SESSION_MIDDLEWARE``) would only add their work to every
call; the rest of ``settings.MIDDLEWARE`` runs as for any request: security headers,
the audit trail's client address, the language of the answer, the common checks.
``request.user`` starts as the anonymous user (what the session middleware gives a
request without a session), so a bad token is refused exactly as before (the
refusal says ``Vary: Cookie``, as the whole chain's does after looking for a session).
Any call with a cookie, and every page, takes the whole chain.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"  # bujian/urls.py mounts the API at api/v1/
SESSION_MIDDLEWARE = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",  # static files only
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "bujian.accounts.middleware.TwoFactorMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "axes.middleware.AxesMiddleware",  # lockouts after failed sign-ins
    }
)


def is_token_api_call(request: HttpRequest) -> bool:
    meta = request.META
    return (
        request.path_info.startswith(API_PREFIX)
        and meta.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
        and not meta.get("HTTP_COOKIE")
    )


class _TokenApiHandler(WSGIHandler):
    """``settings.MIDDLEWARE`` without ``SESSION_MIDDLEWARE``, built by Django's own
    ``load_middleware`` (which reads the setting) once, when the server starts."""

    def load_middleware(self, is_async: bool = False) -> None:
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = [path for path in full if path not in SESSION_MIDDLEWARE]
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class BujianWSGIHandler(WSGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.token_api = _TokenApiHandler()

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        if is_token_api_call(request):
            request.user = AnonymousUser()
            response = self.token_api.get_response(request)
            if not request.user.is_authenticated:  # the token was refused
                patch_vary_headers(response, ("Cookie",))
            return response
        return super().get_response(request)
