"""Demo aspirations for Bengkulu Selatan, called by ``bujian.core.demo`` after the core
demo: what residents raised at the past visits and how far each one got (resolved,
rejected, long term, overdue, a merged duplicate, one reopened), and two raised today.

Everything goes through the actions with the dates of the visits, so deadlines, the
history and the dashboard look like months of real use. One small evidence file is
stored once and shared by the demo's resolved items (no file per item)."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from faker import Faker

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.aspirations import actions
from bujian.aspirations.models import Aspiration, Attachment, Category
from bujian.calendars.workdays import regency_calendar
from bujian.regions.models import Regency
from bujian.visits.models import Visit

DEMO_REGENCY = "17.01"
SEED = 2028
EVIDENCE_NAME = "aspirations/demo/berita-acara-contoh.pdf"
EVIDENCE = b"%PDF-1.4\n% Contoh berita acara tindak lanjut (data demo)\ntrailer<<>>\n%%EOF\n"

# (category, title, text, lead agency, term)
TOPICS = [
    (
        Category.INFRASTRUCTURE,
        "Jembatan gantung Dusun II putus",
        "Jembatan gantung ke kebun dan sekolah putus sejak banjir; anak sekolah menyeberang.",
        "pupr",
        "long",
    ),
    (
        Category.INFRASTRUCTURE,
        "Jalan desa berlubang menuju pasar",
        "Jalan sepanjang kira-kira 800 meter berlubang dan tergenang saat hujan.",
        "pupr",
        "long",
    ),
    (
        Category.EDUCATION,
        "Atap SD Negeri bocor",
        "Dua ruang kelas bocor saat hujan, murid dipindah ke musala.",
        "dikbud",
        "short",
    ),
    (
        Category.HEALTH,
        "Posyandu belum punya timbangan bayi",
        "Timbangan posyandu rusak, kader meminjam dari desa tetangga.",
        "dinkes",
        "short",
    ),
    (
        Category.SOCIAL_AID,
        "Bantuan PKH tidak cair tiga bulan",
        "Nama kami masih terdaftar tetapi bantuan tidak masuk ke rekening sejak Juli.",
        "dinsos",
        "short",
    ),
    (
        Category.CIVIL_REGISTRATION,
        "Akta kelahiran anak belum terbit",
        "Berkas sudah diserahkan di kecamatan dua bulan lalu.",
        "disdukcapil",
        "short",
    ),
    (
        Category.AGRICULTURE,
        "Pupuk bersubsidi sering kosong",
        "Kelompok tani kesulitan mendapat pupuk saat musim tanam.",
        "distanpangan",
        "short",
    ),
    (
        Category.AGRICULTURE,
        "Bantuan mesin perahu untuk nelayan",
        "Nelayan kecil meminta bantuan mesin tempel.",
        "dkp",
        "long",
    ),
    (
        Category.ECONOMY,
        "Pelatihan UMKM keripik pisang",
        "Ibu-ibu PKK ingin pelatihan kemasan dan izin PIRT.",
        "dpmptsp",
        "short",
    ),
    (
        Category.SECURITY,
        "Lampu jalan di simpang desa padam",
        "Simpang desa gelap dan sering terjadi kecelakaan malam hari.",
        "perkim",
        "short",
    ),
    (
        Category.INFRASTRUCTURE,
        "Rumah warga tidak layak huni",
        "Tiga keluarga tinggal di rumah berdinding papan lapuk.",
        "perkim",
        "long",
    ),
    (
        Category.OTHER,
        "Sinyal telepon lemah di dusun atas",
        "Warga harus naik ke bukit untuk menelepon.",
        "diskominfo",
        "long",
    ),
]
ANSWERS = {
    "pupr": "Tim PUPR sudah meninjau lokasi; perbaikan dikerjakan bersama warga.",
    "dikbud": "Atap dua ruang kelas sudah diganti dengan dana BOS dan swadaya komite.",
    "dinkes": "Timbangan bayi sudah diserahkan kepada kader posyandu.",
    "dinsos": "Data sudah dipadankan; bantuan cair kembali bulan ini.",
    "disdukcapil": "Akta kelahiran sudah terbit dan diserahkan kepada orang tua.",
    "distanpangan": "Kuota pupuk kios desa sudah ditambah untuk musim tanam ini.",
    "dkp": "Diusulkan dalam bantuan sarana nelayan tahun anggaran berikutnya.",
    "dpmptsp": "Pelatihan kemasan dan pendampingan PIRT dijadwalkan di balai desa.",
    "perkim": "Lampu jalan sudah diganti dan menyala kembali.",
    "diskominfo": "Lokasi sudah diusulkan kepada operator seluler untuk menara BTS.",
}
SPEAKERS = [
    "Kepala Dusun I",
    "Kepala Dusun II",
    "Ketua BPD",
    "Ketua Kelompok Tani",
    "Ibu Ketua PKK",
    "Tokoh pemuda",
    "Imam masjid",
]
LEADER_ANSWERS = [
    "Bupati meminta dinas terkait meninjau lokasi minggu ini.",
    "Akan dimasukkan dalam usulan anggaran tahun depan.",
    "Sekda meminta kepala dinas melapor hasilnya dalam satu minggu.",
]


def _evidence(aspiration: Aspiration) -> None:
    if not default_storage.exists(EVIDENCE_NAME):
        default_storage.save(EVIDENCE_NAME, ContentFile(EVIDENCE))
    Attachment.objects.create(
        aspiration=aspiration,
        kind=Attachment.Kind.EVIDENCE,
        file=EVIDENCE_NAME,
        content_type="application/pdf",
        size=len(EVIDENCE),
    )


class _Seeder:
    def __init__(self, regency: Regency, today: dt.date) -> None:
        self.regency = regency
        self.today = today
        self.zone = ZoneInfo(regency.time_zone)
        self.rng = random.Random(SEED)  # noqa: S311 -- repeatable demo choices, not secrets
        self.fake = Faker("id_ID")
        self.fake.seed_instance(SEED)
        self.calendar = regency_calendar(regency, today - dt.timedelta(days=400), today)
        self.agencies = {a.code: a for a in Agency.objects.serving(regency.pk)}
        self.program = User.objects.filter(username="bappeda").first()
        self.bupati = User.objects.filter(username="bupati").first()
        self.operators = {
            agency.code: user
            for user in User.objects.filter(role=User.Role.AGENCY_OPERATOR)
            for agency in user.agencies.all()
        }
        self.count = 0

    def at(self, day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60)), tzinfo=self.zone)

    def workday(self, start: dt.date, n: int) -> dt.date:
        return self.calendar.add_working_days(start, n)

    def raise_one(self, visit: Visit, topic: tuple[object, ...], *, dialogue: bool) -> Aspiration:
        category, title, text, _agency, _term = topic
        anonymous = self.rng.random() < 0.2
        aspiration = actions.submit_aspiration(
            regency=self.regency,
            channel=Aspiration.Channel.DIALOGUE if dialogue else Aspiration.Channel.ASSISTED,
            category=str(category),
            title=str(title),
            text=str(text),
            visit=visit,
            hamlet=f"Dusun {self.rng.choice(['I', 'II', 'III', 'IV'])}",
            reporter_name="" if anonymous else self.fake.name(),
            reporter_phone="" if anonymous else f"0812{self.rng.randrange(10**7, 10**8)}",
            phone_consent=not anonymous,
            hide_identity=self.rng.random() < 0.15,
            raised_by=self.rng.choice(SPEAKERS) if dialogue else "",
            leader_response=self.rng.choice(LEADER_ANSWERS) if dialogue else "",
            actor=self.program,
            now=self.at(visit.start_date, self.rng.choice([10, 11, 13])),
        )
        self.count += 1
        return aspiration

    def follow(self, aspiration: Aspiration, topic: tuple[object, ...], *, fate: str) -> None:
        """Move the aspiration as far as ``fate`` says, on working days after receipt."""
        assert self.bupati is not None and self.program is not None
        _category, _title, _text, code, term = topic
        agency = self.agencies.get(str(code))
        received = aspiration.received_at.astimezone(self.zone).date()
        if fate == "received" or agency is None:
            return
        if fate == "rejected":
            actions.reject_aspiration(
                aspiration=aspiration,
                actor=self.program,
                reason="Bukan kewenangan pemerintah kabupaten; sudah diteruskan ke pemerintah "
                "provinsi.",
                now=self.at(self.workday(received, 2), 9),
            )
            return
        assigned_on = self.workday(received, self.rng.choice([1, 2]))
        actions.assign_aspiration(
            aspiration=aspiration,
            actor=self.bupati,
            lead_agency=agency,
            disposition=f"Kepala {agency.short_name} segera tindak lanjuti dan laporkan.",
            term=str(term),
            planning_year=self.today.year + 1 if term == "long" else None,
            now=self.at(assigned_on, 8),
        )
        if fate == "assigned":  # no answer yet: overdue when its deadline has passed
            return
        actor = self.operators.get(agency.code, self.program)
        started_on = self.workday(assigned_on, self.rng.choice([2, 3, 4]))
        actions.start_work(
            aspiration=aspiration,
            actor=actor,
            note="Sudah kami terima; tim akan meninjau lokasi.",
            now=self.at(started_on, 10),
        )
        if fate == "in_progress":
            return
        resolved_on = self.workday(started_on, self.rng.choice([3, 6, 10, 15]))
        _evidence(aspiration)
        actions.resolve_aspiration(
            aspiration=aspiration,
            actor=actor,
            response=ANSWERS.get(agency.code, "Sudah ditindaklanjuti."),
            now=self.at(resolved_on, 14),
        )


def seed(today: dt.date) -> str | None:
    """Add the demo aspirations; return one line for the summary."""
    regency = Regency.objects.filter(code=DEMO_REGENCY).first()
    if regency is None or Aspiration.objects.filter(regency=regency).exists():
        return None
    seeder = _Seeder(regency, today)
    past = list(
        Visit.objects.filter(
            regency=regency, status__in=[Visit.Status.FINISHED, Visit.Status.REPORTED]
        ).order_by("start_date")
    )
    topics = list(TOPICS)
    for index, visit in enumerate(past):
        age = (today - visit.start_date).days
        seeder.rng.shuffle(topics)
        for number, topic in enumerate(topics[: 3 + index % 3]):
            aspiration = seeder.raise_one(visit, topic, dialogue=number % 2 == 0)
            roll = seeder.rng.random()
            if age > 45:
                fate = (
                    "resolved"
                    if roll < 0.55
                    else "rejected"
                    if roll < 0.67
                    else "in_progress"
                    if roll < 0.82
                    else "assigned"  # never answered: the dashboard's red lines
                )
            else:
                fate = "assigned" if roll < 0.4 else "in_progress" if roll < 0.7 else "resolved"
            seeder.follow(aspiration, topic, fate=fate)
    # A duplicate raised twice, merged; a resolved one the resident reopened.
    latest = past[-1] if past else None
    if latest is not None:
        first = Aspiration.objects.filter(visit=latest).order_by("received_at", "id").first()
        if first is not None and first.is_open and seeder.program is not None:
            twin = seeder.raise_one(
                latest,
                next(t for t in TOPICS if t[1] == first.title)
                if any(t[1] == first.title for t in TOPICS)
                else TOPICS[0],
                dialogue=False,
            )
            actions.merge_aspiration(
                duplicate=twin,
                target=first,
                actor=seeder.program,
                note="Disampaikan dua warga dari dusun yang sama.",
                now=twin.received_at + dt.timedelta(hours=2),
            )
        answered = (
            Aspiration.objects.filter(regency=regency, status=Aspiration.Status.RESOLVED)
            .order_by("-resolved_at")
            .first()
        )
        if answered is not None and actions.can_reopen(answered, today):
            actions.reopen_aspiration(
                aspiration=answered,
                reason="Perbaikan baru sebagian; sisi timur masih rusak.",
                now=answered.resolved_at + dt.timedelta(days=1) if answered.resolved_at else None,
            )
    ongoing = Visit.objects.filter(regency=regency, status=Visit.Status.ONGOING).first()
    if ongoing is not None:
        for topic in TOPICS[:2]:
            seeder.raise_one(ongoing, topic, dialogue=True)
    actions.close_expired_aspirations(
        now=dt.datetime.combine(today, dt.time(6), tzinfo=seeder.zone)
    )
    overdue = Aspiration.objects.filter(regency=regency).overdue(today).count()
    return _("Aspirations: %(count)d recorded at the visits, %(overdue)d overdue.") % {
        "count": seeder.count,
        "overdue": overdue,
    }
