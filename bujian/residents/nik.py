"""NIK and KK numbers, phone numbers: checks, masking and normalisation.

The rules follow FACTS.md §2. A NIK is ``PPKKCC DDMMYY SSSS``: the kecamatan where the
NIK was first registered, the birth date (women: day + 40), and a serial number from
SIAK starting at 0001. What cannot be true is an *error* (the number is refused);
what may legally differ from the rest of the record is a *warning* that a staff member
checks and accepts: the NIK never changes after a move, a split of the region or a
corrected birth date.

Messages name the digits that are wrong ("Digits 7–8 (day of birth) are 35: …"), so a
desk officer can compare them with the KTP at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import phonenumbers
from django.utils.translation import gettext as _

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40
MASK_CHAR = "•"

# The 38 provinces of the Kepmendagri list (npm idn-area-data 4.0.1, FACTS.md §0). A NIK
# keeps the province code of its first registration, so the Papua codes 91/92 stay
# valid after the 2022 split into 93–96. The database's Province table is added to this.
# fmt: off
KNOWN_PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33",
    "34", "35", "36", "51", "52", "53", "61", "62", "63", "64", "65", "71", "72",
    "73", "74", "75", "76", "81", "82", "91", "92", "93", "94", "95", "96",
})
# fmt: on

# Warning codes a staff member may accept (stored in Resident.accepted_warnings).
WARNING_DISTRICT_UNKNOWN = "nik.district_unknown"
WARNING_BIRTH_DATE = "nik.birth_date_mismatch"
WARNING_SEX = "nik.sex_mismatch"
WARNING_CODES = (WARNING_DISTRICT_UNKNOWN, WARNING_BIRTH_DATE, WARNING_SEX)

_SEPARATORS = re.compile(r"[\s.\-]+")


@dataclass(frozen=True)
class NikIssue:
    """One problem with a number. ``code`` is stable (tests, API clients, the
    accepted-warnings list); ``message`` is the translated sentence."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class NikCheck:
    errors: list[NikIssue] = field(default_factory=list)
    warnings: list[NikIssue] = field(default_factory=list)
    birth_date: dt.date | None = None
    sex: str | None = None

    @property
    def ok(self) -> bool:
        """No errors (warnings may remain to be accepted)."""
        return not self.errors

    @property
    def warning_codes(self) -> list[str]:
        return [issue.code for issue in self.warnings]

    def unaccepted(self, accepted: Iterable[str]) -> list[NikIssue]:
        """Warnings whose code is not among ``accepted``."""
        accepted_codes = set(accepted)
        return [issue for issue in self.warnings if issue.code not in accepted_codes]


@dataclass(frozen=True)
class RegionCodes:
    """The codes a NIK prefix is compared with: current kecamatan codes without dots
    (``170105``) and province codes. Load once for a batch (an Excel import) instead of
    two queries per NIK."""

    districts: frozenset[str]
    provinces: frozenset[str]

    @classmethod
    def load(cls) -> RegionCodes:
        from bujian.regions.models import District, Province

        districts = frozenset(
            code.replace(".", "") for code in District.objects.values_list("code", flat=True)
        )
        provinces = KNOWN_PROVINCE_CODES | frozenset(
            Province.objects.values_list("code", flat=True)
        )
        return cls(districts=districts, provinces=provinces)


def clean_number(raw: object) -> str:
    """Drop the spaces, dots and dashes people type inside a NIK or KK number."""
    return _SEPARATORS.sub("", str(raw or ""))


def _sex_label(sex: str) -> str:
    return _("female") if sex == "P" else _("male")


def _century(yy: int, month: int, day: int, today: dt.date) -> int:
    """The full year of a two-digit year: 20yy unless that lies in the future."""
    year = 2000 + yy
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year


def _format_issues(value: str, code: str, what: str) -> list[NikIssue]:
    """Errors of the 16-digit form; ``code`` is "nik" or "kk", ``what`` its label."""
    if not value:
        return [NikIssue(f"{code}.empty", _("Write the %(what)s.") % {"what": what})]
    # Only 0–9: str.isdigit() also takes Arabic-Indic, fullwidth and superscript
    # digits, which int() reads differently or not at all.
    if not (value.isascii() and value.isdigit()):
        wrong = "".join(sorted({c for c in value if not (c.isascii() and c.isdigit())}))
        return [
            NikIssue(
                f"{code}.not_digits",
                _("A %(what)s has only digits; this one contains “%(chars)s”.")
                % {"what": what, "chars": wrong},
            )
        ]
    if len(value) != NIK_LENGTH:
        return [
            NikIssue(
                f"{code}.length",
                _("A %(what)s has exactly 16 digits; this one has %(count)d.")
                % {"what": what, "count": len(value)},
            )
        ]
    return []


