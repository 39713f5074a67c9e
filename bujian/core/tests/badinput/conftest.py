"""The world the bad inputs are thrown at, and the checks every answer must pass.

The world is the queue app's visit day (10 December 2026, 09.00 WIB, Padang Kapuk):
booths A (Disdukcapil) and B (Samsat) open, one resident called to booth A by Siti,
one finished ticket waiting for its survey, a KTP ready to be handed over, and a
visit in two weeks open for pre-registration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
import time_machine
from django.db import transaction
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client, override_settings
from django.utils import timezone
from pytest_django import Settings

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.agencies.models import Agency, Service
from bujian.agencies.tests.factories import AgencyFactory
from bujian.queueing import actions as queue_actions
from bujian.queueing.models import Ticket
from bujian.queueing.tests.test_desk import NOW, make_resident, make_visit_day
from bujian.records.models import Document, ServiceRecord
from bujian.records.tests.factories import DocumentFactory
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import DistrictFactory, RegencyFactory, VillageFactory
from bujian.residents.models import Resident
from bujian.visits import actions as visit_actions
from bujian.visits.actions import StaffEntry
from bujian.visits.models import Booth, Participation, Visit

# What shows a refusal on a page: a field's error list, a form's alert, a message.
MESSAGE_MARKERS = (
    'class="errorlist',
    'role="alert"',
    "field--error",
    'class="messages"',
    "message--error",
)
# Payloads that must never come back unescaped.
RAW_PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=")


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[object]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BUJIAN_NOTIFIER = "bujian.notifications.backends.MemoryBackend"


@dataclass
class World:
    regency: Regency
    village: Village
    visit: Visit  # today's, ongoing
    future_visit: Visit  # in two weeks, open for pre-registration
    ktp: Service
    stnk: Service
    booth_a: Booth
    called: Ticket  # at booth A, called by Siti
    finished: Ticket  # done, its survey not yet filled in
    document: Document  # a KTP ready for handover
    resident: Resident
    budi: User
    siti: User
    kades: User


def build_world() -> World:
    """The cast of bujian/conftest.py and the visit day, made once per module."""
    regency = RegencyFactory.create()
    village = VillageFactory.create(
        district=DistrictFactory.create(regency=regency, code="17.01.05", name="Kota Manna"),
        code="17.01.05.2001",
        name="Padang Kapuk",
    )
    disdukcapil = AgencyFactory.create(
        code="disdukcapil", short_name="Disdukcapil", name="Dinas Kependudukan", regencies=[regency]
    )
    samsat = AgencyFactory.create(
        code="samsat", short_name="Samsat", kind=Agency.Kind.VERTICAL, regencies=[regency]
    )
    budi = UserFactory.create(username="budi", role=User.Role.PROGRAM_ADMIN, regency=regency)
    siti = UserFactory.create(
        username="siti", role=User.Role.AGENCY_OPERATOR, regency=regency, agencies=[disdukcapil]
    )
    kades = UserFactory.create(
        username="kades", role=User.Role.VILLAGE_OPERATOR, regency=regency, village=village
    )
    day = make_visit_day(
        regency=regency, village=village, budi=budi, disdukcapil=disdukcapil, samsat=samsat
    )
    booth_a = Booth.objects.get(visit=day.visit, participation__agency=disdukcapil)
    first = make_resident(village, "Rahmat Hidayat", 301)
    queue_actions.issue_visit_ticket(
        visit=day.visit, resident=first, services=[day.ktp], issued_by=budi
    )
    called = queue_actions.call_next(booth=booth_a, actor=siti)
    assert called is not None
    second = make_resident(village, "Dewi Lestari", 302, sex="P")
    finished = queue_actions.issue_visit_ticket(
        visit=day.visit, resident=second, services=[day.stnk], issued_by=budi
    ).tickets.get()
    Ticket.objects.filter(pk=finished.pk).update(
        status=Ticket.Status.DONE, finished_at=timezone.now()
    )
    ServiceRecord.objects.create(
        ticket=finished, service=day.stnk, outcome=ServiceRecord.Outcome.COMPLETED
    )
    document = DocumentFactory.create(resident=first, agency=disdukcapil, number="KTP-0001")
    later = NOW.date() + dt.timedelta(days=14)
    future = visit_actions.plan_visit(
        regency=regency, village=village, start_date=later, end_date=later, created_by=budi
    )
    visit_actions.announce_visit(visit=future, actor=budi)
    visit_actions.confirm_participation(
        participation=Participation.objects.get(visit=future, agency=disdukcapil),
        actor=budi,
        services=[day.ktp],
        staff=[StaffEntry(name="Rina")],
    )
    return World(
        regency=regency,
        village=village,
        visit=day.visit,
        future_visit=future,
        ktp=day.ktp,
        stnk=day.stnk,
        booth_a=booth_a,
        called=called,
        finished=finished,
        document=document,
        resident=first,
        budi=budi,
        siti=siti,
        kades=kades,
    )


@pytest.fixture(scope="module")
def module_world(
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    """Built once per test module inside a transaction that is rolled back at the end;
    each test runs in a savepoint within it (pytest-django's ``db``), so a test's
    writes vanish before the next. Hundreds of cases would otherwise spend most of
    their time building the same visit day."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=False),
        override_settings(
            BUJIAN_BOARD_DIR=tmp_path_factory.mktemp("board"),
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(module_world: World, db: None) -> World:
    return module_world


# --- sending ------------------------------------------------------------------------------

FormValue = str | bytes | int | Sequence[str]


def urlencoded(data: Mapping[str, FormValue]) -> bytes:
    """A form body with values sent byte for byte (invalid UTF-8 included)."""
    parts: list[str] = []
    for key, value in data.items():
        values = list(value) if isinstance(value, list | tuple) else [value]
        for item in values:
            raw = item if isinstance(item, bytes) else str(item).encode("utf-8")
            parts.append(f"{quote_from_bytes(key.encode())}={quote_from_bytes(raw)}")
    return "&".join(parts).encode("ascii")


def post_form(
    client: Client,
    url: str,
    data: Mapping[str, FormValue],
    *,
    files: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    if files:
        response = client.post(url, {**data, **files}, headers=headers)
    else:
        response = client.post(
            url,
            urlencoded(data),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )
    assert isinstance(response, HttpResponse)
    return response


# --- checking -----------------------------------------------------------------------------

Counts = dict[str, int]


def counts(models: Sequence[type[Model]]) -> Counts:
    return {model._meta.label: model._default_manager.count() for model in models}


def shows_a_message(client: Client, response: Any) -> bool:
    """A refusal the user can read: an error on the page, a message after the
    redirect, or an HTTP refusal (4xx) with its own page."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code in (301, 302, 303):
        page = client.get(response["Location"])
        body = page.content.decode(errors="replace")
    else:
        body = response.content.decode(errors="replace")
    return any(marker in body for marker in MESSAGE_MARKERS)


def assert_answered_well(
    client: Client,
    response: HttpResponse,
    before: Counts,
    after: Counts,
    *,
    may_accept: bool,
    saved_together: Sequence[str],
    what: str,
) -> bool:
    """No server error; nothing half-saved; a refusal says why. Returns whether the
    input was accepted (a free-text field may keep a strange but harmless text)."""
    assert response.status_code < 500, f"{what}: HTTP {response.status_code}"
    body = response.content.decode(errors="replace")
    for payload in RAW_PAYLOADS:
        assert payload not in body, f"{what}: {payload!r} came back unescaped"
    changed = {label for label in before if before[label] != after[label]}
    if not changed:
        assert shows_a_message(client, response), (
            f"{what}: refused (HTTP {response.status_code}) without a message"
        )
        return False
    assert may_accept, f"{what}: accepted, and saved {sorted(changed)}"
    missing = [label for label in saved_together if label not in changed]
    assert not missing, f"{what}: half-saved: {sorted(changed)} changed but not {missing}"
    return True
