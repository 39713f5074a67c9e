"""Demo data of the evaluation, called by ``bujian.core.demo`` after the core demo.

- The summary tables of the demo regency, built from the visits the core demo served
  (and the survey answers and aspirations of the other demos).
- The letterhead of Bengkulu Selatan (no address or official's name is invented: the
  program admin fills those in).
- An imported indicator set of Lampung Tengah's Bunga Kampung, one 2-day visit per
  kecamatan on Thursdays and Fridays, with plausible numbers: **demo data**, marked
  ``is_demo`` and labelled on the comparison page. No per-event figures of Bunga
  Kampung were found in public sources (FACTS.md §6).
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils.translation import gettext as _

from bujian.evaluation.indicators import ParsedFile, import_indicator_sets
from bujian.evaluation.models import ReportLetterhead
from bujian.evaluation.summaries import rebuild_summaries
from bujian.regions.models import District, Regency
from bujian.surveys.stats import ikm_from_sums

DEMO_REGENCY = "17.01"
COMPARED_REGENCY = "18.02"
COMPARED_VISITS = 10
DEMO_SEED = 2021  # the year Bunga Kampung started


def seed(today: dt.date) -> str | None:
    """Add this app's demo data; return one line for the summary (or None)."""
    regency = Regency.objects.filter(code=DEMO_REGENCY).first()
    if regency is None:
        return None
    rebuild_summaries(regency_id=regency.pk)
    ReportLetterhead.objects.get_or_create(
        regency=regency,
        defaults={
            "government_name": "PEMERINTAH KABUPATEN BENGKULU SELATAN",
            "office_name": "BADAN PERENCANAAN PEMBANGUNAN, PENELITIAN DAN PENGEMBANGAN DAERAH",
            "address": "Manna, Kabupaten Bengkulu Selatan",
            "city": "Manna",
            "signer_title": "Kepala Bappeda-Litbang",
        },
    )
    imported = _import_compared_program(regency, today)
    return _("Evaluation: summaries built; %(count)s demo visits of Bunga Kampung to compare.") % {
        "count": imported
    }


def _thursday_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - 3) % 7)


def _import_compared_program(regency: Regency, today: dt.date) -> int:
    rng = random.Random(DEMO_SEED)  # noqa: S311 -- repeatable demo numbers, not secrets
    compared = Regency.objects.filter(code=COMPARED_REGENCY).first()
    districts = list(
        District.objects.filter(regency=compared).prefetch_related("villages").order_by("code")
        if compared is not None
        else []
    )
    if not districts:
        return 0
    chosen = rng.sample(districts, min(COMPARED_VISITS, len(districts)))
    visits = []
    for index, district in enumerate(chosen):
        weeks_back = 2 + 3 * (len(chosen) - 1 - index)
        start = _thursday_before(today - dt.timedelta(weeks=weeks_back))
        villages = list(district.villages.all())
        village = rng.choice(villages).name if villages else district.name
        visits.append(_visit_numbers(rng, index, district.name, village, start))
    parsed = ParsedFile(
        regency_code=COMPARED_REGENCY,
        regency_name=compared.name if compared is not None else "Kabupaten Lampung Tengah",
        program="Bunga Kampung",
        visits=visits,
    )
    return import_indicator_sets(parsed=parsed, importing_regency=regency, actor=None, is_demo=True)


def _visit_numbers(
    rng: random.Random, index: int, district: str, village: str, start: dt.date
) -> dict[str, object]:
    """A kecamatan-wide 2-day event at a central venue: more residents than a village
    visit, longer waits, a little lower satisfaction."""
    residents = rng.randint(260, 620)
    women = round(residents * rng.uniform(0.48, 0.58))
    services = round(residents * rng.uniform(1.25, 1.6))
    completed = round(services * rng.uniform(0.6, 0.78))
    rejected = round(services * rng.uniform(0.04, 0.09))
    referred = round(services * rng.uniform(0.01, 0.04))
    in_process = services - completed - rejected - referred
    documents = round((completed + in_process) * rng.uniform(0.45, 0.6))
    invited = rng.randint(36, 40)
    present = invited - rng.randint(1, 5)
    excused = rng.randint(0, 1)
    aspirations = rng.randint(14, 42)
    resolved = round(aspirations * rng.uniform(0.25, 0.6))
    respondents = round(residents * rng.uniform(0.22, 0.4))
    level = rng.uniform(3.05, 3.45)  # mean answer: IKM about 76–86
    sums = [
        max(
            respondents, min(4 * respondents, round(respondents * (level + rng.uniform(-0.3, 0.3))))
        )
        for _element in range(9)
    ]
    ikm = ikm_from_sums(sums, respondents)
    return {
        "visit_key": f"{COMPARED_REGENCY}-demo-{index + 1}",
        "village": village,
        "district": district,
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=1)).isoformat(),
        "agencies_invited": invited,
        "agencies_present": present,
        "agencies_absent": invited - present - excused,
        "agencies_excused": excused,
        "residents_served": residents,
        "residents_women": women,
        "residents_men": residents - women,
        "services": services,
        "services_completed": completed,
        "services_in_process": in_process,
        "services_rejected": rejected,
        "services_referred": referred,
        "documents_issued": documents,
        "documents_handed_over": round(documents * rng.uniform(0.7, 0.9)),
        "average_wait_minutes": round(rng.uniform(28, 55), 1),
        "average_service_minutes": round(rng.uniform(7, 14), 1),
        "aspirations": aspirations,
        "aspirations_resolved": resolved,
        "aspirations_open": aspirations - resolved - rng.randint(0, 2),
        "skm_respondents": respondents,
        "skm_sums": sums,
        "ikm": float(ikm.ikm) if ikm else None,
        "ikm_grade": ikm.grade if ikm else "",
    }
