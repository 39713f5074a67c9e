"""Bujian settings. Every value comes from an environment variable (see .env.example).

SQLite in WAL mode under ``var/`` unless ``DATABASE_URL`` names another database.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Lets admin and querysets take type parameters at run time (ModelAdmin[Visit]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BUJIAN_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, *, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from error


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)
_INSECURE_DEV_KEY = "insecure-dev-key-only-for-local-runs-and-tests-0123456789abcdef"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _INSECURE_DEV_KEY
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "bujian.core",
    "bujian.accounts",
    "bujian.regions",
    "bujian.agencies",
    "bujian.visits",
    "bujian.residents",
    "bujian.queueing",
    "bujian.records",
    "bujian.calendars",
    "bujian.notifications",
    "bujian.aspirations",
    "bujian.surveys",
    "bujian.evaluation",
    "bujian.planner",
    "bujian.sync",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bujian.core.middleware.SecurityHeadersMiddleware",
    "bujian.core.audit.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bujian.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bujian.urls"
WSGI_APPLICATION = "bujian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bujian.core.context_processors.site",
            ],
            "builtins": ["bujian.core.templatetags.bujian"],
        },
    },
]

# Database: SQLite (WAL) by default, anything dj-database-url understands otherwise.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL)
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Django's psycopg pool; persistent connections must then be off (CONN_MAX_AGE 0).
        _db["CONN_MAX_AGE"] = 0
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("BUJIAN_DB_POOL_MIN", default=2),
            "max_size": env_int("BUJIAN_DB_POOL_MAX", default=10),
        }
        # Statements run the fifth time on a connection are prepared (parsed and planned
        # once). Only cursors that bind on the server prepare: the queue's hand-written
        # SQL (core.sql.statement_cursor) and the sync's bulk statements; the ORM's
        # cursors bind on the client and never do. Restart the app after a migration.
        _db["OPTIONS"].setdefault("prepare_threshold", env_int("BUJIAN_DB_PREPARE", default=5))
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            # django.db.backends.sqlite3, with writers queued by flock (see the module).
            "ENGINE": "bujian.core.db.sqlite3",
            "NAME": env_str("BUJIAN_SQLITE_PATH", str(VAR_DIR / "bujian.sqlite3")),
            # Persistent connections: the PRAGMAs run once per connection.
            "CONN_MAX_AGE": None,
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue on
                # busy_timeout instead of failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            "TEST": {"NAME": ":memory:"},
        }
    }

# Shared by every worker process: the queue's change counter lives here (boards poll it
# instead of the database). A file cache needs no server on the field laptop.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("BUJIAN_CACHE_DIR", str(VAR_DIR / "cache")),
        "TIMEOUT": None,
    }
}

# Background work (large Excel imports; later the planner) runs in `manage.py db_worker`,
# which `make run` starts beside the web server. BUJIAN_TASKS_IMMEDIATE=true runs tasks
# inside the request instead (tests, or a machine where no worker can run).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("BUJIAN_TASKS_IMMEDIATE", default=False)
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
# Two-factor sign-in (TOTP, any authenticator app). Roles listed here must use it; every
# other user may turn it on. bujian.settings_production requires it of program admins
# and leadership.
BUJIAN_2FA_REQUIRED_ROLES = env_list("BUJIAN_2FA_REQUIRED_ROLES", default=[])
# Behind a reverse proxy (nginx) the client's address is the last one in X-Forwarded-For.
BUJIAN_BEHIND_PROXY = env_bool("BUJIAN_BEHIND_PROXY", default=False)
OTP_TOTP_ISSUER = "Bujian"
LOGIN_REDIRECT_URL = "core:staff_home"
LOGOUT_REDIRECT_URL = "core:home"

# Lockout: after AXES_FAILURE_LIMIT failures for a username from one address.
AXES_FAILURE_LIMIT = env_int("BUJIAN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env_int("BUJIAN_LOGIN_COOLOFF_MINUTES", default=15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "bujian.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Sessions end after a working day, and when the browser closes.
SESSION_COOKIE_AGE = env_int("BUJIAN_SESSION_SECONDS", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("BUJIAN_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "bujian" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# WhiteNoise warns (an error under pytest) when the folder is missing on a fresh clone.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("BUJIAN_MEDIA_ROOT", str(VAR_DIR / "media")))
# The queue screens' change counters (bujian/queueing/board.py), one small file per visit.
BUJIAN_BOARD_DIR = VAR_DIR / "board"
# While the queue moves, a board's state, and the lines the status pages count people
# ahead in, are read at most once per this many milliseconds per worker process, however
# many boards and phones poll (bujian/queueing/queries_board.py, queries_lines.py).
BUJIAN_BOARD_REBUILD_MS = env_int("BUJIAN_BOARD_REBUILD_MS", default=500)
MEDIA_URL = "/media/"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# The regency this installation is run for: its name heads pages and its visits are
# listed first. Any regency loaded in the database can still be served.
BUJIAN_HOME_REGENCY = env_str("BUJIAN_HOME_REGENCY", "17.01")
# Minutes after the daily start at which an agency's check-in counts as late.
BUJIAN_LATE_AFTER_MINUTES = env_int("BUJIAN_LATE_AFTER_MINUTES", default=30)

# Personal data (UU 27/2022, docs/data-pribadi.md): the data-protection officer named in
# the privacy notice, and how long data is kept before `manage.py apply_retention`
# deletes or anonymises it.
BUJIAN_DPO_NAME = env_str("BUJIAN_DPO_NAME", "Pejabat Pelindungan Data Pribadi, Diskominfo")
BUJIAN_DPO_EMAIL = env_str("BUJIAN_DPO_EMAIL", "ppdp@example.go.id")
BUJIAN_DPO_PHONE = env_str("BUJIAN_DPO_PHONE", "")
BUJIAN_RETENTION_REGISTRATION_DAYS = env_int("BUJIAN_RETENTION_REGISTRATION_DAYS", default=365)
BUJIAN_RETENTION_PHONE_DAYS = env_int("BUJIAN_RETENTION_PHONE_DAYS", default=730)
BUJIAN_RETENTION_OUTBOX_DAYS = env_int("BUJIAN_RETENTION_OUTBOX_DAYS", default=180)

# Aspirations and notifications (bujian/aspirations, bujian/notifications).
# The site's public address, put in the messages residents get (tracking links).
BUJIAN_PUBLIC_URL = env_str("BUJIAN_PUBLIC_URL", "")
# Prefix of tracking codes (BD-7K3Q9); empty: the program name's initials.
BUJIAN_ASPIRATION_PREFIX = env_str("BUJIAN_ASPIRATION_PREFIX", "")
# A field node: a laptop that runs one visit at the village hall and syncs with central
# (bujian/sync). Off on central.
BUJIAN_FIELD_NODE = env_bool("BUJIAN_FIELD_NODE", default=False)
# Where messages to residents go: a file on the field laptop (no internet), or a
# WhatsApp/SMS gateway backend (a dotted path to a class, see bujian/notifications).
BUJIAN_NOTIFIER = env_str("BUJIAN_NOTIFIER", "bujian.notifications.backends.FileBackend")
BUJIAN_NOTIFIER_LOG = env_str("BUJIAN_NOTIFIER_LOG", str(VAR_DIR / "notifications.log"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
