"""The field node's side: load the package, find what changed, push it.

A push is store-and-forward without an outbox to lose: what is waiting is computed
from the records themselves (their digest differs from the one central last
acknowledged), so a push cut at any point simply sends the rest next time, and a
record acknowledged twice changes nothing. One push runs at a time (a file lock).
"""

from __future__ import annotations

import fcntl
import json
import queue
import threading
import urllib.error
import urllib.request
import uuid as uuidlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.core import serializers
from django.db import connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bujian.core.audit import record_audit
from bujian.sync import wire
from bujian.sync.crypto import SyncRefused, digest, open_package, read_header, seal_batch
from bujian.sync.fastsql import Columns, canonical_uuid
from bujian.sync.models import NodeCode, NodeState, PushedRecord
from bujian.sync.writer import (
    Incoming,
    create_records,
    set_deferred,
    write_registration_services,
)

BATCH_RECORDS = 4000
BATCH_BYTES = 8 * 1024 * 1024
TIMEOUT = 60


def state() -> NodeState | None:
    return NodeState.objects.select_related("visit").first()


def import_package(envelope: bytes, code: str, *, central_url: str = "") -> NodeState:
    """Load a package into this (empty) node database, in one transaction."""
    body = open_package(envelope, code)
    if body.get("format") != 1:
        raise SyncRefused("sync.format", _("This package was made by another Bujian version."))
    from bujian.visits.models import Visit

    current = state()
    if current is not None or Visit.objects.exists():
        raise SyncRefused(
            "sync.node_not_empty",
            _(
                "This laptop already holds a visit. Push it, then start an empty node "
                "database (make node-reset) before pulling another package."
            ),
        )
    with transaction.atomic():
        # The questionnaire comes from central with central's ids; the copy the node's
        # own data migration loaded gives way to it.
        from bujian.surveys.models import Element, Questionnaire

        Element.objects.all().delete()
        Questionnaire.objects.all().delete()
        for item in serializers.deserialize("json", json.dumps(body["reference"])):
            item.save()
        _load_records(body)
        NodeCode.objects.bulk_create(NodeCode(code=code) for code in body.get("codes", []))
        node_state = NodeState.objects.create(
            node_uuid=body["node"],
            name=body.get("node_name", ""),
            visit_id=body["visit"],
            central_url=central_url,
            secret=body["secret"],
            pulled_at=timezone.now(),
        )
        # What came in the package is what central has: nothing of it waits. (The
        # audit entry of the loading comes after: it is the node's own, and is pushed.)
        _acknowledge(list(_all_records()))
        record_audit(
            actor=None,
            action="sync.node.package_loaded",
            data={"records": len(body["records"]), "node": body["node"]},
        )
    _reset_sequences()
    return node_state


def _load_records(body: dict[str, Any]) -> None:
    grouped: dict[str, list[Incoming]] = {}
    for record in body["records"]:
        grouped.setdefault(record["k"], []).append(Incoming(uuid=record["u"], data=record["d"]))
    resolver = wire.Resolver(visit_id=body["visit"])
    for kind in wire.KINDS:
        items = grouped.get(kind.name, [])
        resolver.load((kind, item.data) for item in items)
        create_records(kind, items, resolver)
        if kind.name == "registration":
            write_registration_services(items, resolver)
    for kind in wire.KINDS:
        set_deferred(kind, grouped.get(kind.name, []), resolver)


