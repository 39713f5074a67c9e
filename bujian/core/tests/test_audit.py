"""The audit trail: who, what, when and from where; nobody edits it in the app."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.conftest import client_for
from bujian.core.models import AuditEntry

pytestmark = pytest.mark.django_db

ADD_DAY = {"date": "2027-03-12", "kind": "cuti_bersama", "name": "Cuti bersama"}


def test_an_entry_records_the_address_it_came_from(budi: User) -> None:
    client_for(budi).post("/kalender/", ADD_DAY, REMOTE_ADDR="10.20.30.40")
    entry = AuditEntry.objects.get(action="calendars.day_off.added")
    assert (entry.actor, entry.source_ip) == (budi, "10.20.30.40")


def test_behind_the_proxy_the_forwarded_address_counts(budi: User, settings: Any) -> None:
    settings.BUJIAN_BEHIND_PROXY = True
    client_for(budi).post(
        "/kalender/",
        ADD_DAY,
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7",
    )
    # The last address is the one the regency's own proxy saw; the first may be forged.
    assert AuditEntry.objects.get(action="calendars.day_off.added").source_ip == "198.51.100.7"


def test_the_trail_cannot_be_changed_even_by_a_superuser(budi: User) -> None:
    client_for(budi).post("/kalender/", ADD_DAY)
    entry = AuditEntry.objects.get()
    root = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    client: Client = client_for(root)
    assert client.get(f"/admin/core/auditentry/{entry.pk}/change/").status_code in {200, 403}
    response = client.post(
        f"/admin/core/auditentry/{entry.pk}/change/", {"action": "forged", "target_repr": "x"}
    )
    assert response.status_code == 403
    assert (
        client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.action == "calendars.day_off.added"
