from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from bujian.regions.models import Regency, TimeZone, Village
from bujian.regions.tests.factories import (
    DistrictFactory,
    ProvinceFactory,
    RegencyFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


def test_provinces_are_listed_by_code(client: Client) -> None:
    ProvinceFactory.create(code="18", name="Lampung")
    ProvinceFactory.create(code="17", name="Bengkulu")

    response = client.get("/api/v1/regions/provinces")

    assert response.status_code == 200
    assert response.json() == [
        {"code": "17", "name": "Bengkulu"},
        {"code": "18", "name": "Lampung"},
    ]


def test_regencies_are_paginated_with_their_province_and_zone(
    client: Client, regency: Regency
) -> None:
    response = client.get("/api/v1/regions/regencies")

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "items": [
            {
                "code": "17.01",
                "name": "Kabupaten Bengkulu Selatan",
                "kind": "kabupaten",
                "province_code": "17",
                "time_zone": "Asia/Jakarta",
                "program_name": "Buji'an Dusun",
            }
        ],
    }


def test_regencies_filter_by_province(client: Client, regency: Regency) -> None:
    RegencyFactory.create(
        code="18.71",
        name="Kota Bandar Lampung",
        kind=Regency.Kind.KOTA,
        province=ProvinceFactory.create(code="18", name="Lampung"),
    )

    response = client.get("/api/v1/regions/regencies", {"province": "18"})

    assert [item["code"] for item in response.json()["items"]] == ["18.71"]


def test_regency_detail_adds_capital_and_province(client: Client) -> None:
    RegencyFactory.create(
        code="94.71",
        name="Kota Jayapura",
        province=ProvinceFactory.create(code="94", name="Papua"),
        time_zone=TimeZone.WIT,
        capital="Jayapura",
    )

    response = client.get("/api/v1/regions/regencies/94.71")

    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "Asia/Jayapura"
    assert body["capital"] == "Jayapura"
    assert body["province"] == {"code": "94", "name": "Papua"}


def test_unknown_regency_is_a_json_404(client: Client, regency: Regency) -> None:
    response = client.get("/api/v1/regions/regencies/99.99")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "99.99" in response.json()["detail"]


def test_districts_filter_by_regency(client: Client, village: Village) -> None:
    other = RegencyFactory.create(code="17.02", name="Kabupaten Rejang Lebong")
    DistrictFactory.create(regency=other, code="17.02.01", name="Kota Padang")

    response = client.get("/api/v1/regions/districts", {"regency": "17.01"})

    assert response.status_code == 200
    assert response.json()["items"] == [
        {"code": "17.01.05", "name": "Kota Manna", "regency_code": "17.01"}
    ]


def test_a_code_without_dots_is_refused(client: Client, regency: Regency) -> None:
    response = client.get("/api/v1/regions/districts", {"regency": "1701"})

    assert response.status_code == 422


def test_villages_filter_by_district(client: Client, village: Village) -> None:
    VillageFactory.create(
        district=DistrictFactory.create(regency=village.district.regency, code="17.01.06")
    )

    response = client.get("/api/v1/regions/villages", {"district": "17.01.05"})

    assert response.status_code == 200
    assert response.json()["items"] == [
        {
            "code": "17.01.05.2001",
            "name": "Padang Kapuk",
            "kind": "desa",
            "postal_code": "38552",
            "district_code": "17.01.05",
        }
    ]


def test_villages_filter_by_regency(client: Client, village: Village) -> None:
    second = VillageFactory.create(
        district=DistrictFactory.create(regency=village.district.regency, code="17.01.06"),
        code="17.01.06.1001",
        kind=Village.Kind.KELURAHAN,
    )
    other_regency = RegencyFactory.create(code="17.02", name="Kabupaten Rejang Lebong")
    VillageFactory.create(district=DistrictFactory.create(regency=other_regency, code="17.02.01"))

    response = client.get("/api/v1/regions/villages", {"regency": "17.01"})

    assert [item["code"] for item in response.json()["items"]] == [village.code, second.code]


def test_provinces_list_query_count_is_flat(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for number in range(11, 19):
        ProvinceFactory.create(code=str(number), name=f"Provinsi {number}")

    with django_assert_max_num_queries(1):
        response = client.get("/api/v1/regions/provinces")

    assert len(response.json()) == 8


def test_regencies_list_query_count_is_flat(
    client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for number in range(1, 9):
        province = ProvinceFactory.create(code=f"{10 + number}", name=f"Provinsi {number}")
        RegencyFactory.create(
            code=f"{10 + number}.01", name=f"Kabupaten {number}", province=province
        )

    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/regions/regencies")

    assert response.json()["count"] == 8


def test_districts_list_query_count_is_flat(
    client: Client, regency: Regency, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    DistrictFactory.create_batch(8, regency=regency)

    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/regions/districts", {"regency": "17.01"})

    assert response.json()["count"] == 8


def test_villages_list_query_count_is_flat(
    client: Client, regency: Regency, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for district in DistrictFactory.create_batch(4, regency=regency):
        VillageFactory.create_batch(2, district=district)

    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/regions/villages", {"regency": "17.01"})

    assert response.json()["count"] == 8
