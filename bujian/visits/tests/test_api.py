from __future__ import annotations

import datetime as dt
from typing import get_args

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.agencies.tests.factories import AgencyFactory, RequirementFactory, ServiceFactory
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import DistrictFactory, RegencyFactory, VillageFactory
from bujian.visits.api import PublicStatus
from bujian.visits.models import Participation, ParticipationStaff, Visit
from bujian.visits.tests.factories import ParticipationFactory, VisitFactory

pytestmark = pytest.mark.django_db

JUNE_10 = dt.date(2027, 6, 10)


@pytest.fixture
def visit(regency: Regency, village: Village) -> Visit:
    visit: Visit = VisitFactory.create(
        regency=regency,
        village=village,
        start_date=JUNE_10,
        end_date=JUNE_10 + dt.timedelta(days=1),
        venue="Balai Desa Padang Kapuk",
        expects_vice_bupati=True,
        notes="Internal: ask the camat about the generator.",
    )
    return visit


def test_public_statuses_are_every_status_but_draft() -> None:
    assert set(get_args(PublicStatus)) == set(Visit.Status.values) - {Visit.Status.DRAFT}


def test_visits_list_shape(client: Client, visit: Visit) -> None:
    response = client.get("/api/v1/visits")

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "items": [
            {
                "id": visit.pk,
                "village": {"code": "17.01.05.2001", "name": "Padang Kapuk"},
                "district": {"code": "17.01.05", "name": "Kota Manna"},
                "regency_code": "17.01",
                "start_date": "2027-06-10",
                "end_date": "2027-06-11",
                "daily_start": "08:00:00",
                "daily_end": "16:00:00",
                "time_zone": "Asia/Jakarta",
                "venue": "Balai Desa Padang Kapuk",
                "leaders_expected": visit.leaders_expected,
                "status": "announced",
                "cancel_reason": None,
            }
        ],
    }


def test_a_draft_is_absent_from_the_list_and_its_detail_is_404(
    client: Client, regency: Regency, village: Village
) -> None:
    draft = VisitFactory.create(regency=regency, village=village, status=Visit.Status.DRAFT)

    listed = client.get("/api/v1/visits").json()
    detail = client.get(f"/api/v1/visits/{draft.pk}")

    assert listed["count"] == 0
    assert detail.status_code == 404
    assert "detail" in detail.json()


def test_asking_for_drafts_is_refused(client: Client, visit: Visit) -> None:
    assert client.get("/api/v1/visits", {"status": "draft"}).status_code == 422


def test_unknown_visit_is_a_json_404(client: Client, regency: Regency) -> None:
    response = client.get("/api/v1/visits/999999")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_a_cancelled_visit_shows_its_reason(client: Client, visit: Visit) -> None:
    visit.status = Visit.Status.CANCELLED
    visit.cancel_reason = "Banjir di jalan desa."
    visit.save(update_fields=["status", "cancel_reason"])

    body = client.get(f"/api/v1/visits/{visit.pk}").json()

    assert body["status"] == "cancelled"
    assert body["cancel_reason"] == "Banjir di jalan desa."


def test_visits_filter_by_regency_and_status(
    client: Client, visit: Visit, regency: Regency
) -> None:
    other_regency = RegencyFactory.create(code="17.02", name="Kabupaten Rejang Lebong")
    VisitFactory.create(
        regency=other_regency,
        village=VillageFactory.create(
            district=DistrictFactory.create(regency=other_regency, code="17.02.01")
        ),
    )
    finished = VisitFactory.create(
        regency=regency,
        village=VillageFactory.create(district=visit.village.district),
        status=Visit.Status.FINISHED,
    )

    in_regency = client.get("/api/v1/visits", {"regency": "17.01"}).json()
    only_finished = client.get("/api/v1/visits", {"regency": "17.01", "status": "finished"}).json()

    assert {item["id"] for item in in_regency["items"]} == {visit.pk, finished.pk}
    assert [item["id"] for item in only_finished["items"]] == [finished.pk]


