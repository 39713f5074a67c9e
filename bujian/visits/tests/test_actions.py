from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.agencies.tests.factories import AgencyFactory, ServiceFactory
from bujian.core.errors import DomainError
from bujian.core.models import AuditEntry
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import DistrictFactory, RegencyFactory, VillageFactory
from bujian.visits import actions
from bujian.visits.models import CheckIn, Excuse, Participation, Visit

WIB = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=WIB)
VISIT_DAY = dt.date(2026, 12, 10)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB)


@pytest.fixture
def visit(regency: Regency, village: Village, budi: User, disdukcapil: Agency) -> Visit:
    return actions.plan_visit(
        regency=regency,
        village=village,
        start_date=VISIT_DAY,
        end_date=VISIT_DAY,
        created_by=budi,
        now=NOW,
    )


def test_planning_a_visit_invites_every_active_opd(
    regency: Regency, village: Village, budi: User
) -> None:
    opds = AgencyFactory.create_batch(4, regencies=[regency])
    AgencyFactory.create(kind=Agency.Kind.OPD, is_active=False, regencies=[regency])
    AgencyFactory.create(kind=Agency.Kind.VERTICAL, regencies=[regency])
    other_regency = RegencyFactory.create(code="18.02", name="Kabupaten Lampung Tengah")
    AgencyFactory.create(regencies=[other_regency])

    visit = actions.plan_visit(
        regency=regency,
        village=village,
        start_date=VISIT_DAY,
        end_date=VISIT_DAY,
        created_by=budi,
        now=NOW,
    )

    invited = set(visit.participations.values_list("agency_id", flat=True))
    assert invited == {a.pk for a in opds}
    assert visit.participations.filter(mandatory=True).count() == 4
    assert visit.status == Visit.Status.DRAFT
    assert AuditEntry.objects.filter(
        action="visits.visit.planned", target_id=str(visit.pk)
    ).exists()


def test_end_before_start_is_refused(regency: Regency, village: Village, budi: User) -> None:
    with pytest.raises(DomainError) as error:
        actions.plan_visit(
            regency=regency,
            village=village,
            start_date=VISIT_DAY,
            end_date=VISIT_DAY - dt.timedelta(days=1),
            created_by=budi,
            now=NOW,
        )
    assert error.value.code == "visits.end_before_start"
    assert Visit.objects.count() == 0


def test_a_visit_lasts_at_most_two_days(regency: Regency, village: Village, budi: User) -> None:
    with pytest.raises(DomainError) as error:
        actions.plan_visit(
            regency=regency,
            village=village,
            start_date=VISIT_DAY,
            end_date=VISIT_DAY + dt.timedelta(days=2),
            created_by=budi,
            now=NOW,
        )
    assert error.value.code == "visits.too_long"


def test_a_new_visit_cannot_start_in_the_past(
    regency: Regency, village: Village, budi: User
) -> None:
    with pytest.raises(DomainError) as error:
        actions.plan_visit(
            regency=regency,
            village=village,
            start_date=dt.date(2026, 11, 27),
            end_date=dt.date(2026, 11, 27),
            created_by=budi,
            now=NOW,
        )
    assert error.value.code == "visits.in_the_past"
    assert "27-11-2026" in error.value.message


def test_today_is_allowed_in_the_regency_time_zone(
    regency: Regency, village: Village, budi: User
) -> None:
    # 23:30 UTC on the 27th is already the 28th in WIB.
    late_utc = dt.datetime(2026, 11, 27, 23, 30, tzinfo=dt.UTC)
    visit = actions.plan_visit(
        regency=regency,
        village=village,
        start_date=dt.date(2026, 11, 28),
        end_date=dt.date(2026, 11, 28),
        created_by=budi,
        now=late_utc,
    )
    assert visit.pk


def test_overlapping_visits_in_one_village_are_refused(visit: Visit, budi: User) -> None:
    with pytest.raises(DomainError) as error:
        actions.plan_visit(
            regency=visit.regency,
            village=visit.village,
            start_date=VISIT_DAY - dt.timedelta(days=1),
            end_date=VISIT_DAY,
            created_by=budi,
            now=NOW,
        )
    assert error.value.code == "visits.overlap"
    assert Visit.objects.count() == 1


def test_a_cancelled_visit_frees_its_dates(visit: Visit, budi: User) -> None:
    actions.cancel_visit(visit=visit, actor=budi, reason="Banjir di jalan menuju desa.")
    again = actions.plan_visit(
        regency=visit.regency,
        village=visit.village,
        start_date=VISIT_DAY,
        end_date=VISIT_DAY,
        created_by=budi,
        now=NOW,
    )
    assert again.pk != visit.pk


