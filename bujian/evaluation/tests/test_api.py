"""The evaluation API: a visit's report and indicator set, scoped like the pages."""

from __future__ import annotations

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.conftest import client_for
from bujian.evaluation.tests.builders import BuiltVisit
from bujian.regions.tests.factories import RegencyFactory


def test_report_json_for_leadership(built: BuiltVisit, bupati: User) -> None:
    response = client_for(bupati).get(f"/api/v1/evaluation/visits/{built.visit.pk}/report")
    assert response.status_code == 200
    data = response.json()
    assert data["residents_served"] == 4
    assert data["attendance"]["present"] == 2
    assert data["total"]["ikm"]["ikm"] == "86.11"
    assert {a["code"] for a in data["agencies"]} == {"disdukcapil", "samsat"}
    assert "1/9" in data["ikm_method"]


def test_report_json_of_an_agency_operator_is_their_part(built: BuiltVisit, siti: User) -> None:
    data = client_for(siti).get(f"/api/v1/evaluation/visits/{built.visit.pk}/report").json()
    assert [a["code"] for a in data["agencies"]] == ["disdukcapil"]
    assert data["agency_scope"] == [built.booths["disdukcapil"].participation.agency_id]


def test_indicator_set_json(built: BuiltVisit, budi: User, siti: User) -> None:
    url = f"/api/v1/evaluation/visits/{built.visit.pk}/indicators"
    response = client_for(budi).get(url)
    assert response.status_code == 200
    data = response.json()
    assert data["residents_served"] == 4
    assert (data["residents_women"], data["residents_men"]) == (2, 2)
    assert data["services"] == 4 and data["services_completed"] == 2
    assert data["skm_respondents"] == 3 and data["ikm"] == 86.11 and data["ikm_grade"] == "B"
    assert data["skm_sums"] == [11, 11, 11, 11, 10, 10, 10, 10, 9]
    assert "national_id" not in str(data)
    assert client_for(siti).get(url).status_code == 403


def test_visit_of_another_regency_is_404(built: BuiltVisit) -> None:
    stranger = UserFactory.create(
        role=User.Role.PROGRAM_ADMIN, regency=RegencyFactory.create(code="18.02")
    )
    client = client_for(stranger)
    assert client.get(f"/api/v1/evaluation/visits/{built.visit.pk}/report").status_code == 404
    assert client.get(f"/api/v1/evaluation/visits/{built.visit.pk}/indicators").status_code == 404


def test_indicator_file_for_a_period(built: BuiltVisit, bupati: User) -> None:
    response = client_for(bupati).get("/api/v1/evaluation/indicators?kind=year&year=2027")
    assert response.status_code == 200
    data = response.json()
    assert data["format"] == "bujian-indicators" and len(data["visits"]) == 1
    bad = client_for(bupati).get("/api/v1/evaluation/indicators?kind=quarter&year=2027&number=9")
    assert bad.status_code == 422


def test_anonymous_is_refused(built: BuiltVisit) -> None:
    from django.test import Client

    response = Client().get(f"/api/v1/evaluation/visits/{built.visit.pk}/report")
    assert response.status_code == 401