def test_visits_overlapping_the_period_are_listed_by_start_date(
    client: Client, visit: Visit, regency: Regency
) -> None:
    """The visit runs on 10 and 11 June: asking from 11 June still finds it."""
    later = VisitFactory.create(
        regency=regency,
        village=VillageFactory.create(district=visit.village.district),
        start_date=JUNE_10 + dt.timedelta(days=7),
    )

    from_11 = client.get("/api/v1/visits", {"from": "2027-06-11"}).json()
    to_11 = client.get("/api/v1/visits", {"to": "2027-06-11"}).json()
    after = client.get("/api/v1/visits", {"from": "2027-06-12", "to": "2027-06-16"}).json()

    assert [item["id"] for item in from_11["items"]] == [visit.pk, later.pk]
    assert [item["id"] for item in to_11["items"]] == [visit.pk]
    assert after["items"] == []


def test_visit_detail_lists_agencies_not_excused_with_their_services(
    client: Client, visit: Visit, disdukcapil: Agency, samsat: Agency, regency: Regency
) -> None:
    ktp = ServiceFactory.create(agency=disdukcapil, code="DUKCAPIL-KTP", name="Perekaman KTP-el")
    RequirementFactory.create(service=ktp, position=2, text="Kartu Keluarga")
    RequirementFactory.create(service=ktp, position=1, text="Berusia 17 tahun")
    confirmed = ParticipationFactory.create(
        visit=visit, agency=disdukcapil, status=Participation.Status.CONFIRMED
    )
    confirmed.services.add(ktp)
    ParticipationFactory.create(
        visit=visit,
        agency=AgencyFactory.create(code="dinkes", short_name="Dinkes", regencies=[regency]),
    )
    ParticipationFactory.create(
        visit=visit, agency=samsat, mandatory=False, status=Participation.Status.EXCUSED
    )

    response = client.get(f"/api/v1/visits/{visit.pk}")

    assert response.status_code == 200
    assert response.json()["agencies"] == [
        {
            "code": "dinkes",
            "short_name": "Dinkes",
            "kind": "opd",
            "confirmed": False,
            "services": [],
        },
        {
            "code": "disdukcapil",
            "short_name": "Disdukcapil",
            "kind": "opd",
            "confirmed": True,
            "services": [
                {
                    "code": "DUKCAPIL-KTP",
                    "name": "Perekaman KTP-el",
                    "requirements": ["Berusia 17 tahun", "Kartu Keluarga"],
                }
            ],
        },
    ]


def test_visit_detail_publishes_no_personal_data(
    client: Client, visit: Visit, disdukcapil: Agency, siti: User, budi: User
) -> None:
    visit.created_by = budi
    visit.save(update_fields=["created_by"])
    participation = ParticipationFactory.create(
        visit=visit,
        agency=disdukcapil,
        status=Participation.Status.CONFIRMED,
        confirmed_by=siti,
    )
    ParticipationStaff.objects.create(
        participation=participation, name="Siti Aminah", nip="198703122010012003"
    )

    content = client.get(f"/api/v1/visits/{visit.pk}").content.decode()

    for private in ("Siti", "Budi", "198703122010012003", "siti", "budi", "generator"):
        assert private not in content


def test_visits_list_query_count_is_flat(
    client: Client, regency: Regency, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for district in DistrictFactory.create_batch(4, regency=regency):
        for village in VillageFactory.create_batch(2, district=district):
            VisitFactory.create(regency=regency, village=village)

    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/visits", {"regency": "17.01"})

    assert response.json()["count"] == 8


def test_visit_detail_query_count_is_flat(
    client: Client,
    visit: Visit,
    regency: Regency,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    for agency in AgencyFactory.create_batch(4, regencies=[regency]):
        participation = ParticipationFactory.create(visit=visit, agency=agency)
        for service in ServiceFactory.create_batch(2, agency=agency):
            RequirementFactory.create_batch(2, service=service)
            participation.services.add(service)

    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/visits/{visit.pk}")

    assert len(response.json()["agencies"]) == 4
