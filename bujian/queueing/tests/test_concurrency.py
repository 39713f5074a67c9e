"""The queue under real concurrency, on SQLite and on PostgreSQL.

Each test sets the hall up in the test database (committed: ``transaction=True``),
then runs this module as a script in a subprocess whose threads each hold their own
database connection, started together at a barrier:

- on PostgreSQL the subprocess connects to the test database itself, so the threads
  are real parallel connections racing on row locks;
- on SQLite the test database lives in memory, where threads would share one
  connection; it is copied to a file first (``sqlite3`` backup), and the threads
  open that file as the field laptop does (WAL, IMMEDIATE transactions).

The subprocess prints what every thread got and the final state as one JSON line;
the tests assert on it. Break the conditional UPDATEs in ``queueing.actions`` (or,
on SQLite, also drop the transaction) and these tests fail.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Service
from bujian.core.errors import DomainError
from bujian.queueing import actions
from bujian.queueing.models import Ticket
from bujian.queueing.tests.test_actions import Hall, make_hall, queue_residents
from bujian.records.actions import OutcomeInput
from bujian.records.models import ServiceRecord
from bujian.regions.models import Regency, Village
from bujian.residents.models import Resident
from bujian.residents.tests.factories import ResidentFactory
from bujian.visits.actions import local_today
from bujian.visits.models import Booth, Visit

THREADS = 8


# --- the subprocess ---------------------------------------------------------------------


def _in_threads(count: int, work: Any) -> list[dict[str, Any]]:
    """Run ``work(index, barrier)`` in ``count`` threads, each with its own connection."""

    barrier = threading.Barrier(count)
    results: list[dict[str, Any]] = [{} for _ in range(count)]

    def run(index: int) -> None:
        try:
            results[index] = work(index, barrier)
        except Exception as error:  # a crash is a result the test must see
            results[index] = {"crash": f"{type(error).__name__}: {error}"}
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    return results


def _race_call_next(args: dict[str, Any]) -> dict[str, Any]:
    """THREADS operators press "call next" at one booth, many times each."""

    def work(index: int, barrier: threading.Barrier) -> dict[str, Any]:
        booth = Booth.objects.select_related("visit__regency").get(pk=args["booth"])
        actor = User.objects.get(pk=args["actor"])
        called: list[int] = []
        empty = 0
        errors: list[str] = []
        barrier.wait()
        for _ in range(args["calls"]):
            try:
                ticket = actions.call_next(booth=booth, actor=actor)
            except DomainError as error:
                errors.append(error.code)
                continue
            if ticket is None:
                empty += 1
            else:
                called.append(ticket.pk)
        return {"called": called, "empty": empty, "errors": errors}

    results = _in_threads(args["threads"], work)
    tickets = list(
        Ticket.objects.filter(booth_id=args["booth"]).values("id", "status", "call_count")
    )
    return {"threads": results, "tickets": tickets}


def _race_two_booths(args: dict[str, Any]) -> dict[str, Any]:
    """Operators of two booths call, serve and finish residents who wait at both."""

    booth_ids = args["booths"]
    deadline = time.monotonic() + 120

    def work(index: int, barrier: threading.Barrier) -> dict[str, Any]:
        booth = Booth.objects.select_related("visit__regency").get(
            pk=booth_ids[index % len(booth_ids)]
        )
        service = Service.objects.get(pk=args["services"][str(booth.pk)])
        actor = User.objects.get(pk=args["actor"])
        served: list[dict[str, Any]] = []
        overlaps: list[str] = []
        errors: list[str] = []
        barrier.wait()
        while time.monotonic() < deadline:
            try:
                ticket = actions.call_next(booth=booth, actor=actor)
            except DomainError as error:
                errors.append(error.code)
                continue
            if ticket is None:
                if not Ticket.objects.filter(booth=booth, status=Ticket.Status.WAITING).exists():
                    break
                time.sleep(0.002)  # the rest are busy at the other booth
                continue
            start = time.monotonic()
            time.sleep(0.003)  # serving
            # While this booth holds the resident, no other booth may have them.
            elsewhere = (
                Ticket.objects.filter(
                    visit_ticket_id=ticket.visit_ticket_id,
                    status__in=[Ticket.Status.CALLED, Ticket.Status.SERVING],
                )
                .exclude(pk=ticket.pk)
                .values_list("booth_id", flat=True)
            )
            overlaps += [f"{ticket.visit_ticket_id}@{b}" for b in elsewhere]
            # [start, end] lies inside the time the resident is held here: after the
            # call committed, before the finish releases them.
            end = time.monotonic()
            try:
                actions.finish_ticket(
                    ticket=ticket,
                    actor=actor,
                    outcomes=[
                        OutcomeInput(service=service, outcome=ServiceRecord.Outcome.COMPLETED)
                    ],
                )
            except DomainError as error:
                errors.append(error.code)
            served.append(
                {
                    "resident": ticket.visit_ticket_id,
                    "ticket": ticket.pk,
                    "start": start,
                    "end": end,
                }
            )
        return {"served": served, "overlaps": overlaps, "errors": errors}

    results = _in_threads(args["threads"], work)
    tickets = list(
        Ticket.objects.filter(booth_id__in=booth_ids).values(
            "id", "visit_ticket_id", "status", "call_count"
        )
    )
    return {"threads": results, "tickets": tickets}


def _race_issue(args: dict[str, Any]) -> dict[str, Any]:
    """The desk issues tickets for many residents at once, all for one booth."""

    residents: list[int] = args["residents"]
    threads = args["threads"]

    def work(index: int, barrier: threading.Barrier) -> dict[str, Any]:
        visit = Visit.objects.select_related("regency").get(pk=args["visit"])
        service = Service.objects.get(pk=args["service"])
        actor = User.objects.get(pk=args["actor"])
        mine = Resident.objects.filter(pk__in=residents[index::threads])
        errors: list[str] = []
        issued = 0
        barrier.wait()
        for resident in mine:
            try:
                actions.issue_visit_ticket(
                    visit=visit, resident=resident, services=[service], issued_by=actor
                )
                issued += 1
            except DomainError as error:
                errors.append(error.code)
        return {"issued": issued, "errors": errors}

    results = _in_threads(threads, work)
    numbers = list(
        Ticket.objects.filter(booth__visit_id=args["visit"]).values_list("booth_id", "number")
    )
    return {"threads": results, "numbers": numbers}


SCENARIOS = {
    "call_next": _race_call_next,
    "two_booths": _race_two_booths,
    "issue": _race_issue,
}
SCRIPT = (
    "import sys, django; django.setup(); "
    "from bujian.queueing.tests.test_concurrency import main; main(sys.argv[1], sys.argv[2])"
)


def main(scenario: str, raw: str) -> None:
    """The subprocess's entry (after ``django.setup()``, see SCRIPT)."""
    print(json.dumps(SCENARIOS[scenario](json.loads(raw))))


