"""Central's rules for batches, in process: the node is played by batches built here
with the same wire format a node sends."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bujian.accounts.models import User
from bujian.agencies.models import Agency, Requirement, Service
from bujian.conftest import client_for
from bujian.core.errors import DomainError
from bujian.queueing.tests.test_actions import make_hall
from bujian.regions.models import Regency, Village
from bujian.residents.actions import pre_register
from bujian.residents.models import Registration, Resident
from bujian.residents.tests.factories import ResidentFactory
from bujian.sync import actions, wire
from bujian.sync.crypto import SyncRefused, open_package, seal_batch
from bujian.sync.models import FieldNode, SyncConflict
from bujian.sync.receive import receive_batch, receive_file
from bujian.visits.models import Visit
from bujian.visits.tests.factories import VisitFactory


@pytest.fixture
def paired(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> tuple[FieldNode, dict[str, Any]]:
    hall = make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )
    ResidentFactory.create_batch(3, village=village)
    node, code = actions.register_node(visit=hall.visit, name="Laptop", actor=budi)
    package = open_package(actions.hand_out_package(code=code, actor=budi), code)
    node.refresh_from_db()
    return node, package


def _batch(node: FieldNode, records: list[dict[str, Any]], **extra: Any) -> bytes:
    body = {"node": str(node.uuid), "batch": str(uuid.uuid4()), "sequence": 1, "records": records}
    body.update(extra)
    return seal_batch(str(node.uuid), node.secret, body)


def _pulled(package: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [record for record in package["records"] if record["k"] == kind]


def _new_resident(village: Village, nik: str = "1701054101900001") -> dict[str, Any]:
    return {
        "k": "resident",
        "u": str(uuid.uuid4()),
        "d": {
            "national_id": nik,
            "family_card_number": "",
            "full_name": "Warga Baru",
            "sex": "P",
            "birth_date": "1990-01-01",
            "birth_place": "",
            "village": village.code,
            "hamlet": "",
            "rt": "",
            "rw": "",
            "address": "",
            "phone": "",
            "phone_consent_at": None,
            "accepted_warnings": [],
            "created_by": "budi",
            "created_at": "2026-12-10T01:00:00+00:00",
        },
    }


def _new_registration(
    node: FieldNode, resident_uuid: str, services: list[list[Any]] | None = None
) -> dict[str, Any]:
    """A walk-in registration made on the node; ``services``: ``[[code, [requirement
    ids]], ...]`` as the wire carries them."""
    return {
        "k": "registration",
        "u": str(uuid.uuid4()),
        "d": {
            "visit": node.visit_id,
            "resident": resident_uuid,
            "source": "walk_in",
            "notes": "",
            "registered_by": "budi",
            "created_at": "2026-12-10T01:00:00+00:00",
            "services": services or [],
        },
    }


def test_package_holds_the_visit_without_phone_numbers(
    paired: tuple[FieldNode, dict[str, Any]],
) -> None:
    node, package = paired
    assert node.status == FieldNode.Status.PAIRED
    residents = _pulled(package, "resident")
    assert len(residents) == Resident.objects.count()
    assert all(record["d"]["phone"] == "" for record in residents)
    assert len(package["codes"]) == 2000
    assert {r["k"] for r in package["records"]} >= {"booth", "resident"}
    models = {obj["model"] for obj in package["reference"]}
    assert {"visits.visit", "visits.participation", "accounts.user", "agencies.service"} <= models


def test_a_new_record_is_taken_once_and_a_replayed_batch_is_a_no_op(
    paired: tuple[FieldNode, dict[str, Any]], village: Village
) -> None:
    node, _package = paired
    record = _new_resident(village)
    envelope = _batch(node, [record])
    first = receive_batch(envelope)
    assert first["created"] == 1
    count = Resident.objects.count()
    assert receive_batch(envelope) == {**first, "replayed": True}
    assert Resident.objects.count() == count
    # The same record in a new batch (the acknowledgement was lost) changes nothing.
    resent = receive_batch(_batch(node, [record]))
    assert (resent["created"], resent["unchanged"]) == (0, 1)
    assert Resident.objects.count() == count


def _damaged(node: FieldNode, records: list[dict[str, Any]], damage: str) -> bytes:
    """A batch of ``records`` for ``node`` with one bit flipped, cut in half, sealed by
    another node under this one's name, or not a batch at all."""
    envelope = _batch(node, records)
    if damage == "flip":
        return envelope[:-20] + bytes([envelope[-20] ^ 1]) + envelope[-19:]
    if damage == "cut":
        return envelope[: len(envelope) // 2]
    if damage == "other_node":
        other = FieldNode.objects.create(visit=node.visit, name="Lain", secret="ab" * 32)
        return _batch(other, records).replace(str(other.uuid).encode(), str(node.uuid).encode(), 1)
    return b"not a batch at all"


@pytest.mark.parametrize("damage", ["flip", "cut", "other_node", "garbage"])
def test_a_damaged_or_foreign_batch_is_refused_and_changes_nothing(
    paired: tuple[FieldNode, dict[str, Any]], village: Village, budi: User, damage: str
) -> None:
    node, _package = paired
    envelope = _damaged(node, [_new_resident(village)], damage)
    count = Resident.objects.count()
    with pytest.raises(SyncRefused):
        receive_batch(envelope)
    assert Resident.objects.count() == count


@pytest.mark.parametrize("damage", ["flip", "cut", "other_node", "garbage"])
def test_a_push_file_with_one_bad_batch_is_refused_whole_and_writes_nothing(
    paired: tuple[FieldNode, dict[str, Any]], village: Village, damage: str
) -> None:
    """A USB file whose first batch is sound and whose last is damaged, cut short,
    from another node or not a batch: nothing of it is taken, not even the sound one."""
    node, _package = paired
    good = _batch(node, [_new_resident(village)])
    bad = _damaged(node, [_new_resident(village, nik="1701054101900002")], damage)
    residents, batches = Resident.objects.count(), node.batches.count()
    with pytest.raises(SyncRefused):
        receive_file(good + b"\n\n" + bad)
    assert Resident.objects.count() == residents
    assert node.batches.count() == batches
    # The sound batch alone is taken afterwards: the refusal kept nothing half-done.
    assert receive_file(good)["created"] == 1
    assert Resident.objects.count() == residents + 1


def test_a_record_before_what_it_points_to_is_refused_then_taken_in_order(
    paired: tuple[FieldNode, dict[str, Any]], village: Village
) -> None:
    node, _package = paired
    resident = _new_resident(village)
    registration = _new_registration(node, resident["u"])
    registrations = Registration.objects.count()
    with pytest.raises(SyncRefused) as refused:
        receive_batch(_batch(node, [registration]))
    assert refused.value.code == "sync.foreign_record"
    assert Registration.objects.count() == registrations
    receive_batch(_batch(node, [resident]))
    assert receive_batch(_batch(node, [registration]))["created"] == 1


def test_a_record_of_another_visit_is_refused(
    paired: tuple[FieldNode, dict[str, Any]], village: Village, regency: Regency
) -> None:
    node, _package = paired
    other = VisitFactory.create(regency=regency, village=village)
    resident = _pulled_resident(node)
    registration = {
        "k": "registration",
        "u": str(uuid.uuid4()),
        "d": {"visit": other.pk, "resident": resident, "source": "walk_in", "services": []},
    }
    with pytest.raises(SyncRefused) as refused:
        receive_batch(_batch(node, [registration]))
    assert refused.value.code == "sync.other_visit"


def _pulled_resident(node: FieldNode) -> str:
    from bujian.sync.models import SyncRecord

    return str(SyncRecord.objects.filter(node=node, kind="resident").first().uuid)  # type: ignore[union-attr]


def test_an_edit_on_both_sides_is_a_conflict_never_silent(
    paired: tuple[FieldNode, dict[str, Any]], budi: User
) -> None:
    node, package = paired
    record = _pulled(package, "resident")[0]
    resident = Resident.objects.get(uuid=record["u"])
    resident.full_name = "Nama Di Pusat"
    resident.save(update_fields=["full_name"])
    changed = {**record, "d": {**record["d"], "full_name": "Nama Di Desa", "rt": "007"}}
    result = receive_batch(_batch(node, [changed]))
    assert result["conflicts"] == 1
    resident.refresh_from_db()
    assert resident.full_name == "Nama Di Pusat"  # central's kept
    assert resident.rt == "007"  # only the node changed it: taken
    conflict = SyncConflict.objects.get(node=node)
    assert (conflict.field, conflict.node_value) == ("full_name", "Nama Di Desa")
    actions.resolve_conflict(conflict=conflict, take_node=True, actor=budi)
    resident.refresh_from_db()
    assert resident.full_name == "Nama Di Desa"
    with pytest.raises(DomainError):
        actions.resolve_conflict(conflict=conflict, take_node=False, actor=budi)


def test_a_new_resident_with_a_known_nik_becomes_the_same_person(
    paired: tuple[FieldNode, dict[str, Any]], village: Village, regency: Regency
) -> None:
    node, _package = paired
    other_village = Village.objects.exclude(pk=village.pk).first() or village
    known = ResidentFactory.create(village=other_village)
    incoming = _new_resident(village, nik=known.national_id)
    result = receive_batch(_batch(node, [incoming]))
    assert result["created"] == 0
    assert Resident.objects.filter(national_id=known.national_id).count() == 1
    assert SyncConflict.objects.filter(
        node=node, kind=SyncConflict.Kind.SAME_PERSON, record_uuid=known.uuid
    ).exists()


def test_central_holds_the_visit_while_a_node_runs_it(
    paired: tuple[FieldNode, dict[str, Any]], budi: User
) -> None:
    node, _package = paired
    resident = Resident.objects.filter(registrations__isnull=True).first()
    assert resident is not None
    with pytest.raises(DomainError) as refused:
        pre_register(
            visit=node.visit,
            resident=resident,
            services=[],
            documents_present={},
            actor=budi,
            today=node.visit.start_date,
        )
    assert refused.value.code == "sync.visit_on_field_node"
    actions.release_node(node=node, actor=budi)
    Visit.objects.filter(pk=node.visit_id).update(status=Visit.Status.ONGOING)


def test_push_endpoint_refuses_an_oversized_batch(paired: tuple[FieldNode, Any]) -> None:
    client = client_for(User.objects.get(username="budi"))
    response = client.post(
        "/sinkron/api/push/",
        data=b"x",
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(65 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "64 MB" in response.json()["detail"]


def test_wire_kinds_are_in_dependency_order() -> None:
    seen: set[str] = set()
    for kind in wire.KINDS:
        for name, style in kind.refs.items():
            if style[0] == wire.UUID and name not in kind.deferred:
                assert style[1] in seen or style[1] == kind.name, (kind.name, name)
        seen.add(kind.name)


def test_no_record_points_to_an_append_only_kind() -> None:
    # receive.py keeps append-only kinds out of the ledger, and the scope check reads
    # the ledger for the targets of references: none may be of such a kind.
    for kind in wire.KINDS:
        for name, style in kind.refs.items():
            if style[0] == wire.UUID:
                assert not wire.BY_NAME[style[1]].append_only, (kind.name, name)


def test_an_audit_entry_resent_is_unchanged_and_one_changed_is_a_conflict(
    paired: tuple[FieldNode, dict[str, Any]],
) -> None:
    from bujian.core.models import AuditEntry
    from bujian.sync.models import SyncRecord

    node, _package = paired
    made = AuditEntry.objects.create(action="queue.ticket.called", data={"booth": "A"})
    [(entry_uuid, data)] = wire.serialize(
        wire.BY_NAME["audit"], AuditEntry.objects.filter(pk=made.pk)
    )
    made.delete()  # as if written on the node only
    entry: dict[str, Any] = {"k": "audit", "u": entry_uuid, "d": data}
    count = AuditEntry.objects.count()
    assert receive_batch(_batch(node, [entry]))["created"] == 1
    assert not SyncRecord.objects.filter(node=node, kind="audit").exists()  # no ledger row
    resent = receive_batch(_batch(node, [entry]))  # the acknowledgement was lost
    assert (resent["created"], resent["unchanged"], resent["conflicts"]) == (0, 1, 0)
    assert AuditEntry.objects.filter(uuid=entry_uuid).count() == 1
    assert AuditEntry.objects.count() == count + 3  # it, and each batch's "applied" entry
    changed = {**entry, "d": {**entry["d"], "action": "queue.ticket.skipped"}}
    result = receive_batch(_batch(node, [changed]))
    assert result["conflicts"] == 1
    assert AuditEntry.objects.get(uuid=entry["u"]).action == "queue.ticket.called"
    assert SyncConflict.objects.filter(node=node, record_kind="audit", field="action").exists()


def test_a_check_in_made_on_central_before_pairing_travels_in_the_package(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> None:
    from bujian.visits.actions import check_in

    hall = make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )
    import datetime as dt

    from bujian.visits.actions import local_now

    moment = dt.datetime.combine(
        hall.visit.start_date, dt.time(7, 30), tzinfo=local_now(regency).tzinfo
    )
    checkin = check_in(visit=hall.visit, agency=disdukcapil, actor=budi, now=moment)
    node, code = actions.register_node(visit=hall.visit, name="Laptop", actor=budi)
    package = open_package(actions.hand_out_package(code=code, actor=budi), code)
    pulled = [r for r in package["records"] if r["k"] == "checkin"]
    assert [r["u"] for r in pulled] == [str(checkin.uuid)]
    # The node pushes it back unchanged (e.g. with its check-out): no clash, one row.
    record = {**pulled[0], "d": {**pulled[0]["d"], "checked_out_by": "budi"}}
    result = receive_batch(_batch(node, [record]))
    assert result["created"] == 0
    assert hall.visit.participations.get(agency=disdukcapil).checkins.count() == 1


def test_a_document_the_node_carries_is_handed_over_there_only(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> None:
    from bujian.records.actions_documents import hand_over_document
    from bujian.records.models import Document, DocumentHandover

    hall = make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )
    document = Document.objects.create(
        kind=Document.Kind.KK,
        number="1701050000000009",
        resident=ResidentFactory.create(village=village),
        agency=disdukcapil,
        status=Document.Status.READY,
    )
    node, code = actions.register_node(visit=hall.visit, name="Laptop", actor=budi)
    actions.hand_out_package(code=code, actor=budi)
    with pytest.raises(DomainError) as refused:
        hand_over_document(
            document=document, actor=budi, recipient="resident", place="village_office"
        )
    assert refused.value.code == "sync.document_on_field_node"
    assert not DocumentHandover.objects.exists()
    actions.release_node(node=node, actor=budi)
    hand_over_document(document=document, actor=budi, recipient="resident", place="village_office")
    assert DocumentHandover.objects.filter(document=document).exists()


def test_a_registrations_services_and_the_documents_present_are_taken_then_replaced(
    paired: tuple[FieldNode, dict[str, Any]], village: Village
) -> None:
    """A registration carries its services with the requirements the resident already
    has; a resent registration whose services changed is merged and written whole."""
    node, _package = paired
    ktp, stnk = Service.objects.filter(agency__participations__visit=node.visit).order_by("pk")[:2]
    has_ktp = [Requirement.objects.create(service=ktp, text=f"Syarat {n}").pk for n in (1, 2)]
    resident = _new_resident(village)
    registration = _new_registration(node, resident["u"], [[ktp.code, has_ktp], [stnk.code, []]])
    assert receive_batch(_batch(node, [resident, registration]))["created"] == 2

    def needs() -> dict[str, list[int]]:
        saved = Registration.objects.get(uuid=registration["u"])
        return {
            need.service.code: sorted(need.documents_present.values_list("pk", flat=True))
            for need in saved.needs.all()
        }

    assert needs() == {ktp.code: sorted(has_ktp), stnk.code: []}
    # The node now has one KTP document less and an STNK one more: the merge keeps the
    # union (nothing a side recorded is lost) and the rows are written again whole.
    has_stnk = Requirement.objects.create(service=stnk, text="BPKB").pk
    services = [[ktp.code, has_ktp[:1]], [stnk.code, [has_stnk]]]
    changed = _new_registration(node, resident["u"], services) | {"u": registration["u"]}
    result = receive_batch(_batch(node, [changed]))
    assert (result["updated"], result["conflicts"]) == (1, 0)
    assert needs() == {ktp.code: sorted(has_ktp), stnk.code: [has_stnk]}
