"""The hand-written SQL of the queue's busiest requests (``core/sql.py``) gives the
same rows as the ORM, writes rows as ``save()`` would, and scopes visits exactly as
``visible_visits`` does, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db.models import Model

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.agencies.models import Agency, Service
from bujian.core import sql
from bujian.core.models import AuditEntry
from bujian.queueing import actions
from bujian.queueing.api import visit_scope
from bujian.queueing.models import Ticket, VisitTicket
from bujian.queueing.tests.test_actions import (
    MORNING,
    Hall,
    completed,
    make_hall,
    queue_residents,
)
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import DistrictFactory, RegencyFactory, VillageFactory
from bujian.residents.models import Resident
from bujian.visits.models import Booth, Participation, Visit
from bujian.visits.queries import visible_visits
from bujian.visits.tests.factories import ParticipationFactory, VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(MORNING, tick=True) as traveller:
        yield traveller


@pytest.fixture
def hall(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> Hall:
    return make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )


def _values(obj: Model) -> dict[str, Any]:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def test_rows_read_by_hand_equal_the_orms(hall: Hall, budi: User) -> None:
    """Every column of every model the hot requests read, after a day with called,
    skipped (return time set), finished and waiting tickets."""
    visit_tickets = queue_residents(hall, [hall.ktp, hall.pkb], 3, actor=budi)
    assert visit_tickets
    called = actions.call_next(booth=hall.dukcapil, actor=budi)
    assert called is not None
    actions.finish_ticket(ticket=called, actor=budi, outcomes=[completed(hall.ktp, "K-1")])
    skipped = actions.call_next(booth=hall.samsat, actor=budi)
    assert skipped is not None
    actions.skip(ticket=skipped, actor=budi)
    assert Ticket.objects.filter(return_at__isnull=False).exists()

    for model in (
        Ticket,
        VisitTicket,
        Booth,
        Visit,
        Regency,
        Village,
        Participation,
        Agency,
        Resident,
        Service,
        AuditEntry,
    ):
        columns = sql.Columns(model, "x")
        rows = sql.fetch(f"SELECT {columns.sql} FROM {sql.table(model)} x ORDER BY x.id", [])  # noqa: S608 -- names from the model
        by_hand = [_values(columns.build(row)) for row in rows]
        by_orm = [_values(obj) for obj in model._default_manager.order_by("id")]
        assert by_hand == by_orm, model.__name__
        assert by_hand, model.__name__
    ticket = sql.Columns(Ticket).build(
        sql.fetch(f"SELECT {sql.Columns(Ticket).sql} FROM {sql.table(Ticket)}", [])[0]  # noqa: S608 -- names from the model
    )
    assert ticket.queued_at.tzinfo is not None  # aware, as the ORM gives it
    assert not ticket._state.adding
    ticket.refresh_from_db()  # a normal instance: the ORM can work with it


def test_insert_writes_what_save_would(hall: Hall, budi: User, regency: Regency) -> None:
    resident = Resident.objects.create(
        national_id="1701054506900003", full_name="Rahmawati", birth_date=dt.date(1990, 6, 5)
    )
    first = VisitTicket(visit=hall.visit, resident=resident, issued_by=budi)
    assert sql.insert(first, unless_exists=("visit", "resident"))
    stored = VisitTicket.objects.get()
    assert stored.pk == first.pk
    assert _values(stored) == _values(first)
    assert stored.created_at is not None and stored.updated_at is not None
    assert stored.uuid == first.uuid

    # The unique (visit, resident) constraint decides: the second is not written.
    second = VisitTicket(visit=hall.visit, resident=resident, issued_by=None)
    assert not sql.insert(second, unless_exists=("visit", "resident"))
    assert second.pk is None
    assert VisitTicket.objects.get().issued_by_id == budi.pk


@pytest.fixture
def users(
    regency: Regency,
    village: Village,
    budi: User,
    siti: User,
    andi: User,
    bupati: User,
    kades: User,
) -> dict[str, User]:
    other_village = VillageFactory.create(district=village.district)
    return {
        "budi": budi,
        "siti": siti,
        "andi": andi,
        "bupati": bupati,
        "kades": kades,
        "root": UserFactory.create(username="root", is_superuser=True, role=""),
        "no role": UserFactory.create(username="norole", role="", regency=regency),
        "admin without regency": UserFactory.create(
            username="lost", role=User.Role.PROGRAM_ADMIN, regency=None
        ),
        "operator without agency": UserFactory.create(
            username="alone", role=User.Role.AGENCY_OPERATOR, regency=regency
        ),
        "kades elsewhere": UserFactory.create(
            username="kades2",
            role=User.Role.VILLAGE_OPERATOR,
            regency=regency,
            village=other_village,
        ),
    }


def test_visit_scope_is_visible_visits_in_sql(
    hall: Hall, users: dict[str, User], regency: Regency, village: Village, samsat: Agency
) -> None:
    other_regency = RegencyFactory.create(code="17.02", name="Kabupaten Rejang Lebong")
    far = VillageFactory.create(district=DistrictFactory.create(regency=other_regency))
    elsewhere = VisitFactory.create(regency=other_regency, village=far)
    ParticipationFactory.create(visit=elsewhere, agency=samsat)
    VisitFactory.create(regency=regency, village=village)  # nobody invited yet
    assert Visit.objects.count() == 3
    assert elsewhere.regency_id != regency.pk
    for name, user in users.items():
        scope, params = visit_scope(user)
        by_hand = {
            row[0]
            for row in sql.fetch(
                f"SELECT v.id FROM {sql.table(Visit)} v WHERE 1 = 1{scope}",  # noqa: S608 -- names from the model
                params,
            )
        }
        assert by_hand == set(visible_visits(user).values_list("pk", flat=True)), name
