"""The reference app of ``bench.reference_bench``: a bare Django project with one view
that runs one ticket transaction, served by the same gunicorn as the app.

What issue 3 quotes as this machine's yardstick ("a bare Django 5.2 view doing one
ticket transaction reached about 1,700 requests/s here on SQLite with WAL,
synchronous=NORMAL, IMMEDIATE transactions and persistent connections"): no
middleware, no authentication, no templates; ``POST /ticket`` takes the next number of
a counter with one conditional UPDATE … RETURNING and inserts the ticket, in one
transaction, and answers the number as JSON. The database settings are the app's
(bujian/settings.py) with Django's stock SQLite backend.

Served as ``bench.reference_app:application``; the database comes from the same
environment variables as the app's (``BUJIAN_SQLITE_PATH`` or ``DATABASE_URL``).
"""

from __future__ import annotations

import os
from typing import Any

import django
from django.conf import settings

# The app's database settings, read from the same environment.
from bujian.settings import DATABASES as APP_DATABASES

COUNTER_TABLE = "reference_counter"
TICKET_TABLE = "reference_ticket"


def _databases() -> dict[str, Any]:
    default = dict(APP_DATABASES["default"])
    if default["ENGINE"] == "bujian.core.db.sqlite3":
        default["ENGINE"] = "django.db.backends.sqlite3"  # the stock backend
    default.pop("TEST", None)
    return {"default": default}


if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "reference-bench-only"),
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES=_databases(),
        USE_TZ=True,
    )
    django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402 -- after settings
from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest, HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

TAKE_NUMBER = (
    f"UPDATE {COUNTER_TABLE} SET last_number = last_number + 1 WHERE id = %s "  # noqa: S608 -- fixed names
    "RETURNING last_number"
)
INSERT_TICKET = f"INSERT INTO {TICKET_TABLE} (counter_id, number) VALUES (%s, %s)"  # noqa: S608 -- fixed names


@csrf_exempt
def ticket(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    counter = int(request.GET.get("counter", "1"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(TAKE_NUMBER, [counter])
        row = cursor.fetchone()
        if row is None:
            return JsonResponse({"error": "no such counter"}, status=404)
        cursor.execute(INSERT_TICKET, [counter, row[0]])
    return JsonResponse({"number": row[0]})


def ready(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("ticket", ticket), path("ready", ready)]

application = WSGIHandler()
