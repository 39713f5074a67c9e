"""Object-level access, generated from the URL configuration and the API schema.

Every URL pattern (walked from ``get_resolver()``) and every operation of the OpenAPI
schema at /api/v1/ is called as every role of ``bujian.accounts.roles`` and as an
anonymous visitor, on objects inside and outside the role's scope:

- ``own``: regency R, village V1, agency A1 (the agency and village of the operators);
- ``neighbour``: the same regency and village, another agency A2 (another agency's
  booth, ticket or document at the operator's own visit);
- ``sibling``: the same regency, another village V2 and agency A2;
- ``foreign``: another regency with its own village and agency.

The outcome must be what ``roles.PAGES`` / ``roles.API`` allow: 2xx/3xx (and, for a
POST with an empty body, 400/409/422) when allowed; a redirect to the login, 401,
403 or 404 when denied, and a denied POST changes nothing. A URL or an operation the
table does not list fails ``test_every_url_is_in_the_table``.

The objects are made once for the module inside a transaction rolled back at its
end; each test runs in a savepoint of it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max, Model
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pytest_django import DjangoDbBlocker

from bujian.accounts import roles
from bujian.accounts.models import User
from bujian.accounts.roles import Role, Rule, Staff, Target
from bujian.accounts.tests.factories import UserFactory
from bujian.agencies.models import Agency, Service
from bujian.agencies.tests.factories import AgencyFactory, ServiceFactory
from bujian.aspirations import actions as aspiration_actions
from bujian.aspirations.models import Aspiration, Attachment, Category
from bujian.calendars.models import DayOff
from bujian.core.models import AuditEntry
from bujian.planner.models import Plan, PlanSlot
from bujian.queueing import actions as queue_actions
from bujian.queueing.models import Ticket, VisitTicket
from bujian.records import actions_documents
from bujian.records.models import Document
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import (
    DistrictFactory,
    ProvinceFactory,
    RegencyFactory,
    VillageFactory,
)
from bujian.residents.models import Registration, Resident
from bujian.sync.models import FieldNode, SyncConflict
from bujian.visits import actions as visit_actions
from bujian.visits.models import Booth, Excuse, Participation, Visit

VARIANTS = ("own", "neighbour", "sibling", "foreign")
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


# --- the objects ---------------------------------------------------------------------


@dataclass
class Side:
    """The objects of one variant, all in the same regency, village and agency."""

    target: Target
    visit: Visit | None = None
    participation: Participation | None = None
    excuse: Excuse | None = None
    booth: Booth | None = None
    ticket: Ticket | None = None
    visit_ticket: VisitTicket | None = None
    resident: Resident | None = None
    registration: Registration | None = None
    document: Document | None = None
    aspiration: Aspiration | None = None
    attachment: Attachment | None = None
    photo: Attachment | None = None
    agency: Agency | None = None
    service: Service | None = None
    village: Village | None = None
    plan: Plan | None = None
    slot: PlanSlot | None = None
    day_off: DayOff | None = None
    field_node: FieldNode | None = None
    conflict: SyncConflict | None = None
    owner: User | None = None  # who started the import or export of this variant


@dataclass
class World:
    regency: Regency
    users: dict[Role, User]
    staff: dict[Role, Staff]
    sides: dict[str, Side] = field(default_factory=dict)
    sessions: dict[Role, str] = field(default_factory=dict)


def _visit(regency: Regency, village: Village, agencies: list[Agency], admin: User) -> Visit:
    today = visit_actions.local_today(regency)
    visit = visit_actions.plan_visit(
        regency=regency, village=village, start_date=today, end_date=today, created_by=admin
    )
    for agency in agencies:
        visit_actions.invite_agency(visit=visit, agency=agency, actor=admin)
    visit_actions.announce_visit(visit=visit, actor=admin)
    for agency in agencies:
        visit_actions.check_in(visit=visit, agency=agency, actor=admin)
        queue_actions.open_booth(participation=visit.participations.get(agency=agency), actor=admin)
    return visit


def _resident(nik: str, name: str, village: Village) -> Resident:
    return Resident.objects.create(
        national_id=nik,
        full_name=name,
        sex=Resident.Sex.FEMALE,
        birth_date=dt.date(1990, 6, 5),
        village=village,
    )


def _ticket(visit: Visit, resident: Resident, services: list[Service], admin: User) -> VisitTicket:
    registration = Registration.objects.create(
        visit=visit, resident=resident, source=Registration.Source.WALK_IN, registered_by=admin
    )
    return queue_actions.issue_visit_ticket(
        visit=visit,
        resident=resident,
        services=services,
        issued_by=admin,
        registration=registration,
    )


def _aspiration(
    regency: Regency, village: Village, visit: Visit, agency: Agency, admin: User
) -> tuple[Aspiration, Attachment, Attachment]:
    aspiration = aspiration_actions.submit_aspiration(
        regency=regency,
        channel=Aspiration.Channel.ASSISTED,
        category=Category.INFRASTRUCTURE,
        title="Jembatan gantung putus",
        text="Sejak banjir bulan lalu anak sekolah menyeberang sungai.",
        visit=visit,
        village=village,
        reporter_name="Rahmat",
        actor=admin,
    )
    Aspiration.objects.filter(pk=aspiration.pk).update(
        lead_agency=agency, status=Aspiration.Status.ASSIGNED
    )
    aspiration.refresh_from_db()
    files = []
    for is_public in (False, True):
        item = Attachment(
            aspiration=aspiration,
            kind=Attachment.Kind.PHOTO,
            content_type="image/jpeg",
            size=len(JPEG),
            is_public=is_public,
            uploaded_by=admin,
        )
        item.file.save(f"{uuid.uuid4().hex}.jpg", ContentFile(JPEG), save=False)
        item.save()
        files.append(item)
    return aspiration, files[0], files[1]


def _plan(regency: Regency, village: Village, admin: User) -> tuple[Plan, PlanSlot]:
    today = visit_actions.local_today(regency)
    plan = Plan.objects.create(
        regency=regency,
        status=Plan.Status.DONE,
        period_start=today + dt.timedelta(days=40),
        period_end=today + dt.timedelta(days=130),
        created_by=admin,
    )
    day = today + dt.timedelta(days=45)
    slot = PlanSlot.objects.create(plan=plan, start_date=day, end_date=day, village=village)
    return plan, slot


def build_world() -> World:
    province = ProvinceFactory.create()
    home = RegencyFactory.create()  # 17.01, the installation's home regency
    other = RegencyFactory.create(
        code="18.02",
        name="Kabupaten Lampung Tengah",
        province=ProvinceFactory.create(code="18", name="Lampung"),
        program_name="Bunga Kampung",
    )
    assert province.code == "17"
    v1 = VillageFactory.create(
        district=DistrictFactory.create(regency=home, code="17.01.05"), code="17.01.05.2001"
    )
    v2 = VillageFactory.create(district=v1.district, code="17.01.05.2002")
    v3 = VillageFactory.create(
        district=DistrictFactory.create(regency=other, code="18.02.01"), code="18.02.01.2001"
    )
    a1, a2, a3 = (
        AgencyFactory.create(code=code, kind=Agency.Kind.VERTICAL, regencies=[regency])
        for code, regency in (("agensi-satu", home), ("agensi-dua", home), ("agensi-tiga", other))
    )
    s1, s2, s3 = (
        ServiceFactory.create(agency=agency, code=f"SVC-{agency.code}") for agency in (a1, a2, a3)
    )
    admin = UserFactory.create(
        username="super", role="", regency=None, is_superuser=True, is_staff=True
    )
    users = {
        Role.SUPERUSER: admin,
        Role.PROGRAM_ADMIN: UserFactory.create(
            username="budi", role=User.Role.PROGRAM_ADMIN, regency=home
        ),
        Role.LEADERSHIP: UserFactory.create(
            username="bupati", role=User.Role.LEADERSHIP, regency=home
        ),
        Role.AGENCY_OPERATOR: UserFactory.create(
            username="siti", role=User.Role.AGENCY_OPERATOR, regency=home, agencies=[a1]
        ),
        Role.VILLAGE_OPERATOR: UserFactory.create(
            username="kades", role=User.Role.VILLAGE_OPERATOR, regency=home, village=v1
        ),
    }
    staff = {
        Role.ANONYMOUS: Staff(),
        Role.SUPERUSER: Staff(regency=home.pk),  # works in the home regency
        Role.PROGRAM_ADMIN: Staff(regency=home.pk),
        Role.LEADERSHIP: Staff(regency=home.pk),
        Role.AGENCY_OPERATOR: Staff(regency=home.pk, agencies=frozenset({a1.pk})),
        Role.VILLAGE_OPERATOR: Staff(regency=home.pk, village=v1.pk),
    }
    other_admin = UserFactory.create(
        username="bappeda-lteng", role=User.Role.PROGRAM_ADMIN, regency=other
    )
    andi = UserFactory.create(
        username="andi", role=User.Role.AGENCY_OPERATOR, regency=home, agencies=[a2]
    )

    vis1 = _visit(home, v1, [a1, a2], admin)  # own: A1 and A2 at village V1
    # neighbour: a second visit at V1 the same day, without A1 (the screens refuse two
    # visits to one village on one day, so it is made elsewhere and moved)
    spare = VillageFactory.create(district=v1.district, code="17.01.05.2009")
    vis4 = _visit(home, spare, [a2], admin)
    Visit.objects.filter(pk=vis4.pk).update(village=v1)
    vis4.refresh_from_db()
    vis2 = _visit(home, v2, [a2], admin)  # sibling
    vis3 = _visit(other, v3, [a3], admin)  # foreign

    r1 = _resident("1701054506900001", "Rahmawati", v1)
    r4 = _resident("1701054506900004", "Sri Wahyuni", v1)
    r2 = _resident("1701054506900002", "Yuliani", v2)
    r3 = _resident("1802014506900003", "Wati", v3)
    vt1 = _ticket(vis1, r1, [s1, s2], admin)
    vt4 = _ticket(vis4, r4, [s2], admin)
    vt2 = _ticket(vis2, r2, [s2], admin)
    vt3 = _ticket(vis3, r3, [s3], admin)

    def booth(visit: Visit, agency: Agency) -> Booth:
        return Booth.objects.get(visit=visit, participation__agency=agency)

    def ticket(vt: VisitTicket, agency: Agency) -> Ticket:
        return Ticket.objects.get(visit_ticket=vt, booth__participation__agency=agency)

    def participation(visit: Visit, agency: Agency) -> Participation:
        return Participation.objects.get(visit=visit, agency=agency)

    def document(agency: Agency, resident: Resident) -> Document:
        return actions_documents.register_document(
            kind=Document.Kind.SIM,
            number="B-470-001",
            resident=resident,
            agency=agency,
            actor=admin,
        )

    def excuse(p: Participation) -> Excuse:
        return Excuse.objects.create(
            participation=p, reason="Petugas sedang diklat di provinsi.", requested_by=admin
        )

    sides: dict[str, Side] = {}
    for name, (regency, village, agency, service, visit, vt, resident, owner) in {
        "own": (home, v1, a1, s1, vis1, vt1, r1, None),
        "neighbour": (home, v1, a2, s2, vis4, vt4, r4, andi),
        "sibling": (home, v2, a2, s2, vis2, vt2, r2, andi),
        "foreign": (other, v3, a3, s3, vis3, vt3, r3, other_admin),
    }.items():
        # The neighbour's booth, ticket, participation and document are A2's at the own
        # visit VIS1; its visit is VIS4 (village V1 without A1).
        at_visit = vis1 if name == "neighbour" else visit
        aspiration, attachment, photo = _aspiration(regency, village, visit, agency, admin)
        plan, slot = _plan(regency, village, admin)
        field_node = FieldNode.objects.create(visit=visit, name=f"Laptop {name}", secret="ab" * 32)
        sides[name] = Side(
            target=Target(regency=regency.pk, village=village.pk, agencies=frozenset({agency.pk})),
            visit=visit,
            participation=participation(at_visit, agency),
            excuse=excuse(participation(at_visit, agency)),
            booth=booth(at_visit, agency),
            ticket=ticket(vt1 if name == "neighbour" else vt, agency),
            visit_ticket=vt,
            resident=resident,
            registration=vt.registration,
            document=document(agency, r1 if name == "neighbour" else resident),
            aspiration=aspiration,
            attachment=attachment,
            photo=photo,
            agency=agency,
            service=service,
            village=village,
            plan=plan,
            slot=slot,
            day_off=DayOff.objects.create(
                regency=regency,
                date=dt.date(2030, 1, 2) + dt.timedelta(days=len(sides)),
                kind=DayOff.Kind.REGENCY_EVENT,
                name="Hari ulang tahun kabupaten",
                created_by=admin,
            ),
            field_node=field_node,
            conflict=SyncConflict.objects.create(
                node=field_node,
                kind=SyncConflict.Kind.FIELD,
                record_kind="resident",
                record_uuid=resident.uuid,
                record_label=f"resident: {resident.full_name}",
                field="hamlet",
                base_value="",
                central_value="Dusun I",
                node_value="Dusun II",
            ),
            owner=owner,
        )
    from bujian.evaluation.models import ReportLetterhead

    ReportLetterhead.objects.create(regency=home, logo=JPEG, logo_content_type="image/jpeg")
    sessions = {}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return World(regency=home, users=users, staff=staff, sides=sides, sessions=sessions)


@pytest.fixture(scope="module")
def world(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    quiet = override_settings(
        PASSWORD_HASHERS=FAST_HASHER,
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        BUJIAN_BOARD_DIR=tmp_path_factory.mktemp("board"),
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": uuid.uuid4().hex,
            }
        },
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
    )
    with django_db_blocker.unblock(), quiet, transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _tasks_stay_queued(settings: Any) -> None:
    """Background work (the planner's solver, imports, exports) is not run: access is
    decided before it is queued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


# --- the endpoints -------------------------------------------------------------------

API_PREFIX = "/api/v1"
SKIPPED_NAMESPACES = {"api-v1"}  # every API URL is checked through the schema instead


@dataclass(frozen=True)
class Endpoint:
    key: str  # the table's key: a URL name, or "METHOD /api/v1/path"
    path: str  # URL name for a page, path template for the API
    params: tuple[str, ...]
    api: bool = False


def _walk(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, str, str]]:
    """(namespace, name, route) of every URL pattern, included apps too."""
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            inner = namespace
            if item.namespace:
                inner = f"{namespace}:{item.namespace}" if namespace else item.namespace
            for ns, name, route in _walk(item, inner):
                yield ns, name, str(item.pattern) + route
        elif isinstance(item, URLPattern):
            yield namespace, item.name or "", str(item.pattern)


