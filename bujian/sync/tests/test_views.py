"""The field-node pages on central and on a node, through HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django import forms as django_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.utils import override_settings
from django.utils.datastructures import MultiValueDict

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.conftest import client_for
from bujian.queueing.tests.test_actions import make_hall
from bujian.regions.models import Regency, Village
from bujian.residents.models import Resident
from bujian.residents.tests.factories import ResidentFactory
from bujian.sync import actions, forms
from bujian.sync.crypto import open_package, seal_batch
from bujian.sync.models import FieldNode, SyncConflict
from bujian.visits.models import Visit


@pytest.fixture
def visit(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> Visit:
    hall = make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )
    ResidentFactory.create_batch(2, village=village)
    return hall.visit


def test_admin_registers_a_node_and_sees_the_code_once(visit: Visit, budi: User) -> None:
    client = client_for(budi)
    assert client.get("/sinkron/").status_code == 200
    response = client.post("/sinkron/", {"visit": visit.pk, "name": "Laptop Bappeda 2"})
    assert response.status_code == 200
    node = FieldNode.objects.get()
    code = response.context["code"]
    assert code in response.content.decode()
    assert node.pairing_code_hash and code not in node.pairing_code_hash
    page = client.get(f"/sinkron/perangkat/{node.uuid}/")
    assert page.status_code == 200 and code not in page.content.decode()


def test_package_file_needs_the_right_code(visit: Visit, budi: User) -> None:
    node, code = actions.register_node(visit=visit, name="USB", actor=budi)
    client = client_for(budi)
    wrong = client.post(f"/sinkron/perangkat/{node.uuid}/paket/", {"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 302
    node.refresh_from_db()
    assert node.status == FieldNode.Status.REGISTERED
    response = client.post(f"/sinkron/perangkat/{node.uuid}/paket/", {"code": code})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.bjp"')
    assert open_package(response.content, code)["visit"] == visit.pk
    node.refresh_from_db()
    assert node.status == FieldNode.Status.PAIRED


def test_other_roles_and_regencies_do_not_see_field_nodes(
    visit: Visit, budi: User, siti: User, kades: User
) -> None:
    node, _code = actions.register_node(visit=visit, name="Laptop", actor=budi)
    for user in (siti, kades):
        client = client_for(user)
        assert client.get("/sinkron/").status_code == 403
        assert client.get(f"/sinkron/perangkat/{node.uuid}/").status_code == 403
    assert Client().get("/sinkron/").status_code == 302


def test_pull_endpoint_answers_a_wrong_code_with_a_clear_refusal(visit: Visit) -> None:
    response = Client().post(
        "/sinkron/api/pull/", data={"code": "XXXX-XXXX-XXXX"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "Kode pemasangan salah" in response.json()["detail"]
    bad = Client().post("/sinkron/api/pull/", data=b"{", content_type="application/json")
    assert bad.status_code == 400


def _paired(visit: Visit, budi: User) -> tuple[FieldNode, dict[str, Any]]:
    node, code = actions.register_node(visit=visit, name="Laptop", actor=budi)
    package = open_package(actions.hand_out_package(code=code, actor=budi), code)
    node.refresh_from_db()
    return node, package


def test_push_file_upload_and_conflict_decision_on_the_nodes_page(visit: Visit, budi: User) -> None:
    node, package = _paired(visit, budi)
    record = next(r for r in package["records"] if r["k"] == "resident")
    resident = Resident.objects.get(uuid=record["u"])
    Resident.objects.filter(pk=resident.pk).update(hamlet="Dusun Pusat")
    record["d"]["hamlet"] = "Dusun Desa"
    body = {"node": str(node.uuid), "batch": str(uuid.uuid4()), "sequence": 1, "records": [record]}
    data = seal_batch(str(node.uuid), node.secret, body) + b"\n"
    client = client_for(budi)
    upload = SimpleUploadedFile("kirim.bjs", data)
    response = client.post(f"/sinkron/perangkat/{node.uuid}/berkas/", {"file": upload})
    assert response.status_code == 302
    conflict = SyncConflict.objects.get()
    page = client.get(f"/sinkron/perangkat/{node.uuid}/").content.decode()
    assert "Dusun Desa" in page and "Dusun Pusat" in page
    client.post(f"/sinkron/konflik/{conflict.pk}/", {"take": "node"})
    resident.refresh_from_db()
    assert resident.hamlet == "Dusun Desa"
    conflict.refresh_from_db()
    assert conflict.status == SyncConflict.Status.TOOK_NODE

    broken = SimpleUploadedFile("kirim.bjs", data[:-40])
    count = SyncConflict.objects.count()
    response = client.post(f"/sinkron/perangkat/{node.uuid}/berkas/", {"file": broken}, follow=True)
    assert "Tanda tangan tidak cocok" in response.content.decode()
    assert SyncConflict.objects.count() == count


def test_release_gives_the_visit_back_to_central(visit: Visit, budi: User) -> None:
    node, _package = _paired(visit, budi)
    client_for(budi).post(f"/sinkron/perangkat/{node.uuid}/lepas/")
    node.refresh_from_db()
    assert node.status == FieldNode.Status.RELEASED


@override_settings(BUJIAN_FIELD_NODE=True)
def test_an_unpaired_node_offers_pairing_only_on_the_laptop_itself(db: None) -> None:
    assert Client(REMOTE_ADDR="127.0.0.1").get("/sinkron/").status_code == 200
    assert Client(REMOTE_ADDR="192.168.43.20").get("/sinkron/").status_code == 403
    response = Client(REMOTE_ADDR="127.0.0.1").post(
        "/sinkron/",
        {"via": "file", "code": "AAAA-BBBB-CCCC", "file": SimpleUploadedFile("p.bjp", b"junk")},
        follow=True,
    )
    assert "bukan berkas atau kiriman sinkronisasi" in response.content.decode()


def test_sync_health_command_flags_a_node_with_an_error(visit: Visit, budi: User) -> None:
    from django.core.management import CommandError, call_command

    node, _package = _paired(visit, budi)
    call_command("sync_health")  # healthy: no exception
    FieldNode.objects.filter(pk=node.pk).update(last_error="Tanda tangan tidak cocok")
    with pytest.raises(CommandError, match="1 field node"):
        call_command("sync_health")


@pytest.mark.parametrize("form_class", [forms.PushFileForm, forms.PackageFileForm])
def test_a_file_over_the_limit_is_refused_with_a_clear_message(
    form_class: type[django_forms.Form], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forms, "MAX_FILE_BYTES", 10)
    upload = SimpleUploadedFile("kirim.bjs", b"x" * 11)
    form = form_class(data={"code": "K7QM-2XHD-9TRA"}, files=MultiValueDict({"file": [upload]}))
    assert not form.is_valid()
    assert form.errors["file"] == ["Berkas lebih besar dari 256 MB."]
    small = form_class(
        data={"code": "K7QM-2XHD-9TRA"},
        files=MultiValueDict({"file": [SimpleUploadedFile("a.bjs", b"x" * 10)]}),
    )
    assert small.is_valid(), small.errors