def _reset_sequences() -> None:
    """Django's own fixture loader does this too: after rows came in with their ids,
    PostgreSQL's sequences must move past them (SQLite needs nothing)."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def visit_day(node_state: NodeState) -> dict[str, Any]:
    from bujian.visits.models import Participation

    visit = node_state.visit
    visit.refresh_from_db(fields=["status"])
    return {
        "status": visit.status,
        "attendance": {
            code: [attendance, late]
            for code, attendance, late in Participation.objects.filter(visit=visit).values_list(
                "agency__code", "attendance", "late"
            )
        },
    }


def _all_records() -> Iterator[dict[str, Any]]:
    for kind in wire.KINDS:
        for uuid, data in wire.serialize(kind, kind.model._default_manager.all()):
            yield {"k": kind.name, "u": uuid, "d": data}


def pending() -> list[dict[str, Any]]:
    """Every record whose content central has not acknowledged, in dependency order."""
    return list(pending_stream(_acked()))


def pending_stream(acked: dict[tuple[str, str], str]) -> Iterator[dict[str, Any]]:
    """``pending()`` one record at a time, kind by kind (a push sends the first batches
    while the later kinds are still being read)."""
    for record in _all_records():
        value = digest(record["d"])
        if acked.get((record["k"], record["u"])) != value:
            record["digest"] = value
            yield record


def _acked() -> dict[tuple[str, str], str]:
    return {(kind, uuid): value for uuid, kind, value in _acked_rows()}


def never_sent(acked: dict[tuple[str, str], str]) -> int:
    """How many records central has never acknowledged at all: what a push reports
    as waiting before it has read everything (an edit of a record already sent is
    counted once its batch goes)."""
    rows = sum(kind.model._default_manager.count() for kind in wire.KINDS)
    return max(rows - len(acked), 0)


def _acked_rows() -> list[tuple[str, str, str]]:
    """(uuid, kind, digest) of every acknowledged record, read without the ORM's
    per-value work (a node holds tens of thousands)."""
    columns = Columns(PushedRecord, ["uuid", "kind", "digest"])
    with columns.connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.names_sql()} FROM {columns.table}")  # noqa: S608
        return [(canonical_uuid(uuid), kind, value) for uuid, kind, value in cursor.fetchall()]


def waiting_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in pending():
        counts[record["k"]] = counts.get(record["k"], 0) + 1
    return counts


def _acknowledge(records: list[dict[str, Any]]) -> None:
    """Remember the digest central acknowledged for each record (insert or replace),
    one statement sent with ``executemany``."""
    if not records:
        return
    columns = Columns(PushedRecord, ["kind", "uuid", "digest"])
    quote = columns.quote
    sql = (
        f"INSERT INTO {columns.table} ({columns.names_sql()}) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT ({quote('kind')}, {quote('uuid')}) "
        f"DO UPDATE SET {quote('digest')} = excluded.{quote('digest')}"
    )
    params = [
        columns.row({"kind": r["k"], "uuid": r["u"], "digest": r.get("digest") or digest(r["d"])})
        for r in records
    ]
    # One transaction: outside one, each row would be its own commit.
    with transaction.atomic(), columns.connection.cursor() as cursor:
        cursor.executemany(sql, params)


def batches(
    records: Iterable[dict[str, Any]], node_state: NodeState
) -> Iterator[list[dict[str, Any]]]:
    """Cut the waiting records into batches, keeping dependency order."""
    current: list[dict[str, Any]] = []
    size = 0
    for record in records:
        kind = wire.BY_NAME[record["k"]]
        if kind.file_field and record["d"].get(kind.file_field):
            record["f"] = wire.file_content(kind, record["d"])
        record_size = len(orjson.dumps(record["d"])) + len(record.get("f", ""))
        if current and (len(current) >= BATCH_RECORDS or size + record_size > BATCH_BYTES):
            yield current
            current, size = [], 0
        current.append(record)
        size += record_size
    if current:
        yield current


def seal(records: list[dict[str, Any]], node_state: NodeState, waiting: int = 0) -> bytes:
    """One batch, sealed, with the next sequence number."""
    [sequence] = _take_sequences(node_state, 1)
    return _seal_body(records, node_state, sequence, waiting, visit_day(node_state))


def _take_sequences(node_state: NodeState, count: int) -> list[int]:
    """``count`` batch numbers, taken in one write (they only order the batches in
    central's list; one left unused by a cut push is no harm)."""
    with transaction.atomic():
        last = NodeState.objects.filter(pk=node_state.pk).values_list("sequence", flat=True)[0]
        NodeState.objects.filter(pk=node_state.pk).update(sequence=last + count)
    return list(range(last + 1, last + count + 1))


def _seal_body(
    records: list[dict[str, Any]],
    node_state: NodeState,
    sequence: int,
    waiting: int,
    day: dict[str, Any],
) -> bytes:
    """Pure work, no database: safe in the sealing thread."""
    body = {
        "node": str(node_state.node_uuid),
        "batch": str(uuidlib.uuid4()),
        "sequence": sequence,
        "created": timezone.now().isoformat(),
        "visit_day": day,
        "waiting": waiting,
        "records": [
            {"k": r["k"], "u": r["u"], "d": r["d"], **({"f": r["f"]} if r.get("f") else {})}
            for r in records
        ],
    }
    return seal_batch(str(node_state.node_uuid), node_state.secret, body)


def sealed_batches(
    waiting: Iterable[dict[str, Any]], node_state: NodeState, total: int
) -> Iterator[tuple[list[dict[str, Any]], bytes]]:
    """(records, envelope) of each batch, in order; ``total``: the records waiting, as
    far as known. A thread reads, cuts and seals the next batches while the caller
    sends this one and central takes it, so the node's work overlaps central's. Called
    inside a transaction (tests), the work stays in this thread: another connection
    would not see what the transaction wrote."""
    day = visit_day(node_state)
    if connection.in_atomic_block:
        yield from _sealed(waiting, node_state, total, day)
        return
    results: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def offer(item: Any) -> None:
        while not stop.is_set():
            try:
                results.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            for sealed in _sealed(waiting, node_state, total, day):
                if stop.is_set():  # the push stopped (central refused, no connection)
                    break
                offer(sealed)
        except BaseException as error:
            offer(error)
        finally:
            offer(_DONE)
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=produce, name="sync-seal", daemon=True)
    thread.start()
    try:
        while True:
            item = results.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


