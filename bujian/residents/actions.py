"""Every change to residents and their registrations for a visit.

Each action runs in one transaction and leaves an audit entry; audit data never holds
a full NIK or KK number (only the masked form). Residents are deduplicated by NIK:
the unique constraint on ``Resident.national_id`` is the backstop when two desks
register the same person at once; the loser gets ``residents.duplicate_nik``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bujian.accounts.models import User
from bujian.agencies.models import Requirement, Service
from bujian.core.audit import record_audit
from bujian.core.errors import DomainError
from bujian.regions.models import Village
from bujian.residents.models import Registration, RegistrationService, Resident
from bujian.residents.nik import (
    InvalidPhone,
    NikIssue,
    RegionCodes,
    check_kk,
    check_nik,
    clean_number,
    mask_nik,
    normalise_phone,
)
from bujian.residents.queries import is_open_for_registration, services_offered_at
from bujian.sync.guards import ensure_visit_served_here
from bujian.visits.actions import local_today
from bujian.visits.models import Visit


class ResidentRefused(DomainError):
    """A resident's data was refused. ``issues`` lists each problem: the NIK (or KK)
    errors, or for ``residents.unaccepted_warnings`` every warning of the NIK (forms
    show one checkbox per warning, keeping those already ticked) with ``pending``
    naming the codes not accepted yet."""

    def __init__(
        self,
        code: str,
        message: str,
        issues: Sequence[NikIssue] = (),
        pending: Sequence[str] = (),
    ) -> None:
        super().__init__(code, message)
        self.issues = list(issues)
        self.pending = list(pending)

    @property
    def warnings(self) -> list[NikIssue]:
        return self.issues if self.code == "residents.unaccepted_warnings" else []


def _check_person(
    *,
    national_id: str,
    family_card_number: str,
    full_name: str,
    sex: str,
    birth_date: dt.date,
    phone: str,
    accept_warnings: Iterable[str],
    today: dt.date,
    regions: RegionCodes | None,
) -> tuple[str, str, str, str, list[str]]:
    """Validate a resident's fields. Returns the cleaned NIK, KK, name, phone and the
    accepted warning codes that apply; raises ``ResidentRefused`` otherwise."""
    nik = clean_number(national_id)
    kk = clean_number(family_card_number)
    name = " ".join((full_name or "").split())
    if not name:
        raise ResidentRefused("residents.name_missing", _("Write the resident's full name."))
    if sex not in Resident.Sex.values:
        raise ResidentRefused("residents.invalid_sex", _("Choose the sex: L (male) or P (female)."))
    if birth_date > today:
        raise ResidentRefused(
            "residents.birth_in_future",
            _("The birth date %(date)s is in the future.")
            % {"date": birth_date.strftime("%d-%m-%Y")},
        )
    regions = regions or RegionCodes.load()
    check = check_nik(nik, birth_date=birth_date, sex=sex, today=today, regions=regions)
    if check.errors:
        raise ResidentRefused(
            "residents.invalid_nik",
            " ".join(issue.message for issue in check.errors),
            check.errors,
        )
    if kk:
        kk_check = check_kk(kk, today=today, regions=regions)
        if kk_check.errors:
            raise ResidentRefused(
                "residents.invalid_kk",
                " ".join(issue.message for issue in kk_check.errors),
                kk_check.errors,
            )
    unaccepted = check.unaccepted(accept_warnings)
    if unaccepted:
        raise ResidentRefused(
            "residents.unaccepted_warnings",
            _("Check these points against the KTP, then tick each one to accept it: %(list)s")
            % {"list": " ".join(issue.message for issue in unaccepted)},
            check.warnings,
            [issue.code for issue in unaccepted],
        )
    try:
        clean_phone = normalise_phone(phone)
    except InvalidPhone as error:
        raise ResidentRefused("residents.invalid_phone", str(error)) from error
    return nik, kk, name, clean_phone, sorted(check.warning_codes)


def _duplicate(nik: str) -> ResidentRefused:
    return ResidentRefused(
        "residents.duplicate_nik",
        _("A resident with NIK %(nik)s is already recorded. Search for them instead.")
        % {"nik": mask_nik(nik)},
    )


@transaction.atomic
def register_resident(
    *,
    national_id: str,
    family_card_number: str,
    full_name: str,
    sex: str,
    birth_date: dt.date,
    birth_place: str,
    village: Village | None,
    hamlet: str,
    rt: str,
    rw: str,
    address: str,
    phone: str,
    actor: User | None,
    accept_warnings: Sequence[str] = (),
    today: dt.date | None = None,
    regions: RegionCodes | None = None,
) -> Resident:
    """Record a new resident.

    Refuses a NIK or KK with errors, an invalid phone, and a NIK already recorded
    (``residents.duplicate_nik``, naming the masked NIK). NIK warnings (kecamatan not
    current, date or sex differing from the record) refuse with
    ``residents.unaccepted_warnings`` unless every warning's code is in
    ``accept_warnings``; the accepted codes are kept on the resident.
    """
    today = today or (local_today(village.district.regency) if village else dt.date.today())
    nik, kk, name, clean_phone, accepted = _check_person(
        national_id=national_id,
        family_card_number=family_card_number,
        full_name=full_name,
        sex=sex,
        birth_date=birth_date,
        phone=phone,
        accept_warnings=accept_warnings,
        today=today,
        regions=regions,
    )
    if Resident.objects.filter(national_id=nik).exists():
        raise _duplicate(nik)
    try:
        with transaction.atomic():  # a savepoint: the race loser gets a DomainError
            resident = Resident.objects.create(
                national_id=nik,
                family_card_number=kk,
                full_name=name,
                sex=sex,
                birth_date=birth_date,
                birth_place=(birth_place or "").strip(),
                village=village,
                hamlet=(hamlet or "").strip(),
                rt=(rt or "").strip(),
                rw=(rw or "").strip(),
                address=(address or "").strip(),
                phone=clean_phone,
                # Callers ask for consent before passing a phone (the forms require it).
                phone_consent_at=timezone.now() if clean_phone else None,
                accepted_warnings=accepted,
                created_by=actor,
            )
    except IntegrityError as error:
        raise _duplicate(nik) from error
    record_audit(
        actor=actor,
        action="residents.resident.created",
        target=resident,
        data={
            "nik": mask_nik(nik),
            "village": village.code if village else "",
            "warnings": accepted,
        },
    )
    return resident


def find_or_register(*, actor: User | None, **fields: Any) -> tuple[Resident, bool]:
    """The resident with this NIK if already recorded (nothing about them changes),
    else a new one via ``register_resident``. Returns ``(resident, created)``."""
    existing = Resident.objects.filter(national_id=clean_number(fields["national_id"])).first()
    if existing is not None:
        return existing, False
    return register_resident(actor=actor, **fields), True


_EDITABLE_FIELDS = (
    "national_id",
    "family_card_number",
    "full_name",
    "sex",
    "birth_date",
    "birth_place",
    "village",
    "hamlet",
    "rt",
    "rw",
    "address",
    "phone",
)


@transaction.atomic
def update_resident(
    *,
    resident: Resident,
    national_id: str,
    family_card_number: str,
    full_name: str,
    sex: str,
    birth_date: dt.date,
    birth_place: str,
    village: Village | None,
    hamlet: str,
    rt: str,
    rw: str,
    address: str,
    phone: str,
    actor: User | None,
    accept_warnings: Sequence[str] = (),
    today: dt.date | None = None,
) -> Resident:
    """Correct a resident's record with the same checks as ``register_resident``.

    Warnings accepted earlier stay accepted while the NIK, birth date and sex stay the
    same; a change to any of them asks again. The audit entry names the changed fields
    (the NIK only masked)."""
    today = today or (local_today(village.district.regency) if village else dt.date.today())
    nik_before = resident.national_id
    same_identity = (
        clean_number(national_id) == resident.national_id
        and birth_date == resident.birth_date
        and sex == resident.sex
    )
    accepted_before = list(resident.accepted_warnings) if same_identity else []
    nik, kk, name, clean_phone, accepted = _check_person(
        national_id=national_id,
        family_card_number=family_card_number,
        full_name=full_name,
        sex=sex,
        birth_date=birth_date,
        phone=phone,
        accept_warnings=[*accept_warnings, *accepted_before],
        today=today,
        regions=None,
    )
    if Resident.objects.filter(national_id=nik).exclude(pk=resident.pk).exists():
        raise _duplicate(nik)
    values: dict[str, Any] = {
        "national_id": nik,
        "family_card_number": kk,
        "full_name": name,
        "sex": sex,
        "birth_date": birth_date,
        "birth_place": (birth_place or "").strip(),
        "village": village,
        "hamlet": (hamlet or "").strip(),
        "rt": (rt or "").strip(),
        "rw": (rw or "").strip(),
        "address": (address or "").strip(),
        "phone": clean_phone,
    }
    changed = [f for f in _EDITABLE_FIELDS if getattr(resident, f) != values[f]]
    if accepted != list(resident.accepted_warnings):
        changed.append("accepted_warnings")
    if not changed:
        return resident
    for field_name, value in values.items():
        setattr(resident, field_name, value)
    if "phone" in changed:
        resident.phone_consent_at = timezone.now() if clean_phone else None
        changed.append("phone_consent_at")
    resident.accepted_warnings = accepted
    try:
        with transaction.atomic():
            resident.save(update_fields=[*changed, "updated_at"])
    except IntegrityError as error:
        raise _duplicate(nik) from error
    data: dict[str, Any] = {"fields": changed, "warnings": accepted}
    if "national_id" in changed:
        data["nik_before"] = mask_nik(nik_before)
        data["nik"] = mask_nik(nik)
    record_audit(actor=actor, action="residents.resident.changed", target=resident, data=data)
    return resident


@transaction.atomic
def record_nik_view(*, actor: User, resident: Resident, reason: str) -> str:
    """Audit one view of a full NIK and return it. Every screen that shows a full NIK
    gets it through here (PRODUCT.md: every access to personal data is audited)."""
    record_audit(
        actor=actor,
        action="residents.nik.viewed",
        target=resident,
        data={"reason": reason[:200], "nik": mask_nik(resident.national_id)},
    )
    return resident.national_id


# --- registrations for a visit ---------------------------------------------------------


def _require_open(visit: Visit, today: dt.date | None) -> None:
    ensure_visit_served_here(visit)  # a visit run on a field node registers there
    if not is_open_for_registration(visit, today):
        raise DomainError(
            "residents.visit_closed",
            _(
                "Registrations for the visit to %(village)s are closed: the visit must be "
                "announced and not over."
            )
            % {"village": visit.village.name},
        )


def _snapshot(registration: Registration) -> dict[int, list[int]]:
    return {
        need.service_id: sorted(r.pk for r in need.documents_present.all())
        for need in registration.needs.prefetch_related("documents_present")
    }


@transaction.atomic
def pre_register(
    *,
    visit: Visit,
    resident: Resident,
    services: Iterable[Service],
    documents_present: Mapping[int, Iterable[int]],
    actor: User | None,
    source: str = Registration.Source.PRE_REGISTRATION,
    today: dt.date | None = None,
    offered_ids: set[int] | None = None,
) -> Registration:
    """Register a resident for a visit with the services they need and, per service,
    the requirements (documents) they already have.

    The visit must be announced or ongoing and not over. Each service must be offered
    at the visit (``queries.services_offered_at``: the services of confirmed agencies,
    and all active services of agencies invited and not yet confirmed or excused).
    ``documents_present`` maps a service id to requirement ids of that service.

    Idempotent: registering the same resident again replaces the services and the
    checklist (a service left out is removed); the original source stays. The unique
    (visit, resident) constraint is the backstop when two operators register the same
    resident at once. ``offered_ids`` lets a batch import compute the offer once.
    """
    _require_open(visit, today)
    chosen = {service.pk: service for service in services}
    if not chosen:
        raise DomainError(
            "residents.no_service", _("Choose at least one service the resident needs.")
        )
    offered = (
        offered_ids
        if offered_ids is not None
        else set(services_offered_at(visit).values_list("pk", flat=True))
    )
    for service in chosen.values():
        if service.pk not in offered:
            raise DomainError(
                "residents.service_not_offered",
                _("%(service)s is not offered at this visit. Choose a service from the list.")
                % {"service": service.name},
            )
    wanted: dict[int, set[int]] = {pk: set() for pk in chosen}
    for service_id, requirement_ids in documents_present.items():
        if service_id not in chosen:
            raise DomainError(
                "residents.checklist_without_service",
                _("The checklist names a service the resident does not need."),
            )
        wanted[service_id] = {int(pk) for pk in requirement_ids}
    requested = set().union(*wanted.values())
    requirements = Requirement.objects.in_bulk(list(requested))
    for service_id, requirement_ids in wanted.items():
        for pk in requirement_ids:
            requirement = requirements.get(pk)
            if requirement is None or requirement.service_id != service_id:
                raise DomainError(
                    "residents.unknown_requirement",
                    _("A ticked document is not a requirement of %(service)s.")
                    % {"service": chosen[service_id].name},
                )

    registration = Registration.objects.filter(visit=visit, resident=resident).first()
    created = False
    if registration is None:
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    visit=visit, resident=resident, source=source, registered_by=actor
                )
                created = True
        except IntegrityError:
            registration = Registration.objects.get(visit=visit, resident=resident)
    before = {} if created else _snapshot(registration)
    after = {pk: sorted(ids) for pk, ids in wanted.items()}
    if before == after:
        return registration

    registration.needs.exclude(service_id__in=list(chosen)).delete()
    existing = {need.service_id: need for need in registration.needs.all()}
    for service_id, requirement_ids in wanted.items():
        need = existing.get(service_id)
        if need is None:
            need = RegistrationService.objects.create(
                registration=registration, service_id=service_id
            )
        if before.get(service_id) != after[service_id]:
            need.documents_present.set(sorted(requirement_ids))
    if not created:
        registration.save(update_fields=["updated_at"])
    record_audit(
        actor=actor,
        action="residents.registration.created" if created else "residents.registration.changed",
        target=registration,
        data={
            "visit": visit.pk,
            "source": registration.source,
            "services": sorted(service.code for service in chosen.values()),
            "documents_present": sum(len(ids) for ids in wanted.values()),
        },
    )
    return registration


@transaction.atomic
def remove_registration(
    *, registration: Registration, actor: User | None, today: dt.date | None = None
) -> None:
    """Take a resident off a visit's list. Refused once the visit is over or the
    resident already holds a visit ticket (the queue points at the registration)."""
    visit = registration.visit
    _require_open(visit, today)
    if registration.visit_tickets.exists():
        raise DomainError(
            "residents.registration_has_ticket",
            _(
                "%(name)s already has a visit ticket; the registration stays. "
                "Cancel the ticket at the registration desk instead."
            )
            % {"name": registration.resident.full_name},
        )
    record_audit(
        actor=actor,
        action="residents.registration.removed",
        target=registration,
        data={
            "visit": visit.pk,
            "nik": mask_nik(registration.resident.national_id),
            "services": sorted(registration.needs.values_list("service__code", flat=True)),
        },
    )
    registration.delete()


def export_personal_data(*, actor: User, resident: Resident, download: bool) -> dict[str, Any]:
    """Collect everything held about the resident and record who asked for it."""
    from bujian.core.personal_data import collect  # core imports residents' models

    sections = collect(resident)
    record_audit(
        actor=actor,
        action="residents.personal_data.exported",
        target=resident,
        data={"nik": mask_nik(resident.national_id), "download": download},
    )
    return sections
