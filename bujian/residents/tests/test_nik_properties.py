"""Property-based tests of the NIK rules (FACTS.md §2): for every NIK built from a real
birth date, sex and serial the checker agrees; for every string that breaks one rule it
names that rule; it never crashes on any text."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from bujian.residents.nik import (
    WARNING_BIRTH_DATE,
    WARNING_DISTRICT_UNKNOWN,
    WARNING_SEX,
    RegionCodes,
    check_nik,
    make_nik,
    mask_nik,
    nik_birth_date,
    nik_sex,
)

TODAY = dt.date(2026, 11, 28)
REGIONS = RegionCodes(districts=frozenset({"170105", "180201"}), provinces=frozenset({"17", "18"}))

birth_dates = st.dates(min_value=dt.date(TODAY.year - 99, 1, 1), max_value=TODAY)
sexes = st.sampled_from(["L", "P"])
serials = st.integers(min_value=1, max_value=9999)
districts = st.sampled_from(["17.01.05", "18.02.01"])


@given(district=districts, birth=birth_dates, sex=sexes, serial=serials)
def test_a_nik_made_from_real_facts_is_valid_and_reads_back(
    district: str, birth: dt.date, sex: str, serial: int
) -> None:
    nik = make_nik(district, birth, sex, serial)
    check = check_nik(nik, birth_date=birth, sex=sex, today=TODAY, regions=REGIONS)
    assert check.ok, check.errors
    assert check.warnings == []
    assert (check.birth_date, check.sex) == (birth, sex)
    assert nik_birth_date(nik, today=TODAY) == birth
    assert nik_sex(nik) == sex
    masked = mask_nik(nik)
    assert masked[:4] == nik[:4] and masked[-4:] == nik[-4:]
    assert nik[4:12] not in masked


@given(district=districts, birth=birth_dates, sex=sexes, serial=serials, other=birth_dates)
def test_a_different_recorded_birth_date_is_a_warning_not_an_error(
    district: str, birth: dt.date, sex: str, serial: int, other: dt.date
) -> None:
    nik = make_nik(district, birth, sex, serial)
    check = check_nik(nik, birth_date=other, sex=sex, today=TODAY, regions=REGIONS)
    assert check.ok
    same = (other.day, other.month, other.year % 100) == (birth.day, birth.month, birth.year % 100)
    assert check.warning_codes == ([] if same else [WARNING_BIRTH_DATE])


@given(district=districts, birth=birth_dates, sex=sexes, serial=serials)
def test_the_other_sex_is_a_warning(district: str, birth: dt.date, sex: str, serial: int) -> None:
    nik = make_nik(district, birth, sex, serial)
    other = "P" if sex == "L" else "L"
    check = check_nik(nik, birth_date=birth, sex=other, today=TODAY, regions=REGIONS)
    assert check.ok
    assert check.warning_codes == [WARNING_SEX]


@given(birth=birth_dates, sex=sexes, serial=serials)
def test_an_unknown_kecamatan_is_a_warning(birth: dt.date, sex: str, serial: int) -> None:
    nik = make_nik("17.01.99", birth, sex, serial)
    check = check_nik(nik, today=TODAY, regions=REGIONS)
    assert check.ok
    assert check.warning_codes == [WARNING_DISTRICT_UNKNOWN]


BAD_DAYS = st.integers(min_value=0, max_value=99).filter(
    lambda d: not (1 <= d <= 31 or 41 <= d <= 71)
)


@given(day=BAD_DAYS)
def test_a_day_outside_both_ranges_is_an_error_naming_digits_7_and_8(day: int) -> None:
    nik = f"170105{day:02d}0790{1:04d}"
    check = check_nik(nik, today=TODAY, regions=REGIONS)
    assert not check.ok
    assert [issue.code for issue in check.errors][:1] == ["nik.day"]
    assert "7–8" in check.errors[0].message


@given(month=st.integers(min_value=0, max_value=99).filter(lambda m: not 1 <= m <= 12))
def test_a_month_outside_1_to_12_is_an_error(month: int) -> None:
    check = check_nik(f"17010501{month:02d}900001", today=TODAY, regions=REGIONS)
    assert "nik.month" in [issue.code for issue in check.errors]


@given(text=st.text(max_size=40))
def test_any_text_gets_an_answer_never_an_exception(text: str) -> None:
    check = check_nik(text, today=TODAY, regions=REGIONS)
    value = text.strip()
    is_sixteen_digits = len(value) == 16 and value.isascii() and value.isdigit()
    if not is_sixteen_digits:
        assert not check.ok
        assert all(issue.message for issue in check.errors)
