"""Settings for a public server behind HTTPS: ``DJANGO_SETTINGS_MODULE=bujian.settings_production``.

Everything still comes from environment variables; this module only turns on what a
server on the internet must have, and refuses to start without a real secret key.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from bujian.settings import *  # noqa: F403
from bujian.settings import _INSECURE_DEV_KEY, env_bool, env_int, env_list

if DEBUG:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
if not os.environ.get("DJANGO_SECRET_KEY") or SECRET_KEY == _INSECURE_DEV_KEY:  # noqa: F405
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (at least 50 random characters).")

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
BUJIAN_2FA_REQUIRED_ROLES = env_list(
    "BUJIAN_2FA_REQUIRED_ROLES", default=["program_admin", "leadership"]
)
BUJIAN_BEHIND_PROXY = env_bool("BUJIAN_BEHIND_PROXY", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
