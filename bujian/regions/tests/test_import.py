from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from bujian.agencies.actions import DATA_DIR as AGENCIES_DATA_DIR
from bujian.core.models import AuditEntry
from bujian.regions.actions import (
    DATA_DIR,
    REGION_COLUMNS,
    RegionImportError,
    ensure_provinces,
    import_regions_csv,
    import_regions_file,
    load_shipped_regions,
)
from bujian.regions.models import District, Province, Regency, TimeZone, Village, default_time_zone

pytestmark = pytest.mark.django_db

SHARED_DOMAIN = Path(settings.BASE_DIR).parent / "shared" / "domain"
HEADER = ",".join(REGION_COLUMNS)


def region_csv(*lines: str, header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def database_counts() -> dict[str, int]:
    return {
        "provinces": Province.objects.count(),
        "regencies": Regency.objects.count(),
        "districts": District.objects.count(),
        "villages": Village.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def bad_lines(error: RegionImportError) -> list[int]:
    return [line_error.line for line_error in error.errors]


# The shipped regencies


@pytest.mark.parametrize(
    ("code", "districts", "desa", "kelurahan", "program_name"),
    [
        ("17.01", 11, 142, 16, "Buji'an Dusun"),
        ("18.02", 28, 301, 10, "Bunga Kampung"),
    ],
)
def test_shipped_regency_loads_with_the_official_counts(
    code: str, districts: int, desa: int, kelurahan: int, program_name: str
) -> None:
    load_shipped_regions()

    regency = Regency.objects.get(code=code)
    villages = Village.objects.filter(district__regency=regency)
    assert regency.districts.count() == districts
    assert villages.filter(kind=Village.Kind.DESA).count() == desa
    assert villages.filter(kind=Village.Kind.KELURAHAN).count() == kelurahan
    assert not villages.filter(postal_code="").exists()
    assert regency.kind == Regency.Kind.KABUPATEN
    assert regency.program_name == program_name
    assert regency.time_zone == TimeZone.WIB


def test_import_reports_what_it_created() -> None:
    result = import_regions_file(path=DATA_DIR / "regions-1701-bengkulu-selatan.csv")

    assert result.regency_code == "17.01"
    assert (result.created, result.updated, result.unchanged) == (1 + 11 + 158, 0, 0)
    assert result.counts == {"districts": 11, "villages": 158}


def test_importing_twice_changes_nothing() -> None:
    load_shipped_regions()
    counts = database_counts()
    first_village = Village.objects.order_by("code").first()
    assert first_village is not None

    results = load_shipped_regions()

    assert [(r.regency_code, r.created, r.updated, r.unchanged) for r in results] == [
        ("17.01", 0, 0, 1 + 11 + 158),
        ("18.02", 0, 0, 1 + 28 + 311),
    ]
    assert {k: v for k, v in database_counts().items() if k != "audit"} == {
        k: v for k, v in counts.items() if k != "audit"
    }
    village = Village.objects.get(pk=first_village.pk)
    assert village.updated_at == first_village.updated_at


def test_reimport_updates_a_renamed_village() -> None:
    path = DATA_DIR / "regions-1701-bengkulu-selatan.csv"
    import_regions_file(path=path)
    text = path.read_text(encoding="utf-8").replace(",Tumbuk Tebing,", ",Tumbak Tebing,")

    result = import_regions_csv(text=text)

    assert (result.created, result.updated) == (0, 1)
    assert Village.objects.get(code="17.01.10.2001").name == "Tumbak Tebing"


def test_reimport_keeps_a_time_zone_set_by_an_admin() -> None:
    path = DATA_DIR / "regions-1701-bengkulu-selatan.csv"
    import_regions_file(path=path)
    Regency.objects.filter(code="17.01").update(time_zone=TimeZone.WITA)

    import_regions_file(path=path)

    assert Regency.objects.get(code="17.01").time_zone == TimeZone.WITA


# Bad files: every bad line is named, nothing is written


def test_bad_lines_are_all_listed_and_nothing_is_written() -> None:
    ensure_provinces()  # reference data the importer loads before it validates a file
    text = region_csv(
        "17.01,Kabupaten Bengkulu Selatan,regency,17,,",  # 2
        "17.01.01,Manna,district,17.01,,",  # 3
        "17.01.01.2001,Tanjung Besar,village,17.01.01,desa,38571",  # 4
        "17.01.01.2002,Batu Ampar,village,17.01.99,desa,38571",  # 5 unknown parent
        "17.01.1,Kota Manna,district,17.01,,",  # 6 malformed code
        "17.01.01.2001,Tanjung Besar Lama,village,17.01.01,desa,38571",  # 7 duplicate
        "17.01.01.2003,Padang Kapuk,village,17.01,desa,38571",  # 8 village under the regency
        "17.01.02,Pino,district,17.01,,",  # 9 fine
    )
    before = database_counts()

    with pytest.raises(RegionImportError) as caught:
        import_regions_csv(text=text)

    assert caught.value.code == "regions.import_invalid"
    assert bad_lines(caught.value) == [5, 6, 7, 8]
    assert database_counts() == before


def test_a_bad_line_leaves_an_imported_regency_untouched() -> None:
    path = DATA_DIR / "regions-1701-bengkulu-selatan.csv"
    import_regions_file(path=path)
    text = path.read_text(encoding="utf-8").replace(",Tumbuk Tebing,", ",Tumbak Tebing,")
    text += "17.01.10.2099,Desa Baru,village,17.01.77,desa,38571\n"
    before = database_counts()

    with pytest.raises(RegionImportError) as caught:
        import_regions_csv(text=text)

    assert bad_lines(caught.value) == [len(text.splitlines())]
    assert Village.objects.get(code="17.01.10.2001").name == "Tumbuk Tebing"
    assert database_counts() == before


def test_a_line_with_the_wrong_number_of_columns_is_refused() -> None:
    ensure_provinces()
    text = region_csv(
        "17.01,Kabupaten Bengkulu Selatan,regency,17,,",
        "17.01.01,Manna,district,17.01,",  # 3: five columns
        "17.01.01.2001,Tanjung Besar,village,17.01.01,desa,38571,extra",  # 4: seven
    )
    before = database_counts()

    with pytest.raises(RegionImportError) as caught:
        import_regions_csv(text=text)

    assert bad_lines(caught.value) == [3, 4]
    assert database_counts() == before


@pytest.mark.parametrize(
    "header",
    [
        "code,name,level,parent,kind,postal_code",
        "name,code,level,parent_code,kind,postal_code",
        "code,name,level,parent_code,kind",
        "",
    ],
)
def test_a_bad_header_is_refused(header: str) -> None:
    ensure_provinces()
    text = region_csv("17.01,Kabupaten Bengkulu Selatan,regency,17,,", header=header)
    before = database_counts()

    with pytest.raises(RegionImportError) as caught:
        import_regions_csv(text=text)

    assert bad_lines(caught.value) == [1]
    assert database_counts() == before


def test_a_file_without_a_regency_is_refused() -> None:
    ensure_provinces()
    before = database_counts()

    with pytest.raises(RegionImportError) as caught:
        import_regions_csv(text=region_csv("17.01.01,Manna,district,17.01,,"))

    assert 1 in bad_lines(caught.value)
    assert database_counts() == before


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("17.01,Kabupaten Bengkulu Selatan,regency,18,,", "province does not match the code"),
        ("17.01,Kabupaten Bengkulu Selatan,regency,99,,", "no such province"),
        ("17.01,,regency,17,,", "no name"),
        ("17.01,Kabupaten Bengkulu Selatan,kabupaten,17,,", "unknown level"),
    ],
)
def test_a_bad_regency_line_is_refused(line: str, why: str) -> None:
    ensure_provinces()
    before = database_counts()

    with pytest.raises(RegionImportError) as caught:
        import_regions_csv(text=region_csv(line, "17.01.01,Manna,district,17.01,,"))

    assert 2 in bad_lines(caught.value), why
    assert database_counts() == before


