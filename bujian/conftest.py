"""Fixtures shared by every app's tests. The cast (STYLE.md): Siti is the civil-registry
officer, Budi the program coordinator at Bappeda, Andi an officer of another agency."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.agencies.models import Agency
from bujian.agencies.tests.factories import AgencyFactory
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import DistrictFactory, RegencyFactory, VillageFactory

# Property tests check rules, not speed: Hypothesis's default 200 ms per example failed
# a pure NIK check once while the machine ran two suites at once (speed is make bench's).
hypothesis_settings.register_profile("bujian", deadline=None)
hypothesis_settings.load_profile("bujian")


@pytest.fixture
def regency(db: None) -> Regency:
    return RegencyFactory.create()


@pytest.fixture
def village(regency: Regency) -> Village:
    return VillageFactory.create(
        district=DistrictFactory.create(regency=regency, code="17.01.05", name="Kota Manna"),
        code="17.01.05.2001",
        name="Padang Kapuk",
    )


@pytest.fixture
def disdukcapil(regency: Regency) -> Agency:
    return AgencyFactory.create(
        code="disdukcapil", short_name="Disdukcapil", name="Dinas Kependudukan", regencies=[regency]
    )


@pytest.fixture
def samsat(regency: Regency) -> Agency:
    return AgencyFactory.create(
        code="samsat", short_name="Samsat", kind=Agency.Kind.VERTICAL, regencies=[regency]
    )


@pytest.fixture
def budi(regency: Regency) -> User:
    """Program coordinator (Bappeda)."""
    return UserFactory.create(
        username="budi", first_name="Budi", role=User.Role.PROGRAM_ADMIN, regency=regency
    )


@pytest.fixture
def siti(regency: Regency, disdukcapil: Agency) -> User:
    """Civil-registry officer."""
    return UserFactory.create(
        username="siti",
        first_name="Siti",
        role=User.Role.AGENCY_OPERATOR,
        regency=regency,
        agencies=[disdukcapil],
    )


@pytest.fixture
def andi(regency: Regency, samsat: Agency) -> User:
    """Officer of another agency (Samsat)."""
    return UserFactory.create(
        username="andi",
        first_name="Andi",
        role=User.Role.AGENCY_OPERATOR,
        regency=regency,
        agencies=[samsat],
    )


@pytest.fixture
def bupati(regency: Regency) -> User:
    return UserFactory.create(
        username="bupati", first_name="Bupati", role=User.Role.LEADERSHIP, regency=regency
    )


@pytest.fixture
def kades(village: Village) -> User:
    """Village operator of Padang Kapuk."""
    return UserFactory.create(
        username="kades",
        first_name="Operator Desa",
        role=User.Role.VILLAGE_OPERATOR,
        regency=village.district.regency,
        village=village,
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _own_board_versions(
    settings: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Each test starts with no queue-board versions (they live in files), and a board
    polled right after a change shows it (no rebuild interval; its own test sets one)."""
    settings.BUJIAN_BOARD_DIR = tmp_path_factory.mktemp("board")  # type: ignore[attr-defined]
    settings.BUJIAN_BOARD_REBUILD_MS = 0  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _plain_static_files(settings: pytest.FixtureRequest) -> None:
    """Pages name static files without the manifest that collectstatic writes, so the
    tests pass on a fresh clone where var/static is empty."""
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _tasks_run_inline(settings: pytest.FixtureRequest) -> None:
    """Background tasks run at once in tests, in the test's transaction."""
    settings.TASKS = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }


@pytest.fixture(autouse=True)
def _private_cache(settings: pytest.FixtureRequest) -> None:
    """Each test its own in-memory cache: no board version leaks between tests."""
    settings.CACHES = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # A fresh name per test: locmem caches of the same name share their data,
            # and ids of rolled-back rows come back in the next test.
            "LOCATION": uuid.uuid4().hex,
        }
    }


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