def url_patterns() -> list[tuple[str, str, str]]:
    return list(_walk(get_resolver()))


def page_key(namespace: str, name: str, route: str) -> str:
    if not name:
        return f"<unnamed> {route}"
    return f"{namespace}:{name}" if namespace else name


def pages() -> list[Endpoint]:
    found: dict[str, Endpoint] = {}
    for namespace, name, route in url_patterns():
        if namespace.split(":")[0] in SKIPPED_NAMESPACES | set(roles.NAMESPACES):
            continue
        key = page_key(namespace, name, route)
        params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
        found.setdefault(key, Endpoint(key=key, path=key, params=params))
    return list(found.values())


def api_schema() -> dict[str, Any]:
    from bujian.api import api

    return api.get_openapi_schema()


def api_operations() -> list[Endpoint]:
    found = []
    for path, operations in api_schema()["paths"].items():
        for method, operation in operations.items():
            params = tuple(p["name"] for p in operation.get("parameters", []) if p["in"] == "path")
            found.append(
                Endpoint(key=f"{method.upper()} {path}", path=path, params=params, api=True)
            )
    return found


def admin_urls() -> list[str]:
    """The admin's index and lists (some add forms are refused even to superusers)."""
    return [
        reverse(page_key(namespace, name, route))
        for namespace, name, route in url_patterns()
        if namespace == "admin" and (name == "index" or name.endswith("_changelist"))
    ]


