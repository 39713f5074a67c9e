"""Pre-registration from an Excel file (xlsx) in the template the page offers.

The flow, all or nothing unless the operator chooses otherwise:

1. ``start_import`` keeps the upload under ``MEDIA_ROOT/imports/`` with a random
   name, records the job's state in the cache and queues ``tasks.validate_import``.
2. The task reads every row and checks it (NIK rules, duplicates inside the file,
   service codes offered at the visit, dates, sex, phone). A clean file is imported
   at once. A file with bad rows stops with a report of every bad row and its reasons;
   nothing is written.
3. The operator fixes the file and uploads it again, or explicitly chooses to import
   only the good rows (a second POST with a confirmation): ``tasks.import_good_rows``.

Importing goes through the same actions as the pages (``register_resident``,
``pre_register`` with source "import"), one transaction per row. Re-importing the
same file changes nothing: known NIKs are reused and registrations are idempotent.
The page polls the job's state (the cache key per job) for its progress bar.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl  # type: ignore[import-untyped]
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.agencies.models import Requirement, Service
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.residents.actions import pre_register, register_resident
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import (
    InvalidPhone,
    RegionCodes,
    check_kk,
    check_nik,
    clean_number,
    make_nik,
    mask_nik,
    normalise_phone,
)
from bujian.residents.queries import is_open_for_registration, services_offered_at
from bujian.visits.actions import local_today
from bujian.visits.models import Visit

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
STATE_TIMEOUT = 2 * 24 * 3600  # seconds; files older than this are removed too
PROGRESS_EVERY = 50
SHEET_NAME = "Warga"
HELP_SHEET_NAME = "Petunjuk"
EXAMPLE_NAME = "CONTOH - HAPUS BARIS INI"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
YES = {"ya", "y", "yes", "1", "true", "benar"}
NO = {"", "tidak", "t", "no", "n", "0", "false"}


class Status:
    QUEUED = "queued"
    VALIDATING = "validating"
    CHECKED = "checked"  # validated, bad rows found, waiting for the operator
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"

    RUNNING = frozenset({QUEUED, VALIDATING, IMPORTING})


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    width: int
    text: bool = False  # formatted as Text so Excel keeps leading zeros and all 16 digits


COLUMNS = [
    Column("nik", True, 20, text=True),
    Column("no_kk", False, 20, text=True),
    Column("nama_lengkap", True, 28),
    Column("jenis_kelamin", True, 8),
    Column("tanggal_lahir", True, 14, text=True),
    Column("tempat_lahir", False, 16),
    Column("dusun", False, 14),
    Column("rt", False, 6, text=True),
    Column("rw", False, 6, text=True),
    Column("alamat", False, 28),
    Column("telepon", False, 16, text=True),
    Column("layanan", True, 24),
    Column("dokumen_lengkap", False, 10),
    Column("terima_peringatan", False, 10),
]
COLUMN_NAMES = [c.name for c in COLUMNS]


def column_help() -> list[tuple[str, str, str]]:
    """(column, required?, what to write) for the "Petunjuk" sheet and the page."""
    required, optional = _("required"), _("optional")
    texts = {
        "nik": _(
            "16 digits, as on the KTP or KK. Format the column as Text, otherwise Excel "
            "keeps only 15 digits."
        ),
        "no_kk": _("16 digits of the family card (KK)."),
        "nama_lengkap": _("Full name as on the KTP."),
        "jenis_kelamin": _("L (male) or P (female)."),
        "tanggal_lahir": _("Birth date as dd-mm-yyyy, for example 01-07-1990, or an Excel date."),
        "tempat_lahir": _("Place of birth."),
        "dusun": _("Dusun (hamlet) of the address."),
        "rt": _("RT number, for example 001."),
        "rw": _("RW number, for example 002."),
        "alamat": _("Street and house number."),
        "telepon": _("Phone: 08…, 62… or +62…, for example 0812-3456-7890."),
        "layanan": _(
            "Codes of the services needed, separated by commas, for example DUK-KTP, DUK-KK. "
            "Only the codes listed below are offered at this visit."
        ),
        "dokumen_lengkap": _(
            "ya = the resident already has every document the chosen services require; "
            "empty or tidak = not yet."
        ),
        "terima_peringatan": _(
            "ya = NIK warnings (kecamatan code not current, birth date or sex different "
            "from the NIK) were checked against the KTP and are accepted. Without it such "
            "a row is reported as bad."
        ),
    }
    return [(c.name, required if c.required else optional, str(texts[c.name])) for c in COLUMNS]


# --- the template ------------------------------------------------------------------------


def example_row(visit: Visit) -> dict[str, str]:
    """The example on row 2 of the template. A row with this name is skipped, so
    leaving it in the file does no harm."""
    born = dt.date(1990, 7, 1)
    codes = [s.code for s in services_offered_at(visit)[:2]]
    return {
        "nik": make_nik(visit.village.district.code, born, "P", 3),
        "no_kk": make_nik(visit.village.district.code, dt.date(2010, 2, 5), "L", 7),
        "nama_lengkap": EXAMPLE_NAME,
        "jenis_kelamin": "P",
        "tanggal_lahir": born.strftime("%d-%m-%Y"),
        "tempat_lahir": "Manna",
        "dusun": "Dusun I",
        "rt": "001",
        "rw": "002",
        "alamat": "Jl. Raya",
        "telepon": "0812-3456-7890",
        "layanan": ", ".join(codes),
        "dokumen_lengkap": "tidak",
        "terima_peringatan": "",
    }


def build_template(visit: Visit) -> bytes:
    """The xlsx template: sheet "Warga" (header, an example row, Text columns, lists
    for L/P and ya/tidak) and sheet "Petunjuk" (each column and the service codes
    offered at this visit with their requirements)."""
    from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    sheet.append(COLUMN_NAMES)
    example = example_row(visit)
    sheet.append([example[name] for name in COLUMN_NAMES])
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index)
        header.font = bold
        if column.required:
            header.fill = PatternFill("solid", fgColor="FFF2CC")
        sheet.column_dimensions[letter].width = column.width
        if column.text:
            for row_number in range(2, 1002):
                sheet.cell(row=row_number, column=index).number_format = "@"
        sheet.cell(row=2, column=index).font = Font(italic=True, color="808080")
    sheet.freeze_panes = "A2"
    sex_list = DataValidation(type="list", formula1='"L,P"', allow_blank=True)
    yes_list = DataValidation(type="list", formula1='"ya,tidak"', allow_blank=True)
    sheet.add_data_validation(sex_list)
    sheet.add_data_validation(yes_list)
    sex_col = get_column_letter(COLUMN_NAMES.index("jenis_kelamin") + 1)
    sex_list.add(f"{sex_col}2:{sex_col}{MAX_ROWS + 1}")
    for name in ("dokumen_lengkap", "terima_peringatan"):
        col = get_column_letter(COLUMN_NAMES.index(name) + 1)
        yes_list.add(f"{col}2:{col}{MAX_ROWS + 1}")

    help_sheet = workbook.create_sheet(HELP_SHEET_NAME)
    help_sheet.append(
        [
            _("Pre-registration for the visit to %(village)s on %(date)s")
            % {"village": visit.village, "date": visit.start_date.strftime("%d-%m-%Y")}
        ]
    )
    help_sheet["A1"].font = Font(bold=True, size=13)
    help_sheet.append(
        [
            _(
                "Write one resident per row on the sheet “%(sheet)s”, from row 3; row 2 is "
                "an example and is skipped. Keep the header row as it is. At most %(max)d "
                "rows per file."
            )
            % {"sheet": SHEET_NAME, "max": MAX_ROWS}
        ]
    )
    help_sheet.append([])
    help_sheet.append([_("Column"), _("Required"), _("What to write")])
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = bold
    for row in column_help():
        help_sheet.append(list(row))
    help_sheet.append([])
    help_sheet.append([_("Service codes offered at this visit")])
    help_sheet.cell(row=help_sheet.max_row, column=1).font = bold
    help_sheet.append([_("Code"), _("Service"), _("Agency"), _("Requirements")])
    for cell in help_sheet[help_sheet.max_row]:
        cell.font = bold
    for service in services_offered_at(visit).prefetch_related("requirements"):
        help_sheet.append(
            [
                service.code,
                service.name,
                service.agency.short_name,
                "; ".join(r.text for r in service.requirements.all()),
            ]
        )
    for letter, width in zip("ABCD", (22, 40, 20, 60), strict=True):
        help_sheet.column_dimensions[letter].width = width

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading and checking rows ----------------------------------------------------------


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``str()`` says what to do."""


