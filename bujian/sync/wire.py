"""How each kind of record travels between central and a field node.

A record on the wire is ``{"k": kind, "u": uuid, "d": data}``. ``data`` holds the
row's fields as JSON values; a reference is never a local primary key (those differ
between machines) but what both sides agree on: another synced record's UUID, a
region's, agency's or service's official code, a user's username, the visit's id
(the node's copy keeps central's ids for the reference data it pulled).

The same ``serialize`` builds the package, the node's batches and central's view of
its current rows, so a digest computed on either side means the same content.
``KINDS`` is in dependency order: a batch never holds a record before what it
points to. References that would close a cycle (a ticket transferred from another,
the ticket a resident is being served at) are ``deferred``: set after every record
of the batch exists.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from bujian.sync.crypto import SyncRefused
from bujian.sync.fastsql import canonical_uuid, read_values, select_by_ids, select_by_uuids

# Reference styles: how a foreign key is written on the wire.
UUID = "uuid"  # another synced record, by its UUID: ("uuid", kind)
CODE = "code"  # official reference data by code: ("code", "app.Model")
USER = "user"  # a staff account, by username
PK = "pk"  # the visit, whose id is the same on central and the node
PARTICIPATION = "participation"  # an agency's participation in the node's visit
VERSION = "version"  # a questionnaire, by version


@dataclass(frozen=True)
class Kind:
    name: str
    model_label: str
    refs: dict[str, tuple[str, ...]]
    m2m: dict[str, tuple[str, str]] = field(default_factory=dict)  # field → (style, label)
    deferred: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    visit_field: str = ""  # a direct reference to the visit: must be the node's visit
    file_field: str = ""  # a file that travels inside the record (base64)
    # Written once and never edited, on either side (logs): central's ledger keeps only
    # the digest, not the content (the base of a merge that never happens).
    append_only: bool = False

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    def plain_fields(self) -> list[models.Field[Any, Any]]:
        return _plain_fields(self)


_PLAIN_FIELDS: dict[str, list[models.Field[Any, Any]]] = {}


def _plain_fields(kind: Kind) -> list[models.Field[Any, Any]]:
    found = _PLAIN_FIELDS.get(kind.name)
    if found is None:
        skip = {"id", "uuid", "updated_at", *kind.refs, *kind.exclude}
        found = [
            f
            for f in kind.model._meta.concrete_fields
            if f.name not in skip and f.name != kind.file_field
        ]
        _PLAIN_FIELDS[kind.name] = found
    return found


KINDS: list[Kind] = [
    Kind(
        "booth",
        "visits.Booth",
        refs={"visit": (PK,), "participation": (PARTICIPATION,)},
        visit_field="visit",
    ),
    Kind(
        "checkin",
        "visits.CheckIn",
        refs={
            "participation": (PARTICIPATION,),
            "checked_in_by": (USER,),
            "checked_out_by": (USER,),
        },
    ),
    Kind(
        "resident",
        "residents.Resident",
        refs={"village": (CODE, "regions.Village"), "created_by": (USER,)},
    ),
    Kind(
        "registration",
        "residents.Registration",
        refs={"visit": (PK,), "resident": (UUID, "resident"), "registered_by": (USER,)},
        visit_field="visit",
    ),
    Kind(
        "visit_ticket",
        "queueing.VisitTicket",
        refs={
            "visit": (PK,),
            "resident": (UUID, "resident"),
            "registration": (UUID, "registration"),
            "issued_by": (USER,),
            "busy_with": (UUID, "ticket"),
        },
        deferred=frozenset({"busy_with"}),
        visit_field="visit",
    ),
    Kind(
        "ticket",
        "queueing.Ticket",
        refs={
            "visit_ticket": (UUID, "visit_ticket"),
            "booth": (UUID, "booth"),
            "called_by": (USER,),
            "transferred_from": (UUID, "ticket"),
        },
        m2m={"services": (CODE, "agencies.Service")},
        deferred=frozenset({"transferred_from"}),
    ),
    Kind(
        "service_record",
        "records.ServiceRecord",
        refs={
            "ticket": (UUID, "ticket"),
            "service": (CODE, "agencies.Service"),
            "referred_to": (UUID, "booth"),
            "recorded_by": (USER,),
        },
    ),
    Kind(
        "document",
        "records.Document",
        refs={
            "resident": (UUID, "resident"),
            "agency": (CODE, "agencies.Agency"),
            "service_record": (UUID, "service_record"),
        },
    ),
    Kind(
        "handover",
        "records.DocumentHandover",
        refs={"document": (UUID, "document"), "visit": (PK,), "handed_over_by": (USER,)},
        visit_field="visit",
    ),
    Kind(
        "aspiration",
        "aspirations.Aspiration",
        refs={
            "regency": (CODE, "regions.Regency"),
            "visit": (PK,),
            "village": (CODE, "regions.Village"),
            "lead_agency": (CODE, "agencies.Agency"),
            "disposed_by": (USER,),
            "merged_into": (UUID, "aspiration"),
            "created_by": (USER,),
        },
        m2m={"supporting_agencies": (CODE, "agencies.Agency")},
        deferred=frozenset({"merged_into"}),
    ),
    Kind(
        "attachment",
        "aspirations.Attachment",
        refs={"aspiration": (UUID, "aspiration"), "uploaded_by": (USER,)},
        file_field="file",
    ),
    Kind(
        "event",
        "aspirations.Event",
        refs={
            "aspiration": (UUID, "aspiration"),
            "actor": (USER,),
            "agency": (CODE, "agencies.Agency"),
        },
        append_only=True,
    ),
    Kind(
        "survey_response",
        "surveys.SurveyResponse",
        refs={
            "questionnaire": (VERSION, "surveys.Questionnaire"),
            "ticket": (UUID, "ticket"),
            "regency": (CODE, "regions.Regency"),
            "visit": (PK,),
            "agency": (CODE, "agencies.Agency"),
            "service": (CODE, "agencies.Service"),
            "entered_by": (USER,),
        },
        visit_field="visit",
        append_only=True,
    ),
    Kind("audit", "core.AuditEntry", refs={"actor": (USER,)}, append_only=True),
]
BY_NAME = {kind.name: kind for kind in KINDS}
ORDER = {kind.name: position for position, kind in enumerate(KINDS)}
# Audit entries name their target by type and id; ids differ between machines, so a
# target that is a synced record travels by UUID.
KIND_OF_LABEL = {kind.model_label.lower(): kind.name for kind in KINDS}


def _ref_lookup(name: str, style: tuple[str, ...]) -> str:
    return {
        UUID: f"{name}__uuid",
        CODE: f"{name}__code",
        USER: f"{name}__username",
        PK: f"{name}_id",
        PARTICIPATION: f"{name}__agency__code",
        VERSION: f"{name}__version",
    }[style[0]]


def serialize(kind: Kind, queryset: QuerySet[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(uuid, data) of every row of the queryset, in the wire form. Reads with
    ``values()`` and one query per many-to-many field, so 20,000 rows stay cheap."""
    plain_names = [f.attname for f in kind.plain_fields()]
    lookups = {name: _ref_lookup(name, style) for name, style in kind.refs.items()}
    columns = ["pk", "uuid", *plain_names, *lookups.values()]
    if kind.file_field:
        columns.append(kind.file_field)
    rows = read_values(queryset.order_by("pk"), columns)
    m2m_values: dict[str, dict[int, list[str]]] = {}
    for name in kind.m2m:
        through = kind.model._meta.get_field(name).remote_field.through  # type: ignore[union-attr]
        owner = f"{kind.model._meta.model_name}_id"
        target = next(
            f.name
            for f in through._meta.concrete_fields
            if f.is_relation and f.name != owner.removesuffix("_id")
        )
        values: dict[int, list[str]] = {}
        pks = [row["pk"] for row in rows]
        for start in range(0, len(pks), 5000):
            chunk = pks[start : start + 5000]
            for owner_pk, code in through.objects.filter(**{f"{owner}__in": chunk}).values_list(
                owner, f"{target}__code"
            ):
                values.setdefault(owner_pk, []).append(code)
        m2m_values[name] = values
    audit_targets = _audit_target_uuids(rows) if kind.name == "audit" else {}
    services: dict[int, list[list[Any]]] = {}
    if kind.name == "registration":
        services = _registration_services([row["pk"] for row in rows])
    for row in rows:
        data: dict[str, Any] = {name: row[name] for name in plain_names}
        for name, lookup in lookups.items():
            data[name] = row[lookup]
        for name, values in m2m_values.items():
            data[name] = sorted(values.get(row["pk"], []))
        if kind.file_field:
            data[kind.file_field] = row[kind.file_field] or ""
        if kind.name == "registration":
            data["services"] = services.get(row["pk"], [])
        if kind.name == "audit":
            target = audit_targets.get((row["target_type"], row["target_id"]))
            if target is not None:
                data["target_id"] = ""
                data["target_uuid"] = target
        yield row["uuid"], data


