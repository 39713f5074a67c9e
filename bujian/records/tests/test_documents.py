"""Documents after the booth: register, mark ready, hand over (once), and the rollover
queries (a ready document waits for every visit of its kecamatan and on its village
office list until it is handed over)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import time_machine
from django.utils import translation

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.core.errors import DomainError
from bujian.core.models import AuditEntry
from bujian.records import actions_documents, queries
from bujian.records.actions_documents import hand_over_document, mark_ready, register_document
from bujian.records.models import Document, DocumentHandover, ServiceRecord
from bujian.records.tests.factories import DocumentFactory, ResidentFactory, served_at
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import DistrictFactory, VillageFactory
from bujian.residents.models import Resident
from bujian.residents.nik import make_nik, mask_nik
from bujian.visits.models import Visit
from bujian.visits.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
TODAY = NOW.date()
PROXY_NIK = make_nik("17.01.05", dt.date(1988, 3, 12), "L", 21)


@pytest.fixture(autouse=True)
def _frozen_clock() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _english() -> object:
    """Messages are checked in the msgid language, so a translation cannot break them."""
    with translation.override("en"):
        yield


@pytest.fixture
def neighbour(village: Village) -> Village:
    """Another village of the same kecamatan (Kota Manna)."""
    return VillageFactory.create(
        district=village.district, code="17.01.05.2002", name="Kayu Kunyit"
    )


@pytest.fixture
def elsewhere(regency: Regency) -> Village:
    """A village of another kecamatan."""
    district = DistrictFactory.create(regency=regency, code="17.01.06", name="Pino")
    return VillageFactory.create(district=district, code="17.01.06.2001", name="Pagar Gading")


def _visit(regency: Regency, village: Village, day: dt.date, **kwargs: object) -> Visit:
    return VisitFactory.create(
        regency=regency,
        village=village,
        start_date=day,
        end_date=day,
        status=kwargs.pop("status", Visit.Status.ONGOING),
        **kwargs,
    )


@pytest.fixture
def visit(regency: Regency, village: Village) -> Visit:
    return _visit(regency, village, TODAY)


@pytest.fixture
def resident(village: Village) -> Resident:
    return ResidentFactory.create(village=village, full_name="Rina Marlina")


@pytest.fixture
def ready(resident: Resident, disdukcapil: Agency) -> Document:
    return DocumentFactory.create(resident=resident, agency=disdukcapil, number="1701-0001")


# --- register_document ----------------------------------------------------------------


def test_registering_a_ready_document_from_the_office(
    resident: Resident, disdukcapil: Agency, siti: User
) -> None:
    document = register_document(
        kind=Document.Kind.KTP_EL,
        number=" 1701054107900003-KTP ",
        resident=resident,
        agency=disdukcapil,
        actor=siti,
        ready=True,
    )
    assert document.status == Document.Status.READY
    assert document.number == "1701054107900003-KTP"
    assert document.ready_at == NOW
    entry = AuditEntry.objects.get(action="records.document.registered")
    assert entry.actor == siti and entry.target_id == str(document.pk)


def test_registering_in_process_keeps_the_promised_date(
    resident: Resident, disdukcapil: Agency, siti: User
) -> None:
    promised = TODAY + dt.timedelta(days=7)
    document = register_document(
        kind=Document.Kind.KK,
        number="",
        resident=resident,
        agency=disdukcapil,
        actor=siti,
        promised_date=promised,
    )
    assert document.status == Document.Status.IN_PROCESS
    assert document.promised_date == promised and document.ready_at is None


def test_a_ready_document_needs_its_number(
    resident: Resident, disdukcapil: Agency, samsat: Agency, siti: User, andi: User
) -> None:
    with pytest.raises(DomainError) as refused:
        register_document(
            kind=Document.Kind.KTP_EL,
            number="  ",
            resident=resident,
            agency=disdukcapil,
            actor=siti,
            ready=True,
        )
    assert refused.value.code == "records.number_required"
    # an STNK pengesahan is a stamp on the existing STNK: no number of its own
    register_document(
        kind=Document.Kind.STNK, number="", resident=resident, agency=samsat, actor=andi, ready=True
    )
    assert Document.objects.count() == 1


def test_registering_refuses_a_service_record_of_someone_else(
    visit: Visit, resident: Resident, village: Village, disdukcapil: Agency, siti: User
) -> None:
    record = served_at(visit, resident=resident, agency=disdukcapil, number="A1")
    other = ResidentFactory.create(village=village)
    with pytest.raises(DomainError) as refused:
        register_document(
            kind=Document.Kind.KTP_EL,
            number="A2",
            resident=other,
            agency=disdukcapil,
            actor=siti,
            service_record=record,
        )
    assert refused.value.code == "records.foreign_service_record"
    with pytest.raises(DomainError) as twice:
        register_document(
            kind=Document.Kind.KTP_EL,
            number="A2",
            resident=resident,
            agency=disdukcapil,
            actor=siti,
            service_record=record,
        )
    assert twice.value.code == "records.already_registered"


def test_registering_refuses_an_unknown_kind(
    resident: Resident, disdukcapil: Agency, siti: User
) -> None:
    with pytest.raises(DomainError) as refused:
        register_document(
            kind="passport", number="X", resident=resident, agency=disdukcapil, actor=siti
        )
    assert refused.value.code == "records.bad_kind"


# --- mark_ready -------------------------------------------------------------------------


def test_mark_ready_moves_in_process_to_ready_with_the_number(
    resident: Resident, disdukcapil: Agency, siti: User
) -> None:
    document = DocumentFactory.create(
        resident=resident, agency=disdukcapil, status=Document.Status.IN_PROCESS, number=""
    )
    mark_ready(document=document, actor=siti, number="KTP-77")
    document.refresh_from_db()
    assert document.status == Document.Status.READY
    assert document.number == "KTP-77" and document.ready_at == NOW
    assert AuditEntry.objects.filter(
        action="records.document.ready", target_id=str(document.pk)
    ).exists()


def test_mark_ready_without_a_number_is_refused(
    resident: Resident, disdukcapil: Agency, siti: User
) -> None:
    document = DocumentFactory.create(
        resident=resident, agency=disdukcapil, status=Document.Status.IN_PROCESS, number=""
    )
    with pytest.raises(DomainError) as refused:
        mark_ready(document=document, actor=siti)
    assert refused.value.code == "records.number_required"
    document.refresh_from_db()
    assert document.status == Document.Status.IN_PROCESS


def test_mark_ready_keeps_a_number_known_before(
    resident: Resident, disdukcapil: Agency, siti: User
) -> None:
    document = DocumentFactory.create(
        resident=resident, agency=disdukcapil, status=Document.Status.IN_PROCESS, number="KK-1"
    )
    mark_ready(document=document, actor=siti)
    document.refresh_from_db()
    assert document.status == Document.Status.READY and document.number == "KK-1"


def test_mark_ready_twice_is_refused(ready: Document, siti: User) -> None:
    with pytest.raises(DomainError) as refused:
        mark_ready(document=ready, actor=siti, number="X")
    assert refused.value.code == "records.not_in_process"
    ready.refresh_from_db()
    assert ready.number == "1701-0001"


# --- hand_over_document -------------------------------------------------------------------


def test_hand_over_to_the_resident_at_the_visit(ready: Document, visit: Visit, siti: User) -> None:
    handover = hand_over_document(
        document=ready,
        actor=siti,
        recipient=DocumentHandover.Recipient.RESIDENT,
        place=DocumentHandover.Place.VISIT,
        visit=visit,
        on_stage=True,
    )
    ready.refresh_from_db()
    assert ready.status == Document.Status.HANDED_OVER
    assert handover.visit == visit and handover.on_stage
    assert handover.handed_over_by == siti and handover.handed_over_at == NOW
    entry = AuditEntry.objects.get(action="records.document.handed_over")
    assert entry.target_id == str(ready.pk)
    assert entry.data["place"] == "visit" and entry.data["on_stage"] is True


def test_hand_over_to_a_proxy_stores_who_and_audits_only_a_masked_nik(
    ready: Document, visit: Visit, siti: User
) -> None:
    handover = hand_over_document(
        document=ready,
        actor=siti,
        recipient=DocumentHandover.Recipient.PROXY,
        place=DocumentHandover.Place.VISIT,
        visit=visit,
        proxy_name=" Ahmad Yani ",
        proxy_national_id="1701 0512 0388 0021",
        proxy_relationship="Suami",
    )
    assert handover.proxy_name == "Ahmad Yani"
    assert handover.proxy_national_id == PROXY_NIK
    assert handover.proxy_relationship == "Suami"
    trail = json.dumps(list(AuditEntry.objects.values("data", "target_repr")), ensure_ascii=False)
    assert PROXY_NIK not in trail and ready.resident.national_id not in trail
    assert mask_nik(PROXY_NIK) in trail


def test_hand_over_twice_is_refused_and_leaves_one_handover(
    ready: Document, visit: Visit, siti: User, budi: User
) -> None:
    stale = Document.objects.get(pk=ready.pk)  # a second operator's page, loaded before
    hand_over_document(
        document=ready,
        actor=siti,
        recipient=DocumentHandover.Recipient.PROXY,
        place=DocumentHandover.Place.VISIT,
        visit=visit,
        proxy_name="Ahmad Yani",
        proxy_national_id=PROXY_NIK,
        proxy_relationship="Suami",
    )
    with pytest.raises(DomainError) as refused:
        hand_over_document(
            document=stale,
            actor=budi,
            recipient=DocumentHandover.Recipient.RESIDENT,
            place=DocumentHandover.Place.VILLAGE_OFFICE,
        )
    assert refused.value.code == "records.already_handed_over"
    assert (
        "Ahmad Yani" in refused.value.message and "10 December 2026, 09.30" in refused.value.message
    )
    assert DocumentHandover.objects.filter(document=ready).count() == 1
    assert DocumentHandover.objects.get().handed_over_by == siti


def test_the_one_to_one_handover_is_the_backstop(
    ready: Document, visit: Visit, siti: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A handover row that slipped past the first check (a race, or data repaired by
    hand) still stops a second handover, and the status change rolls back with it."""
    DocumentHandover.objects.create(
        document=ready,
        recipient=DocumentHandover.Recipient.RESIDENT,
        place=DocumentHandover.Place.AGENCY_OFFICE,
        handed_over_at=NOW,
    )
    real_check = actions_documents._refuse_unavailable
    calls: list[int] = []

    def blind_first_check(document: Document) -> None:
        calls.append(document.pk)
        if len(calls) > 1:
            real_check(document)

    monkeypatch.setattr(actions_documents, "_refuse_unavailable", blind_first_check)
    with pytest.raises(DomainError) as refused:
        hand_over_document(
            document=ready,
            actor=siti,
            recipient=DocumentHandover.Recipient.RESIDENT,
            place=DocumentHandover.Place.VISIT,
            visit=visit,
        )
    assert refused.value.code == "records.already_handed_over"
    assert len(calls) == 2  # the UPDATE matched; the unique one-to-one refused the row
    assert DocumentHandover.objects.count() == 1
    ready.refresh_from_db()
    assert ready.status == Document.Status.READY  # the transaction rolled back