@dataclass
class ParsedRow:
    row: int
    national_id: str
    family_card_number: str
    full_name: str
    sex: str
    birth_date: dt.date | None
    birth_place: str
    hamlet: str
    rt: str
    rw: str
    address: str
    phone: str
    services: list[Service]
    all_documents: bool
    accept_warnings: list[str]
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reasons


@dataclass
class Validation:
    rows: list[ParsedRow]
    example_skipped: bool = False

    @property
    def good(self) -> list[ParsedRow]:
        return [r for r in self.rows if r.ok]

    @property
    def bad(self) -> list[ParsedRow]:
        return [r for r in self.rows if not r.ok]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def read_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The data rows of the first sheet (or "Warga") as (row number, {column: value}),
    empty rows left out. Raises ``ImportFileError`` for a file that is not a readable
    xlsx, lacks a required column, or is too long."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise ImportFileError(
            _(
                "The file cannot be read as an Excel workbook (.xlsx). "
                "Save it again from the template."
            )
        ) from error
    try:
        sheet = (
            workbook[SHEET_NAME] if SHEET_NAME in workbook.sheetnames else workbook.worksheets[0]
        )
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ImportFileError(_("The file is empty. Use the template."))
        names = [_text(h).lower().rstrip("*").strip().replace(" ", "_") for h in header]
        missing = [c.name for c in COLUMNS if c.required and c.name not in names]
        if missing:
            raise ImportFileError(
                _("The header row lacks the columns %(columns)s. Use the template.")
                % {"columns": ", ".join(missing)}
            )
        positions = {name: index for index, name in enumerate(names) if name in COLUMN_NAMES}
        result: list[tuple[int, dict[str, Any]]] = []
        for number, values in enumerate(rows, start=2):
            if values is None or all(_text(v) == "" for v in values):
                continue
            if len(result) >= MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(max)d rows. Split it into smaller files.")
                    % {"max": MAX_ROWS}
                )
            result.append(
                (
                    number,
                    {
                        name: values[index] if index < len(values) else None
                        for name, index in positions.items()
                    },
                )
            )
        return result
    except (ElementTree.ParseError, zipfile.BadZipFile, zlib.error, EOFError) as error:
        # A sheet cut short or damaged inside a readable zip fails only while read.
        raise ImportFileError(
            _(
                "The file cannot be read as an Excel workbook (.xlsx). "
                "Save it again from the template."
            )
        ) from error
    finally:
        workbook.close()


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for pattern in ("%d-%m-%Y", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
    return None


def _number_cell(value: Any, label: str, reasons: list[str]) -> str | None:
    """NIK/KK cell. A number cell is refused: Excel keeps only 15 significant digits,
    so the 16th digit may already be lost."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        reasons.append(
            _(
                "The %(what)s cell is a number; Excel keeps only 15 digits of a number. "
                "Format the column as Text and type the number again."
            )
            % {"what": label}
        )
        return None
    return clean_number(value)


def _yes(value: Any, column: str, reasons: list[str]) -> bool:
    text = _text(value).lower()
    if text in YES:
        return True
    if text not in NO:
        reasons.append(
            _("Column %(column)s must be “ya” or empty, not “%(value)s”.")
            % {"column": column, "value": _text(value)}
        )
    return False


def _parse_row(
    number: int,
    values: dict[str, Any],
    *,
    offered: dict[str, Service],
    today: dt.date,
    regions: RegionCodes,
) -> ParsedRow:
    reasons: list[str] = []
    nik_cell = _number_cell(values.get("nik"), "NIK", reasons)
    kk_cell = _number_cell(values.get("no_kk"), _("KK number"), reasons)
    nik, kk = nik_cell or "", kk_cell or ""
    name = _text(values.get("nama_lengkap"))
    if not name:
        reasons.append(_("The name is empty."))
    elif len(name) > 150:
        reasons.append(_("The name is longer than 150 characters."))

    sex_text = _text(values.get("jenis_kelamin")).upper()
    sex = {"L": "L", "P": "P", "LAKI-LAKI": "L", "PEREMPUAN": "P"}.get(sex_text, "")
    if not sex:
        reasons.append(
            _("Sex “%(value)s” is not L or P.") % {"value": _text(values.get("jenis_kelamin"))}
        )

    raw_date = values.get("tanggal_lahir")
    birth_date = _parse_date(raw_date)
    if birth_date is None:
        reasons.append(
            _("Birth date “%(value)s” is not a date; write it as dd-mm-yyyy, e.g. 01-07-1990.")
            % {"value": _text(raw_date)}
        )
    elif birth_date > today:
        reasons.append(
            _("The birth date %(date)s is in the future.")
            % {"date": birth_date.strftime("%d-%m-%Y")}
        )
        birth_date = None

    raw_phone = values.get("telepon")
    phone_text = _text(raw_phone)
    if isinstance(raw_phone, int | float) and not isinstance(raw_phone, bool) and phone_text:
        # A phone typed as a number lost its leading zero in Excel.
        phone_text = phone_text if phone_text.startswith("62") else "0" + phone_text
    try:
        phone = normalise_phone(phone_text)
    except InvalidPhone as error:
        reasons.append(str(error))
        phone = ""

    rt, rw = _text(values.get("rt")), _text(values.get("rw"))
    for label, value in (("RT", rt), ("RW", rw)):
        if value and not (value.isdigit() and len(value) <= 3):
            reasons.append(
                _("%(what)s “%(value)s” must be up to three digits.")
                % {"what": label, "value": value}
            )
    rt = rt.zfill(3) if rt.isdigit() else rt
    rw = rw.zfill(3) if rw.isdigit() else rw

    codes = [c for c in re.split(r"[,;\s]+", _text(values.get("layanan")).upper()) if c]
    services: list[Service] = []
    if not codes:
        reasons.append(_("No service code in column layanan."))
    for code in codes:
        service = offered.get(code)
        if service is None:
            reasons.append(
                _("Service code %(code)s is not offered at this visit (see the sheet Petunjuk).")
                % {"code": code}
            )
        elif service not in services:
            services.append(service)

    all_documents = _yes(values.get("dokumen_lengkap"), "dokumen_lengkap", reasons)
    accept = _yes(values.get("terima_peringatan"), "terima_peringatan", reasons)

    accepted: list[str] = []
    if nik_cell is not None:
        check = check_nik(nik, birth_date=birth_date, sex=sex or None, today=today, regions=regions)
        reasons.extend(issue.message for issue in check.errors)
        if check.warnings:
            if accept:
                accepted = check.warning_codes
            else:
                reasons.extend(
                    _(
                        "%(warning)s Check the KTP, and write “ya” in column "
                        "terima_peringatan to accept it."
                    )
                    % {"warning": issue.message}
                    for issue in check.warnings
                )
    if kk:
        reasons.extend(issue.message for issue in check_kk(kk, today=today, regions=regions).errors)

    return ParsedRow(
        row=number,
        national_id=nik,
        family_card_number=kk,
        full_name=name,
        sex=sex,
        birth_date=birth_date,
        birth_place=_text(values.get("tempat_lahir"))[:100],
        hamlet=_text(values.get("dusun"))[:100],
        rt=rt,
        rw=rw,
        address=_text(values.get("alamat"))[:250],
        phone=phone,
        services=services,
        all_documents=all_documents,
        accept_warnings=accepted,
        reasons=reasons,
    )


Progress = Callable[[int, int], None]


def validate_rows(
    visit: Visit,
    rows: list[tuple[int, dict[str, Any]]],
    *,
    progress: Progress | None = None,
) -> Validation:
    """Check every row; nothing is written. A row is bad when any field is wrong, its
    NIK is also on another row, or its NIK belongs to a resident of another village or
    recorded under another name."""
    today = local_today(visit.regency)
    regions = RegionCodes.load()
    offered = {s.code.upper(): s for s in services_offered_at(visit)}
    validation = Validation(rows=[])
    for index, (number, values) in enumerate(rows, start=1):
        if _text(values.get("nama_lengkap")).upper() == EXAMPLE_NAME:
            validation.example_skipped = True
            continue
        validation.rows.append(
            _parse_row(number, values, offered=offered, today=today, regions=regions)
        )
        if progress and index % PROGRESS_EVERY == 0:
            progress(index, len(rows))

    seen: dict[str, list[ParsedRow]] = {}
    for parsed in validation.rows:
        if parsed.national_id:
            seen.setdefault(parsed.national_id, []).append(parsed)
    for same in seen.values():
        if len(same) > 1:
            for parsed in same:
                others = ", ".join(str(p.row) for p in same if p is not parsed)
                parsed.reasons.append(_("The same NIK is also on row %(rows)s.") % {"rows": others})

    existing = {
        r.national_id: r
        for r in Resident.objects.filter(national_id__in=list(seen)).only(
            "national_id", "full_name", "village_id"
        )
    }
    for parsed in validation.rows:
        resident = existing.get(parsed.national_id)
        if resident is None:
            continue
        if resident.village_id != visit.village_id:
            parsed.reasons.append(
                _(
                    "This NIK is already recorded for a resident of another village; "
                    "ask the program admin to check it."
                )
            )
        elif parsed.full_name and _same_name(resident.full_name) != _same_name(parsed.full_name):
            parsed.reasons.append(
                _("This NIK is already recorded under the name %(name)s. Check the NIK.")
                % {"name": resident.full_name}
            )
    if progress:
        progress(len(rows), len(rows))
    return validation


def _same_name(name: str) -> str:
    return " ".join(name.lower().split())


@dataclass
class ImportCounts:
    residents_created: int = 0
    residents_existing: int = 0
    registrations_created: int = 0
    registrations_kept: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_rows(
    visit: Visit,
    rows: Iterable[ParsedRow],
    *,
    actor: User | None,
    progress: Progress | None = None,
) -> ImportCounts:
    """Write good rows, one transaction per row, through the actions. A row refused
    now (the database changed since the check) is counted in ``errors``."""
    rows = list(rows)
    today = local_today(visit.regency)
    regions = RegionCodes.load()
    offered_ids = set(services_offered_at(visit).values_list("pk", flat=True))
    requirements: dict[int, list[int]] = {}
    for requirement in Requirement.objects.filter(service_id__in=offered_ids).only("service_id"):
        requirements.setdefault(requirement.service_id, []).append(requirement.pk)
    counts = ImportCounts()
    for index, parsed in enumerate(rows, start=1):
        assert parsed.birth_date is not None
        try:
            with transaction.atomic():
                resident = Resident.objects.filter(national_id=parsed.national_id).first()
                if resident is None:
                    resident = register_resident(
                        national_id=parsed.national_id,
                        family_card_number=parsed.family_card_number,
                        full_name=parsed.full_name,
                        sex=parsed.sex,
                        birth_date=parsed.birth_date,
                        birth_place=parsed.birth_place,
                        village=visit.village,
                        hamlet=parsed.hamlet,
                        rt=parsed.rt,
                        rw=parsed.rw,
                        address=parsed.address,
                        phone=parsed.phone,
                        actor=actor,
                        accept_warnings=parsed.accept_warnings,
                        today=today,
                        regions=regions,
                    )
                    counts.residents_created += 1
                elif resident.village_id != visit.village_id:
                    raise DomainError(
                        "residents.import_other_village",
                        _("This NIK is already recorded for a resident of another village."),
                    )
                else:
                    counts.residents_existing += 1
                had_registration = Registration.objects.filter(
                    visit=visit, resident=resident
                ).exists()
                pre_register(
                    visit=visit,
                    resident=resident,
                    services=parsed.services,
                    documents_present={
                        s.pk: requirements.get(s.pk, []) if parsed.all_documents else []
                        for s in parsed.services
                    },
                    actor=actor,
                    source=Registration.Source.IMPORT,
                    today=today,
                    offered_ids=offered_ids,
                )
                if had_registration:
                    counts.registrations_kept += 1
                else:
                    counts.registrations_created += 1
        except DomainError as error:
            counts.errors.append(
                {
                    "row": parsed.row,
                    "nik": mask_nik(parsed.national_id),
                    "name": parsed.full_name,
                    "reasons": [error.message],
                }
            )
        if progress and index % PROGRESS_EVERY == 0:
            progress(index, len(rows))
    if progress:
        progress(len(rows), len(rows))
    return counts


# --- the job: file, state in the cache, the two steps ----------------------------------


def import_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def state_key(token: str) -> str:
    return f"residents:import:{token}"


def get_state(token: str) -> dict[str, Any] | None:
    if not TOKEN_RE.match(token):
        return None
    state = cache.get(state_key(token))
    return state if isinstance(state, dict) else None


def save_state(token: str, **changes: Any) -> dict[str, Any]:
    state = cache.get(state_key(token)) or {}
    state.update(changes)
    cache.set(state_key(token), state, STATE_TIMEOUT)
    return state


def _remove_stale_files(now: float | None = None) -> None:
    now = now or time.time()
    folder = import_dir()
    if not folder.is_dir():
        return
    for path in folder.glob("*.xlsx"):
        if now - path.stat().st_mtime > STATE_TIMEOUT:
            path.unlink(missing_ok=True)


def start_import(*, visit: Visit, actor: User, upload: UploadedFile) -> str:
    """Keep the file under a random name, record the job and queue the check.
    Returns the job's token (used in the status page's URL; it carries no NIK)."""
    if not is_open_for_registration(visit):
        raise DomainError(
            "residents.visit_closed",
            _("Registrations for this visit are closed: the visit must be announced and not over."),
        )
    _remove_stale_files()
    token = secrets.token_urlsafe(24)
    folder = import_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # The file's name is not the job's token: the token shows in URLs (and so in
    # access logs), the name of a file full of NIKs must not.
    file_name = f"{secrets.token_urlsafe(24)}.xlsx"
    path = folder / file_name
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    save_state(
        token,
        visit_id=visit.pk,
        user_id=actor.pk,
        file=file_name,
        filename=(upload.name or "")[:120],
        status=Status.QUEUED,
        # The worker has no request: it writes the report in the uploader's language.
        language=get_language(),
        done=0,
        total=0,
        total_rows=0,
        good_rows=0,
        bad_rows=[],
        file_error="",
        example_skipped=False,
        only_good=False,
        counts={},
        import_errors=[],
    )
    from bujian.residents.tasks import validate_import

    validate_import.enqueue(token)
    return token


def _progress(token: str, status: str) -> Progress:
    def report(done: int, total: int) -> None:
        save_state(token, status=status, done=done, total=total)

    return report


def _file_path(state: dict[str, Any]) -> Path:
    return import_dir() / Path(str(state.get("file") or "missing.xlsx")).name


def _load(token: str) -> tuple[Visit, User | None, Path]:
    state = get_state(token)
    if state is None:
        raise LookupError(token)
    visit = Visit.objects.select_related("regency", "village__district").get(pk=state["visit_id"])
    actor = User.objects.filter(pk=state["user_id"]).first()
    return visit, actor, _file_path(state)


def _bad_rows_report(validation: Validation) -> list[dict[str, Any]]:
    return [
        {
            "row": r.row,
            "nik": mask_nik(r.national_id),
            "name": r.full_name,
            "reasons": r.reasons,
        }
        for r in validation.bad
    ]


def run_validation(token: str) -> None:
    """Step 2 (the task): check every row; import a clean file at once."""
    visit, actor, path = _load(token)
    save_state(token, status=Status.VALIDATING, done=0, total=0)
    try:
        rows = read_rows(path)
    except ImportFileError as error:
        save_state(token, status=Status.FAILED, file_error=str(error))
        path.unlink(missing_ok=True)
        return
    if not rows:
        save_state(token, status=Status.FAILED, file_error=_("The file has no rows to import."))
        path.unlink(missing_ok=True)
        return
    save_state(token, total=len(rows))
    validation = validate_rows(visit, rows, progress=_progress(token, Status.VALIDATING))
    save_state(
        token,
        total_rows=len(validation.rows),
        good_rows=len(validation.good),
        bad_rows=_bad_rows_report(validation),
        example_skipped=validation.example_skipped,
    )
    if not validation.rows:
        save_state(token, status=Status.FAILED, file_error=_("The file has no rows to import."))
        path.unlink(missing_ok=True)
        return
    if validation.bad:
        save_state(token, status=Status.CHECKED)
        return
    _import(token, visit, actor, validation, only_good=False, path=path)


def run_good_rows_import(token: str) -> None:
    """Step 3 (the task), after the operator's explicit confirmation: check the file
    again and import the rows that are good now."""
    visit, actor, path = _load(token)
    save_state(token, status=Status.VALIDATING, done=0, total=0)
    try:
        rows = read_rows(path)
    except ImportFileError as error:
        save_state(token, status=Status.FAILED, file_error=str(error))
        return
    validation = validate_rows(visit, rows, progress=_progress(token, Status.VALIDATING))
    save_state(token, bad_rows=_bad_rows_report(validation), good_rows=len(validation.good))
    _import(token, visit, actor, validation, only_good=True, path=path)


def _import(
    token: str,
    visit: Visit,
    actor: User | None,
    validation: Validation,
    *,
    only_good: bool,
    path: Path,
) -> None:
    save_state(token, status=Status.IMPORTING, done=0, total=len(validation.good))
    if not is_open_for_registration(visit):
        save_state(
            token,
            status=Status.FAILED,
            file_error=_("Registrations for this visit are closed; nothing was imported."),
        )
        return
    counts = import_rows(
        visit, validation.good, actor=actor, progress=_progress(token, Status.IMPORTING)
    )
    summary = {
        "residents_created": counts.residents_created,
        "residents_existing": counts.residents_existing,
        "registrations_created": counts.registrations_created,
        "registrations_kept": counts.registrations_kept,
        "rows_left_out": len(validation.bad),
        "rows_refused": len(counts.errors),
    }
    with transaction.atomic():
        record_audit(
            actor=actor,
            action="residents.import.finished",
            target=visit,
            data={**summary, "only_good": only_good},
        )
    save_state(
        token,
        status=Status.DONE,
        only_good=only_good,
        counts=summary,
        import_errors=counts.errors,
    )
    path.unlink(missing_ok=True)


def confirm_good_rows(*, token: str, good_rows: int) -> None:
    """The operator confirmed importing only the good rows: queue step 3. The count
    they saw must still be the file's (a second confirmation of an old report is
    refused)."""
    state = get_state(token)
    if state is None or state.get("status") != Status.CHECKED:
        raise DomainError(
            "residents.import_not_waiting", _("This file is not waiting for a decision.")
        )
    if state.get("good_rows") != good_rows or good_rows < 1:
        raise DomainError(
            "residents.import_count_changed",
            _("The number of good rows has changed. Read the report again."),
        )
    save_state(token, status=Status.QUEUED, only_good=True, done=0, total=0)
    from bujian.residents.tasks import import_good_rows

    import_good_rows.enqueue(token)


def cancel_import(token: str) -> None:
    """Drop the file of a job that waits for a decision or has failed."""
    state = get_state(token)
    if state is None or state.get("status") in Status.RUNNING:
        return
    _file_path(state).unlink(missing_ok=True)
    cache.delete(state_key(token))
