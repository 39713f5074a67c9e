"""IKM exactly as PermenPANRB 14/2017 defines it, on worked cases."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import translation

from bujian.surveys import ikm
from bujian.surveys.stats import ikm_from_sums


def test_every_answer_4_gives_exactly_100() -> None:
    assert ikm.ikm_score([4] * 9) == Decimal("100.00")
    with translation.override("id"):
        result = ikm_from_sums([4 * 37] * 9, 37)
    assert result is not None
    assert result.ikm == Decimal("100.00")
    assert (result.grade, result.grade_label) == ("A", "Sangat Baik")


def test_worked_example_gives_84_44_b() -> None:
    nrrs = [Decimal(v) for v in ("3.5", "3.2", "3.0", "4.0", "3.4", "3.6", "3.7", "3.1", "2.9")]
    score = ikm.ikm_score(nrrs)
    assert score == Decimal("84.44")
    assert ikm.grade_for(score).letter == "B"
    # The same through sums: 10 respondents whose element sums are 35, 32, …
    result = ikm_from_sums([35, 32, 30, 40, 34, 36, 37, 31, 29], 10)
    assert result is not None
    assert (result.ikm, result.grade) == (Decimal("84.44"), "B")
    assert result.nrr[0] == Decimal("3.500")


def test_weight_is_the_exact_ninth_not_0_11() -> None:
    assert Fraction(1, 9) == ikm.WEIGHT
    assert ikm.ikm_raw([4] * 9) == 4
    # 0.111 would give 84.36 and 0.11 83.60 on the worked example (FACTS.md §3).
    assert ikm.ikm_raw([Fraction(35, 10)] * 9) == Fraction(7, 2)


@pytest.mark.parametrize(
    ("score", "letter"),
    [
        ("100.00", "A"),
        ("88.31", "A"),
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("25.00", "D"),
    ],
)
def test_grade_boundaries(score: str, letter: str) -> None:
    assert ikm.grade_for(Decimal(score)).letter == letter


def test_rounding_is_half_up_on_the_exact_value() -> None:
    assert ikm.round_half_up(Fraction(88305, 1000)) == Decimal("88.31")  # A, not B
    assert ikm.round_half_up(Fraction(766049, 10000)) == Decimal("76.60")
    # An IKM of 3.0644 × 25 = 76.61 lands in B.
    result = ikm_from_sums([30644] * 9, 10000)
    assert result is not None
    assert (result.ikm, result.grade) == (Decimal("76.61"), "B")


def test_boundary_reached_only_through_rounding() -> None:
    # NRR 3.5322 on every element: IKM × 25 = 88.305 exactly, below the bound of A
    # until rounded half up to 88.31.
    result = ikm_from_sums([35322] * 9, 10000)
    assert result is not None
    assert (result.ikm, result.grade) == (Decimal("88.31"), "A")


def test_no_respondents_gives_no_result() -> None:
    assert ikm_from_sums([0] * 9, 0) is None


def test_nine_elements_are_required() -> None:
    with pytest.raises(ValueError, match="9"):
        ikm.ikm_raw([4] * 8)


def test_weakest_elements_lowest_first() -> None:
    nrrs = [Decimal(v) for v in ("3.5", "3.2", "3.0", "4.0", "3.4", "3.6", "3.7", "3.1", "2.9")]
    assert ikm.weakest(nrrs) == [8, 2, 7]
    assert ikm.weakest([4] * 9) == []


@pytest.mark.parametrize(
    ("population", "sample"),
    [
        (100, 80),
        (1000, 278),
        (500, 217),
        (10_000, 370),
        (100_000, 384),
        (10, 10),
        (5, 5),
        (0, 0),
        (101, 86),  # between rows: the next higher N (110 → 86)
        (1_000_000, 384),
    ],
)
def test_krejcie_morgan_minimum_sample(population: int, sample: int) -> None:
    assert ikm.minimum_sample(population) == sample


def test_krejcie_morgan_table_matches_its_formula() -> None:
    for population, sample in ikm.krejcie_morgan_table():
        formula = ikm.krejcie_morgan_formula(population)
        if population == 100_000:
            assert round(formula) == 383  # the published table says 384 (FACTS.md §3)
        else:
            assert round(formula) == sample, population


def test_sample_warning_when_too_few() -> None:
    result = ikm_from_sums([30] * 9, 10, population=1000)
    assert result is not None
    assert (result.minimum_sample, result.sample_ok) == (278, False)
    assert result.missing_respondents == 268
    enough = ikm_from_sums([240] * 9, 80, population=100)
    assert enough is not None
    assert enough.sample_ok is True