def test_a_document_in_process_cannot_be_handed_over(
    resident: Resident, disdukcapil: Agency, visit: Visit, siti: User
) -> None:
    document = DocumentFactory.create(
        resident=resident, agency=disdukcapil, status=Document.Status.IN_PROCESS
    )
    with pytest.raises(DomainError) as refused:
        hand_over_document(
            document=document,
            actor=siti,
            recipient=DocumentHandover.Recipient.RESIDENT,
            place=DocumentHandover.Place.VISIT,
            visit=visit,
        )
    assert refused.value.code == "records.not_ready"
    assert not DocumentHandover.objects.exists()
    document.refresh_from_db()
    assert document.status == Document.Status.IN_PROCESS


@pytest.mark.parametrize(
    ("proxy", "code", "words"),
    [
        (
            {"proxy_name": "Ahmad", "proxy_national_id": PROXY_NIK},
            "relationship_required",
            "related",
        ),
        ({"proxy_relationship": "Anak", "proxy_national_id": PROXY_NIK}, "name_required", "name"),
        ({"proxy_name": "Ahmad", "proxy_relationship": "Anak"}, "nik_required", "NIK"),
        (
            {"proxy_name": "Ahmad", "proxy_relationship": "Anak", "proxy_national_id": "1701"},
            "nik_invalid",
            "16 digits",
        ),
        (
            {
                "proxy_name": "Ahmad",
                "proxy_relationship": "Anak",
                "proxy_national_id": "1701051213880021",  # month 13
            },
            "nik_invalid",
            "9–10",
        ),
    ],
)
def test_a_proxy_needs_name_relationship_and_a_valid_nik(
    ready: Document, visit: Visit, siti: User, proxy: dict[str, str], code: str, words: str
) -> None:
    with pytest.raises(DomainError) as refused:
        hand_over_document(
            document=ready,
            actor=siti,
            recipient=DocumentHandover.Recipient.PROXY,
            place=DocumentHandover.Place.VISIT,
            visit=visit,
            proxy_name=proxy.get("proxy_name", ""),
            proxy_national_id=proxy.get("proxy_national_id", ""),
            proxy_relationship=proxy.get("proxy_relationship", ""),
        )
    assert refused.value.code == f"records.proxy_{code}"
    assert words in refused.value.message
    assert not DocumentHandover.objects.exists()
    ready.refresh_from_db()
    assert ready.status == Document.Status.READY


