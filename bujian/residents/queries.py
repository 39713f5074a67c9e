"""Reads of residents and registrations, with the access scope of each role.

Who sees which residents (404 outside this scope):

- superusers: everyone;
- program admins and leadership: residents of villages of their regency, and
  residents recorded without a village (walk-ins from elsewhere);
- agency operators: the same regency-wide set. They work the registration desk on
  the visit day, where any resident of the regency may walk in, so they must be able
  to find them by NIK or name. They see the NIK masked and cannot reveal it;
- village operators: residents of their own village only.

Who may change what is decided in the views (403 inside the scope): program admins and
the village operator of the resident's village edit residents and pre-register;
leadership only reads.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from bujian.accounts.models import User
from bujian.agencies.models import Requirement, Service
from bujian.records.models import Document
from bujian.regions.models import Village
from bujian.residents.models import Registration, RegistrationService, Resident
from bujian.residents.nik import NIK_LENGTH, clean_number
from bujian.visits.actions import local_today
from bujian.visits.models import Participation, Visit
from bujian.visits.queries import visible_visits

MIN_NIK_DIGITS_SEARCH = 4
OPEN_VISIT_STATES = (Visit.Status.ANNOUNCED, Visit.Status.ONGOING)


# --- access scope ---------------------------------------------------------------


def visible_residents(user: User) -> QuerySet[Resident]:
    residents = Resident.objects.select_related("village__district")
    if user.is_superuser:
        return residents
    if user.is_village_operator:
        return residents.filter(village=user.village) if user.village_id else residents.none()
    if user.sees_whole_regency or user.is_agency_operator:
        if user.regency_id is None:
            return residents.none()
        return residents.filter(
            Q(village__district__regency_id=user.regency_id) | Q(village__isnull=True)
        )
    return residents.none()


def can_edit_resident(user: User, resident: Resident) -> bool:
    """Program admins, and the village operator of the resident's village."""
    if user.is_program_admin:
        return True
    return user.is_village_operator and resident.village_id == user.village_id


def can_reveal_nik(user: User, resident: Resident) -> bool:
    """Who may see a full NIK (each view is audited): the same people who may edit."""
    return can_edit_resident(user, resident)


def get_resident_for_staff(user: User, pk: int) -> Resident:
    resident = visible_residents(user).filter(pk=pk).first()
    if resident is None:
        raise Http404
    return resident


def get_resident_for_edit(user: User, pk: int) -> Resident:
    """404 outside the user's scope, 403 inside it without the right to change."""
    resident = get_resident_for_staff(user, pk)
    if not can_edit_resident(user, resident):
        raise PermissionDenied
    return resident


def creatable_villages(user: User) -> QuerySet[Village]:
    """Villages a user may record new residents in."""
    villages = Village.objects.select_related("district").order_by("district__name", "name")
    if user.is_superuser:
        return villages
    if user.is_village_operator and user.village_id is not None:
        return villages.filter(pk=user.village_id)
    if (user.is_program_admin or user.is_agency_operator) and user.regency_id is not None:
        return villages.filter(district__regency_id=user.regency_id)
    return villages.none()


def can_create_residents(user: User) -> bool:
    """Program admins and village operators record residents; agency operators at the
    registration desk too (walk-ins). Leadership only reads."""
    return user.is_program_admin or user.is_village_operator or user.is_agency_operator


def find_residents(
    user: User, q: str, *, village: Village | None = None, limit: int = 20
) -> list[Resident]:
    """Search within the user's scope: 16 digits find one NIK exactly; 4 to 15 digits
    match the end of the NIK (what a desk officer reads off a KTP held behind glass);
    anything else matches the name. An empty search lists residents by name."""
    residents = visible_residents(user)
    if village is not None:
        residents = residents.filter(village=village)
    text = (q or "").strip()
    digits = clean_number(text)
    if digits.isdigit() and len(digits) == NIK_LENGTH:
        residents = residents.filter(national_id=digits)
    elif digits.isdigit() and len(digits) >= MIN_NIK_DIGITS_SEARCH:
        residents = residents.filter(national_id__endswith=digits)
    elif text:
        for word in text.split():
            residents = residents.filter(full_name__icontains=word)
    return list(residents.order_by("full_name", "pk")[:limit])


# --- visits open for pre-registration ----------------------------------------------


def is_open_for_registration(visit: Visit, today: dt.date | None = None) -> bool:
    """Announced or ongoing, and its last day not yet past (in the regency's clock)."""
    today = today or local_today(visit.regency)
    return visit.status in OPEN_VISIT_STATES and visit.end_date >= today


