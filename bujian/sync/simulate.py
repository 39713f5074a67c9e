"""A visit day on a field node, through the same actions as the screens: agencies
check in, residents (pulled and walk-ins) get a ticket, every booth calls, serves and
records an outcome, waiting documents are handed over, aspirations and survey
answers are recorded. Used by the sync tests, the fault script and the benchmark."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bujian.accounts.models import User
from bujian.agencies.models import Service
from bujian.aspirations.actions import submit_aspiration
from bujian.aspirations.models import Aspiration, Category
from bujian.queueing.actions import call_next, finish_ticket, issue_visit_ticket, start_service
from bujian.records.actions import OutcomeInput
from bujian.records.actions_documents import hand_over_document
from bujian.records.models import Document, ServiceRecord
from bujian.residents.actions import pre_register, register_resident
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import make_nik
from bujian.surveys.actions import Respondent, submit_response
from bujian.surveys.models import SurveyResponse
from bujian.sync.node import state
from bujian.visits.actions import check_in, local_now
from bujian.visits.models import Booth, Participation


def simulate_day(*, residents: int = 40, walk_ins: int = 5, seed: int = 7) -> dict[str, int]:
    node_state = state()
    if node_state is None:
        raise RuntimeError("not a paired field node")
    visit = node_state.visit
    rng = random.Random(seed)  # noqa: S311 - a repeatable simulation, not a secret
    admin = User.objects.filter(role=User.Role.PROGRAM_ADMIN).order_by("pk").first()
    assert admin is not None
    zone = local_now(visit.regency).tzinfo
    day = visit.start_date
    moment = dt.datetime.combine(day, dt.time(8, 0), tzinfo=zone)
    for participation in Participation.objects.filter(visit=visit).select_related("agency"):
        if not participation.checkins.filter(day=day).exists():
            check_in(visit=visit, agency=participation.agency, actor=admin, now=moment)
    booths = list(Booth.objects.filter(visit=visit, is_open=True).select_related("participation"))
    services = {
        booth.pk: list(
            Service.objects.filter(agency_id=booth.participation.agency_id, is_active=True)[:3]
        )
        for booth in booths
    }
    booths = [booth for booth in booths if services[booth.pk]]
    people = list(Resident.objects.filter(village_id=visit.village_id).order_by("pk")[:residents])
    for serial in range(walk_ins):
        birth = dt.date(1980 + serial % 20, 1 + serial % 12, 1 + serial % 27)
        sex = "P" if serial % 2 else "L"
        resident = register_resident(
            actor=admin,
            national_id=make_nik(visit.village.district.code, birth, sex, 9000 + serial),
            family_card_number="",
            full_name=f"Warga Datang {serial + 1}",
            sex=sex,
            birth_date=birth,
            birth_place="",
            village=visit.village,
            hamlet="",
            rt="",
            rw="",
            address="",
            phone="",
        )
        people.append(resident)
    at = moment + dt.timedelta(minutes=30)
    # The day's clock: 40 s a ticket at the desk, 2.5 min a service at the booths (one
    # clock for all booths). A big visit (the benchmark's 2,000 residents) would run
    # past midnight, out of the visit's day: its clock runs faster to end by ~22:00.
    pace = min(1.0, 13 * 3600 / (len(people) * (40 + 1.5 * 150)))
    for resident in people:
        chosen = rng.sample(booths, k=min(len(booths), rng.randint(1, 2)))
        wanted = [services[booth.pk][0] for booth in chosen]
        registration = Registration.objects.filter(visit=visit, resident=resident).first()
        if registration is None:
            registration = pre_register(
                visit=visit,
                resident=resident,
                services=wanted,
                documents_present={},
                actor=admin,
                source=Registration.Source.WALK_IN,
                today=day,
            )
        at += dt.timedelta(seconds=40 * pace)
        issue_visit_ticket(
            visit=visit,
            resident=resident,
            services=wanted,
            issued_by=admin,
            registration=registration,
            now=at,
        )
    served = 0
    for booth in booths:
        while True:
            at += dt.timedelta(seconds=30 * pace)
            ticket = call_next(booth=booth, actor=admin, now=at)
            if ticket is None:
                break
            start_service(ticket=ticket, actor=admin, now=at)
            service = ticket.services.first() or services[booth.pk][0]
            at += dt.timedelta(minutes=2 * pace)
            finish_ticket(
                ticket=ticket,
                actor=admin,
                outcomes=[
                    OutcomeInput(
                        service=service,
                        outcome=ServiceRecord.Outcome.COMPLETED,
                        document_number=f"NODE-{booth.prefix}-{ticket.number:04d}",
                    )
                ],
                now=at,
            )
            served += 1
            if served % 3 == 0:
                submit_response(
                    respondent=Respondent(
                        sex="L",
                        age=30 + served % 30,
                        education=SurveyResponse.Education.SMA,
                        occupation=SurveyResponse.Occupation.PRIVATE,
                    ),
                    answers=[rng.randint(3, 4) for _ in range(9)],
                    channel=SurveyResponse.Channel.KIOSK,
                    ticket=ticket,
                    now=at,
                )
    handed = 0
    # Oldest first: the documents that came in the package wait longest.
    for document in Document.objects.filter(status=Document.Status.READY).order_by("pk")[:10]:
        at += dt.timedelta(minutes=1)
        hand_over_document(
            document=document,
            actor=admin,
            recipient="resident",
            place="visit",
            visit=visit,
            now=at,
        )
        handed += 1
    for number in range(max(1, len(people) // 10)):
        photos = [_photo(f"jalan-{number + 1}.png")] if number == 0 else []
        submit_aspiration(
            regency=visit.regency,
            channel=Aspiration.Channel.DIALOGUE,
            category=Category.INFRASTRUCTURE,
            title=f"Jalan desa rusak {number + 1}",
            text="Jalan menuju kebun rusak sejak musim hujan; mohon diperbaiki.",
            visit=visit,
            village=visit.village,
            raised_by="Kepala dusun",
            photos=photos,
            actor=admin,
            now=at,
        )
    return {"residents": len(people), "served": served, "handed_over": handed}


def _photo(name: str) -> SimpleUploadedFile:
    """A small real PNG, as a phone would send (the upload check reads its content)."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def report_numbers(visit_id: int) -> dict[str, Any]:
    """The laporan pelaksanaan's numbers (no names, no ids that differ between
    machines): what central must show for the visit after the sync, as the node did."""
    from bujian.evaluation.api import _agency
    from bujian.evaluation.reports import visit_report

    report = visit_report(visit_id)
    return {
        "attendance": [report.invited, report.present, report.absent, report.late],
        "served": report.residents.served,
        "by_sex": [(c.key, c.count) for c in report.residents.by_sex],
        "by_age": [(c.key, c.count) for c in report.residents.by_age],
        "agencies": sorted((_agency(row) for row in report.agencies), key=lambda r: r["code"]),
        "total": _agency(report.total, code=""),
        "documents": [
            report.documents_issued,
            report.documents_handed_over,
            report.documents_handed_over_at_visit,
        ],
        "aspirations": report.aspirations,
    }


def counts() -> dict[str, Any]:
    """What the node holds, by kind: compared with central after the push."""
    from bujian.sync import wire

    return {kind.name: kind.model._default_manager.count() for kind in wire.KINDS}