def test_the_resident_is_not_their_own_proxy(ready: Document, visit: Visit, siti: User) -> None:
    with pytest.raises(DomainError) as refused:
        hand_over_document(
            document=ready,
            actor=siti,
            recipient=DocumentHandover.Recipient.PROXY,
            place=DocumentHandover.Place.VISIT,
            visit=visit,
            proxy_name="Rina",
            proxy_national_id=ready.resident.national_id,
            proxy_relationship="Diri sendiri",
        )
    assert refused.value.code == "records.proxy_is_resident"


def test_on_stage_only_at_a_visit(ready: Document, siti: User) -> None:
    with pytest.raises(DomainError) as refused:
        hand_over_document(
            document=ready,
            actor=siti,
            recipient=DocumentHandover.Recipient.RESIDENT,
            place=DocumentHandover.Place.VILLAGE_OFFICE,
            on_stage=True,
        )
    assert refused.value.code == "records.on_stage_needs_visit"
    assert not DocumentHandover.objects.exists()


def test_place_and_visit_must_agree(
    ready: Document, visit: Visit, regency: Regency, village: Village, siti: User
) -> None:
    cases = [
        ({"place": DocumentHandover.Place.VISIT}, "records.visit_required"),
        (
            {"place": DocumentHandover.Place.AGENCY_OFFICE, "visit": visit},
            "records.visit_with_other_place",
        ),
        (
            {
                "place": DocumentHandover.Place.VISIT,
                "visit": _visit(
                    regency, village, TODAY + dt.timedelta(days=30), status=Visit.Status.DRAFT
                ),
            },
            "records.visit_not_held",
        ),
        ({"place": "market"}, "records.bad_place"),
    ]
    for arguments, code in cases:
        with pytest.raises(DomainError) as refused:
            hand_over_document(
                document=ready,
                actor=siti,
                recipient=DocumentHandover.Recipient.RESIDENT,
                **arguments,  # type: ignore[arg-type]
            )
        assert refused.value.code == code
    with pytest.raises(DomainError) as nobody:
        hand_over_document(
            document=ready, actor=siti, recipient="neighbour", place="village_office"
        )
    assert nobody.value.code == "records.bad_recipient"
    assert not DocumentHandover.objects.exists()


