"""A visit to Padang Kapuk in two weeks: Disdukcapil confirmed KTP-el and KK, Samsat
is invited and has not answered yet, an excused agency offers nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_django import Settings

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.agencies.models import Agency, Requirement, Service
from bujian.agencies.tests.factories import AgencyFactory, RequirementFactory, ServiceFactory
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import DistrictFactory, VillageFactory
from bujian.residents.models import Resident
from bujian.residents.tests.factories import ResidentFactory
from bujian.visits import actions as visit_actions
from bujian.visits.actions import StaffEntry
from bujian.visits.models import Participation, Visit


@dataclass
class Catalog:
    ktp: Service
    kk: Service
    stnk: Service
    excused: Service
    ktp_reqs: list[Requirement]
    kk_reqs: list[Requirement]
    stnk_reqs: list[Requirement]


@pytest.fixture
def catalog(disdukcapil: Agency, samsat: Agency, regency: Regency) -> Catalog:
    ktp = ServiceFactory.create(agency=disdukcapil, code="DUK-KTP", name="Pencetakan KTP-el")
    kk = ServiceFactory.create(agency=disdukcapil, code="DUK-KK", name="Penerbitan KK")
    stnk = ServiceFactory.create(agency=samsat, code="SAMSAT-STNK", name="Pengesahan STNK")
    dinsos = AgencyFactory.create(code="dinsos", short_name="Dinsos", regencies=[regency])
    excused = ServiceFactory.create(agency=dinsos, code="DINSOS-DTKS", name="Usulan DTKS")
    return Catalog(
        ktp=ktp,
        kk=kk,
        stnk=stnk,
        excused=excused,
        ktp_reqs=[
            RequirementFactory.create(service=ktp, position=1, text="Fotokopi KK"),
            RequirementFactory.create(service=ktp, position=2, text="Surat pengantar desa"),
        ],
        kk_reqs=[
            RequirementFactory.create(service=kk, position=1, text="KK lama"),
            RequirementFactory.create(service=kk, position=2, text="Buku nikah"),
        ],
        stnk_reqs=[
            RequirementFactory.create(service=stnk, position=1, text="STNK asli"),
            RequirementFactory.create(service=stnk, position=2, text="BPKB"),
        ],
    )


@pytest.fixture
def visit(
    regency: Regency, village: Village, budi: User, catalog: Catalog, samsat: Agency
) -> Visit:
    day = visit_actions.local_today(regency) + dt.timedelta(days=14)
    visit = visit_actions.plan_visit(
        regency=regency, village=village, start_date=day, end_date=day, created_by=budi
    )
    visit_actions.invite_agency(visit=visit, agency=samsat, actor=budi)
    visit_actions.announce_visit(visit=visit, actor=budi)
    visit_actions.confirm_participation(
        participation=Participation.objects.get(visit=visit, agency__code="disdukcapil"),
        actor=budi,
        services=[catalog.ktp, catalog.kk],
        staff=[StaffEntry(name="Rina")],
    )
    dinsos = Participation.objects.get(visit=visit, agency__code="dinsos")
    excuse = visit_actions.request_excuse(
        participation=dinsos, actor=budi, reason="Rapat koordinasi di provinsi."
    )
    visit_actions.decide_excuse(excuse=excuse, actor=budi, approve=True)
    return visit


@pytest.fixture
def other_village(regency: Regency) -> Village:
    return VillageFactory.create(
        district=DistrictFactory.create(regency=regency, code="17.01.01", name="Manna"),
        code="17.01.01.2003",
        name="Tanjung Aur",
    )


@pytest.fixture
def other_kades(other_village: Village) -> User:
    return UserFactory.create(
        username="kades2",
        role=User.Role.VILLAGE_OPERATOR,
        regency=other_village.district.regency,
        village=other_village,
    )


@pytest.fixture
def resident(village: Village) -> Resident:
    return ResidentFactory.create(
        village=village,
        full_name="Siti Aminah",
        sex=Resident.Sex.FEMALE,
        birth_date=dt.date(1990, 7, 1),
    )


@pytest.fixture
def outsider(other_village: Village) -> Resident:
    return ResidentFactory.create(village=other_village, full_name="Joko Susilo")


@pytest.fixture
def media_root(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
