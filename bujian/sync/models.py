"""Field nodes and their sync with central.

On **central**: ``FieldNode`` (one laptop for one visit, its pairing code and secret),
``SyncBatch`` (every batch received, for idempotency and the health panel),
``SyncRecord`` (the ledger: the last version of each record central sent to or took
from a node, the base of three-way merges), ``SyncAlias`` (a node's record that turned
out to be one central already had, e.g. the same NIK), ``SyncConflict`` (what the admin
must look at) and ``ReservedCode`` (tracking codes set aside for a node).

On a **node**: ``NodeState`` (the one visit it serves, where central is, its secret,
the last push) and ``PushedRecord`` (the digest central acknowledged for each record,
so only what changed is sent again).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bujian.core.models import TimeStampedModel


class FieldNode(TimeStampedModel):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Waiting for pairing")
        PAIRED = "paired", _("Paired: runs the visit")
        RELEASED = "released", _("Released")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, help_text=_("E.g. Laptop Bappeda 2."))
    visit = models.ForeignKey(
        "visits.Visit", verbose_name=_("visit"), on_delete=models.PROTECT, related_name="nodes"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.REGISTERED)
    # Only a hash of the one-time pairing code is kept; the code is shown once.
    pairing_code_hash = models.CharField(max_length=128, blank=True)
    pairing_expires_at = models.DateTimeField(_("pairing code valid until"), null=True)
    paired_at = models.DateTimeField(_("paired at"), null=True, blank=True)
    # The node's secret signs and encrypts every batch; central must read it to check them.
    secret = models.CharField(max_length=64, blank=True)
    package_records = models.PositiveIntegerField(_("records in the package"), default=0)
    last_push_at = models.DateTimeField(_("last successful push"), null=True, blank=True)
    waiting_reported = models.PositiveIntegerField(
        _("records waiting on the node"),
        null=True,
        blank=True,
        help_text=_("As of its last batch."),
    )
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("field node")
        verbose_name_plural = _("field nodes")
        ordering = ["-created_at"]
        constraints = [
            # One visit runs in one place: at most one paired node per visit.
            models.UniqueConstraint(
                fields=["visit"],
                condition=models.Q(status="paired"),
                name="sync_fieldnode_one_per_visit",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SyncBatch(models.Model):
    """A batch central applied. A replayed batch (same uuid) is answered from here."""

    node = models.ForeignKey(
        FieldNode, verbose_name=_("field node"), on_delete=models.PROTECT, related_name="batches"
    )
    uuid = models.UUIDField(_("batch"))
    sequence = models.PositiveIntegerField(_("sequence"))
    via_file = models.BooleanField(_("from a file"), default=False)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    records = models.PositiveIntegerField(_("records"), default=0)
    created = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    conflicts = models.PositiveIntegerField(_("conflicts"), default=0)
    size = models.PositiveIntegerField(_("bytes"), default=0)

    class Meta:
        verbose_name = _("sync batch")
        verbose_name_plural = _("sync batches")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["node", "uuid"], name="sync_syncbatch_once"),
        ]

    def __str__(self) -> str:
        return f"{self.node} #{self.sequence}"

    def result(self) -> dict[str, Any]:
        return {
            "batch": str(self.uuid),
            "records": self.records,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "conflicts": self.conflicts,
        }


class SyncRecord(models.Model):
    """The last version of one record that central and a node agreed on: sent in the
    package (``pulled``) or taken from a push. The base of the three-way merge."""

    node = models.ForeignKey(FieldNode, on_delete=models.CASCADE, related_name="ledger")
    kind = models.CharField(max_length=40)
    uuid = models.UUIDField()
    digest = models.CharField(max_length=64)
    data: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    pulled = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["node", "kind", "uuid"], name="sync_syncrecord_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"


class SyncAlias(models.Model):
    """A record the node made that central already had under another UUID (the same
    resident's NIK, the same registration): later references follow the alias."""

    node = models.ForeignKey(FieldNode, on_delete=models.CASCADE, related_name="aliases")
    kind = models.CharField(max_length=40)
    node_uuid = models.UUIDField()
    central_uuid = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["node", "kind", "node_uuid"], name="sync_syncalias_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.node_uuid} → {self.central_uuid}"


class SyncConflict(TimeStampedModel):
    """Something a push could not apply as it came. Never silent: the admin sees it
    in the conflict list and decides."""

    class Kind(models.TextChoices):
        FIELD = "field", _("Changed on central and on the node")
        SAME_PERSON = "same_person", _("Same NIK as a resident central already has")
        HANDED_OVER = "handed_over", _("Document already handed over on central")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT_CENTRAL = "kept_central", _("Central's value kept")
        TOOK_NODE = "took_node", _("Node's value taken")

    node = models.ForeignKey(
        FieldNode, verbose_name=_("field node"), on_delete=models.PROTECT, related_name="conflicts"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    record_kind = models.CharField(_("record"), max_length=40)
    record_uuid = models.UUIDField()
    record_label = models.CharField(_("record"), max_length=200)
    field = models.CharField(_("field"), max_length=60, blank=True)
    base_value: models.JSONField[Any] = models.JSONField(_("before the visit"), null=True)
    central_value: models.JSONField[Any] = models.JSONField(_("on central"), null=True)
    node_value: models.JSONField[Any] = models.JSONField(_("on the node"), null=True)
    status = models.CharField(_("status"), max_length=14, choices=Status, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sync conflict")
        verbose_name_plural = _("sync conflicts")
        ordering = ["status", "-created_at"]
        constraints = [
            # A replayed push does not report the same conflict twice.
            models.UniqueConstraint(
                fields=["node", "record_kind", "record_uuid", "field", "kind"],
                condition=models.Q(status="open"),
                name="sync_syncconflict_open_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_label}: {self.field}"


class ReservedCode(models.Model):
    """An aspiration tracking code set aside for a node, so codes stay unique across
    central and every node: central's generator skips them."""

    node = models.ForeignKey(FieldNode, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=16, unique=True)

    def __str__(self) -> str:
        return self.code


# --- on the field node -------------------------------------------------------------


class NodeState(models.Model):
    """The node's own identity: exactly one row on a paired field node, none on central."""

    node_uuid = models.UUIDField(unique=True)
    name = models.CharField(max_length=100)
    visit = models.OneToOneField("visits.Visit", on_delete=models.PROTECT, related_name="+")
    central_url = models.CharField(max_length=300, blank=True)
    secret = models.CharField(max_length=64)
    pulled_at = models.DateTimeField()
    sequence = models.PositiveIntegerField(default=0)
    last_push_at = models.DateTimeField(null=True, blank=True)
    last_push_records = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_export_at = models.DateTimeField(null=True, blank=True)
    open_conflicts = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class PushedRecord(models.Model):
    """On a node: the digest of the version central acknowledged (or sent in the
    package). A record whose digest differs is waiting to be pushed."""

    kind = models.CharField(max_length=40)
    uuid = models.UUIDField()
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "uuid"], name="sync_pushedrecord_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"


class NodeCode(models.Model):
    """On a node: a tracking code reserved for it by central; taken once."""

    code = models.CharField(max_length=16, unique=True)
    used = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.code