def check_nik(
    nik: str,
    *,
    birth_date: dt.date | None = None,
    sex: str | None = None,
    today: dt.date | None = None,
    regions: RegionCodes | None = None,
) -> NikCheck:
    """Check a NIK against FACTS.md §2, and against the recorded birth date and sex
    when given. ``regions`` avoids two queries per call in a batch; without it the
    codes are read from the database."""
    today = today or dt.date.today()
    value = (nik or "").strip()
    check = NikCheck()
    check.errors = _format_issues(value, "nik", "NIK")
    if check.errors:
        return check

    day_value, month, yy, serial = int(value[6:8]), int(value[8:10]), int(value[10:12]), value[12:]
    is_female = day_value > FEMALE_DAY_OFFSET
    day = day_value - FEMALE_DAY_OFFSET if is_female else day_value
    if not (1 <= day_value <= 31 or 41 <= day_value <= 71):
        check.errors.append(
            NikIssue(
                "nik.day",
                _(
                    "Digits 7–8 of the NIK (day of birth) are %(value)s: they must be 01–31, "
                    "or 41–71 for a woman."
                )
                % {"value": value[6:8]},
            )
        )
    if not 1 <= month <= 12:
        check.errors.append(
            NikIssue(
                "nik.month",
                _("Digits 9–10 of the NIK (month of birth) are %(value)s: they must be 01–12.")
                % {"value": value[8:10]},
            )
        )
    date: dt.date | None = None
    if not check.errors:
        year = _century(yy, month, day, today)
        try:
            date = dt.date(year, month, day)
        except ValueError:
            check.errors.append(
                NikIssue(
                    "nik.date",
                    _(
                        "Digits 7–12 of the NIK (date of birth) give %(date)s, "
                        "which is not a real date."
                    )
                    % {"date": f"{day:02d}-{month:02d}-{year}"},
                )
            )
    if serial == "0000":
        check.errors.append(
            NikIssue(
                "nik.serial",
                _("Digits 13–16 of the NIK (serial number) are 0000: the serial starts at 0001."),
            )
        )
    regions = regions or RegionCodes.load()
    if value[:2] not in regions.provinces:
        check.errors.append(
            NikIssue(
                "nik.province",
                _("Digits 1–2 of the NIK (province) are %(value)s: no province has this code.")
                % {"value": value[:2]},
            )
        )
    if check.errors:
        return check

    assert date is not None
    check.birth_date = date
    check.sex = "P" if is_female else "L"
    if value[:6] not in regions.districts:
        check.warnings.append(
            NikIssue(
                WARNING_DISTRICT_UNKNOWN,
                _(
                    "Digits 1–6 of the NIK (kecamatan) are %(value)s: this is not a current "
                    "kecamatan code. A NIK keeps the code of the place where it was first "
                    "registered, so compare it with the KTP."
                )
                % {"value": value[:6]},
            )
        )
    if birth_date is not None and (birth_date.day, birth_date.month, birth_date.year % 100) != (
        day,
        month,
        yy,
    ):
        check.warnings.append(
            NikIssue(
                WARNING_BIRTH_DATE,
                _(
                    "Digits 7–12 of the NIK (date of birth) give %(nik_date)s, but the recorded "
                    "birth date is %(birth_date)s."
                )
                % {
                    "nik_date": f"{day:02d}-{month:02d}-{yy:02d}",
                    "birth_date": birth_date.strftime("%d-%m-%Y"),
                },
            )
        )
    if sex in {"L", "P"} and sex != check.sex:
        check.warnings.append(
            NikIssue(
                WARNING_SEX,
                _(
                    "Digits 7–8 of the NIK (day of birth) are %(value)s, which means "
                    "%(nik_sex)s, but the recorded sex is %(sex)s."
                )
                % {
                    "value": value[6:8],
                    "nik_sex": _sex_label(check.sex),
                    "sex": _sex_label(sex),
                },
            )
        )
    return check


def nik_birth_date(nik: str, *, today: dt.date | None = None) -> dt.date | None:
    """The birth date a NIK encodes, or None when its date part is not valid."""
    value = (nik or "").strip()
    if len(value) != NIK_LENGTH or not (value.isascii() and value.isdigit()):
        return None
    day_value, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    day = day_value - FEMALE_DAY_OFFSET if day_value > FEMALE_DAY_OFFSET else day_value
    try:
        return dt.date(_century(yy, month, day, today or dt.date.today()), month, day)
    except ValueError:
        return None


def nik_sex(nik: str) -> str | None:
    """``"P"`` when the day digits carry the +40 of women, ``"L"`` otherwise; None for
    a value that is not 16 digits or whose day is out of range."""
    value = (nik or "").strip()
    if len(value) != NIK_LENGTH or not (value.isascii() and value.isdigit()):
        return None
    day_value = int(value[6:8])
    if 41 <= day_value <= 71:
        return "P"
    if 1 <= day_value <= 31:
        return "L"
    return None