def test_a_village_outside_the_regency_is_refused(regency: Regency, budi: User) -> None:
    lampung = RegencyFactory.create(code="18.02", name="Kabupaten Lampung Tengah")
    far_village = VillageFactory.create(
        district=DistrictFactory.create(regency=lampung, code="18.02.01"), code="18.02.01.2001"
    )
    with pytest.raises(DomainError) as error:
        actions.plan_visit(
            regency=regency,
            village=far_village,
            start_date=VISIT_DAY,
            end_date=VISIT_DAY,
            created_by=budi,
            now=NOW,
        )
    assert error.value.code == "visits.village_outside_regency"


def test_check_in_for_an_agency_not_invited_is_refused(
    visit: Visit, samsat: Agency, budi: User
) -> None:
    actions.announce_visit(visit=visit, actor=budi)
    with pytest.raises(DomainError) as error:
        actions.check_in(visit=visit, agency=samsat, actor=budi, now=at(VISIT_DAY, 8))
    assert error.value.code == "visits.not_invited"
    assert CheckIn.objects.count() == 0


def test_check_in_records_time_starts_the_visit_and_flags_late(
    visit: Visit, disdukcapil: Agency, siti: User, budi: User
) -> None:
    actions.announce_visit(visit=visit, actor=budi)
    checkin = actions.check_in(
        visit=visit, agency=disdukcapil, actor=siti, now=at(VISIT_DAY, 8, 45)
    )
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    visit.refresh_from_db()
    assert checkin.late is True
    assert participation.attendance == Participation.Attendance.PRESENT
    assert participation.late is True
    assert visit.status == Visit.Status.ONGOING


def test_on_time_check_in_is_not_late(
    visit: Visit, disdukcapil: Agency, siti: User, budi: User
) -> None:
    actions.announce_visit(visit=visit, actor=budi)
    checkin = actions.check_in(
        visit=visit, agency=disdukcapil, actor=siti, now=at(VISIT_DAY, 8, 20)
    )
    assert checkin.late is False


def test_check_in_twice_a_day_is_refused(
    visit: Visit, disdukcapil: Agency, siti: User, budi: User
) -> None:
    actions.announce_visit(visit=visit, actor=budi)
    actions.check_in(visit=visit, agency=disdukcapil, actor=siti, now=at(VISIT_DAY, 7, 50))
    with pytest.raises(DomainError) as error:
        actions.check_in(visit=visit, agency=disdukcapil, actor=siti, now=at(VISIT_DAY, 9))
    assert error.value.code == "visits.already_checked_in"
    assert "07:50" in error.value.message
    assert CheckIn.objects.count() == 1


def test_check_in_outside_the_visit_days_is_refused(
    visit: Visit, disdukcapil: Agency, siti: User, budi: User
) -> None:
    actions.announce_visit(visit=visit, actor=budi)
    with pytest.raises(DomainError) as error:
        actions.check_in(
            visit=visit, agency=disdukcapil, actor=siti, now=at(VISIT_DAY - dt.timedelta(days=1), 8)
        )
    assert error.value.code == "visits.checkin_wrong_day"


def test_check_in_on_a_draft_visit_is_refused(
    visit: Visit, disdukcapil: Agency, siti: User
) -> None:
    with pytest.raises(DomainError) as error:
        actions.check_in(visit=visit, agency=disdukcapil, actor=siti, now=at(VISIT_DAY, 8))
    assert error.value.code == "visits.checkin_closed"


def test_check_out_once(visit: Visit, disdukcapil: Agency, siti: User, budi: User) -> None:
    actions.announce_visit(visit=visit, actor=budi)
    actions.check_in(visit=visit, agency=disdukcapil, actor=siti, now=at(VISIT_DAY, 8))
    out = actions.check_out(visit=visit, agency=disdukcapil, actor=siti, now=at(VISIT_DAY, 15))
    assert out.checked_out_at is not None
    with pytest.raises(DomainError) as error:
        actions.check_out(visit=visit, agency=disdukcapil, actor=siti, now=at(VISIT_DAY, 16))
    assert error.value.code == "visits.already_checked_out"


def test_finishing_records_absence_of_agencies_that_did_not_come(
    regency: Regency, visit: Visit, disdukcapil: Agency, siti: User, budi: User
) -> None:
    perkim = AgencyFactory.create(code="perkim", short_name="Perkim", regencies=[regency])
    actions.invite_agency(visit=visit, agency=perkim, actor=budi)
    actions.announce_visit(visit=visit, actor=budi)
    actions.check_in(visit=visit, agency=disdukcapil, actor=siti, now=at(VISIT_DAY, 8))
    actions.finish_visit(visit=visit, actor=budi, now=at(VISIT_DAY, 17))
    assert (
        Participation.objects.get(visit=visit, agency=perkim).attendance
        == Participation.Attendance.ABSENT
    )
    assert (
        Participation.objects.get(visit=visit, agency=disdukcapil).attendance
        == Participation.Attendance.PRESENT
    )