def test_a_resident_recipient_keeps_no_proxy_details(ready: Document, siti: User) -> None:
    handover = hand_over_document(
        document=ready,
        actor=siti,
        recipient=DocumentHandover.Recipient.RESIDENT,
        place=DocumentHandover.Place.AGENCY_OFFICE,
        proxy_name="left over from the form",
    )
    assert handover.proxy_name == "" and handover.visit is None


# --- rollover --------------------------------------------------------------------------------


def test_a_document_made_at_one_visit_waits_for_the_next_visit_of_the_kecamatan(
    regency: Regency,
    village: Village,
    neighbour: Village,
    elsewhere: Village,
    resident: Resident,
    disdukcapil: Agency,
    siti: User,
) -> None:
    first = _visit(regency, village, TODAY, status=Visit.Status.FINISHED)
    record = served_at(first, resident=resident, agency=disdukcapil, number="KTP-1")
    document = record.documents.get()
    next_in_kecamatan = _visit(regency, neighbour, TODAY + dt.timedelta(days=14))
    other_kecamatan = _visit(regency, elsewhere, TODAY + dt.timedelta(days=21))

    assert document in queries.documents_waiting_for(next_in_kecamatan)
    assert document in queries.documents_waiting_for(first)
    assert document not in queries.documents_waiting_for(other_kecamatan)
    assert document in queries.documents_for_village_office(village)
    assert document not in queries.documents_for_village_office(neighbour)

    hand_over_document(
        document=document,
        actor=siti,
        recipient=DocumentHandover.Recipient.RESIDENT,
        place=DocumentHandover.Place.VISIT,
        visit=next_in_kecamatan,
    )
    later = _visit(regency, village, TODAY + dt.timedelta(days=40))
    for visit in (first, next_in_kecamatan, later):
        assert document not in queries.documents_waiting_for(visit)
    assert document not in queries.documents_for_village_office(village)
    assert list(queries.documents_handed_over_at(next_in_kecamatan)) == [document]