_DONE = object()


def _sealed(
    waiting: Iterable[dict[str, Any]], node_state: NodeState, total: int, day: dict[str, Any]
) -> Iterator[tuple[list[dict[str, Any]], bytes]]:
    """Cut and seal, one batch behind the cutting: the last batch says nothing waits."""
    held: list[dict[str, Any]] | None = None
    sent = 0
    for records in batches(waiting, node_state):
        if held is not None:
            sent += len(held)
            yield held, _seal_next(held, node_state, max(total - sent, len(records)), day)
        held = records
    if held is not None:
        yield held, _seal_next(held, node_state, 0, day)


def _seal_next(
    records: list[dict[str, Any]], node_state: NodeState, waiting: int, day: dict[str, Any]
) -> bytes:
    [sequence] = _take_sequences(node_state, 1)
    return _seal_body(records, node_state, sequence, waiting, day)


@contextmanager
def push_lock() -> Iterator[None]:
    path = Path(settings.VAR_DIR) / "sync-push.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise SyncRefused(
                "sync.push_running", _("A push is already running on this laptop; wait for it.")
            ) from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def push(*, central_url: str | None = None) -> dict[str, int]:
    """Send every waiting record to central, batch by batch, one at a time: a batch is
    sent once central has answered the one before, and acknowledged here while the
    next one travels. An error stops the push (and is shown on the panel) with every
    batch central answered acknowledged."""
    node_state = state()
    if node_state is None:
        raise SyncRefused("sync.not_paired_here", _("This laptop is not paired with a visit."))
    url = (central_url or node_state.central_url).rstrip("/")
    if not url:
        raise SyncRefused(
            "sync.no_central_url",
            _("The address of the central server is not set; push through a file instead."),
        )
    totals = {"batches": 0, "records": 0, "created": 0, "updated": 0, "conflicts": 0}
    with push_lock(), ThreadPoolExecutor(1, thread_name_prefix="sync-send") as sender:
        taken: list[dict[str, Any]] = []  # central's answer came; not yet acknowledged
        try:
            acked = _acked()
            waiting = pending_stream(acked)
            for records, envelope in sealed_batches(waiting, node_state, never_sent(acked)):
                # The next batch travels (HTTP only, no database in that thread) while
                # this thread acknowledges the one central has answered.
                answer = sender.submit(_send_in, translation.get_language(), url, envelope)
                _acknowledge(taken)
                taken = []
                result = answer.result()
                taken = records
                totals["batches"] += 1
                totals["records"] += len(records)
                for key in ("created", "updated", "conflicts"):
                    totals[key] += int(result.get(key, 0))
            _acknowledge(taken)
        except SyncRefused as error:
            _acknowledge(taken)  # central took it: never send it again
            NodeState.objects.filter(pk=node_state.pk).update(
                last_error=str(error)[:300], last_error_at=timezone.now()
            )
            raise
    NodeState.objects.filter(pk=node_state.pk).update(
        last_push_at=timezone.now(),
        last_push_records=totals["records"],
        last_error="",
        open_conflicts=node_state.open_conflicts + totals["conflicts"],
    )
    return totals


