"""Every state change of an aspiration: submission, verification, the Bupati's
disposition, the agency's answer, rejection, merging of duplicates, reopening by the
resident and the automatic closing.

Each action runs in one transaction, writes one history ``Event`` (who, when,
from → to, the public note) and an audit entry, recomputes the deadlines stored on the
row and queues a message to the resident (and the reporters of merged duplicates)
through the notifier, sent after the commit. Transitions update with a filter on the
old state and check the row count, so two officers pressing the same button at once
change the row once (SQLite ignores ``select_for_update``). Refusals raise
``DomainError`` with a stable code and an Indonesian sentence.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.aspirations.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Aspiration,
    Attachment,
    Category,
    Event,
)
from bujian.aspirations.uploads import (
    MAX_EVIDENCE,
    MAX_PHOTOS,
    CleanFile,
    clean_evidence,
    clean_photo,
)
from bujian.calendars.workdays import regency_calendar
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.notifications.actions import queue_message
from bujian.regions.models import Regency, Village
from bujian.residents.nik import InvalidPhone, check_nik, clean_number, normalise_phone
from bujian.sync.guards import is_reserved_code, take_node_code
from bujian.visits.actions import local_today
from bujian.visits.models import Visit

# SP4N-LAPOR! (Perpres 76/2013, PermenPANRB 62/2018): in working days.
ASSIGN_WITHIN = 3
RESPOND_WITHIN = 5
CLOSE_AFTER = 10
MAX_REOPENS = 2
CODE_ATTEMPTS = 8

Status = Aspiration.Status


# --- helpers -----------------------------------------------------------------------


def code_prefix(regency: Regency) -> str:
    """``BUJIAN_ASPIRATION_PREFIX`` if set, else the initials of the program name
    (Buji'an Dusun → BD, Bunga Kampung → BK), else of the regency's name."""
    configured = str(getattr(settings, "BUJIAN_ASPIRATION_PREFIX", "") or "")
    if configured:
        return configured.upper()[:6]
    for source in (regency.program_name, regency.name):
        words = re.findall(r"[A-Za-z][A-Za-z']*", source or "")
        initials = "".join(word[0] for word in words).upper()[:3]
        if initials:
            return initials
    return "AS"


def new_code(prefix: str) -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{prefix}-{body}"


def working_day_after(regency: Regency, start: dt.date, days: int) -> dt.date:
    return regency_calendar(regency, start).add_working_days(start, days)


def _refuse_state(aspiration: Aspiration) -> DomainError:
    return DomainError(
        "aspirations.wrong_state",
        _("Aspiration %(code)s is %(status)s now; this step is not possible. Reload the page.")
        % {"code": aspiration.code, "status": aspiration.get_status_display().lower()},
    )


def _move(
    aspiration: Aspiration,
    *,
    from_states: Iterable[str],
    to_state: str,
    now: dt.datetime,
    **fields: Any,
) -> str:
    """Change the status only if it is still one of ``from_states``; return the old
    status. Raises ``aspirations.wrong_state`` when someone else got there first."""
    old = aspiration.status
    allowed = list(from_states)
    if old not in allowed:
        raise _refuse_state(aspiration)
    changed = Aspiration.objects.filter(pk=aspiration.pk, status=old).update(
        status=to_state, updated_at=now, **fields
    )
    if changed != 1:
        aspiration.refresh_from_db()
        raise _refuse_state(aspiration)
    aspiration.refresh_from_db()
    return old


def _event(
    aspiration: Aspiration,
    *,
    action: str,
    actor: User | None,
    from_status: str,
    now: dt.datetime,
    public_note: str = "",
    internal_note: str = "",
    agency: Agency | None = None,
) -> Event:
    event = Event.objects.create(
        aspiration=aspiration,
        created_at=now,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=aspiration.status,
        public_note=public_note,
        internal_note=internal_note,
        agency=agency,
    )
    record_audit(
        actor=actor,
        action=f"aspirations.aspiration.{action}",
        target=aspiration,
        data={"from": from_status, "to": aspiration.status},
    )
    return event


def tracking_path(code: str) -> str:
    return reverse("aspirations:track", args=[code])


def _tracking_hint(code: str) -> str:
    base = str(getattr(settings, "BUJIAN_PUBLIC_URL", "") or "").rstrip("/")
    if base:
        return _("Follow it at %(url)s.") % {"url": base + tracking_path(code)}
    return _("Follow it with this code on the Aspirations page of the program.")


def _notify(aspiration: Aspiration, topic: str, message: str) -> None:
    """Queue ``message`` to the reporter and to the reporters of the duplicates
    merged into this aspiration (each number once)."""
    phones = [aspiration.reporter_phone]
    phones += list(
        aspiration.duplicates.exclude(reporter_phone="").values_list("reporter_phone", flat=True)
    )
    seen: set[str] = set()
    for phone in phones:
        if phone and phone not in seen:
            seen.add(phone)
            queue_message(phone=phone, message=message, topic=topic, reference=aspiration.code)


def _status_message(aspiration: Aspiration, note: str = "") -> str:
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Aspiration %(code)s: %(status)s.") % {
            "code": aspiration.code,
            "status": aspiration.get_status_display(),
        }
        if note:
            text += " " + note[:300]
        return f"{text} {_tracking_hint(aspiration.code)}"


def _clean_files(uploads: Sequence[UploadedFile], *, limit: int, evidence: bool) -> list[CleanFile]:
    if len(uploads) > limit:
        raise DomainError(
            "aspirations.too_many_files",
            _("Send at most %(limit)s files.") % {"limit": limit},
        )
    return [clean_evidence(f) if evidence else clean_photo(f) for f in uploads]


def _store_files(
    aspiration: Aspiration,
    files: Sequence[CleanFile],
    *,
    kind: str,
    actor: User | None,
    public: bool = True,
) -> None:
    for clean in files:
        attachment = Attachment(
            aspiration=aspiration,
            kind=kind,
            is_public=public,
            content_type=clean.content_type,
            size=clean.size,
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        )
        attachment.file.save(clean.content.name or "file", clean.content, save=False)
        attachment.save()


def _required(value: str, code: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(code, message)
    return value


def _check_agency(regency: Regency, agency: Agency) -> None:
    if not agency.is_active or not agency.regencies.filter(pk=regency.pk).exists():
        raise DomainError(
            "aspirations.agency_outside_regency",
            _("%(agency)s does not serve %(regency)s; choose one of its agencies.")
            % {"agency": agency, "regency": regency},
        )


# --- submission ---------------------------------------------------------------------


@transaction.atomic
def submit_aspiration(
    *,
    regency: Regency,
    channel: str,
    category: str,
    title: str,
    text: str,
    visit: Visit | None = None,
    village: Village | None = None,
    hamlet: str = "",
    rt: str = "",
    rw: str = "",
    reporter_name: str = "",
    reporter_national_id: str = "",
    reporter_phone: str = "",
    hide_identity: bool = False,
    phone_consent: bool = False,
    raised_by: str = "",
    leader_response: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    photos: Sequence[UploadedFile] = (),
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Aspiration:
    """Record a new aspiration with a fresh tracking code, due for verification and
    assignment within ``ASSIGN_WITHIN`` working days. Photos are checked and cleaned
    before anything is written; the text is stored as given (templates escape it).
    A phone number is kept only with ``phone_consent``; the reporter then gets the
    tracking code and every change by message."""
    now = now or timezone.now()
    title = _required(title, "aspirations.title_required", _("Write a short title."))
    text = _required(text, "aspirations.text_required", _("Describe the aspiration."))
    if category not in Category.values:
        raise DomainError("aspirations.bad_category", _("Choose a category from the list."))
    if channel not in Aspiration.Channel.values:
        raise DomainError("aspirations.bad_channel", "Unknown channel.")
    if visit is not None and visit.regency_id != regency.pk:
        raise DomainError(
            "aspirations.visit_outside_regency",
            _("That visit is not in %(regency)s.") % {"regency": regency},
        )
    if village is None and visit is not None:
        village = visit.village
    if village is not None and village.district.regency_id != regency.pk:
        raise DomainError(
            "aspirations.village_outside_regency",
            _("%(village)s is not in %(regency)s.") % {"village": village, "regency": regency},
        )
    nik = clean_number(reporter_national_id)
    if nik:
        check = check_nik(nik, today=local_today(regency, now))
        if not check.ok:
            raise DomainError("aspirations.bad_nik", str(check.errors[0]))
    try:
        phone = normalise_phone(reporter_phone)
    except InvalidPhone as error:
        raise DomainError("aspirations.bad_phone", str(error)) from error
    if phone and not phone_consent:
        # UU 27/2022: a phone number is kept only with the resident's consent.
        raise DomainError(
            "aspirations.phone_consent_required",
            _("Agree to be contacted on this number, or leave the phone number empty."),
        )
    if (latitude is None) != (longitude is None):
        raise DomainError(
            "aspirations.half_location", _("Give both latitude and longitude, or neither.")
        )
    if (
        latitude is not None
        and longitude is not None
        and not (
            Decimal(-90) <= latitude <= Decimal(90) and Decimal(-180) <= longitude <= Decimal(180)
        )
    ):
        raise DomainError("aspirations.bad_location", _("The location is not on Earth."))
    clean_photos = _clean_files(photos, limit=MAX_PHOTOS, evidence=False)

    today = local_today(regency, now)
    assign_due = working_day_after(regency, today, ASSIGN_WITHIN)
    fields: dict[str, Any] = {
        "regency": regency,
        "visit": visit,
        "village": village,
        "hamlet": hamlet.strip()[:100],
        "rt": rt.strip()[:3],
        "rw": rw.strip()[:3],
        "latitude": latitude,
        "longitude": longitude,
        "category": category,
        "title": title[:150],
        "text": text,
        "channel": channel,
        "reporter_name": reporter_name.strip()[:120],
        "reporter_national_id": nik,
        "reporter_phone": phone,
        "phone_consent_at": now if phone else None,
        "hide_identity": hide_identity,
        "raised_by": raised_by.strip()[:150],
        "leader_response": leader_response.strip(),
        "status": Status.RECEIVED,
        "received_at": now,
        "assign_due": assign_due,
        "due_date": assign_due,
        "created_by": actor if actor is not None and actor.is_authenticated else None,
    }
    prefix = code_prefix(regency)
    aspiration: Aspiration | None = None
    for _attempt in range(CODE_ATTEMPTS):
        # A field node gives the codes central reserved for it; central skips those.
        code = take_node_code() or new_code(prefix)
        if is_reserved_code(code) and not settings.BUJIAN_FIELD_NODE:
            continue
        try:
            with transaction.atomic():  # a savepoint: a colliding code is tried again
                aspiration = Aspiration.objects.create(code=code, **fields)
            break
        except IntegrityError:
            if not Aspiration.objects.filter(code=code).exists():
                raise  # another constraint failed, not the code
    if aspiration is None:
        raise DomainError("aspirations.no_code", _("No free tracking code; try again."))
    # A resident who hides their identity may show it in a photo: keep those private.
    _store_files(
        aspiration,
        clean_photos,
        kind=Attachment.Kind.PHOTO,
        actor=actor,
        public=not hide_identity,
    )
    _event(
        aspiration,
        action="submitted",
        actor=actor,
        from_status="",
        now=now,
        public_note=leader_response,
    )
    with translation.override(settings.LANGUAGE_CODE):
        message = _(
            "Your aspiration has been received with the tracking code %(code)s. %(hint)s"
        ) % {"code": aspiration.code, "hint": _tracking_hint(aspiration.code)}
    _notify(aspiration, "aspiration.submitted", message)
    return aspiration


# --- workflow -----------------------------------------------------------------------


@transaction.atomic
def verify_aspiration(
    *, aspiration: Aspiration, actor: User, note: str = "", now: dt.datetime | None = None
) -> Aspiration:
    """received → verified: the program checked it is a real, clear aspiration.
    The assignment deadline does not move."""
    now = now or timezone.now()
    old = _move(
        aspiration,
        from_states=[Status.RECEIVED],
        to_state=Status.VERIFIED,
        now=now,
        verified_at=now,
    )
    _event(aspiration, action="verified", actor=actor, from_status=old, now=now, public_note=note)
    _notify(aspiration, "aspiration.verified", _status_message(aspiration, note))
    return aspiration


def _set_agencies(
    aspiration: Aspiration, lead: Agency, supporting: Iterable[Agency]
) -> list[Agency]:
    others = [agency for agency in supporting if agency.pk != lead.pk]
    for agency in others:
        _check_agency(aspiration.regency, agency)
    aspiration.supporting_agencies.set(others)
    return others


def _check_term(term: str, planning_year: int | None, today: dt.date) -> None:
    if term not in Aspiration.Term.values:
        raise DomainError("aspirations.bad_term", _("Choose short or long term."))
    if planning_year is not None and not (today.year <= planning_year <= today.year + 5):
        raise DomainError(
            "aspirations.bad_planning_year",
            _("The planning year must be between %(first)s and %(last)s.")
            % {"first": today.year, "last": today.year + 5},
        )


@transaction.atomic
def assign_aspiration(
    *,
    aspiration: Aspiration,
    actor: User,
    lead_agency: Agency,
    disposition: str,
    supporting: Iterable[Agency] = (),
    term: str = "",
    planning_year: int | None = None,
    now: dt.datetime | None = None,
) -> Aspiration:
    """received/verified → assigned: the Bupati's disposition sends it to one lead
    agency (others may support). The lead agency's first answer is due within
    ``RESPOND_WITHIN`` working days."""
    now = now or timezone.now()
    disposition = _required(
        disposition, "aspirations.disposition_required", _("Write the disposition.")
    )
    _check_agency(aspiration.regency, lead_agency)
    today = local_today(aspiration.regency, now)
    _check_term(term, planning_year, today)
    due = working_day_after(aspiration.regency, today, RESPOND_WITHIN)
    old = _move(
        aspiration,
        from_states=[Status.RECEIVED, Status.VERIFIED],
        to_state=Status.ASSIGNED,
        now=now,
        lead_agency=lead_agency,
        disposition=disposition,
        disposed_by=actor,
        assigned_at=now,
        verified_at=aspiration.verified_at or now,
        response_due=due,
        due_date=due,
        term=term,
        planning_year=planning_year if term == Aspiration.Term.LONG else None,
    )
    _announce_disposition(
        aspiration,
        "assigned",
        actor=actor,
        old=old,
        now=now,
        lead_agency=lead_agency,
        disposition=disposition,
        supporting=supporting,
    )
    return aspiration


@transaction.atomic
def redirect_aspiration(
    *,
    aspiration: Aspiration,
    actor: User,
    lead_agency: Agency,
    disposition: str,
    supporting: Iterable[Agency] = (),
    now: dt.datetime | None = None,
) -> Aspiration:
    """assigned/in progress → assigned to another lead agency (leadership redirects).
    The new agency gets its own ``RESPOND_WITHIN`` working days."""
    now = now or timezone.now()
    disposition = _required(
        disposition, "aspirations.disposition_required", _("Write the disposition.")
    )
    _check_agency(aspiration.regency, lead_agency)
    if lead_agency.pk == aspiration.lead_agency_id:
        raise DomainError(
            "aspirations.same_agency",
            _("%(agency)s already leads it; choose another agency.") % {"agency": lead_agency},
        )
    due = working_day_after(
        aspiration.regency, local_today(aspiration.regency, now), RESPOND_WITHIN
    )
    old = _move(
        aspiration,
        from_states=[Status.ASSIGNED, Status.IN_PROGRESS],
        to_state=Status.ASSIGNED,
        now=now,
        lead_agency=lead_agency,
        disposition=disposition,
        disposed_by=actor,
        assigned_at=now,
        first_response_at=None,
        response_due=due,
        due_date=due,
    )
    _announce_disposition(
        aspiration,
        "redirected",
        actor=actor,
        old=old,
        now=now,
        lead_agency=lead_agency,
        disposition=disposition,
        supporting=supporting,
    )
    return aspiration


def _announce_disposition(
    aspiration: Aspiration,
    action: str,
    *,
    actor: User,
    old: str,
    now: dt.datetime,
    lead_agency: Agency,
    disposition: str,
    supporting: Iterable[Agency],
) -> None:
    """What assigning and redirecting share: the agencies, the history line and the
    message to the reporters."""
    _set_agencies(aspiration, lead_agency, supporting)
    _event(
        aspiration,
        action=action,
        actor=actor,
        from_status=old,
        now=now,
        public_note=_("Disposition to %(agency)s: %(text)s")
        % {"agency": lead_agency.name, "text": disposition},
        agency=lead_agency,
    )
    _notify(
        aspiration,
        "aspiration.assigned",
        _status_message(aspiration, _("Handled by %(agency)s.") % {"agency": lead_agency.name}),
    )


@transaction.atomic
def start_work(
    *, aspiration: Aspiration, actor: User, note: str, now: dt.datetime | None = None
) -> Aspiration:
    """assigned → in progress with a public first answer ("the survey team comes on
    Tuesday"). This answer stops the response deadline."""
    now = now or timezone.now()
    note = _required(note, "aspirations.note_required", _("Write the answer for the resident."))
    old = _move(
        aspiration,
        from_states=[Status.ASSIGNED],
        to_state=Status.IN_PROGRESS,
        now=now,
        first_response_at=aspiration.first_response_at or now,
        due_date=None,
    )
    _event(
        aspiration,
        action="started",
        actor=actor,
        from_status=old,
        now=now,
        public_note=note,
        agency=aspiration.lead_agency,
    )
    _notify(aspiration, "aspiration.in_progress", _status_message(aspiration, note))
    return aspiration


@transaction.atomic
def resolve_aspiration(
    *,
    aspiration: Aspiration,
    actor: User,
    response: str,
    evidence: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Aspiration:
    """assigned/in progress → resolved, with the public answer and at least one piece
    of evidence (a photo or a PDF). It closes by itself ``CLOSE_AFTER`` working days
    later unless the resident reopens it."""
    now = now or timezone.now()
    response = _required(
        response, "aspirations.response_required", _("Write the answer for the resident.")
    )
    files = _clean_files(evidence, limit=MAX_EVIDENCE, evidence=True)
    has_evidence = aspiration.attachments.filter(kind=Attachment.Kind.EVIDENCE).exists()
    if not files and not has_evidence:
        raise DomainError(
            "aspirations.evidence_required",
            _("Add a photo or a document that shows what was done."),
        )
    today = local_today(aspiration.regency, now)
    close_due = working_day_after(aspiration.regency, today, CLOSE_AFTER)
    old = _move(
        aspiration,
        from_states=[Status.ASSIGNED, Status.IN_PROGRESS],
        to_state=Status.RESOLVED,
        now=now,
        first_response_at=aspiration.first_response_at or now,
        resolved_at=now,
        public_response=response,
        close_due=close_due,
        due_date=None,
    )
    _store_files(aspiration, files, kind=Attachment.Kind.EVIDENCE, actor=actor)
    _event(
        aspiration,
        action="resolved",
        actor=actor,
        from_status=old,
        now=now,
        public_note=response,
        agency=aspiration.lead_agency,
    )
    _notify(aspiration, "aspiration.resolved", _status_message(aspiration, response))
    return aspiration


@transaction.atomic
def reject_aspiration(
    *, aspiration: Aspiration, actor: User, reason: str, now: dt.datetime | None = None
) -> Aspiration:
    """Any open state → rejected, with the reason the resident reads. Reopening is
    possible for ``CLOSE_AFTER`` working days."""
    now = now or timezone.now()
    reason = _required(reason, "aspirations.reason_required", _("Write the reason."))
    today = local_today(aspiration.regency, now)
    close_due = working_day_after(aspiration.regency, today, CLOSE_AFTER)
    by_agency = aspiration.status in {Status.ASSIGNED, Status.IN_PROGRESS}
    old = _move(
        aspiration,
        from_states=Aspiration.OPEN_STATES,
        to_state=Status.REJECTED,
        now=now,
        first_response_at=(aspiration.first_response_at or now) if by_agency else None,
        rejected_at=now,
        public_response=reason,
        close_due=close_due,
        due_date=None,
    )
    _event(
        aspiration,
        action="rejected",
        actor=actor,
        from_status=old,
        now=now,
        public_note=reason,
        agency=aspiration.lead_agency if by_agency else None,
    )
    _notify(aspiration, "aspiration.rejected", _status_message(aspiration, reason))
    return aspiration


@transaction.atomic
def merge_aspiration(
    *,
    duplicate: Aspiration,
    target: Aspiration,
    actor: User,
    note: str = "",
    now: dt.datetime | None = None,
) -> Aspiration:
    """An open duplicate → merged into ``target``. Its reporter keeps being told:
    every later message about ``target`` also goes to the duplicates' numbers."""
    now = now or timezone.now()
    if duplicate.pk == target.pk:
        raise DomainError("aspirations.merge_self", _("An aspiration cannot merge into itself."))
    if target.regency_id != duplicate.regency_id:
        raise DomainError(
            "aspirations.merge_other_regency",
            _("%(code)s is in another regency.") % {"code": target.code},
        )
    if target.status == Status.MERGED:
        raise DomainError(
            "aspirations.merge_into_merged",
            _("%(code)s is itself merged into %(other)s; merge into that one.")
            % {"code": target.code, "other": target.merged_into.code if target.merged_into else ""},
        )
    old = _move(
        duplicate,
        from_states=Aspiration.OPEN_STATES,
        to_state=Status.MERGED,
        now=now,
        merged_into=target,
        due_date=None,
    )
    # Duplicates of the duplicate follow it into the target.
    Aspiration.objects.filter(merged_into=duplicate).update(merged_into=target, updated_at=now)
    public = _("Merged into %(code)s, which asks for the same.") % {"code": target.code}
    _event(
        duplicate,
        action="merged",
        actor=actor,
        from_status=old,
        now=now,
        public_note=public,
        internal_note=note,
    )
    _event(
        target,
        action="duplicate_added",
        actor=actor,
        from_status=target.status,
        now=now,
        internal_note=_("%(code)s merged into this one.") % {"code": duplicate.code},
    )
    if duplicate.reporter_phone:
        with translation.override(settings.LANGUAGE_CODE):
            message = _(
                "Aspiration %(code)s asks for the same as %(target)s; we follow them together "
                "and will tell you about every step. %(hint)s"
            ) % {
                "code": duplicate.code,
                "target": target.code,
                "hint": _tracking_hint(target.code),
            }
        queue_message(
            phone=duplicate.reporter_phone,
            message=message,
            topic="aspiration.merged",
            reference=duplicate.code,
        )
    return duplicate


def can_reopen(aspiration: Aspiration, today: dt.date) -> bool:
    return (
        aspiration.status in Aspiration.FINAL_STATES
        and aspiration.closed_at is None
        and aspiration.close_due is not None
        and today <= aspiration.close_due
        and aspiration.reopen_count < MAX_REOPENS
    )


@transaction.atomic
def reopen_aspiration(
    *,
    aspiration: Aspiration,
    reason: str,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Aspiration:
    """resolved/rejected → back to the agency (assigned, a new answer due within
    ``RESPOND_WITHIN`` working days) or to verification when no agency had it; only
    within ``CLOSE_AFTER`` working days of the answer, and at most ``MAX_REOPENS``
    times. ``actor`` is None when the resident reopens it on the public page."""
    now = now or timezone.now()
    reason = _required(
        reason, "aspirations.reason_required", _("Say why the answer does not satisfy you.")
    )
    today = local_today(aspiration.regency, now)
    if aspiration.status not in Aspiration.FINAL_STATES:
        raise _refuse_state(aspiration)
    if aspiration.reopen_count >= MAX_REOPENS:
        raise DomainError(
            "aspirations.reopen_limit",
            _(
                "This aspiration has already been reopened %(count)s times; contact the program "
                "office."
            )
            % {"count": aspiration.reopen_count},
        )
    if not can_reopen(aspiration, today):
        raise DomainError(
            "aspirations.reopen_too_late",
            _("The time to reopen this aspiration has passed; please submit a new one."),
        )
    if aspiration.lead_agency_id is not None:
        to_state = Status.ASSIGNED
        due = working_day_after(aspiration.regency, today, RESPOND_WITHIN)
        deadlines = {"response_due": due, "due_date": due, "first_response_at": None}
    else:
        to_state = Status.RECEIVED
        due = working_day_after(aspiration.regency, today, ASSIGN_WITHIN)
        deadlines = {"assign_due": due, "due_date": due}
    old = _move(
        aspiration,
        from_states=Aspiration.FINAL_STATES,
        to_state=to_state,
        now=now,
        resolved_at=None,
        rejected_at=None,
        close_due=None,
        reopen_count=F("reopen_count") + 1,
        **deadlines,
    )
    _event(
        aspiration,
        action="reopened",
        actor=actor,
        from_status=old,
        now=now,
        public_note=reason,
        agency=aspiration.lead_agency,
    )
    _notify(aspiration, "aspiration.reopened", _status_message(aspiration))
    return aspiration


@transaction.atomic
def set_term(
    *,
    aspiration: Aspiration,
    actor: User,
    term: str,
    planning_year: int | None,
    now: dt.datetime | None = None,
) -> Aspiration:
    """Mark what can be solved now (short term) versus what needs budget (long term,
    with the planning year of the regency's RKPD)."""
    now = now or timezone.now()
    _check_term(term, planning_year, local_today(aspiration.regency, now))
    if term == Aspiration.Term.LONG and planning_year is None:
        raise DomainError(
            "aspirations.planning_year_required",
            _("A long-term item needs the planning year."),
        )
    Aspiration.objects.filter(pk=aspiration.pk).update(
        term=term,
        planning_year=planning_year if term == Aspiration.Term.LONG else None,
        updated_at=now,
    )
    aspiration.refresh_from_db()
    record_audit(
        actor=actor,
        action="aspirations.aspiration.term_set",
        target=aspiration,
        data={"term": term, "planning_year": planning_year},
    )
    return aspiration


def close_expired_aspirations(*, now: dt.datetime | None = None, dry_run: bool = False) -> int:
    """Close every resolved or rejected aspiration whose reopening window has passed
    (``close_due`` before today in its regency). Idempotent; each row is closed with a
    conditional update, so two runs at once close it once. Returns the number closed
    (or that would be, with ``dry_run``)."""
    now = now or timezone.now()
    closed = 0
    candidates = Aspiration.objects.filter(
        status__in=Aspiration.FINAL_STATES, closed_at__isnull=True, close_due__isnull=False
    ).select_related("regency")
    today_of: dict[int, dt.date] = {}
    for aspiration in candidates.iterator():
        today = today_of.setdefault(aspiration.regency_id, local_today(aspiration.regency, now))
        assert aspiration.close_due is not None
        if aspiration.close_due >= today:
            continue
        if dry_run:
            closed += 1
            continue
        with transaction.atomic():
            changed = Aspiration.objects.filter(
                pk=aspiration.pk, status=aspiration.status, closed_at__isnull=True
            ).update(closed_at=now, updated_at=now)
            if not changed:
                continue
            aspiration.refresh_from_db()
            _event(
                aspiration,
                action="closed",
                actor=None,
                from_status=aspiration.status,
                now=now,
                public_note=_("Closed: no objection within %(days)s working days.")
                % {"days": CLOSE_AFTER},
            )
            with translation.override(settings.LANGUAGE_CODE):
                note = _("Closed: no objection within %(days)s working days.") % {
                    "days": CLOSE_AFTER
                }
            _notify(aspiration, "aspiration.closed", _status_message(aspiration, note))
            closed += 1
    return closed