# --- the tests ----------------------------------------------------------------------------


def _database_for_subprocess(tmp_path: Path) -> dict[str, str]:
    """Environment that points a subprocess at this test's (committed) data."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bujian.settings"}
    env["BUJIAN_CACHE_DIR"] = str(tmp_path / "cache")
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        path = tmp_path / "queue.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        env.pop("DATABASE_URL", None)
        env["BUJIAN_SQLITE_PATH"] = str(path)
    elif connection.vendor == "postgresql":
        password = settings.get("PASSWORD") or ""
        auth = quote(settings["USER"]) + (f":{quote(password)}" if password else "")
        host = settings.get("HOST") or "127.0.0.1"
        port = settings.get("PORT") or 5432
        env["DATABASE_URL"] = f"postgres://{auth}@{host}:{port}/{settings['NAME']}"
        env["BUJIAN_DB_POOL_MAX"] = str(THREADS + 2)
    else:  # pragma: no cover - the project runs on these two only
        pytest.fail(f"No concurrency harness for {connection.vendor}.")
    return env


def _run(scenario: str, args: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    root = Path(__file__).resolve().parents[3]
    process = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", SCRIPT, scenario, json.dumps(args)],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert process.returncode == 0, process.stderr[-4000:]
    result: dict[str, Any] = json.loads(process.stdout.strip().splitlines()[-1])
    for thread in result["threads"]:
        assert "crash" not in thread, thread["crash"]
    return result


@pytest.fixture
def hall(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> Hall:
    today = local_today(regency)
    return make_hall(
        regency=regency,
        village=village,
        disdukcapil=disdukcapil,
        samsat=samsat,
        actor=budi,
        start=today,
        end=today,
    )


def _early(hall: Hall) -> dt.datetime:
    """Just after local midnight: every queue time falls on today, whatever the hour."""
    zone = ZoneInfo(hall.visit.regency.time_zone)
    return dt.datetime.combine(hall.visit.start_date, dt.time(0, 1), tzinfo=zone)


@pytest.mark.django_db(transaction=True)
def test_racing_operators_at_one_booth_never_get_the_same_ticket(
    hall: Hall, budi: User, tmp_path: Path
) -> None:
    waiting = 120
    queue_residents(hall, [hall.ktp], waiting, actor=budi, start=_early(hall))
    calls = 20  # 8 × 20 = 160 presses for 120 tickets
    result = _run(
        "call_next",
        {"booth": hall.dukcapil.pk, "actor": budi.pk, "threads": THREADS, "calls": calls},
        _database_for_subprocess(tmp_path),
    )
    called = [pk for thread in result["threads"] for pk in thread["called"]]
    assert len(called) == len(set(called)), "a ticket was handed to two operators"
    assert len(called) == waiting
    assert sum(thread["empty"] for thread in result["threads"]) == THREADS * calls - waiting
    assert [e for thread in result["threads"] for e in thread["errors"]] == []
    assert {t["status"] for t in result["tickets"]} == {Ticket.Status.CALLED}
    assert {t["call_count"] for t in result["tickets"]} == {1}


@pytest.mark.django_db(transaction=True)
def test_two_booths_racing_never_hold_one_resident_at_once(
    hall: Hall, budi: User, tmp_path: Path
) -> None:
    residents = 60
    queue_residents(hall, [hall.ktp, hall.pkb], residents, actor=budi, start=_early(hall))
    result = _run(
        "two_booths",
        {
            "booths": [hall.dukcapil.pk, hall.samsat.pk],
            "services": {str(hall.dukcapil.pk): hall.ktp.pk, str(hall.samsat.pk): hall.pkb.pk},
            "actor": budi.pk,
            "threads": THREADS,
        },
        _database_for_subprocess(tmp_path),
    )
    threads = result["threads"]
    assert [o for thread in threads for o in thread["overlaps"]] == []
    assert [e for thread in threads for e in thread["errors"]] == []
    # every resident served once at each booth ...
    assert {t["status"] for t in result["tickets"]} == {Ticket.Status.DONE}
    assert {t["call_count"] for t in result["tickets"]} == {1}
    served = [s for thread in threads for s in thread["served"]]
    assert len(served) == 2 * residents
    assert len({s["ticket"] for s in served}) == 2 * residents
    # ... and never at both booths at the same moment
    by_resident: dict[int, list[tuple[float, float]]] = {}
    for s in served:
        by_resident.setdefault(s["resident"], []).append((s["start"], s["end"]))
    for spans in by_resident.values():
        (a_start, a_end), (b_start, b_end) = sorted(spans)
        assert a_end <= b_start or b_end <= a_start


@pytest.mark.django_db(transaction=True)
def test_the_desk_issuing_at_once_gives_numbers_without_gaps_or_repeats(
    hall: Hall, budi: User, tmp_path: Path
) -> None:
    count = 160
    residents = ResidentFactory.create_batch(count, village=hall.visit.village)
    result = _run(
        "issue",
        {
            "visit": hall.visit.pk,
            "residents": [r.pk for r in residents],
            "service": hall.ktp.pk,
            "actor": budi.pk,
            "threads": THREADS,
        },
        _database_for_subprocess(tmp_path),
    )
    assert [e for thread in result["threads"] for e in thread["errors"]] == []
    assert sum(thread["issued"] for thread in result["threads"]) == count
    numbers = sorted(number for booth, number in result["numbers"])
    assert {booth for booth, number in result["numbers"]} == {hall.dukcapil.pk}
    assert numbers == list(range(1, count + 1))
