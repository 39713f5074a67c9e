"""A small regency for the planner: three kecamatan of three villages each, and a
clock frozen on 28 November 2026 so the plans' dates are stable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from bujian.regions.models import District, Regency, Village
from bujian.regions.tests.factories import DistrictFactory, VillageFactory

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
PERIOD_START = dt.date(2027, 1, 1)
PERIOD_END = dt.date(2027, 3, 31)


@pytest.fixture
def frozen_clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def districts(regency: Regency) -> list[District]:
    names = ["Kedurang", "Bunga Mas", "Pasar Manna"]
    return [
        DistrictFactory.create(regency=regency, code=f"17.01.0{i + 1}", name=name)
        for i, name in enumerate(names)
    ]


@pytest.fixture
def villages(districts: list[District]) -> list[Village]:
    return [
        VillageFactory.create(
            district=district, code=f"{district.code}.200{j + 1}", name=f"{district.name} {j + 1}"
        )
        for district in districts
        for j in range(3)
    ]