def check_kk(
    kk: str, *, today: dt.date | None = None, regions: RegionCodes | None = None
) -> NikCheck:
    """Check a KK number: 16 digits, a real recording date in digits 7–12 (no +40
    rule: it is the date the family was recorded), a serial other than 0000, and a
    known province. ``birth_date`` and ``sex`` stay None."""
    what = _("KK number")
    value = (kk or "").strip()
    check = NikCheck()
    check.errors = _format_issues(value, "kk", what)
    if check.errors:
        return check
    day, month, yy = int(value[6:8]), int(value[8:10]), int(value[10:12])
    if not 1 <= day <= 31:
        check.errors.append(
            NikIssue(
                "kk.day",
                _(
                    "Digits 7–8 of the KK number (day it was recorded) are %(value)s: "
                    "they must be 01–31."
                )
                % {"value": value[6:8]},
            )
        )
    if not 1 <= month <= 12:
        check.errors.append(
            NikIssue(
                "kk.month",
                _(
                    "Digits 9–10 of the KK number (month it was recorded) are %(value)s: "
                    "they must be 01–12."
                )
                % {"value": value[8:10]},
            )
        )
    if not check.errors:
        year = _century(yy, month, day, today or dt.date.today())
        try:
            dt.date(year, month, day)
        except ValueError:
            check.errors.append(
                NikIssue(
                    "kk.date",
                    _(
                        "Digits 7–12 of the KK number (date it was recorded) give %(date)s, "
                        "which is not a real date."
                    )
                    % {"date": f"{day:02d}-{month:02d}-{year}"},
                )
            )
    if value[12:] == "0000":
        check.errors.append(
            NikIssue(
                "kk.serial",
                _(
                    "Digits 13–16 of the KK number (family serial number) are 0000: "
                    "the serial starts at 0001."
                ),
            )
        )
    if value[:2] not in (regions or RegionCodes.load()).provinces:
        check.errors.append(
            NikIssue(
                "kk.province",
                _(
                    "Digits 1–2 of the KK number (province) are %(value)s: "
                    "no province has this code."
                )
                % {"value": value[:2]},
            )
        )
    return check


def mask_nik(value: str | None) -> str:
    """``1701054107900003`` → ``1701••••••••0003``: the first and last four digits
    only. Used for NIK and KK numbers everywhere a full number is not needed."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) <= 8:
        return MASK_CHAR * len(value)
    return value[:4] + MASK_CHAR * (len(value) - 8) + value[-4:]


def make_nik(district_code: str, birth_date: dt.date, sex: str, serial: int) -> str:
    """A NIK valid for its kecamatan and birth date, for demo data and tests.
    ``district_code`` may carry dots (``17.01.05``)."""
    prefix = district_code.replace(".", "")
    if len(prefix) != 6 or not prefix.isdigit():
        raise ValueError(f"A kecamatan code has six digits, not {district_code!r}.")
    if not 1 <= serial <= 9999:
        raise ValueError(f"A NIK serial is 1–9999, not {serial}.")
    day = birth_date.day + (FEMALE_DAY_OFFSET if sex == "P" else 0)
    return f"{prefix}{day:02d}{birth_date:%m}{birth_date.year % 100:02d}{serial:04d}"


# --- phone numbers ------------------------------------------------------------------


class InvalidPhone(ValueError):
    """The text is not an Indonesian phone number; ``str()`` is the sentence to show."""


_PHONE_SEPARATORS = re.compile(r"[\s\-.()/]+")


def normalise_phone(raw: str | None) -> str:
    """``0812-3456-7890``, ``62 812 3456 7890`` or ``+6281234567890`` → ``+6281234567890``.

    Empty input gives ``""`` (the phone is optional). Anything that is not an
    Indonesian number written 08…, 62… or +62… raises ``InvalidPhone``."""
    text = (raw or "").strip()
    if not text:
        return ""
    compact = _PHONE_SEPARATORS.sub("", text)
    if compact.startswith("+62"):
        candidate = compact
    elif compact.startswith("62"):
        candidate = "+" + compact
    elif compact.startswith("0"):
        candidate = "+62" + compact[1:]
    else:
        candidate = ""
    if not candidate or not candidate[1:].isdigit():
        raise InvalidPhone(
            _(
                "“%(value)s” is not an Indonesian phone number. "
                "Write it as 08…, 62… or +62…, for example 0812-3456-7890."
            )
            % {"value": text}
        )
    try:
        number = phonenumbers.parse(candidate, "ID")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidPhone(
            _(
                "“%(value)s” is not a valid Indonesian phone number: check the number of "
                "digits, for example 0812-3456-7890."
            )
            % {"value": text}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
