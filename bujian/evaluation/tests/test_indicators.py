"""Indicator sets: export, import from another regency, comparison side by side."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.conftest import client_for
from bujian.core.errors import DomainError
from bujian.evaluation import indicators
from bujian.evaluation.models import IndicatorSet
from bujian.evaluation.tests.builders import BuiltVisit
from bujian.regions.models import Regency
from bujian.regions.tests.factories import RegencyFactory


@pytest.fixture
def lampung(db: None) -> Regency:
    return RegencyFactory.create(code="18.02", name="Lampung Tengah", program_name="Bunga Kampung")


def _export(regency: Regency, built: BuiltVisit) -> list[dict[str, object]]:
    return indicators.regency_indicators(regency, dt.date(2027, 1, 1), dt.date(2027, 12, 31))


def test_json_round_trip_into_another_regency(
    built: BuiltVisit, regency: Regency, lampung: Regency
) -> None:
    visits = _export(regency, built)
    text = indicators.as_json(regency, visits)
    parsed = indicators.parse_indicator_file("bs.json", text.encode())
    assert parsed.regency_code == regency.code and len(parsed.visits) == 1
    assert (
        indicators.import_indicator_sets(parsed=parsed, importing_regency=lampung, actor=None) == 1
    )
    stored = IndicatorSet.objects.get(imported_for=lampung)
    assert stored.indicators["residents_served"] == 4
    assert stored.start_date == dt.date(2027, 6, 10)
    # Importing the same file again replaces, never doubles.
    indicators.import_indicator_sets(parsed=parsed, importing_regency=lampung, actor=None)
    assert IndicatorSet.objects.filter(imported_for=lampung).count() == 1


def test_csv_round_trip(built: BuiltVisit, regency: Regency, lampung: Regency) -> None:
    text = indicators.as_csv(regency, _export(regency, built))
    assert text.splitlines()[0].startswith("regency_code,regency_name,program,visit_key,")
    parsed = indicators.parse_indicator_file("bs.csv", text.encode())
    assert parsed.visits[0]["skm_sums"] == [11, 11, 11, 11, 10, 10, 10, 10, 9]
    assert (
        parsed.visits[0]
        == indicators.parse_indicator_file(
            "bs.json", indicators.as_json(regency, _export(regency, built)).encode()
        ).visits[0]
    )


def test_own_regency_file_is_refused(built: BuiltVisit, regency: Regency) -> None:
    parsed = indicators.parse_indicator_file(
        "bs.json", indicators.as_json(regency, _export(regency, built)).encode()
    )
    with pytest.raises(DomainError):
        indicators.import_indicator_sets(parsed=parsed, importing_regency=regency, actor=None)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json {", "not valid JSON"),
        (json.dumps({"format": "other"}).encode(), "not a Bujian indicator file"),
        (
            json.dumps(
                {
                    "format": "bujian-indicators",
                    "version": 1,
                    "regency": {"code": "18.02", "name": "X"},
                    "visits": [
                        {
                            "visit_key": "a",
                            "village": "V",
                            "start_date": "2027-13-01",
                            "end_date": "2027-01-01",
                            "residents_served": 1,
                        }
                    ],
                }
            ).encode(),
            "not a valid value for start_date",
        ),
        (
            json.dumps(
                {
                    "format": "bujian-indicators",
                    "version": 1,
                    "regency": {"code": "18.02", "name": "X"},
                    "visits": [
                        {
                            "visit_key": "a",
                            "village": "V",
                            "start_date": "2027-01-01",
                            "end_date": "2027-01-01",
                            "residents_served": 1,
                            "skm_respondents": 2,
                            "skm_sums": [9, 8, 8, 8, 8, 8, 8, 8, 8],
                        }
                    ],
                }
            ).encode(),
            "SKM sums do not fit",
        ),
        (b"regency_code,regency_name\n18.02,X\n", "lacks the columns"),
    ],
)
def test_bad_files_are_refused_whole(content: bytes, message: str) -> None:
    name = "file.json" if content[:1] in b"{n" else "f.csv"
    with translation.override("en"), pytest.raises(DomainError) as error:
        indicators.parse_indicator_file(name, content)
    assert message in str(error.value.message)


def test_program_admin_imports_and_compares(
    built: BuiltVisit, regency: Regency, lampung: Regency, budi: User, bupati: User
) -> None:
    other_admin = UserFactory.create(role=User.Role.PROGRAM_ADMIN, regency=lampung)
    own_export = client_for(budi).get(
        reverse("evaluation:indicators_export", args=["json"]) + "?kind=year&year=2027&number=1"
    )
    assert own_export.status_code == 200
    upload = SimpleUploadedFile("bengkulu-selatan.json", own_export.content)
    response = client_for(other_admin).post(reverse("evaluation:comparison"), {"file": upload})
    assert response.status_code == 302
    assert IndicatorSet.objects.filter(imported_for=lampung).count() == 1
    page = client_for(other_admin).get(reverse("evaluation:comparison"))
    html = page.content.decode()
    assert 'data-program="17.01"' in html and 'data-program="18.02"' in html
    # Leadership reads the comparison but may not import.
    upload = SimpleUploadedFile("bs.json", own_export.content)
    assert (
        client_for(bupati).post(reverse("evaluation:comparison"), {"file": upload}).status_code
        == 403
    )


def test_a_bad_upload_shows_the_reason(budi: User) -> None:
    upload = SimpleUploadedFile("x.json", b"{broken")
    response = client_for(budi).post(reverse("evaluation:comparison"), {"file": upload})
    assert response.status_code == 200
    assert "Berkas bukan JSON yang sah." in response.content.decode()


def test_program_column_ikm_is_exact_over_visits() -> None:
    column = indicators.ProgramColumn(
        "18.02",
        "Lampung Tengah",
        "Bunga Kampung",
        [
            {"skm_respondents": 1, "skm_sums": [4] * 9, "residents_served": 10},
            {"skm_respondents": 3, "skm_sums": [6] * 9, "residents_served": 20},
        ],
    )
    result = column.ikm
    assert result is not None and str(result.ikm) == "62.50"  # 30/4 / 4 × 25, not a mean of means
    assert column.per_visit("residents_served") == 15.0