# --- the arguments of each endpoint for each variant -------------------------------


def _pk(attr: str) -> Callable[[Side], Any]:
    def get(side: Side) -> Any:
        obj = getattr(side, attr)
        return None if obj is None else obj.pk

    return get


def _get(path: str) -> Callable[[Side], Any]:
    """An attribute path of the variant's objects, e.g. ``agency.code``."""

    def get(side: Side) -> Any:
        value: Any = side
        for name in path.split("."):
            value = getattr(value, name)
        return value

    return get


PARAM_DEFAULTS: dict[str, Callable[[Side], Any]] = {
    "visit_id": _pk("visit"),
    "visit_pk": _pk("visit"),
    "booth_id": _pk("booth"),
    "ticket_id": _pk("ticket"),
    "ticket_uuid": lambda s: s.visit_ticket and s.visit_ticket.uuid,
    "uuid": lambda s: s.visit_ticket and s.visit_ticket.uuid,
    "resident_uuid": lambda s: s.resident and s.resident.uuid,
    "resident_pk": _pk("resident"),
    "resident_id": _pk("resident"),
    "registration_id": _pk("registration"),
    "document_id": _pk("document"),
    "aspiration_id": _pk("aspiration"),
    "agency_id": _pk("agency"),
    "agency_code": lambda s: s.agency and s.agency.code,
    "village_id": _pk("village"),
    "village_pk": _pk("village"),
    "attachment_id": _pk("photo"),
    "plan_id": _pk("plan"),
    "node_uuid": lambda s: s.field_node and s.field_node.uuid,
}