def test_a_resident_from_elsewhere_served_at_the_visit_is_listed_there(
    visit: Visit, regency: Regency, neighbour: Village, elsewhere: Village, disdukcapil: Agency
) -> None:
    visitor = ResidentFactory.create(village=elsewhere)
    document = served_at(visit, resident=visitor, agency=disdukcapil, number="K9").documents.get()
    assert document in queries.documents_waiting_for(visit)
    assert document not in queries.documents_waiting_for(_visit(regency, neighbour, TODAY))
    assert document in queries.documents_waiting_for(_visit(regency, elsewhere, TODAY))
    assert document in queries.documents_for_village_office(elsewhere)


def test_documents_in_process_are_not_waiting(
    visit: Visit, village: Village, resident: Resident, disdukcapil: Agency
) -> None:
    served_at(
        visit, resident=resident, agency=disdukcapil, outcome=ServiceRecord.Outcome.IN_PROCESS
    )
    assert not queries.documents_waiting_for(visit).exists()
    assert not queries.documents_for_village_office(village).exists()


def test_documents_handed_over_at_the_village_office_leave_every_list(
    ready: Document, visit: Visit, village: Village, kades: User
) -> None:
    hand_over_document(
        document=ready,
        actor=kades,
        recipient=DocumentHandover.Recipient.RESIDENT,
        place=DocumentHandover.Place.VILLAGE_OFFICE,
    )
    assert not queries.documents_waiting_for(visit).exists()
    assert not queries.documents_for_village_office(village).exists()
    assert not queries.documents_handed_over_at(visit).exists()


