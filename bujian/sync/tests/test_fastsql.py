"""The sync's plain-SQL reads and writes give what the ORM gives, on SQLite and on
PostgreSQL (CI runs this file on both), and refuse a value that does not fit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import time_machine

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.core.models import AuditEntry
from bujian.queueing import actions as queue
from bujian.queueing.tests.test_actions import MORNING, make_hall
from bujian.regions.models import Regency, Village
from bujian.residents.models import Resident
from bujian.residents.tests.factories import ResidentFactory
from bujian.sync import fastsql, wire
from bujian.sync.crypto import SyncRefused
from bujian.sync.writer import insert_rows, update_rows


def _orm_values(queryset: Any, columns: list[str]) -> list[dict[str, Any]]:
    """What ``wire.serialize`` read before ``fastsql.read_values``: the ORM's values."""
    return [
        {name: fastsql.plain(row[name]) for name in columns} for row in queryset.values(*columns)
    ]


def _all(kind: wire.Kind) -> list[tuple[str, dict[str, Any]]]:
    return list(wire.serialize(kind, kind.model._default_manager.all()))


@pytest.fixture
def busy_hall(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> None:
    hall = make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )
    residents = ResidentFactory.create_batch(4, village=village)
    with time_machine.travel(MORNING, tick=False):
        for resident in residents:
            queue.issue_visit_ticket(
                visit=hall.visit, resident=resident, services=[hall.ktp, hall.pkb], issued_by=budi
            )
        called = queue.call_next(booth=hall.dukcapil, actor=budi)
    assert called is not None


def test_serialize_reads_exactly_what_the_orm_reads(
    busy_hall: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = {
        kind.name: list(wire.serialize(kind, kind.model._default_manager.all()))
        for kind in wire.KINDS
    }
    monkeypatch.setattr(wire, "read_values", _orm_values)
    slow = {
        kind.name: list(wire.serialize(kind, kind.model._default_manager.all()))
        for kind in wire.KINDS
    }
    assert fast == slow
    # The fixture made rows of these kinds, so the comparison covered dates, times,
    # UUIDs, booleans, JSON and references of every style.
    assert all(fast[name] for name in ("booth", "resident", "visit_ticket", "ticket", "audit"))


def test_insert_rows_writes_what_the_orm_reads_back(village: Village) -> None:
    made = dt.datetime(2026, 12, 10, 1, 2, 3, 456789, tzinfo=dt.UTC)
    row = {
        "uuid": str(uuid.uuid4()),
        "national_id": "1701054101900001",
        "full_name": "Warga Baru",
        "sex": "P",
        "birth_date": "1990-01-01",
        "village_id": village.pk,
        "accepted_warnings": ["nik_birth_date"],
        "created_at": made.isoformat(),
    }
    [pk] = insert_rows(Resident, [row])
    resident = Resident.objects.get(pk=pk)
    assert str(resident.uuid) == row["uuid"]
    assert resident.birth_date == dt.date(1990, 1, 1)
    assert resident.created_at == made  # the node's time, not the time of the insert
    assert resident.accepted_warnings == ["nik_birth_date"]
    assert resident.phone == ""  # a field not given takes its default
    resident.full_name = "Warga Lama"
    update_rows(Resident, [resident], ["full_name"])
    assert Resident.objects.get(pk=pk).full_name == "Warga Lama"


@pytest.mark.parametrize(
    ("name", "value"),
    [("birth_date", "1990-13-45"), ("full_name", 12), ("village_id", "satu"), ("created_at", "x")],
)
def test_a_value_that_does_not_fit_is_refused_and_nothing_is_written(
    village: Village, name: str, value: Any
) -> None:
    row = {
        "uuid": str(uuid.uuid4()),
        "national_id": "1701054101900001",
        "full_name": "Warga Baru",
        "sex": "P",
        "birth_date": "1990-01-01",
        "village_id": village.pk,
        name: value,
    }
    with pytest.raises(SyncRefused) as refused:
        insert_rows(Resident, [row])
    assert refused.value.code == "sync.bad_value"
    assert name in refused.value.message
    assert not Resident.objects.filter(uuid=row["uuid"]).exists()


def test_select_by_uuids_finds_rows_in_any_spelling_of_their_uuid(busy_hall: None) -> None:
    entries = list(AuditEntry.objects.values_list("uuid", "pk")[:3])
    assert entries
    spellings = [str(entries[0][0]).upper(), entries[1][0].hex, str(entries[2][0])][: len(entries)]
    found = dict(fastsql.select_by_uuids(AuditEntry, spellings, ["id"]))
    assert found == {str(u): pk for u, pk in entries}
