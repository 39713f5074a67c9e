"""The visit package: what a field node pulls before the visit.

Reference data (regions of the regency, agencies and their services, the visit and
its participations, staff accounts taking part, the questionnaire, days off) travels
in Django's serialization with central's ids; the records the day changes (booths,
residents, registrations, documents waiting for handover, open aspirations of the
kecamatan) travel as wire records with their UUIDs. Residents carry only what the
day needs: no phone number, no consent date. Aspirations carry no reporter identity.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bujian.agencies.models import Agency, Requirement, Service
from bujian.aspirations.models import Aspiration
from bujian.calendars.models import DayOff
from bujian.records.models import Document
from bujian.regions.models import District, Province, Regency, Village
from bujian.residents.models import Registration, Resident
from bujian.surveys.models import Element, Questionnaire
from bujian.sync import wire
from bujian.visits.models import Booth, CheckIn, Participation, ParticipationStaff, Visit

FORMAT = 1
RESERVED_CODES = 2000
# Blanked in the package: the day does not need them (UU 27/2022, data minimisation).
MINIMISED = {
    "resident": {"phone": "", "phone_consent_at": None},
    "aspiration": {
        "reporter_name": "",
        "reporter_national_id": "",
        "reporter_phone": "",
        "phone_consent_at": None,
    },
}
CLOSED_ASPIRATION = ["resolved", "rejected", "closed", "merged"]


def wire_querysets(visit: Visit) -> dict[str, models.QuerySet[Any]]:
    """The records of the package, by kind."""
    district_id = visit.village.district_id
    registered = Registration.objects.filter(visit=visit)
    documents = Document.objects.filter(
        status=Document.Status.READY, resident__village__district_id=district_id
    )
    residents = Resident.objects.filter(
        Q(village_id=visit.village_id)
        | Q(pk__in=registered.values("resident_id"))
        | Q(pk__in=documents.values("resident_id"))
    )
    return {
        "booth": Booth.objects.filter(visit=visit),
        # Check-ins made on central before pairing: the node must know them, or its own
        # check-in of that agency that day would clash on central.
        "checkin": CheckIn.objects.filter(participation__visit=visit),
        "resident": residents,
        "registration": registered,
        "document": documents,
        "aspiration": Aspiration.objects.filter(village__district_id=district_id).exclude(
            status__in=CLOSED_ASPIRATION
        ),
    }


def wire_records(visit: Visit) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for name, queryset in wire_querysets(visit).items():
        kind = wire.BY_NAME[name]
        blank = MINIMISED.get(name, {})
        for uuid, data in wire.serialize(kind, queryset):
            data.update(blank)
            records.append({"k": name, "u": uuid, "d": data})
    return records


def reference_objects(visit: Visit, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reference rows, serialized with their ids, every foreign key they hold either
    inside the package or emptied."""
    regency = visit.regency
    participations = Participation.objects.filter(visit=visit)
    agency_codes = {code for kind, code in _codes(records) if kind == "agencies.Agency"}
    agencies = Agency.objects.filter(
        Q(regencies=regency) | Q(participations__visit=visit) | Q(code__in=agency_codes)
    ).distinct()
    service_codes = {code for kind, code in _codes(records) if kind == "agencies.Service"}
    services = Service.objects.filter(Q(agency__in=agencies) | Q(code__in=service_codes))
    village_codes = {code for kind, code in _codes(records) if kind == "regions.Village"}
    villages = Village.objects.filter(
        Q(district__regency=regency) | Q(code__in=village_codes)
    ).select_related("district__regency")
    districts = District.objects.filter(
        Q(regency=regency) | Q(pk__in=villages.values("district_id"))
    )
    regencies = Regency.objects.filter(pk__in=districts.values("regency_id"))
    provinces = Province.objects.filter(pk__in=regencies.values("province_id"))
    user_model = get_user_model()
    users = user_model.objects.filter(
        Q(agencies__in=participations.values("agency_id"), regency=regency)
        | Q(role__in=["program_admin", "leadership"], regency=regency)
        | Q(village=visit.village)
    ).distinct()
    querysets: list[models.QuerySet[Any]] = [
        provinces,
        regencies,
        districts,
        villages,
        agencies,
        services,
        Requirement.objects.filter(service__in=services),
        Visit.objects.filter(pk=visit.pk),
        participations,
        ParticipationStaff.objects.filter(participation__visit=visit),
        users,
        Questionnaire.objects.all(),
        Element.objects.all(),
        DayOff.objects.filter(regency=regency),
    ]
    if apps.is_installed("django_otp.plugins.otp_totp"):
        totp = apps.get_model("otp_totp", "TOTPDevice")
        querysets.append(totp.objects.filter(user__in=users, confirmed=True))
    objects: list[dict[str, Any]] = []
    for queryset in querysets:
        objects.extend(json.loads(serializers.serialize("json", queryset)))
    return _close_references(objects)


def _codes(records: list[dict[str, Any]]) -> Iterable[tuple[str, str]]:
    for record in records:
        kind = wire.BY_NAME[record["k"]]
        for name, style in (*kind.refs.items(), *kind.m2m.items()):
            if style[0] != wire.CODE:
                continue
            value = record["d"].get(name)
            for code in value if isinstance(value, list) else [value]:
                if code:
                    yield style[1], str(code)


def _close_references(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    included = {(obj["model"], obj["pk"]) for obj in objects}
    for obj in objects:
        model = apps.get_model(obj["model"])
        fields = obj["fields"]
        if obj["model"] == "accounts.user":
            fields["groups"] = []
            fields["user_permissions"] = []
        for model_field in model._meta.get_fields():
            if not getattr(model_field, "concrete", False) or not model_field.is_relation:
                continue
            related = model_field.related_model
            assert related is not None and not isinstance(related, str)
            label = related._meta.label_lower
            value = fields.get(model_field.name)
            if model_field.many_to_many:
                fields[model_field.name] = [pk for pk in value or [] if (label, pk) in included]
            elif value is not None and (label, value) not in included:
                if not model_field.null:
                    raise LookupError(f"{obj['model']} {obj['pk']} needs {label} {value}")
                fields[model_field.name] = None
    return objects


def build_package(*, node: Any) -> dict[str, Any]:
    visit = node.visit
    records = wire_records(visit)
    return {
        "format": FORMAT,
        "node": str(node.uuid),
        "node_name": node.name,
        "secret": node.secret,
        "visit": visit.pk,
        "created": timezone.now().isoformat(),
        "reference": reference_objects(visit, records),
        "records": records,
    }
