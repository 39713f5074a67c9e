"""NIK and KK rules (FACTS.md §2), masking and phone numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from bujian.regions.models import Village
from bujian.residents.nik import (
    KNOWN_PROVINCE_CODES,
    WARNING_BIRTH_DATE,
    WARNING_DISTRICT_UNKNOWN,
    WARNING_SEX,
    InvalidPhone,
    NikIssue,
    RegionCodes,
    check_kk,
    check_nik,
    make_nik,
    mask_nik,
    nik_birth_date,
    nik_sex,
    normalise_phone,
)

TODAY = dt.date(2026, 11, 28)
REGIONS = RegionCodes(districts=frozenset({"170105", "170101"}), provinces=KNOWN_PROVINCE_CODES)

# Kota Manna (17.01.05): a man born 14-03-1985 and a woman born 01-07-1990.
MAN = "1701051403850001"
WOMAN = "1701054107900003"


@pytest.fixture(autouse=True)
def _english() -> object:
    with translation.override("en"):
        yield


def codes(issues: list[NikIssue]) -> list[str]:
    return [issue.code for issue in issues]


# --- valid numbers --------------------------------------------------------------------


def test_valid_nik_of_a_man() -> None:
    check = check_nik(MAN, birth_date=dt.date(1985, 3, 14), sex="L", today=TODAY, regions=REGIONS)
    assert check.ok
    assert check.errors == [] and check.warnings == []
    assert check.birth_date == dt.date(1985, 3, 14)
    assert check.sex == "L"


def test_valid_nik_of_a_woman_has_forty_added_to_the_day() -> None:
    check = check_nik(WOMAN, birth_date=dt.date(1990, 7, 1), sex="P", today=TODAY, regions=REGIONS)
    assert check.ok and check.warnings == []
    assert check.birth_date == dt.date(1990, 7, 1)
    assert check.sex == "P"
    assert nik_sex(WOMAN) == "P" and nik_sex(MAN) == "L"


def test_surrounding_spaces_are_ignored() -> None:
    assert check_nik(f" {MAN} ", today=TODAY, regions=REGIONS).ok


def test_two_digit_year_in_the_future_means_the_1900s() -> None:
    assert nik_birth_date("1701051403250001", today=TODAY) == dt.date(2025, 3, 14)
    assert nik_birth_date("1701051403270001", today=TODAY) == dt.date(1927, 3, 14)
    # Later this year than today: still a future date in 2026, so 1926.
    assert nik_birth_date("1701051512260001", today=TODAY) == dt.date(1926, 12, 15)
    assert nik_birth_date("1701051511260001", today=TODAY) == dt.date(2026, 11, 15)


def test_29_february_2000_is_a_real_date() -> None:
    check = check_nik("1701052902000001", today=TODAY, regions=REGIONS)
    assert check.ok
    assert check.birth_date == dt.date(2000, 2, 29)


# --- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nik", "code", "fragment"),
    [
        ("", "nik.empty", "Write the NIK"),
        ("17010514038500", "nik.length", "has 14"),
        ("17010514038500012", "nik.length", "has 17"),
        ("1701O51403850001", "nik.not_digits", "“O”"),
    ],
)
def test_nik_must_be_sixteen_digits(nik: str, code: str, fragment: str) -> None:
    check = check_nik(nik, today=TODAY, regions=REGIONS)
    assert codes(check.errors) == [code]
    assert fragment in check.errors[0].message


def test_day_out_of_range_names_digits_7_8() -> None:
    check = check_nik("1701053503850001", today=TODAY, regions=REGIONS)
    assert codes(check.errors) == ["nik.day"]
    assert check.errors[0].message == (
        "Digits 7–8 of the NIK (day of birth) are 35: they must be 01–31, or 41–71 for a woman."
    )


@pytest.mark.parametrize("day", ["00", "32", "40", "72", "99"])
def test_days_between_the_ranges_are_errors(day: str) -> None:
    assert codes(check_nik(f"170105{day}03850001", today=TODAY, regions=REGIONS).errors) == [
        "nik.day"
    ]


@pytest.mark.parametrize("month", ["00", "13"])
def test_month_out_of_range_names_digits_9_10(month: str) -> None:
    check = check_nik(f"17010514{month}850001", today=TODAY, regions=REGIONS)
    assert codes(check.errors) == ["nik.month"]
    assert f"Digits 9–10 of the NIK (month of birth) are {month}" in check.errors[0].message


def test_day_and_month_both_wrong_gives_both_errors() -> None:
    check = check_nik("1701053513850001", today=TODAY, regions=REGIONS)
    assert codes(check.errors) == ["nik.day", "nik.month"]


def test_date_that_does_not_exist_is_an_error_for_women_too() -> None:
    check = check_nik("1701057102850001", today=TODAY, regions=REGIONS)  # 31-02-1985
    assert codes(check.errors) == ["nik.date"]
    assert "31-02-1985" in check.errors[0].message
    assert codes(check_nik("1701052902010001", today=TODAY, regions=REGIONS).errors) == [
        "nik.date"
    ]  # 2001 is no leap year


def test_serial_0000_is_an_error() -> None:
    check = check_nik("1701051403850000", today=TODAY, regions=REGIONS)
    assert codes(check.errors) == ["nik.serial"]
    assert "Digits 13–16" in check.errors[0].message


def test_unknown_province_is_an_error() -> None:
    check = check_nik("9901051403850001", today=TODAY, regions=REGIONS)
    assert codes(check.errors) == ["nik.province"]
    assert "Digits 1–2 of the NIK (province) are 99" in check.errors[0].message


# --- warnings -------------------------------------------------------------------------


def test_prefix_that_is_not_a_current_kecamatan_is_a_warning_only() -> None:
    check = check_nik("1799991403850001", today=TODAY, regions=REGIONS)
    assert check.ok
    assert codes(check.warnings) == [WARNING_DISTRICT_UNKNOWN]
    assert "Digits 1–6 of the NIK (kecamatan) are 179999" in check.warnings[0].message


def test_old_papua_code_is_accepted_with_a_warning() -> None:
    check = check_nik("9101051403850001", today=TODAY, regions=REGIONS)
    assert check.ok
    assert codes(check.warnings) == [WARNING_DISTRICT_UNKNOWN]


def test_birth_date_different_from_the_record_is_a_warning() -> None:
    check = check_nik(MAN, birth_date=dt.date(1985, 3, 15), today=TODAY, regions=REGIONS)
    assert check.ok
    assert codes(check.warnings) == [WARNING_BIRTH_DATE]
    assert "give 14-03-85" in check.warnings[0].message
    assert "15-03-1985" in check.warnings[0].message


def test_same_day_and_month_in_another_century_is_still_a_mismatch() -> None:
    check = check_nik(MAN, birth_date=dt.date(1986, 3, 14), today=TODAY, regions=REGIONS)
    assert codes(check.warnings) == [WARNING_BIRTH_DATE]


def test_sex_different_from_the_record_is_a_warning() -> None:
    check = check_nik(WOMAN, birth_date=dt.date(1990, 7, 1), sex="L", today=TODAY, regions=REGIONS)
    assert check.ok
    assert codes(check.warnings) == [WARNING_SEX]
    assert "which means female, but the recorded sex is male" in check.warnings[0].message


def test_warnings_can_add_up_and_be_accepted_one_by_one() -> None:
    check = check_nik(
        "1799994107900003", birth_date=dt.date(1990, 7, 2), sex="L", today=TODAY, regions=REGIONS
    )
    assert codes(check.warnings) == [WARNING_DISTRICT_UNKNOWN, WARNING_BIRTH_DATE, WARNING_SEX]
    assert codes(check.unaccepted([WARNING_SEX, WARNING_DISTRICT_UNKNOWN])) == [WARNING_BIRTH_DATE]
    assert check.unaccepted(check.warning_codes) == []


@pytest.mark.django_db
def test_region_codes_come_from_the_database(village: Village) -> None:
    regions = RegionCodes.load()
    assert "170105" in regions.districts
    assert check_nik(MAN, today=TODAY).warnings == []
    assert codes(check_nik("1701991403850001", today=TODAY).warnings) == [WARNING_DISTRICT_UNKNOWN]


# --- KK -------------------------------------------------------------------------------


def test_valid_kk() -> None:
    assert check_kk("1701050502100007", today=TODAY, regions=REGIONS).errors == []


def test_kk_date_has_no_plus_forty_rule() -> None:
    check = check_kk("1701054502100007", today=TODAY, regions=REGIONS)
    assert codes(check.errors) == ["kk.day"]
    assert "Digits 7–8 of the KK number (day it was recorded) are 45" in check.errors[0].message


@pytest.mark.parametrize(
    ("kk", "code"),
    [
        ("170105050210000", "kk.length"),
        ("17010505021000A7", "kk.not_digits"),
        ("1701050513100007", "kk.month"),
        ("1701053102100007", "kk.date"),
        ("1701050502100000", "kk.serial"),
        ("9901050502100007", "kk.province"),
    ],
)
def test_invalid_kk(kk: str, code: str) -> None:
    assert codes(check_kk(kk, today=TODAY, regions=REGIONS).errors) == [code]


# --- make_nik, masking ---------------------------------------------------------------


def test_make_nik_is_valid_for_its_kecamatan_and_birth_date() -> None:
    man = make_nik("17.01.05", dt.date(1985, 3, 14), "L", 1)
    woman = make_nik("170105", dt.date(1990, 7, 1), "P", 3)
    assert (man, woman) == (MAN, WOMAN)
    for nik, born, sex in [(man, dt.date(1985, 3, 14), "L"), (woman, dt.date(1990, 7, 1), "P")]:
        check = check_nik(nik, birth_date=born, sex=sex, today=TODAY, regions=REGIONS)
        assert check.ok and check.warnings == []
    with pytest.raises(ValueError, match="1–9999"):
        make_nik("17.01.05", dt.date(1990, 1, 1), "L", 0)
    with pytest.raises(ValueError, match="six digits"):
        make_nik("17.01", dt.date(1990, 1, 1), "L", 1)


def test_mask_shows_first_and_last_four_digits() -> None:
    assert mask_nik(MAN) == "1701••••••••0001"
    assert mask_nik("1701054107900003") == "1701••••••••0003"
    assert mask_nik("") == ""
    assert mask_nik(None) == ""
    assert mask_nik("12345") == "•••••"


# --- phone numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "6281234567890",
        "62 812 3456 7890",
        "+6281234567890",
        "+62 812-3456-7890",
        "(0812) 3456.7890",
    ],
)
def test_phone_numbers_are_normalised_to_plus_62(raw: str) -> None:
    assert normalise_phone(raw) == "+6281234567890"


def test_landline_is_accepted() -> None:
    assert normalise_phone("0739 21234") == "+6273921234"


def test_empty_phone_is_allowed() -> None:
    assert normalise_phone("") == ""
    assert normalise_phone(None) == ""
    assert normalise_phone("   ") == ""


@pytest.mark.parametrize(
    "raw", ["81234567890", "+6581234567", "0812abc4567", "08123", "021", "+62 12"]
)
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone, match="phone number"):
        normalise_phone(raw)
