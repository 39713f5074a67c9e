"""apply_retention for residents' data: registration details of long-finished visits,
and phone numbers of residents who have not come for a long time."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from bujian.accounts.models import User
from bujian.core.models import AuditEntry
from bujian.core.retention import apply_retention
from bujian.residents import actions
from bujian.residents.models import Registration, RegistrationService, Resident
from bujian.residents.tests.conftest import Catalog
from bujian.visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(kades: User, visit: Visit, resident: Resident, catalog: Catalog) -> Registration:
    registration = actions.pre_register(
        visit=visit,
        resident=resident,
        services=[catalog.ktp],
        documents_present={catalog.ktp.pk: [catalog.ktp_reqs[0].pk]},
        actor=kades,
    )
    Registration.objects.filter(pk=registration.pk).update(notes="Datang dengan kursi roda")
    Resident.objects.filter(pk=resident.pk).update(
        phone="+6281312345678", phone_consent_at=timezone.now()
    )
    return registration


def _checklist_rows() -> int:
    return RegistrationService.documents_present.through.objects.count()


def test_nothing_is_erased_before_the_retention_period(registered: Registration) -> None:
    results = apply_retention(now=timezone.now() + dt.timedelta(days=30), dry_run=False)
    assert {r.rule.code: r.count for r in results if r.rule.code.startswith("residents.")} == {
        "residents.registration_details": 0,
        "residents.idle_phone": 0,
    }
    assert _checklist_rows() == 1


def test_dry_run_counts_and_the_real_run_erases_once(registered: Registration) -> None:
    later = timezone.now() + dt.timedelta(days=800)
    dry = {r.rule.code: r.count for r in apply_retention(now=later, dry_run=True)}
    assert dry["residents.registration_details"] == 1
    assert dry["residents.idle_phone"] == 1
    assert _checklist_rows() == 1
    assert not AuditEntry.objects.filter(action="core.retention.applied").exists()

    done = {r.rule.code: r.count for r in apply_retention(now=later, dry_run=False)}
    assert done["residents.registration_details"] == 1
    registered.refresh_from_db()
    assert registered.notes == ""
    assert _checklist_rows() == 0
    assert registered.needs.count() == 1  # the service stays: the report counts it
    resident = Resident.objects.get(pk=registered.resident_id)
    assert (resident.phone, resident.phone_consent_at) == ("", None)
    assert AuditEntry.objects.filter(action="core.retention.applied").count() == 2

    again = {r.rule.code: r.count for r in apply_retention(now=later, dry_run=False)}
    assert again["residents.registration_details"] == 0
    assert again["residents.idle_phone"] == 0


def test_the_command_reports_each_rule(registered: Registration) -> None:
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "residents.registration_details: would erase 0" in out.getvalue()
    assert "residents.idle_phone: would erase 0" in out.getvalue()
