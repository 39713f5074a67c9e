"""Import a regency's regions from a Kemendagri-style CSV, all or nothing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction
from django.utils.translation import gettext as _

from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.regions.models import (
    DISTRICT_CODE_REGEX,
    REGENCY_CODE_REGEX,
    VILLAGE_CODE_REGEX,
    District,
    Province,
    Regency,
    Village,
    default_time_zone,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
REGION_COLUMNS = ["code", "name", "level", "parent_code", "kind", "postal_code"]
_LEVEL_PATTERNS = {
    "regency": re.compile(REGENCY_CODE_REGEX),
    "district": re.compile(DISTRICT_CODE_REGEX),
    "village": re.compile(VILLAGE_CODE_REGEX),
}
_VILLAGE_KIND_BY_DIGIT = {
    "1": Village.Kind.KELURAHAN,
    "2": Village.Kind.DESA,
    "3": Village.Kind.DESA_ADAT,
}


@dataclass
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return _("Line %(line)d: %(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass
class ImportResult:
    regency_code: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class RegionImportError(DomainError):
    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(
            "regions.import_invalid",
            _("The file was not imported: %(count)d line(s) have errors.") % {"count": len(errors)},
        )
        self.errors = errors


@dataclass
class _Row:
    line: int
    code: str
    name: str
    level: str
    parent_code: str
    kind: str
    postal_code: str


def shipped_province_codes() -> set[str]:
    with open(DATA_DIR / "provinces.csv", encoding="utf-8", newline="") as handle:
        return {row["code"] for row in csv.DictReader(handle)}


def ensure_provinces() -> int:
    """Load the 38 provinces (idempotent). Returns how many were created."""
    created = 0
    with open(DATA_DIR / "provinces.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            _, was_created = Province.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"]}
            )
            created += int(was_created)
    return created


def _parse(lines: Iterable[str]) -> tuple[list[_Row], list[LineError]]:
    reader = csv.reader(lines)
    errors: list[LineError] = []
    rows: list[_Row] = []
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != REGION_COLUMNS:
        return [], [
            LineError(
                1,
                _("The header must be exactly: %(columns)s.")
                % {"columns": ",".join(REGION_COLUMNS)},
            )
        ]
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(REGION_COLUMNS):
            errors.append(
                LineError(
                    number,
                    _("Expected %(expected)d columns, found %(found)d.")
                    % {"expected": len(REGION_COLUMNS), "found": len(cells)},
                )
            )
            continue
        code, name, level, parent_code, kind, postal_code = (c.strip() for c in cells)
        rows.append(_Row(number, code, name, level, parent_code, kind, postal_code))
    return rows, errors


def _validate(rows: list[_Row]) -> list[LineError]:
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    levels: dict[str, str] = {}
    known_provinces = shipped_province_codes() | set(
        Province.objects.values_list("code", flat=True)
    )
    regency_rows = [r for r in rows if r.level == "regency"]
    if len(regency_rows) != 1:
        errors.append(
            LineError(
                regency_rows[1].line if len(regency_rows) > 1 else 1,
                _("The file must describe exactly one regency; found %(count)d.")
                % {"count": len(regency_rows)},
            )
        )
    for row in rows:
        pattern = _LEVEL_PATTERNS.get(row.level)
        if pattern is None:
            errors.append(
                LineError(
                    row.line,
                    _("Unknown level %(level)r: use regency, district or village.")
                    % {"level": row.level},
                )
            )
            continue
        if not pattern.match(row.code):
            errors.append(
                LineError(
                    row.line,
                    _("Malformed code %(code)r for level %(level)s.")
                    % {"code": row.code, "level": row.level},
                )
            )
            continue
        if not row.name:
            errors.append(LineError(row.line, _("The name is empty.")))
            continue
        if row.code in seen:
            errors.append(
                LineError(
                    row.line,
                    _("Duplicate code %(code)s (first on line %(first)d).")
                    % {"code": row.code, "first": seen[row.code]},
                )
            )
            continue
        seen[row.code] = row.line
        levels[row.code] = row.level
    expected_parent_level = {"district": "regency", "village": "district"}
    for row in rows:
        if row.code not in levels or seen.get(row.code) != row.line:
            continue
        if row.level == "regency":
            if row.parent_code not in known_provinces or row.code[:2] != row.parent_code:
                errors.append(
                    LineError(
                        row.line,
                        _("Unknown parent %(parent)r: not a province of this regency code.")
                        % {"parent": row.parent_code},
                    )
                )
            continue
        parent_level = levels.get(row.parent_code)
        if parent_level is None or not row.code.startswith(row.parent_code + "."):
            errors.append(
                LineError(
                    row.line,
                    _("Unknown parent %(parent)r for %(code)s.")
                    % {"parent": row.parent_code, "code": row.code},
                )
            )
        elif parent_level != expected_parent_level[row.level]:
            errors.append(
                LineError(
                    row.line,
                    _("Wrong level: a %(level)s must belong to a %(expected)s, not a %(found)s.")
                    % {
                        "level": row.level,
                        "expected": expected_parent_level[row.level],
                        "found": parent_level,
                    },
                )
            )
        if row.level == "village":
            digit_kind = _VILLAGE_KIND_BY_DIGIT[row.code.split(".")[3][0]]
            if row.kind and row.kind != digit_kind:
                errors.append(
                    LineError(
                        row.line,
                        _("Kind %(kind)r does not match code %(code)s (expected %(expected)s).")
                        % {"kind": row.kind, "code": row.code, "expected": digit_kind},
                    )
                )
            if row.postal_code and not re.fullmatch(r"\d{5}", row.postal_code):
                errors.append(
                    LineError(
                        row.line,
                        _("Malformed postal code %(postal)r: five digits expected.")
                        % {"postal": row.postal_code},
                    )
                )
    errors.sort(key=lambda e: e.line)
    return errors


def import_regions_csv(*, text: str, actor: object = None) -> ImportResult:
    """Create or update one regency with its districts and villages from CSV text.

    All or nothing: every line is checked first; any error raises RegionImportError
    listing each bad line, and nothing is written. Running it twice changes nothing.
    """
    rows, errors = _parse(io.StringIO(text))
    if not errors:
        errors = _validate(rows)
    if errors:
        raise RegionImportError(errors)
    result = ImportResult()
    with transaction.atomic():
        ensure_provinces()
        regency_row = next(r for r in rows if r.level == "regency")
        province = Province.objects.get(code=regency_row.parent_code)
        kind = Regency.Kind.KOTA if int(regency_row.code[3:5]) >= 71 else Regency.Kind.KABUPATEN
        regency = _upsert(
            result,
            Regency,
            regency_row.code,
            {"name": regency_row.name, "province": province, "kind": kind},
            create_only={"time_zone": default_time_zone(province.code)},
        )
        districts: dict[str, District] = {}
        for row in rows:
            if row.level == "district":
                districts[row.code] = _upsert(
                    result, District, row.code, {"name": row.name, "regency": regency}
                )
        for row in rows:
            if row.level == "village":
                _upsert(
                    result,
                    Village,
                    row.code,
                    {
                        "name": row.name,
                        "district": districts[row.parent_code],
                        "kind": row.kind or _VILLAGE_KIND_BY_DIGIT[row.code.split(".")[3][0]],
                        "postal_code": row.postal_code,
                    },
                )
        result.regency_code = regency.code
        result.counts = {
            "districts": len(districts),
            "villages": sum(1 for r in rows if r.level == "village"),
        }
        record_audit(
            actor=actor,
            action="regions.imported",
            target=regency,
            data={"created": result.created, "updated": result.updated},
        )
    return result


_M = TypeVar("_M", Regency, District, Village)


def _upsert(
    result: ImportResult,
    model: type[_M],
    code: str,
    values: dict[str, Any],
    create_only: dict[str, Any] | None = None,
) -> _M:
    obj = model.objects.filter(code=code).first()
    if obj is None:
        obj = model.objects.create(code=code, **values, **(create_only or {}))
        result.created += 1
        return obj
    changed: list[str] = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=[*changed, "updated_at"])
        result.updated += 1
    else:
        result.unchanged += 1
    return obj


def import_regions_file(*, path: Path, actor: object = None) -> ImportResult:
    return import_regions_csv(text=path.read_text(encoding="utf-8"), actor=actor)


SHIPPED_REGENCIES = {
    "17.01": {
        "file": "regions-1701-bengkulu-selatan.csv",
        "program_name": "Buji'an Dusun",
        "capital": "Manna",
    },
    "18.02": {
        "file": "regions-1802-lampung-tengah.csv",
        "program_name": "Bunga Kampung",
        "capital": "Gunung Sugih",
    },
}


def load_shipped_regions(*, actor: object = None) -> list[ImportResult]:
    """Load both regencies the project ships, with their program names."""
    results = []
    for code, meta in SHIPPED_REGENCIES.items():
        results.append(import_regions_file(path=DATA_DIR / meta["file"], actor=actor))
        Regency.objects.filter(code=code, program_name="").update(program_name=meta["program_name"])
        Regency.objects.filter(code=code, capital="").update(capital=meta["capital"])
    return results