def test_a_village_kind_that_contradicts_its_code_is_refused() -> None:
    ensure_provinces()
    text = region_csv(
        "17.01,Kabupaten Bengkulu Selatan,regency,17,,",
        "17.01.01,Manna,district,17.01,,",
        "17.01.01.1001,Pasar Baru,village,17.01.01,desa,38571",  # 1xxx is a kelurahan
        "17.01.01.2001,Tanjung Besar,village,17.01.01,desa,3857",  # postal code too short
    )

    with pytest.raises(RegionImportError) as caught:
        import_regions_csv(text=text)

    assert bad_lines(caught.value) == [4, 5]


# Time zones


def test_bengkulu_selatan_gets_wib() -> None:
    import_regions_file(path=DATA_DIR / "regions-1701-bengkulu-selatan.csv")

    assert Regency.objects.get(code="17.01").time_zone == "Asia/Jakarta"


@pytest.mark.parametrize(
    ("province", "zone"),
    [
        ("17", "Asia/Jakarta"),
        ("18", "Asia/Jakarta"),
        ("31", "Asia/Jakarta"),
        ("61", "Asia/Jakarta"),
        ("51", "Asia/Makassar"),
        ("64", "Asia/Makassar"),
        ("73", "Asia/Makassar"),
        ("81", "Asia/Jayapura"),
        ("91", "Asia/Jayapura"),
        ("94", "Asia/Jayapura"),
    ],
)
def test_default_time_zone_follows_the_province(province: str, zone: str) -> None:
    assert default_time_zone(province) == zone


