"""Who may do what: the one table of access rules, for every page and every API call.

Each entry names a page (its namespaced URL name, e.g. ``queueing:booth``) or an API
operation (method and path of the OpenAPI schema at /api/v1/, e.g.
``GET /api/v1/visits/{visit_id}``) and says, for each role, on which objects it may be
used: its *scope*. The views and queries enforce these rules (``permissions.py``, the
``visible_*`` and ``get_*_for_*`` functions of each app's ``queries.py``); this table
says what they must allow. ``bujian/accounts/tests/test_access_matrix.py`` calls every
URL and every API operation as every role on objects inside and outside its scope
and fails on any difference, and on any URL or operation this table does not list.
``docs/roles.md`` is written from this table by ``scripts/roles_doc.py`` and a test
checks that it is up to date.

To add a page: add its URL name to ``PAGES`` with the scope of each role; to add an API
operation: add ``"METHOD /api/v1/path"`` to ``API``. Roles left out have no access.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    SUPERUSER = "superuser"
    PROGRAM_ADMIN = "program_admin"
    LEADERSHIP = "leadership"
    AGENCY_OPERATOR = "agency_operator"
    VILLAGE_OPERATOR = "village_operator"


ROLE_NAMES: dict[Role, tuple[str, str]] = {
    # (Indonesian, English)
    Role.ANONYMOUS: ("Warga / tanpa masuk", "Anonymous (resident, no login)"),
    Role.SUPERUSER: ("Superuser", "Superuser"),
    Role.PROGRAM_ADMIN: ("Admin program (Bappeda)", "Program admin (Bappeda)"),
    Role.LEADERSHIP: ("Pimpinan (Bupati, Wakil, Sekda)", "Leadership"),
    Role.AGENCY_OPERATOR: ("Operator instansi (OPD/vertikal)", "Agency operator"),
    Role.VILLAGE_OPERATOR: ("Operator desa", "Village operator"),
}


class Scope(StrEnum):
    """On which objects a role may use an entry. An entry without an object (a list,
    a form to create something) is allowed for every scope except ``NONE``."""

    NONE = "none"  # no access at all
    PUBLIC = "public"  # anyone, every object (residents need no login)
    ALL = "all"  # every object of every regency
    SIGNED_IN = "signed in"  # any signed-in staff member; the page has no object
    REGENCY = "regency"  # objects of the user's own regency
    AGENCY = "agency"  # objects of the user's own agencies (visits they take part in)
    VILLAGE = "village"  # objects of the user's own village
    OWNER = "owner"  # only a job (import, export) the user started


SCOPE_NAMES: dict[Scope, tuple[str, str]] = {
    Scope.NONE: ("—", "no access"),
    Scope.PUBLIC: ("publik", "public"),
    Scope.ALL: ("semua", "everything"),
    Scope.SIGNED_IN: ("masuk", "signed in"),
    Scope.REGENCY: ("kabupaten sendiri", "own regency"),
    Scope.AGENCY: ("instansi sendiri", "own agency"),
    Scope.VILLAGE: ("desa sendiri", "own village"),
    Scope.OWNER: ("milik sendiri", "own job"),
}


@dataclass(frozen=True)
class Target:
    """Where an object belongs: its regency, its village and its agency (or the
    agencies taking part in a visit). ``mine`` is for jobs the user started."""

    regency: int | None = None
    village: int | None = None
    agencies: frozenset[int] = frozenset()
    mine: bool = False


@dataclass(frozen=True)
class Staff:
    """The scope of the user who asks: their regency, village and agencies."""

    regency: int | None = None
    village: int | None = None
    agencies: frozenset[int] = frozenset()


def covers(scope: Scope, staff: Staff, target: Target | None) -> bool:
    """Whether ``scope`` lets a user of scope ``staff`` use an entry on ``target``
    (None: the entry has no object)."""
    if scope is Scope.NONE:
        return False
    if target is None or scope in {Scope.PUBLIC, Scope.ALL, Scope.SIGNED_IN}:
        return True
    if scope is Scope.REGENCY:
        return target.regency is not None and target.regency == staff.regency
    if scope is Scope.AGENCY:
        return bool(target.agencies & staff.agencies)
    if scope is Scope.VILLAGE:
        return target.village is not None and target.village == staff.village
    return target.mine  # OWNER


@dataclass(frozen=True)
class Rule:
    """The scope of each role for one page or API operation. ``method`` is the one
    the access test uses (a page that also takes POST is tested with GET)."""

    method: str
    scopes: Mapping[Role, Scope]
    note: str = ""
    object: str = ""  # what the URL names, e.g. "visit", "booth"; "" for none

    def scope(self, role: Role) -> Scope:
        return self.scopes.get(role, Scope.NONE)


def rule(
    method: str = "GET",
    *,
    obj: str = "",
    note: str = "",
    everyone: Scope | None = None,
    anonymous: Scope = Scope.NONE,
    superuser: Scope = Scope.ALL,
    program_admin: Scope = Scope.NONE,
    leadership: Scope = Scope.NONE,
    agency_operator: Scope = Scope.NONE,
    village_operator: Scope = Scope.NONE,
) -> Rule:
    scopes = {
        Role.ANONYMOUS: anonymous,
        Role.SUPERUSER: superuser,
        Role.PROGRAM_ADMIN: program_admin,
        Role.LEADERSHIP: leadership,
        Role.AGENCY_OPERATOR: agency_operator,
        Role.VILLAGE_OPERATOR: village_operator,
    }
    if everyone is not None:
        scopes = dict.fromkeys(scopes, everyone)
    return Rule(method=method, scopes=scopes, note=note, object=obj)


NONE, PUBLIC, ALL, SIGNED_IN = Scope.NONE, Scope.PUBLIC, Scope.ALL, Scope.SIGNED_IN
REGENCY, AGENCY, VILLAGE, OWNER = Scope.REGENCY, Scope.AGENCY, Scope.VILLAGE, Scope.OWNER


def public(method: str = "GET", note: str = "") -> Rule:
    """Anyone, no login: residents use these pages."""
    return rule(method, everyone=PUBLIC, note=note)


def staff(method: str = "GET", note: str = "", **scopes: Scope) -> Rule:
    """Every signed-in staff member (a page without an object), unless ``scopes`` says
    otherwise for a role."""
    everyone_signed_in: dict[str, Scope] = {
        "program_admin": SIGNED_IN,
        "leadership": SIGNED_IN,
        "agency_operator": SIGNED_IN,
        "village_operator": SIGNED_IN,
    }
    return rule(method, note=note, **{**everyone_signed_in, **scopes})


# Reads of the whole regency: program admins and leadership.
READERS = {"program_admin": REGENCY, "leadership": REGENCY}
# A visit's work: the program admin for the regency, agency operators for the visits
# their agency takes part in.
VISIT_WORK = {"program_admin": REGENCY, "agency_operator": AGENCY}
# What each role sees of a visit: the regency, their agency's visits, their village's.
VISIT_READ = {**READERS, "agency_operator": AGENCY, "village_operator": VILLAGE}

PAGES: dict[str, Rule] = {
    # --- core
    "core:home": public(note="public schedule"),
    "core:about": public(),
    "core:privacy": public(),
    "core:staff_home": staff(),
    # --- accounts
    "accounts:login": public(),
    "accounts:logout": public("POST"),
    "accounts:otp_verify": rule(
        superuser=NONE, note="only while a second factor is pending (else to the home page)"
    ),
    "accounts:otp_setup": staff(),
    "accounts:otp_disable": staff("POST", note="not for roles that must use 2FA"),
    "set_language": public("POST"),
    # --- agencies
    "agencies:catalog": public(),
    "agencies:service_detail": public(),
    "agencies:staff_list": staff(),
    "agencies:agency_edit": rule(program_admin=REGENCY, agency_operator=AGENCY),
    "agencies:service_create": rule(program_admin=REGENCY, agency_operator=AGENCY),
    "agencies:service_edit": rule(program_admin=REGENCY, agency_operator=AGENCY),
    # --- visits
    "visits:public_past": public(),
    "visits:public_calendar": public(),
    "visits:public_detail": public(note="announced and later visits"),
    "visits:staff_list": staff(),
    "visits:staff_create": rule(program_admin=SIGNED_IN),
    "visits:staff_detail": rule(**VISIT_READ),
    "visits:staff_edit": rule("GET", program_admin=REGENCY),
    "visits:staff_transition": rule("POST", program_admin=REGENCY),
    "visits:staff_invite": rule("POST", program_admin=REGENCY),
    "visits:staff_checkin": rule("POST", **VISIT_WORK, note="an agency operator for its agency"),
    "visits:attendance_sheet": rule(**READERS),
    "visits:participation": rule(**VISIT_READ, note="an agency operator: its own only"),
    "visits:staff_uninvite": rule("POST", program_admin=REGENCY),
    "visits:request_excuse": rule("POST", **VISIT_WORK),
    "visits:decide_excuse": rule("POST", program_admin=REGENCY),
    "visits:ledger": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    # --- residents
    "residents:search": staff(),
    "residents:create": staff(leadership=NONE, note="agency operators register walk-ins"),
    "residents:detail": rule(
        **READERS,
        agency_operator=REGENCY,
        village_operator=VILLAGE,
        note="agency operators find any resident of the regency for the desk (NIK masked)",
    ),
    "residents:edit": rule(program_admin=REGENCY, village_operator=VILLAGE),
    "residents:reveal_nik": rule("POST", program_admin=REGENCY, village_operator=VILLAGE),
    "residents:personal_data": rule(program_admin=REGENCY, note="UU 27/2022 access request"),
    "residents:visits": staff(),
    "residents:visit": rule(**VISIT_READ),
    "residents:register": rule(program_admin=REGENCY, village_operator=VILLAGE),
    "residents:unregister": rule("POST", program_admin=REGENCY, village_operator=VILLAGE),
    "residents:print": rule(**VISIT_READ),
    "residents:print_slips": rule(**VISIT_READ),
    "residents:import": rule(program_admin=REGENCY, village_operator=VILLAGE),
    "residents:import_template": rule(program_admin=REGENCY, village_operator=VILLAGE),
    "residents:import_status": rule(superuser=OWNER, program_admin=OWNER, village_operator=OWNER),
    "residents:import_confirm": rule(
        "POST", superuser=OWNER, program_admin=OWNER, village_operator=OWNER
    ),
    "residents:import_cancel": rule(
        "POST", superuser=OWNER, program_admin=OWNER, village_operator=OWNER
    ),
    # --- queueing
    "queueing:status": public(note="the resident's ticket, by its secret UUID"),
    "queueing:board": public(note="the TV board shows numbers only"),
    "queueing:board_state": public(),
    "queueing:board_voice": public(),
    "queueing:desk": rule(**VISIT_WORK),
    "queueing:desk_code": rule(**VISIT_WORK),
    "queueing:desk_walk_in": rule(**VISIT_WORK),
    "queueing:desk_resident": rule(**VISIT_WORK),
    "queueing:desk_ticket": rule(**VISIT_WORK),
    "queueing:ticket_print": rule(**VISIT_WORK),
    "queueing:desk_ticket_cancel": rule("POST", **VISIT_WORK),
    "queueing:booth_setup": rule(program_admin=REGENCY),
    "queueing:booth_open": rule("POST", program_admin=REGENCY),
    "queueing:booth_open_all": rule("POST", program_admin=REGENCY),
    "queueing:booth_edit": rule("POST", program_admin=REGENCY),
    "queueing:booth": rule(**VISIT_WORK, note="an agency operator: its own booth only"),
    "queueing:booth_queue": rule(**VISIT_WORK),
    "queueing:booth_action": rule("POST", **VISIT_WORK),
    "queueing:dashboard": rule(**READERS, agency_operator=AGENCY),
    "queueing:dashboard_stats": rule(**READERS, agency_operator=AGENCY),
    "queueing:carry_over": rule("POST", program_admin=REGENCY),
    # --- records
    "records:list": staff(),
    "records:create": rule(program_admin=SIGNED_IN, agency_operator=SIGNED_IN),
    "records:detail": rule(**VISIT_READ),
    "records:mark_ready": rule("POST", **VISIT_WORK),
    "records:handover": rule(
        **VISIT_WORK, village_operator=VILLAGE, note="the village office hands over too"
    ),
    "records:visit_documents": rule(**VISIT_READ),
    "records:visit_handover": rule("POST", **VISIT_WORK),
    "records:village_office_list": rule(
        **READERS,
        agency_operator=REGENCY,
        village_operator=VILLAGE,
        note="an agency operator sees only its own documents in the list",
    ),
    # --- calendars
    "calendars:calendar": staff(note="only a program admin adds days"),
    "calendars:remove": rule("POST", superuser=REGENCY, program_admin=REGENCY),
    # --- aspirations
    "aspirations:submit": public(),
    "aspirations:sent": public(),
    "aspirations:track_lookup": public(),
    "aspirations:track": public(note="by tracking code"),
    "aspirations:reopen": public("POST", note="by tracking code"),
    "aspirations:attachment": rule(
        **VISIT_READ, note="a file not marked public; public photos are open to anyone"
    ),
    "aspirations:visit_public": public(),
    "aspirations:village_public": public(),
    "aspirations:staff_list": staff(),
    "aspirations:staff_create": staff(),
    "aspirations:dashboard": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    "aspirations:staff_upcoming": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    "aspirations:export_lapor": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    "aspirations:staff_detail": rule(
        **VISIT_READ, note="an agency operator: those its agency leads or supports"
    ),
    "aspirations:staff_step": rule(
        "POST", **VISIT_WORK, note="start/resolve: the lead agency; disposition: see the API"
    ),
    "aspirations:visit_staff": rule(**VISIT_READ),
    "aspirations:district_open": rule(**READERS),
    # --- surveys
    "surveys:public_choose": public(note="by the ticket's secret UUID"),
    "surveys:public_form": public(),
    "surveys:public_thanks": public(),
    "surveys:kiosk": public(note="by a signed kiosk token"),
    "surveys:kiosk_form": public(),
    "surveys:kiosk_thanks": public(),
    "surveys:results": rule(
        program_admin=SIGNED_IN, leadership=SIGNED_IN, agency_operator=SIGNED_IN
    ),
    "surveys:visit_results": rule(**READERS, agency_operator=AGENCY),
    "surveys:kiosk_open": rule(**VISIT_WORK),
    "surveys:paper_entry": rule(**VISIT_WORK),
    "surveys:paper_form": rule(**VISIT_WORK),
    "surveys:agency_results": rule(**READERS, agency_operator=AGENCY),
    "surveys:suggestions": rule(
        program_admin=SIGNED_IN, leadership=SIGNED_IN, agency_operator=SIGNED_IN
    ),
    # --- evaluation
    "evaluation:dashboard": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    "evaluation:visits": rule(
        program_admin=SIGNED_IN, leadership=SIGNED_IN, agency_operator=SIGNED_IN
    ),
    "evaluation:visit": rule(**READERS, agency_operator=AGENCY),
    "evaluation:visit_pdf": rule(**READERS, agency_operator=AGENCY),
    "evaluation:visit_xlsx": rule(**READERS, agency_operator=AGENCY),
    "evaluation:visit_photo": rule(**READERS, agency_operator=AGENCY),
    "evaluation:period": rule(
        program_admin=SIGNED_IN, leadership=SIGNED_IN, agency_operator=SIGNED_IN
    ),
    "evaluation:export_start": rule(
        "POST", program_admin=SIGNED_IN, leadership=SIGNED_IN, agency_operator=SIGNED_IN
    ),
    "evaluation:export_status": staff(
        superuser=OWNER,
        program_admin=OWNER,
        leadership=OWNER,
        agency_operator=OWNER,
        village_operator=OWNER,
    ),
    "evaluation:export_download": staff(
        superuser=OWNER,
        program_admin=OWNER,
        leadership=OWNER,
        agency_operator=OWNER,
        village_operator=OWNER,
    ),
    "evaluation:rebuild": rule("POST", program_admin=SIGNED_IN),
    "evaluation:letterhead": rule(program_admin=SIGNED_IN),
    "evaluation:letterhead_logo": rule(
        program_admin=SIGNED_IN, leadership=SIGNED_IN, agency_operator=SIGNED_IN
    ),
    "evaluation:letterhead_preview": rule(program_admin=SIGNED_IN),
    "evaluation:comparison": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    "evaluation:indicators_export": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    # --- planner (a superuser plans for the home regency)
    "planner:list": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    "planner:create": rule(program_admin=SIGNED_IN),
    "planner:detail": rule(superuser=REGENCY, **READERS),
    "planner:districts": rule(superuser=REGENCY, **READERS),
    "planner:coverage": rule(superuser=REGENCY, **READERS),
    "planner:status": rule(superuser=REGENCY, **READERS),
    "planner:accept": rule("POST", superuser=REGENCY, program_admin=REGENCY),
    "planner:replan": rule("POST", superuser=REGENCY, program_admin=REGENCY),
    "planner:xlsx": rule(superuser=REGENCY, **READERS),
    "planner:ics": rule(superuser=REGENCY, **READERS),
    "planner:slot_lock": rule("POST", superuser=REGENCY, program_admin=REGENCY),
    "planner:villages": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    "planner:village_edit": rule(superuser=REGENCY, program_admin=REGENCY),
    # --- sync (field nodes): the program admin of the regency on central
    "sync:panel": rule(
        superuser=SIGNED_IN, program_admin=SIGNED_IN, note="the node's panel on a node"
    ),
    "sync:node": rule(obj="field_node", superuser=REGENCY, program_admin=REGENCY),
    "sync:package_file": rule("POST", obj="field_node", superuser=REGENCY, program_admin=REGENCY),
    "sync:new_code": rule("POST", obj="field_node", superuser=REGENCY, program_admin=REGENCY),
    "sync:release": rule("POST", obj="field_node", superuser=REGENCY, program_admin=REGENCY),
    "sync:upload": rule("POST", obj="field_node", superuser=REGENCY, program_admin=REGENCY),
    "sync:resolve": rule("POST", obj="conflict", superuser=REGENCY, program_admin=REGENCY),
    "sync:push": rule("POST", superuser=NONE, note="on a field node only (404 on central)"),
    "sync:export": rule("POST", superuser=NONE, note="on a field node only (404 on central)"),
    "sync:api_pull": public("POST", note="the node proves itself with its pairing code"),
    "sync:api_push": public("POST", note="the node proves itself with its signed batch"),
}

# The staff API answers 401 without a token or session.
API: dict[str, Rule] = {
    # public reads
    "GET /api/v1/regions/provinces": public(),
    "GET /api/v1/regions/regencies": public(),
    "GET /api/v1/regions/regencies/{code}": public(),
    "GET /api/v1/regions/districts": public(),
    "GET /api/v1/regions/villages": public(),
    "GET /api/v1/agencies": public(),
    "GET /api/v1/agencies/{code}": public(),
    "GET /api/v1/services": public(),
    "GET /api/v1/services/{code}": public(),
    "GET /api/v1/visits": public(),
    "GET /api/v1/visits/{visit_id}": public(),
    "GET /api/v1/calendar/days-off": public(),
    "GET /api/v1/aspirations/track/{code}": public(),
    "GET /api/v1/surveys/questionnaire": public(),
    "POST /api/v1/surveys/public/{ticket_uuid}/{ticket_id}": public(
        "POST", note="by the ticket's secret UUID"
    ),
    # queue
    "POST /api/v1/queue/visits/{visit_id}/tickets": rule("POST", **VISIT_WORK),
    "GET /api/v1/queue/visit-tickets/{uuid}": rule(**VISIT_READ),
    "POST /api/v1/queue/booths/{booth_id}/call-next": rule("POST", **VISIT_WORK),
    "POST /api/v1/queue/tickets/{ticket_id}/transfer": rule("POST", **VISIT_WORK),
    "POST /api/v1/queue/tickets/{ticket_id}/finish": rule("POST", **VISIT_WORK),
    "POST /api/v1/queue/tickets/{ticket_id}/{step}": rule("POST", **VISIT_WORK),
    "GET /api/v1/queue/visits/{visit_id}/board": staff(
        superuser=ALL,
        program_admin=ALL,
        leadership=ALL,
        agency_operator=ALL,
        village_operator=ALL,
        note="the same numbers as the public TV board",
    ),
    # residents and pre-registration
    "POST /api/v1/residents": staff("POST", leadership=NONE),
    "POST /api/v1/residents/lookup": staff("POST"),
    "GET /api/v1/residents/{resident_id}": rule(
        **READERS, agency_operator=REGENCY, village_operator=VILLAGE
    ),
    "POST /api/v1/residents/{resident_id}/nik": rule(
        "POST", program_admin=REGENCY, village_operator=VILLAGE
    ),
    "GET /api/v1/visits/{visit_id}/registrations": rule(**VISIT_READ),
    "POST /api/v1/visits/{visit_id}/registrations": rule(
        "POST", program_admin=REGENCY, village_operator=VILLAGE
    ),
    "DELETE /api/v1/registrations/{registration_id}": rule(
        "DELETE", program_admin=REGENCY, village_operator=VILLAGE
    ),
    # documents
    "GET /api/v1/documents": staff(),
    "POST /api/v1/documents": rule("POST", program_admin=SIGNED_IN, agency_operator=SIGNED_IN),
    "GET /api/v1/documents/{document_id}": rule(**VISIT_READ),
    "POST /api/v1/documents/{document_id}/ready": rule("POST", **VISIT_WORK),
    "POST /api/v1/documents/{document_id}/handover": rule(
        "POST", **VISIT_WORK, note="the village office hands over on its web page only"
    ),
    # aspirations
    "GET /api/v1/aspirations": staff(),
    "POST /api/v1/aspirations": staff("POST"),
    "GET /api/v1/aspirations/{aspiration_id}": rule(**VISIT_READ),
    "GET /api/v1/aspirations/{aspiration_id}/history": rule(**VISIT_READ),
    "POST /api/v1/aspirations/{aspiration_id}/verify": rule("POST", **READERS),
    "POST /api/v1/aspirations/{aspiration_id}/assign": rule("POST", **READERS),
    "POST /api/v1/aspirations/{aspiration_id}/redirect": rule("POST", **READERS),
    "POST /api/v1/aspirations/{aspiration_id}/start": rule("POST", **VISIT_WORK),
    "POST /api/v1/aspirations/{aspiration_id}/resolve": rule("POST", **VISIT_WORK),
    "POST /api/v1/aspirations/{aspiration_id}/reject": rule(
        "POST", **READERS, agency_operator=AGENCY, note="the lead agency rejects an assigned one"
    ),
    "POST /api/v1/aspirations/{aspiration_id}/merge": rule("POST", **READERS),
    "POST /api/v1/aspirations/{aspiration_id}/reopen": rule("POST", **READERS),
    "POST /api/v1/aspirations/{aspiration_id}/term": rule(
        "POST", **READERS, agency_operator=AGENCY, note="the lead agency sets the term"
    ),
    # surveys
    "POST /api/v1/surveys/responses": rule(
        "POST", program_admin=SIGNED_IN, agency_operator=SIGNED_IN
    ),
    "GET /api/v1/surveys/visits/{visit_id}": rule(**READERS, agency_operator=AGENCY),
    "GET /api/v1/surveys/agencies/{agency_id}": rule(**READERS, agency_operator=AGENCY),
    # evaluation
    "GET /api/v1/evaluation/visits/{visit_id}/report": rule(**READERS, agency_operator=AGENCY),
    "GET /api/v1/evaluation/visits/{visit_id}/indicators": rule(**READERS),
    "GET /api/v1/evaluation/indicators": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    # planner (a superuser plans for the home regency)
    "GET /api/v1/planner/plans": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    "POST /api/v1/planner/plans": rule("POST", program_admin=SIGNED_IN),
    "GET /api/v1/planner/plans/{plan_id}": rule(superuser=REGENCY, **READERS),
    "POST /api/v1/planner/plans/{plan_id}/accept": rule(
        "POST", superuser=REGENCY, program_admin=REGENCY
    ),
    "POST /api/v1/planner/plans/{plan_id}/replan": rule(
        "POST", superuser=REGENCY, program_admin=REGENCY
    ),
    "GET /api/v1/planner/villages": rule(program_admin=SIGNED_IN, leadership=SIGNED_IN),
    "PUT /api/v1/planner/villages/{village_id}": rule(
        "PUT", superuser=REGENCY, program_admin=REGENCY
    ),
}

# URL namespaces ruled as a whole.
NAMESPACES: dict[str, Rule] = {
    "admin": rule(note="the Django admin: superusers (is_staff) only"),
}

SCOPE_HELP: dict[Scope, str] = {
    Scope.NONE: "tidak boleh / not allowed",
    Scope.PUBLIC: "siapa saja, tanpa masuk / anyone, no login",
    Scope.ALL: "semua data, semua kabupaten / every object of every regency",
    Scope.SIGNED_IN: "setiap staf yang masuk (halaman tanpa objek) / any signed-in staff",
    Scope.REGENCY: "data kabupatennya / objects of the user's regency",
    Scope.AGENCY: (
        "data instansinya: kunjungan yang diikuti, loket, tiket, dokumen dan aspirasi "
        "instansinya / its agency's visits, booths, tickets, documents, aspirations"
    ),
    Scope.VILLAGE: "data desanya / objects of the user's village",
    Scope.OWNER: "pekerjaan (impor, ekspor) yang ia mulai / a job the user started",
}


# --- the same table for people: docs/roles.md ----------------------------------------

SECTIONS = {
    "core": "Umum / General",
    "accounts": "Akun / Accounts",
    "agencies": "Instansi dan layanan / Agencies and services",
    "visits": "Kunjungan / Visits",
    "residents": "Warga dan pendaftaran / Residents and pre-registration",
    "queueing": "Antrian / Queue",
    "records": "Dokumen / Documents",
    "calendars": "Kalender / Calendar",
    "aspirations": "Aspirasi / Aspirations",
    "surveys": "Survei (SKM) / Survey",
    "evaluation": "Evaluasi / Evaluation",
    "planner": "Rencana rotasi / Rotation planner",
    "": "Lain-lain / Other",
}


def _cells(rule: Rule) -> str:
    return " | ".join(
        "—" if rule.scope(role) is Scope.NONE else SCOPE_NAMES[rule.scope(role)][0] for role in Role
    )


def render_markdown() -> str:
    """docs/roles.md, written by scripts/roles_doc.py and checked by the access test."""
    header = "| | " + " | ".join(ROLE_NAMES[role][0] for role in Role) + " | |"
    rule_line = "|---" * (len(Role) + 2) + "|"
    lines = [
        "# Hak akses / Who may do what",
        "",
        "<!-- Written by scripts/roles_doc.py from bujian/accounts/roles.py; do not edit. -->",
        "",
        "**Bahasa Indonesia.** Tabel ini menyebutkan, untuk setiap halaman dan setiap",
        "operasi API, peran mana yang boleh memakainya dan pada data mana. Sumbernya satu:",
        "`bujian/accounts/roles.py`. Uji `bujian/accounts/tests/test_access_matrix.py`",
        "memanggil setiap URL dan setiap operasi API sebagai setiap peran, pada data di",
        "dalam dan di luar cakupannya, dan gagal bila hasilnya berbeda dari tabel ini, bila",
        "ada URL baru yang belum tercantum, atau bila berkas ini tidak sama dengan tabel di",
        "kode (`.venv/bin/python scripts/roles_doc.py` menulisnya ulang).",
        "",
        "**English.** For every page and every API operation: which role may use it, on",
        "which objects. The one source is `bujian/accounts/roles.py`; the test",
        "`bujian/accounts/tests/test_access_matrix.py` keeps code and this page in step: it",
        "calls every URL and API operation as every role on objects inside and outside the",
        "role's scope and fails on any difference, on any URL the table does not list, and",
        "when this page differs from the table (`.venv/bin/python scripts/roles_doc.py`",
        "writes it again).",
        "",
        "## Peran / Roles",
        "",
        "| peran | role |",
        "|---|---|",
        *(f"| {ROLE_NAMES[role][0]} | {ROLE_NAMES[role][1]} |" for role in Role),
        "",
        "## Cakupan / Scopes",
        "",
        "| cakupan | scope | arti / meaning |",
        "|---|---|---|",
        *(
            f"| {SCOPE_NAMES[scope][0]} | {SCOPE_NAMES[scope][1]} | {SCOPE_HELP[scope]} |"
            for scope in Scope
        ),
        "",
        "Outside its scope a role gets 404 (the object does not exist for it), or the",
        "login page, 401 or 403; inside it without the right, 403. The Django admin",
        "(`/admin/`) is for superusers only.",
        "",
    ]
    groups: dict[str, list[tuple[str, Rule]]] = {}
    for key, rule_ in PAGES.items():
        groups.setdefault(key.split(":")[0] if ":" in key else "", []).append((key, rule_))
    for section, title in SECTIONS.items():
        if section not in groups:
            continue
        lines += [f"## {title}", "", header, rule_line]
        for key, rule_ in groups.pop(section):
            lines.append(f"| `{key}` {rule_.method} | {_cells(rule_)} | {rule_.note} |")
        lines.append("")
    for section, entries in groups.items():  # an app without a title yet
        lines += [f"## {section}", "", header, rule_line]
        lines += [f"| `{key}` {r.method} | {_cells(r)} | {r.note} |" for key, r in entries]
        lines.append("")
    lines += ["## API (/api/v1/)", "", header, rule_line]
    lines += [f"| `{key}` | {_cells(r)} | {r.note} |" for key, r in API.items()]
    lines.append("")
    return "\n".join(lines)
