from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bujian.agencies.actions import (
    CATALOG_COLUMNS,
    DATA_DIR,
    format_fee_note,
    load_catalog_csv,
    load_shipped_catalog,
)
from bujian.agencies.models import Agency, Requirement, Service
from bujian.core.errors import DomainError
from bujian.core.models import AuditEntry
from bujian.regions.models import Province, Regency

SHIPPED_CATALOG = DATA_DIR / "agencies-services-1701.csv"


def lampung_tengah() -> Regency:
    province, _ = Province.objects.get_or_create(code="18", defaults={"name": "Lampung"})
    return Regency.objects.create(code="18.02", name="Kabupaten Lampung Tengah", province=province)


def catalog_counts() -> dict[str, int]:
    return {
        "agencies": Agency.objects.count(),
        "services": Service.objects.count(),
        "requirements": Requirement.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def shipped_rows() -> list[dict[str, str]]:
    with open(SHIPPED_CATALOG, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def catalog_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CATALOG_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_shipped_catalog_loads_49_services_of_33_agencies(regency: Regency) -> None:
    result = load_shipped_catalog(regency=regency)

    assert result is not None
    assert (result.agencies_created, result.services_created) == (33, 49)
    assert Agency.objects.serving(regency.pk).count() == 33
    assert Service.objects.filter(agency__regencies=regency).count() == 49
    kinds = {kind: Agency.objects.filter(kind=kind).count() for kind in Agency.Kind.values}
    assert kinds == {"opd": 18, "vertical": 9, "stakeholder": 6}


def test_agencies_get_lower_case_codes_and_familiar_short_names(regency: Regency) -> None:
    load_shipped_catalog(regency=regency)

    disdukcapil = Agency.objects.get(code="disdukcapil")
    assert disdukcapil.short_name == "Disdukcapil"
    assert disdukcapil.kind == Agency.Kind.OPD
    assert Agency.objects.get(code="polres-lantas").short_name == "Satlantas Polres"
    assert Agency.objects.get(code="samsat").kind == Agency.Kind.VERTICAL
    assert Agency.objects.get(code="bpjskes").kind == Agency.Kind.STAKEHOLDER


def test_requirements_are_split_on_semicolons_in_order(regency: Regency) -> None:
    load_shipped_catalog(regency=regency)

    service = Service.objects.get(code="DUK-KTP-REKAM")
    assert list(service.requirements.values_list("position", "text")) == [
        (0, "Berusia 17 tahun atau sudah/pernah kawin"),
        (1, "KK"),
    ]
    for row in shipped_rows():
        expected = [r.strip() for r in row["requirements"].split(";") if r.strip()]
        service = Service.objects.get(code=row["service_code"])
        assert list(service.requirements.values_list("text", flat=True)) == expected


def test_fees_are_free_fixed_or_a_note(regency: Regency) -> None:
    load_shipped_catalog(regency=regency)

    free = Service.objects.get(code="DUK-KTP-REKAM")
    assert (free.fee_kind, free.fee_amount, free.fee_note) == (Service.FeeKind.FREE, None, "")
    fixed = Service.objects.get(code="SIM-PJG-A")
    assert (fixed.fee_kind, fixed.fee_amount, fixed.fee_note) == (Service.FeeKind.FIXED, 80000, "")
    note = Service.objects.get(code="PKB-TAHUNAN")
    assert (note.fee_kind, note.fee_amount) == (Service.FeeKind.NOTE, None)
    assert note.fee_note == (
        "PKB sesuai NJKB + SWDKLLJ + PNBP pengesahan STNK (R2/R3 Rp25.000; R4+ Rp50.000)"
    )
    tanah = Service.objects.get(code="TANAH-KONSUL")
    assert tanah.fee_note.endswith("(SKB 3 Menteri 2017)")
    assert Service.objects.filter(fee_kind=Service.FeeKind.FREE).count() == 32
    assert Service.objects.filter(fee_kind=Service.FeeKind.FIXED).count() == 5
    assert Service.objects.filter(fee_kind=Service.FeeKind.NOTE).count() == 12


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("R2/R3 25000; R4+ 50000", "R2/R3 Rp25.000; R4+ Rp50.000"),
        ("minimal 16800 per bulan", "minimal Rp16.800 per bulan"),
        ("350000 (non-elektronik 5 th)", "Rp350.000 (non-elektronik 5 th)"),
        ("kelas 3 35000 (42000 dikurangi 7000)", "kelas 3 Rp35.000 (Rp42.000 dikurangi Rp7.000)"),
        ("biaya PTSL (SKB 3 Menteri 2017)", "biaya PTSL (SKB 3 Menteri 2017)"),
        ("PP 76/2020 dan PP 60/2016", "PP 76/2020 dan PP 60/2016"),
        ("JKK 1% penghasilan", "JKK 1% penghasilan"),
        ("nomor 12345", "nomor 12345"),
        ("sesuai ketetapan pajak", "sesuai ketetapan pajak"),
        ("", ""),
    ],
)
def test_format_fee_note_writes_amounts_as_rupiah(note: str, expected: str) -> None:
    assert format_fee_note(note) == expected