def _http_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise SyncRefused(
            "sync.bad_url", _("The central server's address must start with http:// or https://.")
        )
    return url


def _post(url: str, data: bytes, content_type: str, *, what: str, offline: str) -> bytes:
    """POST to central; an answer other than 2xx or no answer at all becomes a
    ``SyncRefused`` with central's own reason (``what``: "batch" or "pairing")."""
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked by _http_url
        _http_url(url), data=data, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as error:
        try:
            detail = json.loads(error.read()).get("detail", "")
        except ValueError:
            detail = ""
        message = (
            _("Central refused the batch (HTTP %(status)s): %(detail)s")
            if what == "batch"
            else _("Central refused the pairing (HTTP %(status)s): %(detail)s")
        )
        raise SyncRefused(
            "sync.central_refused", message % {"status": error.code, "detail": detail}
        ) from error
    except (urllib.error.URLError, OSError) as error:
        raise SyncRefused(
            "sync.no_connection", offline % {"reason": getattr(error, "reason", error)}
        ) from error


def _send_in(language: str | None, url: str, envelope: bytes) -> dict[str, Any]:
    """``send`` in another thread, its messages in the caller's language."""
    with translation.override(language):
        return send(url, envelope)


def send(url: str, envelope: bytes) -> dict[str, Any]:
    answer = _post(
        f"{url}/sinkron/api/push/",
        envelope,
        "application/octet-stream",
        what="batch",
        offline=_(
            "Central cannot be reached (%(reason)s). Nothing is lost: the records wait "
            "on this laptop and go with the next push."
        ),
    )
    try:
        result: dict[str, Any] = json.loads(answer)
    except ValueError as error:
        raise SyncRefused(
            "sync.no_connection", _("Central cannot be reached (%(reason)s).") % {"reason": error}
        ) from error
    return result


def pull(central_url: str, code: str) -> NodeState:
    """Pair over the network: send the code, load the package that comes back."""
    url = _http_url(central_url.rstrip("/"))
    envelope = _post(
        f"{url}/sinkron/api/pull/",
        json.dumps({"code": code}).encode(),
        "application/json",
        what="pairing",
        offline=_("Central cannot be reached (%(reason)s)."),
    )
    read_header(envelope)
    return import_package(envelope, code, central_url=url)


def export_file() -> bytes:
    """Every waiting record as sealed batches, one per line: the USB path. Nothing is
    marked as acknowledged; a later network push sends them again and central finds
    them unchanged."""
    node_state = state()
    if node_state is None:
        raise SyncRefused("sync.not_paired_here", _("This laptop is not paired with a visit."))
    waiting = pending()
    lines = [envelope for _records, envelope in sealed_batches(waiting, node_state, len(waiting))]
    if not lines:
        lines = [seal([], node_state)]
    NodeState.objects.filter(pk=node_state.pk).update(last_export_at=timezone.now())
    return b"\n\n".join(lines) + b"\n"
