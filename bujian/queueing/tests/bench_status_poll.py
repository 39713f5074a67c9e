"""What one poll of the public status page costs, in process (issue 8's soak).

Not collected by the suite (``python_files`` is ``test_*.py``); run it by name:

    .venv/bin/pytest bujian/queueing/tests/bench_status_poll.py -s -p no:cacheprovider

A visit with 120 residents waiting at booth A (60 of them also at booth B), one called
at A. Every phone polls as the page's htmx does (HX-Request, the ETag of its last
answer); between rounds booth B calls its next, so the visit's version has changed
but the pages of the 60 residents only at booth A have not. The rebuild interval is
production's 500 ms (the suite's conftest sets 0). Prints ms and queries per poll
and how many polls answered 304.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.queueing import actions
from bujian.queueing.board import stamp_board
from bujian.queueing.tests.test_desk import NOW, make_resident, make_visit_day
from bujian.regions.models import Regency, Village

pytestmark = pytest.mark.django_db

RESIDENTS = 120
ROUNDS = 5


def test_status_poll_cost(
    regency: Regency,
    village: Village,
    budi: User,
    siti: User,
    andi: User,
    disdukcapil: Agency,
    samsat: Agency,
    settings: pytest.FixtureRequest,
) -> None:
    settings.BUJIAN_BOARD_REBUILD_MS = 500  # type: ignore[attr-defined]  # as in production
    with time_machine.travel(NOW, tick=False):
        day = make_visit_day(
            regency=regency, village=village, budi=budi, disdukcapil=disdukcapil, samsat=samsat
        )
        tickets = []
        for i in range(RESIDENTS):
            services = [day.ktp, day.stnk] if i % 2 else [day.ktp]
            tickets.append(
                actions.issue_visit_ticket(
                    visit=day.visit,
                    resident=make_resident(village, f"Warga {i} Saputra", 100 + i),
                    services=services,
                    issued_by=siti,
                    now=NOW + dt.timedelta(seconds=i),
                )
            )
        booth_a = day.visit.booths.get(prefix="A")
        booth_b = day.visit.booths.get(prefix="B")
        actions.call_next(booth=booth_a, actor=siti)
    urls = [reverse("queueing:status", args=[t.uuid]) for t in tickets]
    client = Client(HTTP_ACCEPT_LANGUAGE="id")
    etags: dict[str, str] = {}
    for round_ in range(ROUNDS):
        with time_machine.travel(NOW + dt.timedelta(minutes=1 + round_), tick=False):
            if round_:
                # Booth B moves: the visit's version changes, booth A's line does not.
                actions.call_next(booth=booth_b, actor=andi)
                stamp_board(day.visit.pk)  # what its on_commit does outside the test transaction
            seconds: dict[int, float] = {}
            counts: dict[int, int] = {}
            with CaptureQueriesContext(connection) as queries:
                for url in urls:
                    headers = {"HX-Request": "true"}
                    if url in etags:
                        headers["If-None-Match"] = etags[url]
                    start = time.perf_counter()
                    response = client.get(url, headers=headers)
                    code = response.status_code
                    seconds[code] = seconds.get(code, 0.0) + time.perf_counter() - start
                    counts[code] = counts.get(code, 0) + 1
                    etags[url] = response["ETag"]
        per_code = ", ".join(
            f"{counts[c]} x {c} at {1000 * seconds[c] / counts[c]:.2f} ms" for c in sorted(counts)
        )
        print(
            f"round {round_}: {1000 * sum(seconds.values()) / len(urls):.2f} ms/poll, "
            f"{len(queries) / len(urls):.2f} queries/poll ({per_code})"
        )
