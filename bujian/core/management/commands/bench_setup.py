"""``manage.py bench_setup``: the visit day the queue benchmark (``make bench``) runs.

Fills an empty database with Bengkulu Selatan's regions and catalog, one visit today
(announced, every chosen agency confirmed, checked in and with an open booth),
residents with 16-digit NIKs, a booth operator per booth and desk users, and writes
their API tokens to a JSON file the load generator reads. Everything goes through the
same actions the screens use, except residents and users, which are bulk-created.
Not for a real database: the tokens it writes are real bearer tokens.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from faker import Faker

from bujian.accounts.models import User
from bujian.accounts.tokens import create_api_token
from bujian.agencies.actions import load_shipped_catalog
from bujian.agencies.models import Agency, Service
from bujian.queueing.actions import open_booth
from bujian.regions.actions import DATA_DIR, SHIPPED_REGENCIES, import_regions_file
from bujian.regions.models import Regency, Village
from bujian.residents.models import Resident
from bujian.visits.actions import (
    StaffEntry,
    announce_visit,
    check_in,
    confirm_participation,
    invite_agency,
    local_today,
    plan_visit,
)
from bujian.visits.models import Participation, Visit

REGENCY = "17.01"
SEED = 2026


class Command(BaseCommand):
    help = (
        "Seed an empty database with a visit day for the queue benchmark and write the "
        "API tokens of its booth and desk users to a JSON file (bench/README.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="JSON file for ids and tokens.")
        parser.add_argument("--agencies", type=int, default=40, help="Booths (one per agency).")
        parser.add_argument("--residents", type=int, default=2000)
        parser.add_argument("--desks", type=int, default=10, help="Desk users (program admins).")
        parser.add_argument("--seed", type=int, default=SEED)

    def handle(self, *args: Any, **options: Any) -> None:
        agencies, residents, desks = options["agencies"], options["residents"], options["desks"]
        if min(agencies, residents, desks) < 1:
            raise CommandError("--agencies, --residents and --desks must be at least 1.")
        if Visit.objects.exists():
            raise CommandError("bench_setup needs an empty database (it found visits).")
        rng = random.Random(options["seed"])  # noqa: S311 -- repeatable bench data, not secrets
        with transaction.atomic():
            plan = _Seeder(rng, options["seed"]).seed(
                agencies=agencies, residents=residents, desks=desks
            )
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(plan, indent=1), encoding="utf-8")
        output.chmod(0o600)  # real bearer tokens
        self.stdout.write(
            f"Visit {plan['visit_id']}: {len(plan['booths'])} booths, "
            f"{len(plan['residents'])} residents, {len(plan['desks'])} desks -> {output}"
        )


def _user(username: str, role: str, regency: Regency) -> User:
    """A staff user who works through the API only (no password to log in with)."""
    user = User(username=username, role=role, regency=regency)
    user.set_unusable_password()
    user.save()
    return user


class _Seeder:
    def __init__(self, rng: random.Random, seed: int) -> None:
        self.rng = rng
        self.fake = Faker("id_ID")
        self.fake.seed_instance(seed)

    def seed(self, *, agencies: int, residents: int, desks: int) -> dict[str, Any]:
        regency = self._regency()
        load_shipped_catalog(regency=regency)
        admin = _user("bench-admin", User.Role.PROGRAM_ADMIN, regency)
        village = (
            Village.objects.filter(district__regency=regency, kind=Village.Kind.DESA)
            .order_by("code")
            .first()
        )
        if village is None:
            raise CommandError("The shipped regions have no desa.")
        chosen = self._agencies(regency, agencies)
        today = local_today(regency)
        visit = plan_visit(
            regency=regency, village=village, start_date=today, end_date=today, created_by=admin
        )
        for agency in chosen:
            if agency.kind != Agency.Kind.OPD:  # OPD were invited when the visit was made
                invite_agency(visit=visit, agency=agency, actor=admin)
        visit = announce_visit(visit=visit, actor=admin)

        offered: dict[int, list[Service]] = {}
        for service in Service.objects.active().filter(agency__in=chosen).order_by("code"):
            offered.setdefault(service.agency_id, []).append(service)
        booths = []
        for number, agency in enumerate(chosen, start=1):
            participation = Participation.objects.select_related("agency", "visit").get(
                visit=visit, agency=agency
            )
            services = self.rng.sample(offered[agency.pk], min(3, len(offered[agency.pk])))
            services = services[: self.rng.randint(1, len(services))]
            confirm_participation(
                participation=participation,
                actor=admin,
                services=services,
                staff=[StaffEntry(name=self.fake.name())],
            )
            check_in(visit=visit, agency=agency, actor=admin)
            booth = open_booth(participation=participation, actor=admin)
            operator = _user(f"bench-booth-{number:02d}", User.Role.AGENCY_OPERATOR, regency)
            operator.agencies.add(agency)
            booths.append(
                {
                    "booth_id": booth.pk,
                    "prefix": booth.prefix,
                    "agency_id": agency.pk,
                    "agency": agency.code,
                    "services": [s.code for s in services],
                    "user_id": operator.pk,
                    "token": create_api_token(user=operator, name="bench"),
                }
            )
        desk_plans = []
        for number in range(1, desks + 1):
            desk = _user(f"bench-desk-{number:02d}", User.Role.PROGRAM_ADMIN, regency)
            desk_plans.append(
                {"user_id": desk.pk, "token": create_api_token(user=desk, name="bench")}
            )
        return {
            "visit_id": visit.pk,
            "day": today.isoformat(),
            "booths": booths,
            "desks": desk_plans,
            "residents": self._residents(village, residents),
        }

    def _regency(self) -> Regency:
        """Only Bengkulu Selatan: the bench needs one regency, not both shipped ones."""
        meta = SHIPPED_REGENCIES[REGENCY]
        import_regions_file(path=DATA_DIR / meta["file"])
        Regency.objects.filter(code=REGENCY).update(
            program_name=meta["program_name"], capital=meta["capital"]
        )
        return Regency.objects.get(code=REGENCY)

    def _agencies(self, regency: Regency, count: int) -> list[Agency]:
        """The catalog's agencies with an active service, OPD first; bench agencies
        with one to three services make up the rest when the catalog has too few."""
        with_services = (
            Agency.objects.active().serving(regency.pk).filter(services__is_active=True).distinct()
        )
        catalog = sorted(with_services, key=lambda a: (a.kind != Agency.Kind.OPD, a.code))
        chosen = catalog[:count]
        for number in range(len(chosen) + 1, count + 1):
            agency = Agency.objects.create(
                code=f"bench-{number:02d}",
                name=f"Instansi Uji Beban {number:02d}",
                short_name=f"Uji {number:02d}",
                kind=Agency.Kind.VERTICAL,
            )
            agency.regencies.add(regency)
            for index in range(1, self.rng.randint(1, 3) + 1):
                Service.objects.create(
                    agency=agency,
                    code=f"BENCH-{number:02d}-{index}",
                    name=f"Layanan uji {number:02d}.{index}",
                )
            chosen.append(agency)
        return chosen

    def _residents(self, village: Village, count: int) -> list[int]:
        """16-digit NIKs with the village's district prefix and a serial (the bench
        does not need valid birth dates in them)."""
        prefix = village.code.replace(".", "")[:6]
        first = Resident.objects.count()
        people = []
        for number in range(first + 1, first + count + 1):
            female = self.rng.random() < 0.5
            people.append(
                Resident(
                    national_id=f"{prefix}{number:010d}",
                    full_name=self.fake.name_female() if female else self.fake.name_male(),
                    sex=Resident.Sex.FEMALE if female else Resident.Sex.MALE,
                    birth_date=self.fake.date_of_birth(minimum_age=17, maximum_age=80),
                    village=village,
                )
            )
        return [r.pk for r in Resident.objects.bulk_create(people, batch_size=500)]
