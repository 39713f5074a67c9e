from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.agencies.models import Agency
from bujian.agencies.tests.factories import AgencyFactory, RequirementFactory, ServiceFactory
from bujian.conftest import client_for
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import DistrictFactory, RegencyFactory, VillageFactory
from bujian.visits import actions
from bujian.visits.models import Excuse, Participation, Visit

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
VISIT_DAY = dt.date(2026, 12, 10)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def visit(
    regency: Regency, village: Village, budi: User, disdukcapil: Agency, samsat: Agency
) -> Visit:
    visit = actions.plan_visit(
        regency=regency, village=village, start_date=VISIT_DAY, end_date=VISIT_DAY, created_by=budi
    )
    actions.invite_agency(visit=visit, agency=samsat, actor=budi)
    actions.announce_visit(visit=visit, actor=budi)
    return visit


@pytest.fixture
def lampung_admin() -> User:
    lampung = RegencyFactory.create(code="18.02", name="Kabupaten Lampung Tengah")
    return UserFactory.create(
        username="bappeda-lteng", role=User.Role.PROGRAM_ADMIN, regency=lampung
    )


# --- public pages -----------------------------------------------------------------


def test_public_schedule_lists_announced_visits_by_kecamatan(
    client: Client, visit: Visit, budi: User, regency: Regency
) -> None:
    draft_village = VillageFactory.create(
        district=visit.village.district, code="17.01.05.2002", name="Desa Rahasia"
    )
    actions.plan_visit(
        regency=regency,
        village=draft_village,
        start_date=VISIT_DAY,
        end_date=VISIT_DAY,
        created_by=budi,
    )
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Padang Kapuk" in body
    assert "Kota Manna" in body
    assert "Desa Rahasia" not in body  # drafts are not public
    assert "Kamis, 10 Desember 2026" in body


