"""The app as ``make run`` serves it (``bujian.wsgi``), plus one response header:
``X-Bench-Queries``, the number of SQL statements the request ran. The benchmark reads
it to show that a board poll answered 304 never touches the database, and to report
queries per endpoint. A thin WSGI wrapper: Django, its settings and middleware are
unchanged; the cost is one Python call per query."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections

from bujian.wsgi import application as django_application

StartResponse = Callable[..., Any]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    count = 0

    def counter(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        headers.append(("X-Bench-Queries", str(count)))
        return start_response(status, headers, exc_info)

    # Django answers inside this call (start_response included); the wrapper belongs
    # to this thread's connection object, so concurrent requests count apart.
    with connections["default"].execute_wrapper(counter):
        return django_application(environ, start)
