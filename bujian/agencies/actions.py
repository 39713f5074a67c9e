"""Load and edit the agency and service catalog."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from bujian.agencies.models import Agency, Requirement, Service
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.core.templatetags.bujian import format_rupiah
from bujian.regions.models import Regency

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_CATALOGS = {"17.01": "agencies-services-1701.csv"}
CATALOG_COLUMNS = [
    "agency_code",
    "agency_name",
    "agency_kind",
    "service_code",
    "service_name",
    "output_document",
    "completed_on_site",
    "requirements",
    "fee_idr",
    "legal_basis",
]
# How people say the agencies' names at the hall.
SHORT_NAMES = {
    "DISDUKCAPIL": "Disdukcapil",
    "DINKES": "Dinkes",
    "RSUD": "RSUD HD Manna",
    "DINSOS": "Dinsos",
    "DPPKBP3A": "DPPKB-P3A",
    "DISNAKERTRANS": "Disnakertrans",
    "DPMPTSP": "DPMPTSP",
    "BAPENDA": "Bapenda",
    "DISTANPANGAN": "Distan Pangan",
    "DKP": "DKP",
    "DIKBUD": "Dikbud",
    "DISPERPUSIP": "Disperpusip",
    "PERKIM": "Perkim",
    "PUPR": "PUPR",
    "DPMD": "DPMD",
    "DISKOMINFO": "Diskominfo",
    "KECAMATAN": "Kecamatan",
    "PEMDES": "Pemdes",
    "SETDA": "Setda",
    "POLRES-LANTAS": "Satlantas Polres",
    "POLRES-INTELKAM": "Intelkam Polres",
    "SAMSAT": "Samsat",
    "KEMENAG": "Kemenag",
    "KEJARI": "Kejari",
    "PA": "Pengadilan Agama",
    "BPN": "BPN",
    "KPP": "KPP Pratama",
    "KANIM": "Imigrasi",
    "BPJSKES": "BPJS Kesehatan",
    "BPJSTK": "BPJS Ketenagakerjaan",
    "BANKBENGKULU": "Bank Bengkulu",
    "PLN": "PLN",
    "JASARAHARJA": "Jasa Raharja",
}
_AMOUNT = re.compile(r"(?<![\d/.])(\d{4,})(?![\d%])")


def format_fee_note(note: str) -> str:
    """Write the amounts inside a fee note as rupiah: ``R2/R3 25000`` → ``R2/R3 Rp25.000``.

    Years (1900–2100) and numbers that are not whole hundreds are left alone.
    """

    def repl(match: re.Match[str]) -> str:
        value = int(match.group(1))
        if 1900 <= value <= 2100 or value % 100:
            return match.group(0)
        return format_rupiah(value)

    return _AMOUNT.sub(repl, note)


@dataclass
class CatalogResult:
    agencies_created: int = 0
    agencies_updated: int = 0
    services_created: int = 0
    services_updated: int = 0
    errors: list[str] = field(default_factory=list)


def _fee(raw: str) -> dict[str, Any]:
    raw = raw.strip()
    if raw in {"", "0"}:
        return {"fee_kind": Service.FeeKind.FREE, "fee_amount": None, "fee_note": ""}
    if raw.isdecimal():
        return {"fee_kind": Service.FeeKind.FIXED, "fee_amount": int(raw), "fee_note": ""}
    return {"fee_kind": Service.FeeKind.NOTE, "fee_amount": None, "fee_note": format_fee_note(raw)}


def load_catalog_csv(*, text: str, regency: Regency, actor: object = None) -> CatalogResult:
    """Create or update agencies and services of a regency from the catalog CSV.

    All or nothing, idempotent: requirements of a service are replaced by the file's.
    """
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != CATALOG_COLUMNS:
        raise DomainError(
            "agencies.bad_header",
            _("The header must be exactly: %(columns)s.") % {"columns": ",".join(CATALOG_COLUMNS)},
        )
    rows = list(reader)
    errors: list[str] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        if row["agency_kind"] not in Agency.Kind.values:
            errors.append(
                _("Line %(line)d: unknown agency kind %(kind)r.")
                % {"line": number, "kind": row["agency_kind"]}
            )
        if row["completed_on_site"] not in Service.OnSite.values:
            errors.append(
                _("Line %(line)d: completed_on_site must be yes, sometimes or no.")
                % {"line": number}
            )
        if not row["service_code"] or row["service_code"] in seen:
            errors.append(
                _("Line %(line)d: missing or duplicate service code %(code)r.")
                % {"line": number, "code": row["service_code"]}
            )
        seen.add(row["service_code"])
    if errors:
        raise DomainError("agencies.bad_catalog", " ".join(errors))
    result = CatalogResult()
    with transaction.atomic():
        agencies: dict[str, Agency] = {}
        for row in rows:
            code = row["agency_code"].strip().lower()
            if code not in agencies:
                agency, created = Agency.objects.update_or_create(
                    code=code,
                    defaults={
                        "name": row["agency_name"].strip(),
                        "kind": row["agency_kind"],
                        "short_name": SHORT_NAMES.get(
                            row["agency_code"], row["agency_code"].title()
                        ),
                    },
                )
                agency.regencies.add(regency)
                agencies[code] = agency
                result.agencies_created += int(created)
                result.agencies_updated += int(not created)
            service, created = Service.objects.update_or_create(
                code=row["service_code"].strip(),
                defaults={
                    "agency": agencies[code],
                    "name": row["service_name"].strip(),
                    "output_document": row["output_document"].strip(),
                    "completed_on_site": row["completed_on_site"],
                    "legal_basis": row["legal_basis"].strip(),
                    **_fee(row["fee_idr"]),
                },
            )
            result.services_created += int(created)
            result.services_updated += int(not created)
            wanted = [r.strip() for r in row["requirements"].split(";") if r.strip()]
            current = list(service.requirements.values_list("text", flat=True))
            if current != wanted:
                service.requirements.all().delete()
                Requirement.objects.bulk_create(
                    [Requirement(service=service, position=i, text=t) for i, t in enumerate(wanted)]
                )
        record_audit(
            actor=actor,
            action="agencies.catalog.loaded",
            target=regency,
            data={"agencies": len(agencies), "services": len(rows)},
        )
    return result


def load_shipped_catalog(*, regency: Regency, actor: object = None) -> CatalogResult | None:
    filename = SHIPPED_CATALOGS.get(regency.code)
    if filename is None:
        return None
    return load_catalog_csv(
        text=(DATA_DIR / filename).read_text(encoding="utf-8"), regency=regency, actor=actor
    )


AGENCY_EDITABLE_FIELDS = [
    "name",
    "short_name",
    "head_name",
    "head_title",
    "phone",
    "email",
    "address",
    "is_active",
]
SERVICE_EDITABLE_FIELDS = [
    "name",
    "description",
    "output_document",
    "completed_on_site",
    "typical_minutes",
    "fee_kind",
    "fee_amount",
    "fee_note",
    "legal_basis",
    "is_active",
]


@transaction.atomic
def update_agency(*, agency: Agency, actor: object, values: dict[str, Any]) -> Agency:
    changed = [f for f in AGENCY_EDITABLE_FIELDS if f in values and getattr(agency, f) != values[f]]
    for name in changed:
        setattr(agency, name, values[name])
    if changed:
        agency.save(update_fields=[*changed, "updated_at"])
        record_audit(
            actor=actor, action="agencies.agency.changed", target=agency, data={"fields": changed}
        )
    return agency


@transaction.atomic
def save_service(
    *,
    agency: Agency,
    actor: object,
    values: dict[str, Any],
    requirements: list[str],
    service: Service | None = None,
    code: str = "",
) -> Service:
    """Create or change a catalog entry with its requirements (in order)."""
    if values.get("fee_kind") != Service.FeeKind.FIXED:
        values = {**values, "fee_amount": None}
    elif not values.get("fee_amount"):
        raise DomainError("agencies.fee_amount_required", _("Write the fee amount in rupiah."))
    if service is None:
        code = code.strip().upper()
        if not code:
            raise DomainError("agencies.code_required", _("Write a code for the new service."))
        if Service.objects.filter(code=code).exists():
            raise DomainError(
                "agencies.code_taken",
                _("The code %(code)s is already used by another service.") % {"code": code},
            )
        service = Service(agency=agency, code=code)
        action = "agencies.service.created"
    else:
        action = "agencies.service.changed"
    for name in SERVICE_EDITABLE_FIELDS:
        if name in values:
            setattr(service, name, values[name])
    service.save()
    wanted = [r.strip() for r in requirements if r.strip()]
    if list(service.requirements.values_list("text", flat=True)) != wanted:
        service.requirements.all().delete()
        Requirement.objects.bulk_create(
            [Requirement(service=service, position=i, text=t) for i, t in enumerate(wanted)]
        )
    record_audit(actor=actor, action=action, target=service)
    return service