def test_public_detail_shows_services_with_requirements_and_fee(
    client: Client, visit: Visit, disdukcapil: Agency, samsat: Agency, siti: User, andi: User
) -> None:
    ktp = ServiceFactory.create(agency=disdukcapil, code="DUK-KTP", name="Pencetakan KTP-el")
    RequirementFactory.create(service=ktp, text="KK asli")
    sim = ServiceFactory.create(
        agency=samsat, code="PKB", name="Pembayaran PKB", fee_kind="fixed", fee_amount=80000
    )
    for agency, service, user in [(disdukcapil, ktp, siti), (samsat, sim, andi)]:
        actions.confirm_participation(
            participation=Participation.objects.get(visit=visit, agency=agency),
            actor=user,
            services=[service],
            staff=[actions.StaffEntry(name="Petugas Rahasia", nip="198001012005012001")],
        )
    response = Client().get(reverse("visits:public_detail", args=[visit.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Pencetakan KTP-el" in body and "KK asli" in body
    assert "Rp80.000" in body and "Gratis" in body
    assert "Petugas Rahasia" not in body and "198001012005012001" not in body  # no personal data


def test_public_detail_of_a_draft_is_404(
    client: Client, regency: Regency, village: Village, budi: User
) -> None:
    draft = actions.plan_visit(
        regency=regency, village=village, start_date=VISIT_DAY, end_date=VISIT_DAY, created_by=budi
    )
    assert client.get(reverse("visits:public_detail", args=[draft.pk])).status_code == 404


def test_past_visits_page(client: Client, visit: Visit, budi: User) -> None:
    actions.finish_visit(visit=visit, actor=budi, now=dt.datetime(2026, 12, 10, 17, tzinfo=dt.UTC))
    response = client.get(reverse("visits:public_past"))
    assert response.status_code == 200
    assert "Padang Kapuk" in response.content.decode()


def test_ics_feed_has_one_event_per_public_visit(client: Client, visit: Visit) -> None:
    response = client.get(reverse("visits:public_calendar"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert "DTSTART;TZID=Asia/Jakarta:20261210T080000" in body
    assert "Padang Kapuk" in body


def test_unknown_regency_on_public_pages_is_404(client: Client, visit: Visit) -> None:
    assert client.get(reverse("core:home") + "?kabupaten=99.99").status_code == 404


# --- staff: who may see and do what -------------------------------------------------


def test_anonymous_is_sent_to_login(client: Client, visit: Visit) -> None:
    response = client.get(reverse("visits:staff_detail", args=[visit.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_program_admin_plans_a_visit_over_http(
    budi: User, regency: Regency, village: Village, disdukcapil: Agency
) -> None:
    response = client_for(budi).post(
        reverse("visits:staff_create"),
        {
            "village": village.pk,
            "start_date": "2026-12-15",
            "end_date": "2026-12-16",
            "daily_start": "08:00",
            "daily_end": "16:00",
            "venue": "Balai Desa",
            "expects_bupati": "on",
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:staff_detail", args=[visit.pk])
    assert visit.participations.filter(agency=disdukcapil, mandatory=True).exists()


def test_bad_dates_get_a_message_and_save_nothing(budi: User, village: Village) -> None:
    response = client_for(budi).post(
        reverse("visits:staff_create"),
        {
            "village": village.pk,
            "start_date": "2026-12-15",
            "end_date": "2026-12-14",
            "daily_start": "08:00",
            "daily_end": "16:00",
            "venue": "Balai Desa",
        },
    )
    assert response.status_code == 200
    assert "sebelum tanggal mulai" in response.content.decode()
    assert Visit.objects.count() == 0


def test_past_date_is_refused_with_a_message(budi: User, village: Village) -> None:
    response = client_for(budi).post(
        reverse("visits:staff_create"),
        {
            "village": village.pk,
            "start_date": "2026-11-01",
            "end_date": "2026-11-01",
            "daily_start": "08:00",
            "daily_end": "16:00",
            "venue": "Balai Desa",
        },
    )
    assert response.status_code == 200
    assert "sudah lewat" in response.content.decode()
    assert Visit.objects.count() == 0


def test_village_of_another_regency_cannot_be_chosen(budi: User) -> None:
    lampung = RegencyFactory.create(code="18.02", name="Kabupaten Lampung Tengah")
    far = VillageFactory.create(
        district=DistrictFactory.create(regency=lampung, code="18.02.01"), code="18.02.01.2001"
    )
    response = client_for(budi).post(
        reverse("visits:staff_create"),
        {
            "village": far.pk,
            "start_date": "2026-12-15",
            "end_date": "2026-12-15",
            "daily_start": "08:00",
            "daily_end": "16:00",
            "venue": "Balai Desa",
        },
    )
    assert response.status_code == 200
    assert Visit.objects.count() == 0


@pytest.mark.parametrize("name", ["siti", "bupati", "kades"])
def test_only_program_admins_plan_visits(
    request: pytest.FixtureRequest, name: str, village: Village
) -> None:
    user = request.getfixturevalue(name)
    assert client_for(user).get(reverse("visits:staff_create")).status_code == 403


def test_admin_of_another_regency_gets_404(visit: Visit, lampung_admin: User) -> None:
    client = client_for(lampung_admin)
    assert client.get(reverse("visits:staff_detail", args=[visit.pk])).status_code == 404
    assert (
        client.post(reverse("visits:staff_transition", args=[visit.pk, "finish"])).status_code
        == 404
    )
    visit.refresh_from_db()
    assert visit.status == Visit.Status.ANNOUNCED


def test_leadership_reads_but_cannot_change(visit: Visit, bupati: User) -> None:
    client = client_for(bupati)
    assert client.get(reverse("visits:staff_detail", args=[visit.pk])).status_code == 200
    assert client.get(reverse("visits:attendance_sheet", args=[visit.pk])).status_code == 200
    assert client.get(reverse("visits:ledger")).status_code == 200
    assert (
        client.post(reverse("visits:staff_transition", args=[visit.pk, "finish"])).status_code
        == 403
    )
    assert client.get(reverse("visits:staff_edit", args=[visit.pk])).status_code == 403


def test_agency_operator_sees_only_own_participation(
    visit: Visit, siti: User, samsat: Agency
) -> None:
    client = client_for(siti)
    response = client.get(reverse("visits:staff_detail", args=[visit.pk]))
    assert response.status_code == 200
    assert 'data-agency="disdukcapil"' in response.content.decode()
    assert 'data-agency="samsat"' not in response.content.decode()
    other = Participation.objects.get(visit=visit, agency=samsat)
    assert client.get(reverse("visits:participation", args=[other.pk])).status_code == 404
    assert (
        client.post(
            reverse("visits:request_excuse", args=[other.pk]), {"reason": "x" * 20}
        ).status_code
        == 404
    )
    assert client.get(reverse("visits:ledger")).status_code == 403
    assert client.get(reverse("visits:attendance_sheet", args=[visit.pk])).status_code == 403


def test_agency_operator_not_invited_cannot_open_the_visit(visit: Visit, regency: Regency) -> None:
    dinkes = AgencyFactory.create(code="dinkes", kind=Agency.Kind.VERTICAL, regencies=[regency])
    outsider = UserFactory.create(
        username="dinkes-op", role=User.Role.AGENCY_OPERATOR, regency=regency, agencies=[dinkes]
    )
    assert (
        client_for(outsider).get(reverse("visits:staff_detail", args=[visit.pk])).status_code == 404
    )


def test_village_operator_sees_visits_of_their_village_only(
    visit: Visit, kades: User, regency: Regency, budi: User
) -> None:
    other_village = VillageFactory.create(
        district=visit.village.district, code="17.01.05.2009", name="Desa Lain"
    )
    other = actions.plan_visit(
        regency=regency,
        village=other_village,
        start_date=VISIT_DAY,
        end_date=VISIT_DAY,
        created_by=budi,
    )
    client = client_for(kades)
    assert client.get(reverse("visits:staff_detail", args=[visit.pk])).status_code == 200
    assert client.get(reverse("visits:staff_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("visits:ledger")).status_code == 403


def test_operator_confirms_services_and_staff(
    visit: Visit, siti: User, disdukcapil: Agency
) -> None:
    ktp = ServiceFactory.create(agency=disdukcapil, code="DUK-KTP")
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    url = reverse("visits:participation", args=[participation.pk])
    assert client_for(siti).get(url).status_code == 200
    response = client_for(siti).post(
        url,
        {
            "services": [ktp.pk],
            "booth_tables": 2,
            "booth_chairs": 4,
            "needs_power": "on",
            "equipment": "",
            "staff-TOTAL_FORMS": 3,
            "staff-INITIAL_FORMS": 0,
            "staff-MIN_NUM_FORMS": 0,
            "staff-MAX_NUM_FORMS": 1000,
            "staff-0-name": "Rina",
            "staff-0-nip": "198001012005012001",
            "staff-0-role": "Operator SIAK",
            "staff-1-name": "",
            "staff-1-nip": "",
            "staff-1-role": "",
            "staff-2-name": "",
            "staff-2-nip": "",
            "staff-2-role": "",
        },
    )
    assert response.status_code == 302
    participation.refresh_from_db()
    assert participation.status == Participation.Status.CONFIRMED
    assert participation.booth_tables == 2


def test_bad_nip_is_refused_and_nothing_saved(
    visit: Visit, siti: User, disdukcapil: Agency
) -> None:
    ktp = ServiceFactory.create(agency=disdukcapil, code="DUK-KTP")
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    response = client_for(siti).post(
        reverse("visits:participation", args=[participation.pk]),
        {
            "services": [ktp.pk],
            "booth_tables": 1,
            "booth_chairs": 2,
            "staff-TOTAL_FORMS": 1,
            "staff-INITIAL_FORMS": 0,
            "staff-MIN_NUM_FORMS": 0,
            "staff-MAX_NUM_FORMS": 1000,
            "staff-0-name": "Rina",
            "staff-0-nip": "12345",
            "staff-0-role": "",
        },
    )
    assert response.status_code == 200
    assert "18 digit" in response.content.decode()
    participation.refresh_from_db()
    assert participation.status == Participation.Status.INVITED


def test_operator_checks_in_own_agency_but_not_another(
    visit: Visit,
    siti: User,
    disdukcapil: Agency,
    samsat: Agency,
    _frozen_clock: time_machine.Traveller,
) -> None:
    _frozen_clock.move_to(
        dt.datetime(2026, 12, 10, 7, 55, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    )
    client = client_for(siti)
    url = reverse("visits:staff_checkin", args=[visit.pk])
    assert client.post(url, {"agency": disdukcapil.pk, "direction": "in"}).status_code == 302
    assert client.post(url, {"agency": samsat.pk, "direction": "in"}).status_code == 403
    assert (
        Participation.objects.get(visit=visit, agency=disdukcapil).attendance
        == Participation.Attendance.PRESENT
    )
    assert (
        Participation.objects.get(visit=visit, agency=samsat).attendance
        == Participation.Attendance.PENDING
    )


def test_check_in_for_an_agency_not_invited_shows_a_message(
    visit: Visit, budi: User, regency: Regency, _frozen_clock: time_machine.Traveller
) -> None:
    _frozen_clock.move_to(
        dt.datetime(2026, 12, 10, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    )
    bank = AgencyFactory.create(code="bank", kind=Agency.Kind.STAKEHOLDER, regencies=[regency])
    response = client_for(budi).post(
        reverse("visits:staff_checkin", args=[visit.pk]),
        {"agency": bank.pk, "direction": "in"},
        follow=True,
    )
    assert "tidak diundang" in response.content.decode()
    assert not Participation.objects.filter(visit=visit, agency=bank).exists()


def test_excuse_request_and_decision_over_http(
    visit: Visit, siti: User, budi: User, disdukcapil: Agency
) -> None:
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    client_for(siti).post(
        reverse("visits:request_excuse", args=[participation.pk]),
        {"reason": "Seluruh petugas mengikuti bimtek SIAK di Jakarta."},
    )
    excuse = Excuse.objects.get()
    assert (
        client_for(siti)
        .post(reverse("visits:decide_excuse", args=[excuse.pk]), {"decision": "approve"})
        .status_code
        == 403
    )
    response = client_for(budi).post(
        reverse("visits:decide_excuse", args=[excuse.pk]), {"decision": "approve", "note": ""}
    )
    assert response.status_code == 302
    participation.refresh_from_db()
    assert participation.status == Participation.Status.EXCUSED


def test_cancel_without_reason_changes_nothing(visit: Visit, budi: User) -> None:
    response = client_for(budi).post(
        reverse("visits:staff_transition", args=[visit.pk, "cancel"]), {"reason": ""}, follow=True
    )
    visit.refresh_from_db()
    assert visit.status == Visit.Status.ANNOUNCED
    assert "alasan" in response.content.decode().lower()


def test_ledger_ranks_the_absent_agency_first(
    visit: Visit,
    budi: User,
    disdukcapil: Agency,
    regency: Regency,
    _frozen_clock: time_machine.Traveller,
) -> None:
    perkim = AgencyFactory.create(code="perkim", short_name="Perkim", regencies=[regency])
    actions.invite_agency(visit=visit, agency=perkim, actor=budi)
    _frozen_clock.move_to(
        dt.datetime(2026, 12, 10, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    )
    actions.check_in(visit=visit, agency=disdukcapil, actor=budi)
    actions.finish_visit(visit=visit, actor=budi)
    response = client_for(budi).get(reverse("visits:ledger"))
    rows = response.context["rows"]
    assert rows[0].agency == perkim and rows[0].absent == 1
    assert "Perkim" in response.content.decode()


def test_staff_list_counts_queries(
    visit: Visit, budi: User, django_assert_max_num_queries: object, regency: Regency
) -> None:
    for i in range(5):
        village = VillageFactory.create(district=visit.village.district, code=f"17.01.05.21{i:02d}")
        actions.plan_visit(
            regency=regency,
            village=village,
            start_date=VISIT_DAY,
            end_date=VISIT_DAY,
            created_by=budi,
        )
    client = client_for(budi)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get(reverse("visits:staff_list")).status_code == 200


def test_cross_scope_changes_are_refused(
    visit: Visit,
    siti: User,
    andi: User,
    bupati: User,
    kades: User,
    lampung_admin: User,
    budi: User,
    disdukcapil: Agency,
    samsat: Agency,
    _frozen_clock: time_machine.Traveller,
) -> None:
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    samsat_part = Participation.objects.get(visit=visit, agency=samsat)
    excuse = actions.request_excuse(
        participation=participation, actor=siti, reason="Seluruh petugas mengikuti bimtek SIAK."
    )
    invite = reverse("visits:staff_invite", args=[visit.pk])
    uninvite = reverse("visits:staff_uninvite", args=[samsat_part.pk])
    decide = reverse("visits:decide_excuse", args=[excuse.pk])
    confirm = reverse("visits:participation", args=[participation.pk])
    checkin = reverse("visits:staff_checkin", args=[visit.pk])
    _frozen_clock.move_to(dt.datetime(2026, 12, 10, 8, 0, tzinfo=dt.UTC))
    # Agency operators: no invitations, no decisions, not another agency's answers.
    assert client_for(siti).post(invite, {"agency": samsat.pk}).status_code == 403
    assert client_for(siti).post(uninvite).status_code == 404
    assert client_for(andi).post(decide, {"decision": "approve"}).status_code == 403
    assert client_for(andi).post(confirm, {}).status_code == 404
    # Leadership reads only.
    assert client_for(bupati).post(confirm, {}).status_code == 403
    assert client_for(bupati).post(decide, {"decision": "approve"}).status_code == 403
    assert (
        client_for(bupati).post(checkin, {"agency": disdukcapil.pk, "direction": "in"}).status_code
        == 403
    )
    # A village operator reads their village's visit and changes nothing.
    assert client_for(kades).post(confirm, {}).status_code == 403
    assert (
        client_for(kades).post(checkin, {"agency": disdukcapil.pk, "direction": "in"}).status_code
        == 403
    )
    # Another regency's admin does not even see it.
    assert client_for(lampung_admin).post(decide, {"decision": "approve"}).status_code == 404
    assert (
        client_for(lampung_admin)
        .post(checkin, {"agency": disdukcapil.pk, "direction": "in"})
        .status_code
        == 404
    )
    excuse.refresh_from_db()
    participation.refresh_from_db()
    assert excuse.decision == Excuse.Decision.PENDING
    assert participation.attendance == Participation.Attendance.PENDING
    assert Participation.objects.filter(visit=visit, agency=samsat).exists()


def test_day_two_offers_check_in_again(
    regency: Regency,
    village: Village,
    budi: User,
    siti: User,
    disdukcapil: Agency,
    _frozen_clock: time_machine.Traveller,
) -> None:
    wib = dt.timezone(dt.timedelta(hours=7))
    visit = actions.plan_visit(
        regency=regency,
        village=village,
        start_date=VISIT_DAY,
        end_date=VISIT_DAY + dt.timedelta(days=1),
        created_by=budi,
    )
    actions.announce_visit(visit=visit, actor=budi)
    _frozen_clock.move_to(dt.datetime(2026, 12, 10, 7, 50, tzinfo=wib))
    client = client_for(siti)
    url = reverse("visits:staff_checkin", args=[visit.pk])
    client.post(url, {"agency": disdukcapil.pk, "direction": "in"})
    client.post(url, {"agency": disdukcapil.pk, "direction": "out"})
    _frozen_clock.move_to(dt.datetime(2026, 12, 11, 8, 10, tzinfo=wib))
    client = client_for(siti)  # yesterday's session has expired overnight
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    page = client.get(reverse("visits:participation", args=[participation.pk]))
    assert 'name="direction" value="in"' in page.content.decode()
    client.post(url, {"agency": disdukcapil.pk, "direction": "in"})
    assert participation.checkins.count() == 2