def test_a_regency_in_bali_gets_wita() -> None:
    text = region_csv(
        "51.03,Kabupaten Badung,regency,51,,",
        "51.03.01,Kuta,district,51.03,,",
        "51.03.01.1001,Kuta,village,51.03.01,kelurahan,80361",
    )

    import_regions_csv(text=text)

    assert Regency.objects.get(code="51.03").time_zone == TimeZone.WITA


# The shipped data is the researched data


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [row for row in csv.reader(handle) if row]


@pytest.mark.parametrize(
    ("shipped", "researched"),
    [
        (
            DATA_DIR / "regions-1701-bengkulu-selatan.csv",
            "regions-1701-bengkulu-selatan.csv",
        ),
        (DATA_DIR / "regions-1802-lampung-tengah.csv", "regions-1802-lampung-tengah.csv"),
        (DATA_DIR / "provinces.csv", "provinces.csv"),
        (AGENCIES_DATA_DIR / "agencies-services-1701.csv", "agencies-services.csv"),
    ],
    ids=["17.01", "18.02", "provinces", "catalog-17.01"],
)
def test_shipped_data_equals_the_researched_files(shipped: Path, researched: str) -> None:
    if not SHARED_DOMAIN.is_dir():
        pytest.skip(f"{SHARED_DOMAIN} is not here (it lives beside the project checkout).")

    assert read_rows(shipped) == read_rows(SHARED_DOMAIN / researched)


# The command


def run_import(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_regions", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_command_imports_a_file() -> None:
    out, _ = run_import(str(DATA_DIR / "regions-1701-bengkulu-selatan.csv"))

    assert "17.01" in out
    assert District.objects.filter(regency__code="17.01").count() == 11


def test_command_loads_the_shipped_regencies_twice_without_change() -> None:
    run_import("--shipped")
    counts = database_counts()

    run_import("--shipped")

    assert Village.objects.count() == 158 + 311
    assert {k: v for k, v in database_counts().items() if k != "audit"} == {
        k: v for k, v in counts.items() if k != "audit"
    }


def test_command_prints_every_bad_line_and_fails(tmp_path: Path) -> None:
    ensure_provinces()
    bad = tmp_path / "bad.csv"
    text = region_csv(
        "17.01,Kabupaten Bengkulu Selatan,regency,17,,",
        "17.01.1,Manna,district,17.01,,",  # 3
        "17.01.01.2001,Tanjung Besar,village,17.01,desa,38571",  # 4
    )
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RegionImportError) as expected:
        import_regions_csv(text=text)
    assert bad_lines(expected.value) == [3, 4]
    stderr = io.StringIO()
    before = database_counts()

    with pytest.raises(CommandError) as caught:
        call_command("import_regions", str(bad), stdout=io.StringIO(), stderr=stderr)

    assert caught.value.returncode != 0
    assert stderr.getvalue().splitlines() == [str(e) for e in expected.value.errors]
    assert database_counts() == before


@pytest.mark.parametrize("args", [[], ["file.csv", "--shipped"]])
def test_command_wants_a_file_or_shipped(args: list[str]) -> None:
    with pytest.raises(CommandError):
        run_import(*args)


def test_command_says_when_the_file_is_missing(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        run_import(str(tmp_path / "missing.csv"))


def test_a_bad_file_on_an_empty_database_writes_not_even_the_provinces(db: None) -> None:
    from bujian.regions.actions import RegionImportError, import_regions_csv
    from bujian.regions.models import Province

    text = (
        "code,name,level,parent_code,kind,postal_code\n"
        "17.01,Kabupaten X,regency,17,,\n"
        "17.01.0x,Bad,district,17.01,,\n"
    )
    with pytest.raises(RegionImportError):
        import_regions_csv(text=text)
    assert Province.objects.count() == 0
