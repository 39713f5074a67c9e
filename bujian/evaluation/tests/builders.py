"""A finished visit with every kind of raw row the evaluation reads: participations,
check-ins, booths, tickets with times, service records, documents and a handover,
and SKM answers. Numbers are fixed so tests can state what the reports must say."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bujian.agencies.models import Agency, Service
from bujian.agencies.tests.factories import ServiceFactory
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records.models import Document, DocumentHandover, ServiceRecord
from bujian.regions.models import Regency, Village
from bujian.residents.models import Resident
from bujian.residents.tests.factories import ResidentFactory
from bujian.surveys.models import Questionnaire, SurveyResponse
from bujian.visits.models import Booth, Participation, Visit

DAY = dt.date(2027, 6, 10)


@dataclass
class BuiltVisit:
    visit: Visit
    booths: dict[str, Booth] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    residents: list[Resident] = field(default_factory=list)


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo("Asia/Jakarta"))


def questionnaire() -> Questionnaire:
    found = Questionnaire.objects.filter(is_current=True).first()
    if found is not None:
        return found
    return Questionnaire.objects.create(version=99, title="SKM test", is_current=True)


def build_visit(
    *,
    regency: Regency,
    village: Village,
    disdukcapil: Agency,
    samsat: Agency,
    absent: Agency | None = None,
    excused: Agency | None = None,
    day: dt.date = DAY,
    status: str = Visit.Status.FINISHED,
) -> BuiltVisit:
    """Disdukcapil serves 3 residents (KTP completed, KK in process, one KTP rejected),
    Samsat serves 1 (tax paid) and skips 1; waits of 10, 20, 30 and 40 minutes; 4
    residents served (2 men, 2 women); 2 documents, 1 handed over; 3 SKM answers."""
    visit = Visit.objects.create(
        regency=regency, village=village, start_date=day, end_date=day, status=status
    )
    built = BuiltVisit(visit=visit)
    parts = {}
    for agency in (disdukcapil, samsat):
        parts[agency.code] = Participation.objects.create(
            visit=visit,
            agency=agency,
            mandatory=agency.kind == Agency.Kind.OPD,
            status=Participation.Status.CONFIRMED,
            attendance=Participation.Attendance.PRESENT,
            late=agency.code == "samsat",
        )
    if absent is not None:
        Participation.objects.create(
            visit=visit, agency=absent, attendance=Participation.Attendance.ABSENT
        )
    if excused is not None:
        Participation.objects.create(
            visit=visit, agency=excused, status=Participation.Status.EXCUSED
        )
    for prefix, code in (("A", disdukcapil.code), ("B", samsat.code)):
        built.booths[code] = Booth.objects.create(
            visit=visit, participation=parts[code], prefix=prefix, name=f"Loket {prefix}"
        )
    built.services["ktp"] = ServiceFactory.create(
        agency=disdukcapil, code=f"DUK-KTP-CETAK-{visit.pk}", name="Cetak KTP-el"
    )
    built.services["kk"] = ServiceFactory.create(
        agency=disdukcapil, code=f"DUK-KK-{visit.pk}", name="Kartu Keluarga"
    )
    built.services["pkb"] = ServiceFactory.create(
        agency=samsat, code=f"PKB-TAHUNAN-{visit.pk}", name="Pajak kendaraan tahunan"
    )
    people = [
        ResidentFactory.create(
            village=village, sex=Resident.Sex.MALE, birth_date=dt.date(1990, 1, 1)
        ),
        ResidentFactory.create(
            village=village, sex=Resident.Sex.FEMALE, birth_date=dt.date(2011, 6, 11)
        ),
        ResidentFactory.create(
            village=village, sex=Resident.Sex.FEMALE, birth_date=dt.date(1960, 6, 10)
        ),
        ResidentFactory.create(
            village=village, sex=Resident.Sex.MALE, birth_date=dt.date(2000, 2, 2)
        ),
        ResidentFactory.create(
            village=village, sex=Resident.Sex.MALE, birth_date=dt.date(1970, 5, 5)
        ),
    ]
    Resident.objects.filter(pk=people[3].pk).update(village=None)  # from outside the regency
    people[3].village = None
    built.residents = people
    tickets = [VisitTicket.objects.create(visit=visit, resident=p) for p in people]
    plan = [
        # (visit ticket, booth, status, queued, called, started, finished, outcomes)
        (0, "A", Ticket.Status.DONE, (8, 0), (8, 10), (8, 12), (8, 20), [("ktp", "completed")]),
        (1, "A", Ticket.Status.DONE, (8, 5), (8, 25), (8, 26), (8, 41), [("kk", "in_process")]),
        (2, "A", Ticket.Status.DONE, (8, 10), (8, 40), (8, 41), (8, 45), [("ktp", "rejected")]),
        (3, "B", Ticket.Status.DONE, (9, 0), (9, 40), (9, 45), (10, 0), [("pkb", "completed")]),
        (4, "B", Ticket.Status.SKIPPED, (9, 5), None, None, None, []),
    ]
    numbers: dict[str, int] = {}
    by_code = {"A": disdukcapil.code, "B": samsat.code}
    for index, prefix, state, queued, called, started, finished, outcomes in plan:
        booth = built.booths[by_code[prefix]]
        numbers[prefix] = numbers.get(prefix, 0) + 1
        number = numbers[prefix]
        ticket = Ticket.objects.create(
            visit_ticket=tickets[index],
            booth=booth,
            day=day,
            number=numbers[prefix],
            status=state,
            queued_at=_at(day, *queued),
            # Microseconds, as timezone.now() writes them: the sums must keep them.
            called_at=_at(day, *called) + dt.timedelta(microseconds=123_457 * number)
            if called
            else None,
            started_at=_at(day, *started) if started else None,
            finished_at=_at(day, *finished) if finished else None,
        )
        for service_key, outcome in outcomes:
            record = ServiceRecord.objects.create(
                ticket=ticket,
                service=built.services[service_key],
                outcome=outcome,
                promised_date=day + dt.timedelta(days=7) if outcome == "in_process" else None,
                rejection_reason="Belum membawa KK" if outcome == "rejected" else "",
            )
            if outcome in {"completed", "in_process"} and service_key != "pkb":
                document = Document.objects.create(
                    kind=Document.Kind.KTP_EL if service_key == "ktp" else Document.Kind.KK,
                    resident=people[index],
                    agency=booth.participation.agency,
                    service_record=record,
                    status=(
                        Document.Status.READY
                        if outcome == "completed"
                        else Document.Status.IN_PROCESS
                    ),
                )
                if outcome == "completed":
                    DocumentHandover.objects.create(
                        document=document,
                        recipient=DocumentHandover.Recipient.RESIDENT,
                        visit=visit,
                        handed_over_at=_at(day, 11, 0),
                    )
                    Document.objects.filter(pk=document.pk).update(
                        status=Document.Status.HANDED_OVER
                    )
    survey = questionnaire()
    answers = [
        (disdukcapil, [4] * 9),
        (disdukcapil, [3, 3, 3, 3, 3, 3, 3, 3, 2]),
        (samsat, [4, 4, 4, 4, 3, 3, 3, 3, 3]),
    ]
    for agency, scores in answers:
        SurveyResponse.objects.create(
            questionnaire=survey,
            regency=regency,
            visit=visit,
            agency=agency,
            day=day,
            session="morning",
            channel="kiosk",
            sex="L",
            age=40,
            education="sma",
            occupation="swasta",
            **{f"u{i}": score for i, score in enumerate(scores, start=1)},
        )
    return built
