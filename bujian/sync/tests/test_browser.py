"""The program admin registers a field node and pairs it, in Debian's Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from bujian.accounts.models import User
from bujian.accounts.tests.factories import TEST_PASSWORD
from bujian.agencies.models import Agency
from bujian.browser_testing import login
from bujian.queueing.tests.test_actions import make_hall
from bujian.regions.models import Regency, Village
from bujian.sync.crypto import open_package
from bujian.sync.models import FieldNode

pytestmark = pytest.mark.browser


def test_admin_registers_a_node_gets_the_code_and_the_package_file(
    page: Page,
    live_url: str,
    budi: User,
    regency: Regency,
    village: Village,
    disdukcapil: Agency,
    samsat: Agency,
) -> None:
    hall = make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )
    login(page, live_url, "budi", TEST_PASSWORD)
    page.goto(f"{live_url}/sinkron/")
    page.select_option("#id_visit", str(hall.visit.pk))
    page.fill("#id_name", "Laptop Bappeda 2")
    page.get_by_role("button", name="Daftarkan dan tampilkan kode pemasangan").click()
    code = page.get_by_test_id("pairing-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh berkas paket").click()
    package = open_package(download.value.path().read_bytes(), code)
    assert package["visit"] == hall.visit.pk
    page.get_by_role("link", name="Ke halaman perangkat lapangan").click()
    health = page.get_by_test_id("node-health")
    expect(health).to_contain_text("Terpasang: menjalankan kunjungan")
    assert FieldNode.objects.get().status == FieldNode.Status.PAIRED
