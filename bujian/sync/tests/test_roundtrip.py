"""Pull → a visit day on a real field node → push, end to end over HTTP.

Central is this test's database behind ``live_server``; the field node is a separate
Django process on its own SQLite file (``BUJIAN_FIELD_NODE=true``), driven by its
management commands, exactly as on the laptop. The tests compare what central holds
with what the node holds, record kind by record kind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.queueing.tests.test_actions import make_hall
from bujian.records.models import Document
from bujian.regions.models import Regency, Village
from bujian.residents.actions import pre_register
from bujian.residents.tests.factories import ResidentFactory
from bujian.surveys.actions import current_questionnaire
from bujian.sync import actions, simulate
from bujian.sync.models import FieldNode, SyncBatch
from bujian.visits.models import Visit

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def migrated_node_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated node database, made once and copied for each test."""
    path = tmp_path_factory.mktemp("node-template") / "node.sqlite3"
    env = _env(path, path.parent / "var")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600
    )
    return path


def _env(db: Path, var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("DATABASE_URL", None)
    env.update(
        BUJIAN_FIELD_NODE="true",
        BUJIAN_SQLITE_PATH=str(db),
        BUJIAN_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="bujian.settings",
        BUJIAN_TASKS_IMMEDIATE="true",
    )
    return env


@dataclass
class Node:
    env: dict[str, str]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{args}: {result.stdout}\n{result.stderr}")
        return result

    def status(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads(self.run("node_status", "--json").stdout)
        return report


@pytest.fixture
def field_node(migrated_node_db: Path, tmp_path: Path) -> Node:
    db = tmp_path / "node.sqlite3"
    shutil.copy(migrated_node_db, db)
    return Node(_env(db, tmp_path / "var"))


@pytest.fixture(autouse=True)
def _central_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "central-media"


@pytest.fixture
def hall_visit(
    regency: Regency, village: Village, disdukcapil: Agency, samsat: Agency, budi: User
) -> Visit:
    hall = make_hall(
        regency=regency, village=village, disdukcapil=disdukcapil, samsat=samsat, actor=budi
    )
    current_questionnaire()  # central always has it; a flushed test database may not
    residents = ResidentFactory.create_batch(12, village=village)
    pre_register(
        visit=hall.visit,
        resident=residents[0],
        services=[hall.ktp],
        documents_present={hall.ktp.pk: []},
        actor=budi,
        today=hall.visit.start_date,
    )
    Document.objects.create(
        kind=Document.Kind.KK,
        number="1701050000000001",
        resident=residents[1],
        agency=disdukcapil,
        status=Document.Status.READY,
    )
    return hall.visit


def central_counts() -> dict[str, int]:
    return simulate.counts()


def test_pull_day_push_gives_central_exactly_the_nodes_records(
    live_server: Any, field_node: Node, hall_visit: Visit, budi: User
) -> None:
    node, code = actions.register_node(visit=hall_visit, name="Laptop 1", actor=budi)
    field_node.run("node_pull", "--central", live_server.url, "--code", code)
    node.refresh_from_db()
    assert node.status == FieldNode.Status.PAIRED
    before = field_node.status()
    # A fresh package: nothing of it to send, only the node's audit line of loading it.
    assert before["waiting"] == {"audit": 1}

    day = json.loads(field_node.run("node_simulate_day", "--residents", "10").stdout)
    assert day["served"] > 0 and day["handed_over"] >= 1
    waiting = field_node.status()["waiting"]
    assert waiting["ticket"] > 0 and waiting["audit"] > 0

    field_node.run("node_push")
    after = field_node.status()
    assert after["waiting"] == {}
    node_records = after["records"]
    central = central_counts()
    for kind in ("visit_ticket", "ticket", "service_record", "handover", "survey_response"):
        assert central[kind] == node_records[kind], kind
    assert central["aspiration"] == node_records["aspiration"]
    assert central["resident"] == node_records["resident"] + 0  # pulled + walk-ins
    document = Document.objects.get(number="1701050000000001")
    assert document.status == Document.Status.HANDED_OVER
    hall_visit.refresh_from_db()
    assert hall_visit.participations.filter(attendance="present").count() == 3

    # The visit's report on central says what the node's said.
    assert (
        json.loads(json.dumps(simulate.report_numbers(hall_visit.pk), default=str))
        == after["report"]
    )
    from bujian.aspirations.models import Attachment

    photo = Attachment.objects.get()  # the photo travelled inside the batch, byte for byte
    # Same file name; the folder is the aspiration's id, which differs between machines.
    media = Path(field_node.env["BUJIAN_VAR_DIR"]) / "media"
    [on_node] = media.rglob(Path(photo.file.name).name)
    with photo.file.open("rb") as handle:
        assert handle.read() == on_node.read_bytes()

    # A second push sends nothing; a replayed batch changes nothing.
    batches = SyncBatch.objects.count()
    field_node.run("node_push")
    assert SyncBatch.objects.count() == batches
    assert central_counts() == central


def test_push_file_is_taken_whole_and_again_changes_nothing(
    live_server: Any, field_node: Node, hall_visit: Visit, budi: User, tmp_path: Path
) -> None:
    _node, code = actions.register_node(visit=hall_visit, name="Laptop USB", actor=budi)
    package = actions.hand_out_package(code=code, actor=budi, via_file=True)
    (tmp_path / "paket.bjp").write_bytes(package)
    field_node.run("node_import", str(tmp_path / "paket.bjp"), "--code", code)
    field_node.run("node_simulate_day", "--residents", "6")
    push_file = tmp_path / "kirim.bjs"
    field_node.run("node_push", "--file", str(push_file))
    from bujian.sync.receive import receive_file

    first = receive_file(push_file.read_bytes())
    assert first["created"] > 0
    counts = central_counts()
    assert counts["ticket"] == field_node.status()["records"]["ticket"]
    again = receive_file(push_file.read_bytes())
    assert again["created"] == 0 and again["replayed"] == again["batches"] > 0
    assert central_counts() == counts


def test_killed_push_continues_where_it_stopped(
    live_server: Any, field_node: Node, hall_visit: Visit, budi: User
) -> None:
    """The pushing process is killed mid-push (a few times here; bench/sync_fault.py
    does it a hundred times); the next push completes, nothing lost or doubled."""
    _node, code = actions.register_node(visit=hall_visit, name="Laptop 2", actor=budi)
    field_node.run("node_pull", "--central", live_server.url, "--code", code)
    field_node.run("node_simulate_day", "--residents", "12")
    for delay in (0.3, 0.8, 1.5):
        process = subprocess.Popen(
            [sys.executable, "manage.py", "node_push"],
            cwd=ROOT,
            env={**field_node.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
    field_node.run("node_push")
    status = field_node.status()
    assert status["waiting"] == {}
    central = central_counts()
    for kind in ("visit_ticket", "ticket", "service_record", "handover", "aspiration"):
        assert central[kind] == status["records"][kind], kind