# Arguments that depend on the URL (a ``pk`` is a visit here and a document there).
PARAM_OVERRIDES: dict[str, dict[str, Callable[[Side], Any]]] = {
    "agencies:agency_edit": {"code": _get("agency.code")},
    "sync:resolve": {"pk": _pk("conflict")},
    "agencies:service_edit": {"code": _get("service.code")},
    "agencies:service_detail": {"code": _get("service.code")},
    "visits:public_detail": {"pk": _pk("visit")},
    "visits:staff_detail": {"pk": _pk("visit")},
    "visits:staff_edit": {"pk": _pk("visit")},
    "visits:staff_transition": {"pk": _pk("visit"), "step": lambda s: "finish"},
    "visits:staff_invite": {"pk": _pk("visit")},
    "visits:staff_checkin": {"pk": _pk("visit")},
    "visits:attendance_sheet": {"pk": _pk("visit")},
    "visits:participation": {"pk": _pk("participation")},
    "visits:staff_uninvite": {"pk": _pk("participation")},
    "visits:request_excuse": {"pk": _pk("participation")},
    "visits:decide_excuse": {"pk": _pk("excuse")},
    "residents:detail": {"pk": _pk("resident")},
    "residents:edit": {"pk": _pk("resident")},
    "residents:reveal_nik": {"pk": _pk("resident")},
    "residents:personal_data": {"pk": _pk("resident")},
    "residents:unregister": {"pk": _pk("registration")},
    "queueing:desk_ticket_cancel": {
        "ticket_id": lambda s: s.visit_ticket.tickets.first().pk  # type: ignore[union-attr]
    },
    "queueing:booth_edit": {"visit_id": _get("booth.visit_id")},
    "queueing:booth_action": {"step": lambda s: "panggil"},
    "queueing:board_voice": {"visit_id": _get("ticket.booth.visit_id")},
    "records:detail": {"pk": _pk("document")},
    "records:mark_ready": {"pk": _pk("document")},
    "records:handover": {"pk": _pk("document")},
    "records:visit_handover": {"pk": _pk("document"), "visit_pk": _pk("visit")},
    "calendars:remove": {"pk": _pk("day_off")},
    "aspirations:sent": {"code": _get("aspiration.code")},
    "aspirations:track": {"code": _get("aspiration.code")},
    "aspirations:reopen": {"code": _get("aspiration.code")},
    "aspirations:attachment": {"pk": _pk("attachment")},
    "aspirations:staff_detail": {"pk": _pk("aspiration")},
    "aspirations:staff_step": {"pk": _pk("aspiration"), "step": lambda s: "proses"},
    "surveys:public_form": {
        "ticket_id": lambda s: s.visit_ticket.tickets.first().pk  # type: ignore[union-attr]
    },
    "surveys:kiosk": {"token": lambda s: _kiosk(s)},
    "surveys:kiosk_form": {
        "token": lambda s: _kiosk(s),
        "ticket_id": lambda s: s.visit_ticket.tickets.first().pk,  # type: ignore[union-attr]
    },
    "surveys:kiosk_thanks": {"token": lambda s: _kiosk(s)},
    "evaluation:visit": {"pk": _pk("visit")},
    "evaluation:visit_pdf": {"pk": _pk("visit")},
    "evaluation:visit_xlsx": {"pk": _pk("visit")},
    "evaluation:visit_photo": {"pk": _pk("visit")},
    "planner:detail": {"pk": _pk("plan")},
    "planner:districts": {"pk": _pk("plan")},
    "planner:coverage": {"pk": _pk("plan")},
    "planner:status": {"pk": _pk("plan")},
    "planner:accept": {"pk": _pk("plan")},
    "planner:replan": {"pk": _pk("plan")},
    "planner:xlsx": {"pk": _pk("plan")},
    "planner:ics": {"pk": _pk("plan")},
    "planner:slot_lock": {"pk": _pk("slot")},
    "planner:village_edit": {"pk": _pk("village")},
    "GET /api/v1/regions/regencies/{code}": {"code": lambda s: _regency_code(s)},
    "GET /api/v1/agencies/{code}": {"code": _get("agency.code")},
    "GET /api/v1/services/{code}": {"code": _get("service.code")},
    "GET /api/v1/aspirations/track/{code}": {"code": _get("aspiration.code")},
    "POST /api/v1/queue/tickets/{ticket_id}/{step}": {"step": lambda s: "hold"},
    "POST /api/v1/surveys/public/{ticket_uuid}/{ticket_id}": {
        "ticket_id": lambda s: s.visit_ticket.tickets.first().pk  # type: ignore[union-attr]
    },
}

