"""An access request: everything Bujian holds about one resident (UU 27/2022)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.conftest import client_for
from bujian.core.models import AuditEntry
from bujian.records.models import Document, DocumentHandover
from bujian.residents import actions
from bujian.residents.models import Resident
from bujian.residents.tests.conftest import Catalog
from bujian.visits.models import Visit

pytestmark = pytest.mark.django_db

PROXY_NIK = "1701054107900003"


@pytest.fixture
def history(
    kades: User, visit: Visit, resident: Resident, catalog: Catalog, disdukcapil: Agency
) -> Resident:
    actions.pre_register(
        visit=visit,
        resident=resident,
        services=[catalog.ktp],
        documents_present={catalog.ktp.pk: [catalog.ktp_reqs[0].pk]},
        actor=kades,
    )
    document = Document.objects.create(
        kind=Document.Kind.KTP_EL,
        number="KTP-77",
        resident=resident,
        agency=disdukcapil,
        status=Document.Status.HANDED_OVER,
    )
    DocumentHandover.objects.create(
        document=document,
        recipient=DocumentHandover.Recipient.PROXY,
        proxy_name="Rahmat",
        proxy_national_id=PROXY_NIK,
        proxy_relationship="Suami",
        handed_over_at=timezone.now(),
    )
    return resident


def test_the_program_admin_gets_everything_as_a_file_and_it_is_audited(
    budi: User, history: Resident
) -> None:
    url = reverse("residents:personal_data", args=[history.pk])
    client = client_for(budi)
    page = client.get(url)
    assert page.status_code == 200
    assert history.national_id in page.content.decode()

    response = client.get(url, {"unduh": "json"})
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["resident"]["nik"] == history.national_id
    assert data["resident"]["full_name"] == "Siti Aminah"
    (registration,) = data["resident"]["registrations"]
    assert registration["services"][0]["documents_already_held"]
    (document,) = data["services_and_documents"]["documents"]
    assert document["number"] == "KTP-77"
    # The proxy is another person: their NIK stays masked.
    assert document["handed_over"]["proxy_nik"] == "1701••••••••0003"
    assert PROXY_NIK not in response.content.decode()
    assert data["queue_numbers"] == []
    entries = AuditEntry.objects.filter(action="residents.personal_data.exported")
    assert entries.count() == 2
    assert history.national_id not in json.dumps([e.data for e in entries])


def test_only_program_admins_may_export(
    siti: User, kades: User, bupati: User, other_kades: User, history: Resident
) -> None:
    url = reverse("residents:personal_data", args=[history.pk])
    for user in (siti, kades, bupati):
        assert client_for(user).get(url).status_code == 403, user
    assert client_for(other_kades).get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="residents.personal_data.exported").exists()


def test_the_residents_page_links_the_request_for_admins(budi: User, history: Resident) -> None:
    body = client_for(budi).get(reverse("residents:detail", args=[history.pk])).content.decode()
    assert reverse("residents:personal_data", args=[history.pk]) in body
