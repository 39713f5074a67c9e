"""The index of community satisfaction (IKM), exactly as PermenPANRB 14/2017 defines it.

Pure functions over numbers, no database. Arithmetic is exact (``Fraction``) until the
one rounding the regulation asks for, so the weight is exactly 1/9 and not 0.11 or
0.111 (with 0.11 every answer 4 gives 99.00 instead of 100.00; FACTS.md §3):

1. NRR per element = sum of that element's scores ÷ number of filled questionnaires;
2. weighted NRR = NRR × 1/9;
3. IKM (scale 1–4) = Σ weighted NRR;
4. IKM of the unit (scale 25–100) = IKM × 25, rounded half up to 2 decimals;
5. grade by the lower bounds of the conversion table: 88.31 → A (Sangat Baik),
   76.61 → B (Baik), 65.00 → C (Kurang Baik), otherwise D (Tidak Baik). The table's
   intervals have small gaps (76.60 | 76.61), so the rounded value is classified.

The minimum sample follows the Krejcie & Morgan (1970) table the regulation points to,
with its formula for populations between the rows' neighbours or beyond the table.
"""

from __future__ import annotations

import csv
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import TypeAlias

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ELEMENT_COUNT = 9
WEIGHT = Fraction(1, ELEMENT_COUNT)  # "jumlah bobot / jumlah unsur": exactly 1/9
BASE_VALUE = 25  # "nilai dasar": the 1–4 scale times 25 gives the 25–100 scale
TWO_PLACES = Decimal("0.01")
DATA = Path(__file__).resolve().parent / "data"

Number: TypeAlias = int | Fraction | Decimal


@dataclass(frozen=True)
class Grade:
    letter: str  # mutu pelayanan: A, B, C or D
    label: str | Promise  # kinerja unit pelayanan
    lower_bound: Decimal  # the lowest IKM × 25 that earns it


# Highest first. The labels are the regulation's words (skm-mutu-pelayanan.csv).
GRADES = (
    Grade("A", _("Very good (Sangat Baik)"), Decimal("88.31")),
    Grade("B", _("Good (Baik)"), Decimal("76.61")),
    Grade("C", _("Poor (Kurang Baik)"), Decimal("65.00")),
    Grade("D", _("Not good (Tidak Baik)"), Decimal("25.00")),
)

METHOD = _(
    "Method: PermenPANRB No. 14/2017. NRR per element = sum of the scores ÷ number of "
    "respondents; weighted NRR = NRR × 1/9 (the exact ninth, not 0.11); IKM = sum of the "
    "weighted NRR (scale 1–4); IKM of the unit = IKM × 25, rounded to 2 decimals. Grade: "
    "88.31–100 A (Sangat Baik), 76.61–88.30 B (Baik), 65.00–76.60 C (Kurang Baik), "
    "25.00–64.99 D (Tidak Baik). Minimum sample: Krejcie & Morgan (1970) for the number "
    "of services delivered."
)


def _exact(value: Number) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def nrr(total: int, respondents: int) -> Fraction:
    """Average score of one element (nilai rata-rata), exact."""
    if respondents <= 0:
        raise ValueError("An NRR needs at least one respondent.")
    return Fraction(total, respondents)


def weighted_nrr(value: Number) -> Fraction:
    return _exact(value) * WEIGHT


def ikm_raw(nrrs: Sequence[Number]) -> Fraction:
    """IKM on the 1–4 scale: the sum of the weighted NRR of the nine elements."""
    if len(nrrs) != ELEMENT_COUNT:
        raise ValueError(f"The IKM needs {ELEMENT_COUNT} elements, got {len(nrrs)}.")
    return sum((weighted_nrr(value) for value in nrrs), Fraction(0))


def round_half_up(value: Number, places: Decimal = TWO_PLACES) -> Decimal:
    """Round an exact number half up (0.005 → 0.01), as reports round by hand."""
    exact = _exact(value)
    # Decimal division of the exact numerator and denominator keeps enough digits
    # (28 significant) for any sum of scores a survey can have.
    decimal = Decimal(exact.numerator) / Decimal(exact.denominator)
    return decimal.quantize(places, rounding=ROUND_HALF_UP)


def ikm_score(nrrs: Sequence[Number]) -> Decimal:
    """IKM of the unit of service: IKM × 25, rounded half up to 2 decimals."""
    return round_half_up(ikm_raw(nrrs) * BASE_VALUE)


def grade_for(score: Decimal) -> Grade:
    """The grade of a rounded IKM × 25 value (25.00–100.00)."""
    for grade in GRADES:
        if score >= grade.lower_bound:
            return grade
    return GRADES[-1]


def weakest(nrrs: Sequence[Number], *, count: int = 3) -> list[int]:
    """Indexes (0-based) of the lowest elements, lowest first; ties keep U-order.
    Only elements below the best one are named: equal scores have no weakest."""
    if not nrrs:
        return []
    values = [_exact(v) for v in nrrs]
    best = max(values)
    ranked = sorted(range(len(values)), key=lambda i: (values[i], i))
    return [i for i in ranked[:count] if values[i] < best]


# --- Krejcie & Morgan -----------------------------------------------------------------

KM_CHI_SQUARE = Fraction(3841, 1000)  # χ² for 1 degree of freedom at 95 %
KM_P = Fraction(1, 2)
KM_D = Fraction(5, 100)


@cache
def krejcie_morgan_table() -> tuple[tuple[int, int], ...]:
    """(population N, sample S) rows of the published table, ascending N."""
    with (DATA / "skm-krejcie-morgan.csv").open(newline="", encoding="utf-8") as handle:
        rows = [(int(r["population_n"]), int(r["sample_s"])) for r in csv.DictReader(handle)]
    return tuple(sorted(rows))


def krejcie_morgan_formula(population: int) -> Fraction:
    """S = χ²·N·P(1−P) / (d²(N−1) + χ²·P(1−P)), exact."""
    n = Fraction(population)
    spread = KM_P * (1 - KM_P)
    return KM_CHI_SQUARE * n * spread / (KM_D**2 * (n - 1) + KM_CHI_SQUARE * spread)


def minimum_sample(population: int) -> int:
    """The least number of respondents for a population of service users.

    From the table: the row of N itself, or of the next higher N when N falls between
    rows (the cautious reading of the table). Below the first row every user must
    answer; beyond the last row (100,000) the table's last value, 384, holds."""
    if population <= 0:
        return 0
    table = krejcie_morgan_table()
    if population < table[0][0]:
        return population
    index = bisect_left([n for n, _s in table], population)
    if index >= len(table):
        return table[-1][1]
    return table[index][1]