def test_loading_twice_creates_nothing_and_keeps_requirements(regency: Regency) -> None:
    load_shipped_catalog(regency=regency)
    counts = catalog_counts()
    requirement_ids = set(Requirement.objects.values_list("pk", flat=True))

    result = load_shipped_catalog(regency=regency)

    assert result is not None
    assert (result.agencies_created, result.services_created) == (0, 0)
    assert {k: v for k, v in catalog_counts().items() if k != "audit"} == {
        k: v for k, v in counts.items() if k != "audit"
    }
    assert set(Requirement.objects.values_list("pk", flat=True)) == requirement_ids


def test_reloading_replaces_changed_requirements(regency: Regency) -> None:
    load_shipped_catalog(regency=regency)
    rows = shipped_rows()
    rows[0]["requirements"] = "KK; KTP-el orang tua; Surat pengantar desa"

    load_catalog_csv(text=catalog_text(rows), regency=regency)

    service = Service.objects.get(code=rows[0]["service_code"])
    assert list(service.requirements.values_list("text", flat=True)) == [
        "KK",
        "KTP-el orang tua",
        "Surat pengantar desa",
    ]


def test_a_vertical_agency_can_serve_two_regencies(regency: Regency) -> None:
    other = lampung_tengah()
    load_shipped_catalog(regency=regency)

    load_catalog_csv(text=SHIPPED_CATALOG.read_text(encoding="utf-8"), regency=other)

    assert set(Agency.objects.get(code="kemenag").regencies.all()) == {regency, other}


def test_no_shipped_catalog_for_another_regency(db: None) -> None:
    other = lampung_tengah()

    assert load_shipped_catalog(regency=other) is None
    assert Agency.objects.count() == 0


@pytest.mark.parametrize(
    "header",
    [
        ",".join(CATALOG_COLUMNS[:-1]),
        ",".join(["kode", *CATALOG_COLUMNS[1:]]),
        ",".join(reversed(CATALOG_COLUMNS)),
    ],
)
def test_a_bad_header_is_refused_and_nothing_written(regency: Regency, header: str) -> None:
    body = SHIPPED_CATALOG.read_text(encoding="utf-8").split("\n", 1)[1]
    before = catalog_counts()

    with pytest.raises(DomainError) as caught:
        load_catalog_csv(text=f"{header}\n{body}", regency=regency)

    assert caught.value.code == "agencies.bad_header"
    assert catalog_counts() == before


def test_an_unknown_agency_kind_is_refused_and_nothing_written(regency: Regency) -> None:
    rows = shipped_rows()
    rows[1]["agency_kind"] = "bumn"
    before = catalog_counts()

    with pytest.raises(DomainError) as caught:
        load_catalog_csv(text=catalog_text(rows), regency=regency)

    assert caught.value.code == "agencies.bad_catalog"
    assert "3" in caught.value.message  # the line number: header is line 1, rows[1] line 3
    assert catalog_counts() == before


@pytest.mark.parametrize(
    ("column", "value"),
    [("completed_on_site", "kadang"), ("service_code", ""), ("service_code", "DUK-KTP-REKAM")],
)
def test_other_bad_lines_are_refused_and_nothing_written(
    regency: Regency, column: str, value: str
) -> None:
    rows = shipped_rows()
    rows[5][column] = value
    before = catalog_counts()

    with pytest.raises(DomainError) as caught:
        load_catalog_csv(text=catalog_text(rows), regency=regency)

    assert caught.value.code == "agencies.bad_catalog"
    assert catalog_counts() == before


# The command


def test_command_loads_the_shipped_catalog_by_default(regency: Regency) -> None:
    call_command("load_catalog", "--regency", "17.01", stdout=io.StringIO())
    call_command("load_catalog", "--regency", "17.01", stdout=io.StringIO())

    assert Agency.objects.count() == 33
    assert Service.objects.count() == 49


def test_command_loads_a_given_file(regency: Regency, tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(catalog_text(shipped_rows()[:3]), encoding="utf-8")

    call_command("load_catalog", "--regency", "17.01", str(path), stdout=io.StringIO())

    assert list(Service.objects.order_by("code").values_list("code", flat=True)) == [
        "DUK-KK",
        "DUK-KTP-CETAK",
        "DUK-KTP-REKAM",
    ]


def test_command_fails_on_a_bad_file(regency: Regency, tmp_path: Path) -> None:
    rows = shipped_rows()
    rows[0]["agency_kind"] = "bumn"
    path = tmp_path / "catalog.csv"
    path.write_text(catalog_text(rows), encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        call_command("load_catalog", "--regency", "17.01", str(path), stdout=io.StringIO())

    assert caught.value.returncode != 0
    assert Service.objects.count() == 0


@pytest.mark.parametrize("code", ["17.02", "18.02"])
def test_command_fails_for_a_regency_without_catalog_or_not_loaded(db: None, code: str) -> None:
    lampung_tengah()

    with pytest.raises(CommandError):
        call_command("load_catalog", "--regency", code, stdout=io.StringIO())