def test_an_approved_excuse_is_not_an_absence(
    visit: Visit, disdukcapil: Agency, siti: User, budi: User
) -> None:
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    excuse = actions.request_excuse(
        participation=participation, actor=siti, reason="Server SIAK sedang migrasi nasional."
    )
    actions.decide_excuse(excuse=excuse, actor=budi, approve=True)
    actions.announce_visit(visit=visit, actor=budi)
    actions.finish_visit(visit=visit, actor=budi, now=at(VISIT_DAY, 17))
    participation.refresh_from_db()
    assert participation.status == Participation.Status.EXCUSED
    assert participation.attendance == Participation.Attendance.PENDING
    assert Excuse.objects.get().decided_by == budi


def test_an_excuse_needs_a_written_reason(visit: Visit, disdukcapil: Agency, siti: User) -> None:
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    with pytest.raises(DomainError) as error:
        actions.request_excuse(participation=participation, actor=siti, reason="sibuk")
    assert error.value.code == "visits.excuse_reason_required"
    assert Excuse.objects.count() == 0


def test_rejection_needs_a_note_and_decisions_happen_once(
    visit: Visit, disdukcapil: Agency, siti: User, budi: User
) -> None:
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    excuse = actions.request_excuse(
        participation=participation, actor=siti, reason="Kepala dinas ada rapat di provinsi."
    )
    with pytest.raises(DomainError):
        actions.decide_excuse(excuse=excuse, actor=budi, approve=False)
    actions.decide_excuse(excuse=excuse, actor=budi, approve=False, note="Kirim sekretaris dinas.")
    with pytest.raises(DomainError) as error:
        actions.decide_excuse(excuse=excuse, actor=budi, approve=True)
    assert error.value.code == "visits.excuse_decided"
    participation.refresh_from_db()
    assert participation.status == Participation.Status.INVITED


def test_only_one_pending_excuse_at_a_time(visit: Visit, disdukcapil: Agency, siti: User) -> None:
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    actions.request_excuse(
        participation=participation, actor=siti, reason="Kepala dinas ada rapat di provinsi."
    )
    with pytest.raises(DomainError) as error:
        actions.request_excuse(
            participation=participation, actor=siti, reason="Alasan kedua yang cukup panjang."
        )
    assert error.value.code == "visits.excuse_pending"


def test_confirming_records_services_staff_and_booth(
    visit: Visit, disdukcapil: Agency, siti: User
) -> None:
    ktp = ServiceFactory.create(agency=disdukcapil, code="DUK-KTP")
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    actions.confirm_participation(
        participation=participation,
        actor=siti,
        services=[ktp],
        staff=[
            actions.StaffEntry(name="Rina", nip="198001012005012001"),
            actions.StaffEntry(name=" "),
        ],
        needs_printer=True,
        equipment="Mobil pelayanan keliling",
    )
    participation.refresh_from_db()
    assert participation.status == Participation.Status.CONFIRMED
    assert list(participation.services.all()) == [ktp]
    assert list(participation.staff.values_list("name", flat=True)) == ["Rina"]
    assert participation.needs_printer is True
    assert participation.confirmed_by == siti


def test_confirming_another_agencys_service_is_refused(
    visit: Visit, disdukcapil: Agency, samsat: Agency, siti: User
) -> None:
    pkb = ServiceFactory.create(agency=samsat, code="PKB")
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    with pytest.raises(DomainError) as error:
        actions.confirm_participation(
            participation=participation,
            actor=siti,
            services=[pkb],
            staff=[actions.StaffEntry(name="Rina")],
        )
    assert error.value.code == "visits.foreign_service"
    participation.refresh_from_db()
    assert participation.status == Participation.Status.INVITED


def test_an_opd_invitation_cannot_be_withdrawn(
    visit: Visit, disdukcapil: Agency, budi: User
) -> None:
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    with pytest.raises(DomainError) as error:
        actions.withdraw_invitation(participation=participation, actor=budi)
    assert error.value.code == "visits.mandatory"


def test_vertical_agency_invited_once_and_withdrawable(
    visit: Visit, samsat: Agency, budi: User
) -> None:
    participation = actions.invite_agency(visit=visit, agency=samsat, actor=budi)
    assert participation.mandatory is False
    with pytest.raises(DomainError) as error:
        actions.invite_agency(visit=visit, agency=samsat, actor=budi)
    assert error.value.code == "visits.already_invited"
    actions.withdraw_invitation(participation=participation, actor=budi)
    assert not Participation.objects.filter(visit=visit, agency=samsat).exists()