# Job tokens (Excel import, report export) are made in each test for the user who asks.
TOKEN_URLS = {
    "residents:import_status": "import",
    "residents:import_confirm": "import",
    "residents:import_cancel": "import",
    "evaluation:export_status": "export",
    "evaluation:export_download": "export",
}


def _kiosk(side: Side) -> str:
    from bujian.surveys.views import kiosk_token

    assert side.visit is not None
    return kiosk_token(side.visit)


def _regency_code(side: Side) -> str:
    assert side.visit is not None
    return side.visit.regency.code


def _job_token(kind: str, side: Side, owner: User, tmp: Path) -> str:
    token = uuid.uuid4().hex
    if kind == "import":
        from bujian.residents import imports

        assert side.visit is not None
        imports.save_state(
            token,
            user_id=owner.pk,
            visit_id=side.visit.pk,
            status=imports.Status.CHECKED,
            done=1,
            total=1,
            good_rows=0,
        )
    else:
        from bujian.evaluation import exports

        directory = exports.export_dir()
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{token}.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
        exports.save_state(
            token,
            user_id=owner.pk,
            status=exports.Status.DONE,
            done=1,
            total=1,
            format="pdf",
            file=f"{token}.pdf",
            filename="laporan.pdf",
        )
    return token


# URL arguments that name no object: the endpoint is called once, not per variant.
FIXED_PARAMS: dict[str, Any] = {"file_format": "csv"}