def _registration_services(pks: list[int]) -> dict[int, list[list[Any]]]:
    """A registration's services travel inside it, with the requirements the resident
    has: ``[[service code, [requirement ids]], ...]``, sorted so digests are stable."""
    through = apps.get_model("residents.RegistrationService")
    present_model = through.documents_present.through
    rows: list[tuple[int, int, str]] = []
    present: dict[int, list[int]] = {}
    for start in range(0, len(pks), 5000):
        chunk = pks[start : start + 5000]
        rows.extend(
            through.objects.filter(registration_id__in=chunk).values_list(
                "pk", "registration_id", "service__code"
            )
        )
    service_rows = [row[0] for row in rows]
    for start in range(0, len(service_rows), 5000):
        for owner, requirement in present_model.objects.filter(
            registrationservice_id__in=service_rows[start : start + 5000]
        ).values_list("registrationservice_id", "requirement_id"):
            present.setdefault(owner, []).append(requirement)
    result: dict[int, list[list[Any]]] = {}
    for pk, registration, code in rows:
        result.setdefault(registration, []).append([code, sorted(present.get(pk, []))])
    for value in result.values():
        value.sort()
    return result


def _audit_target_uuids(rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    wanted: dict[str, set[int]] = {}
    for row in rows:
        kind_name = KIND_OF_LABEL.get(row["target_type"])
        if kind_name and str(row["target_id"]).isdigit():
            wanted.setdefault(row["target_type"], set()).add(int(row["target_id"]))
    found: dict[tuple[str, str], str] = {}
    for label, pks in wanted.items():
        model = BY_NAME[KIND_OF_LABEL[label]].model
        for pk, uuid in select_by_ids(model, sorted(pks), ["uuid"]):
            found[(label, str(pk))] = canonical_uuid(uuid)
    return found


def file_content(kind: Kind, data: dict[str, Any]) -> str:
    """The base64 content of a record's file, read from storage (for the wire)."""
    name = data.get(kind.file_field) or ""
    if not name:
        return ""
    file_field = kind.model._meta.get_field(kind.file_field)
    assert isinstance(file_field, models.FileField)
    storage = file_field.storage
    with storage.open(name, "rb") as handle:
        return base64.b64encode(handle.read()).decode("ascii")


@dataclass
class Resolver:
    """Turns wire references into local primary keys, loading each kind of target
    once per batch. ``aliases`` maps a node's UUID to the one central keeps."""

    visit_id: int
    aliases: dict[tuple[str, str], str] = field(default_factory=dict)
    uuids: dict[tuple[str, str], int] = field(default_factory=dict)
    codes: dict[tuple[str, str], int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    participations: dict[str, int] | None = None

    def central_uuid(self, kind: str, value: str) -> str:
        return self.aliases.get((kind, value), value)

    def load(self, records: Iterable[tuple[Kind, dict[str, Any]]]) -> None:
        """Fetch every target the given records point to that is not loaded yet."""
        want_uuid: dict[str, set[str]] = {}
        values: list[Any]
        want_code: dict[str, set[str]] = {}
        want_user: set[str] = set()
        for kind, data in records:
            for name, style in (*kind.refs.items(), *kind.m2m.items()):
                raw = data.get(name)
                values = raw if isinstance(raw, list) else [raw]
                for value in values:
                    if value is None or value == "":
                        continue
                    if style[0] == UUID:
                        key = self.central_uuid(style[1], str(value))
                        if (style[1], key) not in self.uuids:
                            want_uuid.setdefault(style[1], set()).add(key)
                    elif style[0] in {CODE, VERSION}:
                        if (style[1], str(value)) not in self.codes:
                            want_code.setdefault(style[1], set()).add(str(value))
                    elif style[0] == USER and value not in self.users:
                        want_user.add(str(value))
        for kind_name, uuids in want_uuid.items():
            for uuid, pk in select_by_uuids(BY_NAME[kind_name].model, uuids, ["id"]):
                self.uuids[(kind_name, uuid)] = pk
        for label, codes in want_code.items():
            model = apps.get_model(label)
            key = "version" if label == "surveys.Questionnaire" else "code"
            for chunk in _chunks(sorted(codes)):
                for pk, code in model._default_manager.filter(**{f"{key}__in": chunk}).values_list(
                    "pk", key
                ):
                    self.codes[(label, str(code))] = pk
        if want_user:
            user_model = apps.get_model("accounts.User")
            for pk, username in user_model._default_manager.filter(
                username__in=want_user
            ).values_list("pk", "username"):
                self.users[username] = pk
        if self.participations is None:
            participation = apps.get_model("visits.Participation")
            self.participations = dict(
                participation._default_manager.filter(visit_id=self.visit_id).values_list(
                    "agency__code", "pk"
                )
            )

    def add(self, kind: str, uuid: str, pk: int) -> None:
        self.uuids[(kind, uuid)] = pk

    def pk_of(self, kind: str, uuid: str) -> int | None:
        return self.uuids.get((kind, self.central_uuid(kind, uuid)))

    def resolve(self, kind: Kind, uuid: str, name: str, value: Any) -> int | None:
        """The local id a reference names; None for an empty one or an unknown user
        (an account that does not exist here is not a reason to lose the record)."""
        if value is None or value == "":
            return None
        style = kind.refs[name]
        found: int | None
        if style[0] == PK:
            found = int(value)
        elif style[0] == UUID:
            found = self.pk_of(style[1], str(value))
        elif style[0] in {CODE, VERSION}:
            found = self.codes.get((style[1], str(value)))
        elif style[0] == USER:
            return self.users.get(str(value))
        else:
            assert self.participations is not None
            found = self.participations.get(str(value))
        if found is None:
            raise missing_reference(kind.name, uuid, name, value)
        return found


def missing_reference(kind: str, uuid: str, name: str, value: Any) -> SyncRefused:
    return SyncRefused(
        "sync.missing_reference",
        _(
            "Record %(kind)s %(uuid)s points to %(field)s %(value)s, which is not here "
            "(yet). Push the earlier batches first; nothing of this batch was saved."
        )
        % {"kind": kind, "uuid": uuid, "field": name, "value": value},
    )


def attributes(
    kind: Kind, uuid: str, data: dict[str, Any], resolver: Resolver, *, raw: bool = False
) -> dict[str, Any]:
    """Model attributes (``field`` or ``field_id``) for the plain fields and the
    non-deferred references of one wire record. ``raw``: plain fields keep their wire
    value (for ``fastsql.Columns``, which converts and checks them itself)."""
    values: dict[str, Any] = {}
    for model_field in kind.plain_fields():
        if model_field.attname in data:
            value = data[model_field.attname]
            values[model_field.attname] = value if raw else model_field.to_python(value)
    for name in kind.refs:
        if name in kind.deferred or name not in data:
            continue
        values[f"{name}_id"] = resolver.resolve(kind, uuid, name, data[name])
    return values


def m2m_ids(kind: Kind, name: str, data: dict[str, Any], resolver: Resolver) -> list[int]:
    label = kind.m2m[name][1]
    ids = []
    for code in data.get(name) or []:
        pk = resolver.codes.get((label, str(code)))
        if pk is None:
            raise missing_reference(kind.name, "", name, code)
        ids.append(pk)
    return ids


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def in_uuids(values: Iterable[str]) -> Q:
    return Q(uuid__in=list(values))