def test_transitions_follow_the_state_machine(visit: Visit, budi: User) -> None:
    with pytest.raises(DomainError):
        actions.mark_visit_reported(visit=visit, actor=budi)
    actions.announce_visit(visit=visit, actor=budi)
    with pytest.raises(DomainError):
        actions.announce_visit(visit=visit, actor=budi)
    actions.finish_visit(visit=visit, actor=budi, now=at(VISIT_DAY, 17))
    with pytest.raises(DomainError):
        actions.cancel_visit(visit=visit, actor=budi, reason="Terlambat dibatalkan sekali.")
    actions.mark_visit_reported(visit=visit, actor=budi)
    visit.refresh_from_db()
    assert visit.status == Visit.Status.REPORTED


def test_cancelling_needs_a_reason(visit: Visit, budi: User) -> None:
    with pytest.raises(DomainError) as error:
        actions.cancel_visit(visit=visit, actor=budi, reason="   ")
    assert error.value.code == "visits.cancel_reason_required"
    visit.refresh_from_db()
    assert visit.status == Visit.Status.DRAFT


def test_rescheduling_checks_overlap_but_not_itself(
    visit: Visit, budi: User, regency: Regency
) -> None:
    moved = actions.reschedule_visit(
        visit=visit,
        actor=budi,
        village=visit.village,
        start_date=VISIT_DAY,
        end_date=VISIT_DAY + dt.timedelta(days=1),
        daily_start=dt.time(8),
        daily_end=dt.time(15),
        venue="Lapangan desa",
        expects_bupati=True,
        expects_vice_bupati=True,
        expects_sekda=False,
        notes="",
        now=NOW,
    )
    assert moved.end_date == VISIT_DAY + dt.timedelta(days=1)
    assert moved.venue == "Lapangan desa"


def test_wita_regency_uses_its_own_clock(budi: User) -> None:
    bali = RegencyFactory.create(
        code="51.01",
        name="Kabupaten Jembrana",
        time_zone="Asia/Makassar",
        province__code="51",
        province__name="Bali",
    )
    village = VillageFactory.create(
        district=DistrictFactory.create(regency=bali, code="51.01.01"), code="51.01.01.2001"
    )
    opd = AgencyFactory.create(regencies=[bali])
    admin = User.objects.create(username="bappeda-bali", role=User.Role.PROGRAM_ADMIN, regency=bali)
    visit = actions.plan_visit(
        regency=bali,
        village=village,
        start_date=VISIT_DAY,
        end_date=VISIT_DAY,
        created_by=admin,
        now=NOW,
    )
    actions.announce_visit(visit=visit, actor=admin)
    # 08:20 WIB is 09:20 WITA: late in Bali.
    checkin = actions.check_in(visit=visit, agency=opd, actor=admin, now=at(VISIT_DAY, 8, 20))
    assert checkin.late is True


def test_an_excused_agency_that_comes_anyway_counts_as_present(
    visit: Visit, disdukcapil: Agency, siti: User, budi: User
) -> None:
    participation = Participation.objects.get(visit=visit, agency=disdukcapil)
    excuse = actions.request_excuse(
        participation=participation, actor=siti, reason="Kepala dinas ada rapat di provinsi."
    )
    actions.decide_excuse(excuse=excuse, actor=budi, approve=True)
    actions.announce_visit(visit=visit, actor=budi)
    actions.check_in(visit=visit, agency=disdukcapil, actor=siti, now=at(VISIT_DAY, 8))
    participation.refresh_from_db()
    assert participation.status == Participation.Status.INVITED
    assert participation.attendance == Participation.Attendance.PRESENT
    assert Excuse.objects.get().decision == Excuse.Decision.APPROVED


def test_a_visit_cannot_be_finished_before_it_begins(visit: Visit, budi: User) -> None:
    actions.announce_visit(visit=visit, actor=budi)
    with pytest.raises(DomainError) as error:
        actions.finish_visit(visit=visit, actor=budi, now=NOW)
    assert error.value.code == "visits.not_begun"
    assert not Participation.objects.filter(attendance=Participation.Attendance.ABSENT).exists()


def test_a_visit_starts_only_on_its_days(visit: Visit, budi: User) -> None:
    actions.announce_visit(visit=visit, actor=budi)
    with pytest.raises(DomainError) as error:
        actions.start_visit(visit=visit, actor=budi, now=NOW)
    assert error.value.code == "visits.not_a_visit_day"
    actions.start_visit(visit=visit, actor=budi, now=at(VISIT_DAY, 7, 30))
    visit.refresh_from_db()
    assert visit.status == Visit.Status.ONGOING