def has_object(endpoint: Endpoint) -> bool:
    return bool(set(endpoint.params) - set(FIXED_PARAMS))


def arguments(endpoint: Endpoint, side: Side) -> dict[str, Any] | None:
    """The URL arguments for ``side``, or None when the variant has no such object."""
    overrides = PARAM_OVERRIDES.get(endpoint.key, {})
    values: dict[str, Any] = {}
    for name in endpoint.params:
        if name == "token" and endpoint.key in TOKEN_URLS:
            continue
        if name in FIXED_PARAMS:
            values[name] = FIXED_PARAMS[name]
            continue
        get = overrides.get(name) or PARAM_DEFAULTS.get(name)
        if get is None:
            raise AssertionError(
                f"{endpoint.key}: the access test does not know how to fill <{name}>; "
                "add it to PARAM_OVERRIDES in test_access_matrix.py"
            )
        try:
            value = get(side)
        except AttributeError:
            value = None
        if value is None:
            return None
        values[name] = value
    return values


# --- calling and judging ----------------------------------------------------------------

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
FINGERPRINT_MODELS: list[type[Model]] = [
    AuditEntry,
    Visit,
    Participation,
    Excuse,
    Booth,
    Ticket,
    VisitTicket,
    Resident,
    Registration,
    Document,
    Aspiration,
    Attachment,
    Plan,
    PlanSlot,
    DayOff,
    Agency,
    Service,
    User,
]


def fingerprint() -> list[tuple[Any, ...]]:
    """Enough of the database to see that a refused request changed nothing."""
    rows = []
    for model in FINGERPRINT_MODELS:
        fields = {f.name for f in model._meta.get_fields()}
        aggregates = {"n": Max("pk")}
        if "updated_at" in fields:
            aggregates["u"] = Max("updated_at")
        rows.append(
            (
                model.__name__,
                model._default_manager.count(),
                *model._default_manager.aggregate(**aggregates).values(),
            )
        )
    return rows


LOGIN_PAGES = ("/akun/masuk/", "/akun/dua-langkah/", "/admin/login/")


def outcome(response: Any, method: str) -> str:
    """allowed, denied, or what else came back."""
    status = response.status_code
    if status in {401, 403, 404}:
        return "denied"
    if status in {301, 302, 303, 307}:
        location = response.get("Location", "")
        if location.startswith(LOGIN_PAGES):
            return "denied"
        return "allowed"
    if 200 <= status < 300:
        return "allowed"
    if method in WRITES and status in {400, 409, 422}:
        return "allowed"
    return f"status {status}"