def registration_visits(user: User) -> list[Visit]:
    """Visits the user may see that still take pre-registrations, soonest first."""
    visits = visible_visits(user).filter(status__in=OPEN_VISIT_STATES).order_by("start_date")
    return [visit for visit in visits if is_open_for_registration(visit)]


def can_register_for(user: User, visit: Visit) -> bool:
    """Pre-registration is the village operator's job (their own village) and the
    program admin's; other roles read the lists."""
    if user.is_program_admin:
        return True
    return user.is_village_operator and visit.village_id == user.village_id


def get_visit_for_registration(user: User, pk: int, *, for_change: bool = False) -> Visit:
    """A visit the user may see (404), and with ``for_change`` may pre-register for (403)."""
    visit = visible_visits(user).filter(pk=pk).first()
    if visit is None:
        raise Http404
    if for_change and not can_register_for(user, visit):
        raise PermissionDenied
    return visit


def registration_scope(user: User, visit: Visit) -> QuerySet[Registration]:
    """Registrations of a visit the user may see: a village operator only those of
    residents of their village."""
    registrations = Registration.objects.filter(visit=visit)
    if user.is_village_operator:
        registrations = registrations.filter(resident__village=user.village)
    return registrations


def get_registration_for_change(user: User, pk: int) -> Registration:
    registration = (
        Registration.objects.select_related("visit__regency", "visit__village", "resident")
        .filter(pk=pk, visit__in=visible_visits(user))
        .first()
    )
    if registration is None:
        raise Http404
    if user.is_village_operator and registration.resident.village_id != user.village_id:
        raise Http404
    if not can_register_for(user, registration.visit):
        raise PermissionDenied
    return registration


# --- what a visit offers ---------------------------------------------------------------


def services_offered_at(visit: Visit) -> QuerySet[Service]:
    """Services a resident may pre-register for at a visit.

    Pre-registration starts days before every agency has confirmed, so this is: the
    services each *confirmed* agency chose to bring, plus every active service of an
    agency that is *invited and not yet confirmed* (it may still confirm them). Excused
    agencies offer nothing. Once an agency confirms, only its chosen services remain;
    registrations made earlier for a dropped service stay on record and show on the
    lists with the service's agency, so the village operator can tell the resident.
    """
    confirmed = Participation.objects.filter(
        visit=visit, status=Participation.Status.CONFIRMED
    ).values("pk")
    pending_agencies = Participation.objects.filter(
        visit=visit, status=Participation.Status.INVITED
    ).values("agency_id")
    through = Participation.services.through
    confirmed_services = through.objects.filter(participation__in=confirmed).values("service_id")
    return (
        Service.objects.active()
        .filter(Q(pk__in=confirmed_services) | Q(agency_id__in=pending_agencies))
        .select_related("agency")
        .order_by("agency__kind", "agency__short_name", "code")
    )


def services_with_requirements(visit: Visit) -> list[Service]:
    return list(
        services_offered_at(visit).prefetch_related(
            Prefetch("requirements", queryset=Requirement.objects.order_by("position", "id"))
        )
    )


# --- registrations ----------------------------------------------------------------------


def registrations_of(visit: Visit, village: Village | None = None) -> QuerySet[Registration]:
    """Registrations of a visit with what each resident needs and already has, for the
    lists; ``village`` keeps residents of one village."""
    registrations = Registration.objects.filter(visit=visit)
    if village is not None:
        registrations = registrations.filter(resident__village=village)
    return (
        registrations.select_related("resident__village", "registered_by")
        .prefetch_related(
            Prefetch(
                "needs",
                queryset=RegistrationService.objects.select_related("service__agency")
                .prefetch_related(
                    Prefetch(
                        "service__requirements",
                        queryset=Requirement.objects.order_by("position", "id"),
                    ),
                    "documents_present",
                )
                .order_by("service__agency__short_name", "service__code"),
            )
        )
        .order_by("resident__full_name", "pk")
    )


def documents_awaiting_handover(village: Village) -> QuerySet[Document]:
    """Documents finished (ready) and not yet handed over, of residents of a village:
    to be handed over at the visit. Read-only here; the handover is in records."""
    return (
        Document.objects.filter(status=Document.Status.READY, resident__village=village)
        .select_related("resident", "agency")
        .order_by("resident__full_name", "kind", "pk")
    )