def test_group_by_village_keeps_the_order(
    visit: Visit, village: Village, neighbour: Village, disdukcapil: Agency
) -> None:
    for place in (village, neighbour, village):
        DocumentFactory.create(resident=ResidentFactory.create(village=place), agency=disdukcapil)
    groups = queries.group_by_village(queries.documents_waiting_for(visit))
    assert [(g.village_name, len(g.documents)) for g in groups] == [
        ("Kayu Kunyit", 1),
        ("Padang Kapuk", 2),
    ]


# --- scope ------------------------------------------------------------------------------------


def test_each_role_sees_its_own_documents(
    ready: Document,
    samsat: Agency,
    elsewhere: Village,
    siti: User,
    andi: User,
    budi: User,
    bupati: User,
    kades: User,
) -> None:
    stnk = DocumentFactory.create(
        resident=ResidentFactory.create(village=elsewhere), agency=samsat, kind="stnk"
    )
    assert set(queries.visible_documents(siti)) == {ready}
    assert set(queries.visible_documents(andi)) == {stnk}
    assert set(queries.visible_documents(budi)) == {ready, stnk}
    assert set(queries.visible_documents(bupati)) == {ready, stnk}
    assert set(queries.visible_documents(kades)) == {ready}
    assert queries.can_manage(siti, ready) and not queries.can_manage(andi, ready)
    assert queries.can_manage(budi, ready) and not queries.can_manage(bupati, ready)
    assert not queries.can_manage(kades, ready)
    assert queries.can_hand_over(kades, ready, DocumentHandover.Place.VILLAGE_OFFICE)
    assert not queries.can_hand_over(kades, ready, DocumentHandover.Place.VISIT)


# --- a real race ---------------------------------------------------------------------------
# The queue's harness (bujian/queueing/tests/test_concurrency.py) runs this module in a
# subprocess whose threads each hold their own connection: real parallel connections
# on PostgreSQL, a file copy of the in-memory database on SQLite.

RACE_SCRIPT = (
    "import sys, django; django.setup(); "
    "from bujian.records.tests.test_documents import race_main; race_main(sys.argv[1])"
)
RACERS = 8


def race_main(raw: str) -> None:
    """The subprocess: RACERS operators press "hand over" on one document at once."""
    from bujian.queueing.tests.test_concurrency import _in_threads

    args = json.loads(raw)

    def work(index: int, barrier: threading.Barrier) -> dict[str, object]:
        document = Document.objects.select_related("resident").get(pk=args["document"])
        actor = User.objects.get(pk=args["actor"])
        barrier.wait()
        try:
            hand_over_document(
                document=document,
                actor=actor,
                recipient=DocumentHandover.Recipient.RESIDENT,
                place=DocumentHandover.Place.AGENCY_OFFICE,
            )
        except DomainError as error:
            return {"refused": error.code}
        return {"handed_over": True}

    results = _in_threads(RACERS, work)
    rows = DocumentHandover.objects.filter(document_id=args["document"]).count()
    print(json.dumps({"threads": results, "rows": rows}))


@pytest.mark.django_db(transaction=True)
def test_racing_operators_hand_a_document_over_once(
    ready: Document, siti: User, tmp_path: Path
) -> None:
    from bujian.queueing.tests.test_concurrency import _database_for_subprocess

    process = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-c",
            RACE_SCRIPT,
            json.dumps({"document": ready.pk, "actor": siti.pk}),
        ],
        env=_database_for_subprocess(tmp_path),
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert process.returncode == 0, process.stderr[-4000:]
    result = json.loads(process.stdout.strip().splitlines()[-1])
    threads = result["threads"]
    assert [t for t in threads if "crash" in t] == []
    assert sum(1 for t in threads if t.get("handed_over")) == 1
    assert [t["refused"] for t in threads if "refused" in t] == ["records.already_handed_over"] * (
        RACERS - 1
    )
    assert result["rows"] == 1