def call(
    client: Client,
    endpoint: Endpoint,
    rule: Rule,
    args: dict[str, Any],
    side: Side,
    token: str = "",
) -> Any:
    if endpoint.api:
        operation = api_schema()["paths"][endpoint.path][rule.method.lower()]
        path = endpoint.path.format(**args)
        query = {
            p["name"]: sample_value(p["name"], p.get("schema", {}), side)
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
        if query:
            path += "?" + urlencode(query, doseq=True)
        form = form_body(operation, side)
        if form is not None:
            return client.post(path, form)
        body = request_body(operation, side)
        if endpoint.key in API_EXTRA:
            body = {**(body or {}), **API_EXTRA[endpoint.key](side)}
        return client.generic(
            rule.method,
            path,
            data=b"" if body is None else json.dumps(body),
            content_type="application/json",
        )
    if token:
        args = {**args, "token": token}
    url = reverse(endpoint.path, kwargs=args)
    if rule.method == "GET":
        return client.get(url)
    fill = WEB_BODIES.get(endpoint.key)
    return client.post(url, fill(side) if fill else {})


# Form fields for pages that check the form before the role (an empty form would be
# sent back with an error before the refusal).
WEB_BODIES: dict[str, Callable[[Side], dict[str, Any]]] = {
    "visits:staff_checkin": lambda s: {"agency": s.agency.pk, "direction": "in"},  # type: ignore[union-attr]
}


# Optional body fields an operation needs to get as far as its access check.
API_EXTRA: dict[str, Callable[[Side], dict[str, Any]]] = {
    "POST /api/v1/surveys/responses": lambda s: {"ticket_id": s.ticket.pk},  # type: ignore[union-attr]
}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = api_schema()["components"]["schemas"][schema["$ref"].split("/")[-1]]
    for key in ("anyOf", "allOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _resolve(options[0])
    return schema


def sample_value(name: str, schema: dict[str, Any], side: Side) -> Any:
    """A valid value for a body or query field, naming the variant's objects, so that
    the request passes the schema and reaches the access rule."""
    by_name: dict[str, Callable[[Side], Any]] = {
        "resident_id": _pk("resident"),
        "booth_id": _pk("booth"),
        "visit_id": _pk("visit"),
        "ticket_id": _pk("ticket"),
        "agency_code": _get("agency.code"),
        "lead_agency_code": _get("agency.code"),
        "village_code": _get("village.code"),
        "regency": _get("village.district.regency.code"),
        "service_codes": lambda s: [_get("service.code")(s)],
        "services": lambda s: [{"code": _get("service.code")(s)}],
        "answers": lambda s: [4] * 9,
        "year": lambda s: dt.date.today().year,
        "nik": _get("resident.national_id"),
        "national_id": lambda s: "1701054506900099",
    }
    if name in by_name:
        return by_name[name](side)
    schema = _resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return request_object(schema, side)
    if schema.get("format") == "date":
        return dt.date.today().isoformat()
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    return "x" * max(schema.get("minLength", 1), 12)


def request_object(schema: dict[str, Any], side: Side) -> dict[str, Any]:
    properties = schema.get("properties", {})
    return {name: sample_value(name, properties[name], side) for name in schema.get("required", [])}


def request_body(operation: dict[str, Any], side: Side) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    return request_object(_resolve(content["schema"]), side)


def form_body(operation: dict[str, Any], side: Side) -> dict[str, Any] | None:
    """The fields of a multipart operation (an answer with evidence files)."""
    content = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
    if content is None:
        return None
    schema = _resolve(content["schema"])
    fields: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(prop)
        if prop.get("type") == "array":
            fields[name] = [SimpleUploadedFile("bukti.jpg", JPEG, content_type="image/jpeg")]
        else:
            fields[name] = sample_value(name, prop, side)
    return fields


def client_as(world: World, role: Role) -> Client:
    """A client signed in with the role's session (made once, with the objects)."""
    client = Client()
    if role is not Role.ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def observe(
    world: World, endpoint: Endpoint, rule: Rule, role: Role, tmp: Path
) -> list[tuple[str, bool, str, Any]]:
    """(variant, expected to be allowed, outcome, response) for every variant."""
    client = client_as(world, role)
    staff = world.staff[role]
    scope = rule.scope(role)
    variants: list[tuple[str, Side]] = (
        [(name, world.sides[name]) for name in VARIANTS]
        if has_object(endpoint)
        else [("-", world.sides["own"])]
    )
    results = []
    for name, side in variants:
        token = ""
        target: Target | None = None
        args: dict[str, Any] = {}
        found = arguments(endpoint, side)
        if found is None:
            continue
        args = found
        if name != "-":
            target = side.target
            if endpoint.key in TOKEN_URLS:
                asker = world.users.get(role) or world.users[Role.PROGRAM_ADMIN]
                mine = name == "own"
                owner = asker if mine else side.owner
                assert owner is not None
                token = _job_token(TOKEN_URLS[endpoint.key], side, owner, tmp)
                target = Target(
                    regency=target.regency,
                    village=target.village,
                    agencies=target.agencies,
                    mine=mine and role is not Role.ANONYMOUS,
                )
        expected = roles.covers(scope, staff, target)
        before = fingerprint() if rule.method in WRITES and not expected else None
        with transaction.atomic():
            response = call(client, endpoint, rule, args, side, token)
            if response.streaming:  # read to the end: the test client then closes the file
                b"".join(response.streaming_content)
            seen = outcome(response, rule.method)
            if before is not None and seen == "denied":
                after = fingerprint()
                if after != before:
                    seen = "denied but changed the database"
            transaction.set_rollback(True)
        results.append((name, expected, seen, response))
    return results


# --- the tests ---------------------------------------------------------------------------


def table_rule(endpoint: Endpoint) -> Rule | None:
    return (roles.API if endpoint.api else roles.PAGES).get(endpoint.key)


ENDPOINTS = pages() + api_operations()
LISTED = [e for e in ENDPOINTS if table_rule(e) is not None]


def test_every_url_and_api_operation_is_in_the_table() -> None:
    """A new page or API operation must get its line in roles.py (and docs/roles.md)."""
    missing = sorted(e.key for e in ENDPOINTS if table_rule(e) is None)
    assert not missing, (
        "These URLs / API operations are not in the access table; add each with the "
        "scope of every role to PAGES or API in bujian/accounts/roles.py, then run "
        "scripts/roles_doc.py:\n  " + "\n  ".join(missing)
    )


def test_the_table_lists_nothing_that_is_gone() -> None:
    pages_now = {e.key for e in ENDPOINTS if not e.api}
    api_now = {e.key for e in ENDPOINTS if e.api}
    stale = sorted((set(roles.PAGES) - pages_now) | (set(roles.API) - api_now))
    assert not stale, "No longer in the URL configuration or the API schema: " + ", ".join(stale)


def test_every_api_url_is_in_the_schema() -> None:
    """The API's URL patterns are checked through the schema; none may hide from it."""
    schema_paths = {re.sub(r"\{\w+\}", "{}", path) for path in api_schema()["paths"]}
    for namespace, _name, route in url_patterns():
        if namespace == "api-v1" and not route.endswith(("openapi.json", "api/v1/")):
            assert "/" + re.sub(r"<(?:\w+:)?\w+>", "{}", route) in schema_paths, route


def test_the_doc_is_up_to_date() -> None:
    doc = Path(__file__).resolve().parents[3] / "docs" / "roles.md"
    assert doc.read_text(encoding="utf-8") == roles.render_markdown(), (
        "docs/roles.md differs from bujian/accounts/roles.py; run "
        "`.venv/bin/python scripts/roles_doc.py`"
    )


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("endpoint", LISTED, ids=lambda e: e.key)
def test_access(world: World, db: None, endpoint: Endpoint, role: Role, tmp_path: Path) -> None:
    rule = table_rule(endpoint)
    assert rule is not None
    results = observe(world, endpoint, rule, role, tmp_path)
    assert results, f"{endpoint.key}: no variant could be called"
    wrong = [
        f"{variant}: expected {'allowed' if expected else 'denied'}, got {seen} "
        f"({response.status_code} {response.get('Location', '')})".rstrip()
        for variant, expected, seen, response in results
        if seen != ("allowed" if expected else "denied")
    ]
    assert not wrong, f"{endpoint.key} as {role} (scope {rule.scope(role)!s}):\n  " + "\n  ".join(
        wrong
    )


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_the_admin_is_for_superusers_only(world: World, db: None, role: Role) -> None:
    rule = roles.NAMESPACES["admin"]
    client = client_as(world, role)
    allowed = roles.covers(rule.scope(role), world.staff[role], None)
    urls = admin_urls()
    assert len(urls) > 10
    for url in urls:
        response = client.get(url)
        assert outcome(response, "GET") == ("allowed" if allowed else "denied"), (url, role)
