"""Demo survey responses: most residents served at the demo visits answered the
questionnaire at the kiosk, through the QR on their ticket or on paper.

Each agency has its own level of service, and a weak spot or two (waiting time at
Disdukcapil, facilities in a small balai desa), so the results pages show grades,
weakest elements and the sample warning the way real data does. At today's visit the
last residents served have not answered yet: the kiosk and the status page's survey
link can be tried on them.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from zoneinfo import ZoneInfo

from django.db.models import Prefetch

from bujian.queueing.models import Ticket
from bujian.records.models import ServiceRecord
from bujian.surveys.actions import current_questionnaire
from bujian.surveys.models import ANSWER_FIELDS, SurveyResponse

DEMO_SEED = 2017  # the year of PermenPANRB 14
LEFT_FOR_TODAY = 6  # finished tickets at today's visit left to try the survey on

SUGGESTIONS = [
    "Antrean di loket Disdukcapil terlalu lama, mohon tambah petugas.",
    "Petugas ramah dan sabar menjelaskan persyaratan. Terima kasih.",
    "Tenda kurang besar, banyak warga kepanasan saat menunggu.",
    "Tolong informasi persyaratan diumumkan lewat kepala desa sebelum hari pelayanan.",
    "Pelayanan cepat, KTP langsung jadi. Semoga program ini terus berlanjut.",
    "Kursi tunggu kurang untuk lansia.",
    "Mohon pelayanan BPJS juga hadir setiap kunjungan.",
    "Suara panggilan antrean kurang terdengar dari luar balai desa.",
    "Sangat membantu, tidak perlu lagi ke kota Manna.",
    "Nomor antrean sempat terlewat, mohon dipanggil ulang dengan jelas.",
]

# Answer tendencies per agency code (mean score); others get a middle one. The
# weak element (0-based) of each is pulled down.
QUALITY = {
    "disdukcapil": (3.35, [2]),  # waiting time
    "samsat": (3.15, [2, 7]),
    "dinkes": (3.55, [7]),
    "bpjs-kesehatan": (3.05, [1]),
}
EDUCATION_WEIGHTS = {"sd": 30, "smp": 25, "sma": 32, "s1": 11, "s2": 2, "s3": 0}
OCCUPATION_WEIGHTS = {
    "lainnya": 45,
    "wirausaha": 25,
    "swasta": 12,
    "pns": 12,
    "tni": 2,
    "polri": 4,
}
OTHER_OCCUPATIONS = ["Petani", "Nelayan", "Ibu rumah tangga", "Pelajar", "Buruh harian"]


def _score(rng: random.Random, mean: float) -> int:
    return max(1, min(4, round(rng.gauss(mean, 0.55))))


def seed(today: dt.date) -> str | None:
    """Answer most finished tickets of the demo visits; return the summary line."""
    rng = random.Random(DEMO_SEED)  # noqa: S311 -- repeatable demo data, not secrets
    questionnaire = current_questionnaire()
    tickets = list(
        Ticket.objects.filter(status=Ticket.Status.DONE, survey_response__isnull=True)
        .select_related(
            "booth__participation__agency", "booth__visit__regency", "visit_ticket__resident"
        )
        .prefetch_related(
            Prefetch("records", queryset=ServiceRecord.objects.order_by("created_at", "pk"))
        )
        .order_by("booth__visit_id", "finished_at", "pk")
    )
    if not tickets:
        return None
    todays = [t for t in tickets if t.day == today]
    spared = {t.pk for t in todays[-LEFT_FOR_TODAY:]}
    # One visit is not like another: some reach the minimum sample, some do not; a
    # hot tent or a long queue pulls a whole day down.
    visit_ids = sorted({t.booth.visit_id for t in tickets})
    rates = {v: rng.choice([0.75, 0.9, 1.0, 1.0]) for v in visit_ids}
    moods = {v: rng.uniform(-0.35, 0.2) for v in visit_ids}
    rows = []
    for ticket in tickets:
        if ticket.pk in spared:
            continue
        visit = ticket.booth.visit
        rate = 0.6 if ticket.day == today else rates[visit.pk]
        if rng.random() > rate:
            continue
        agency = ticket.booth.participation.agency
        mean, weak = QUALITY.get(agency.code, (3.3, [8]))
        mean += moods[visit.pk]
        answers = [_score(rng, mean - (0.6 if index in weak else 0.0)) for index in range(9)]
        answers[3] = 4 if rng.random() < 0.93 else 3  # U4: the services are free
        resident = ticket.visit_ticket.resident
        finished = ticket.finished_at or ticket.queued_at
        local_hour = finished.astimezone(ZoneInfo(visit.regency.time_zone)).hour
        age = today.year - resident.birth_date.year if resident.birth_date else 35
        occupation = rng.choices(list(OCCUPATION_WEIGHTS), list(OCCUPATION_WEIGHTS.values()))[0]
        records = list(ticket.records.all())
        channel = rng.choices(["kiosk", "qr", "paper"], [60, 25, 15])[0]
        rows.append(
            SurveyResponse(
                uuid=uuid.uuid4(),
                questionnaire=questionnaire,
                ticket=ticket,
                regency_id=visit.regency_id,
                visit=visit,
                agency=agency,
                service_id=records[0].service_id if records else None,
                day=ticket.day,
                session="morning" if local_hour < 12 else "afternoon",
                channel=channel,
                sex=resident.sex,
                age=max(17, min(90, age)),
                education=rng.choices(list(EDUCATION_WEIGHTS), list(EDUCATION_WEIGHTS.values()))[0],
                occupation=occupation,
                occupation_other=rng.choice(OTHER_OCCUPATIONS) if occupation == "lainnya" else "",
                suggestion=rng.choice(SUGGESTIONS) if rng.random() < 0.15 else "",
                **dict(zip(ANSWER_FIELDS, answers, strict=True)),
            )
        )
    SurveyResponse.objects.bulk_create(rows, batch_size=500)
    visits = len({row.visit_id for row in rows})
    return f"Survei kepuasan: {len(rows)} kuesioner di {visits} kunjungan."
