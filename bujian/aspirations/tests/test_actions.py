"""Every transition of the workflow, every refused one, merge, reopen and closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.aspirations import actions
from bujian.aspirations.models import Aspiration, Attachment, Event
from bujian.aspirations.tests.conftest import WIB, jpeg_with_gps, pdf, submit
from bujian.core.errors import DomainError
from bujian.core.models import AuditEntry
from bujian.notifications.backends import MemoryBackend
from bujian.notifications.models import OutboxMessage
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import RegencyFactory, VillageFactory
from bujian.visits.tests.factories import VisitFactory

Status = Aspiration.Status
MON_28 = dt.datetime(2026, 12, 28, 9, 0, tzinfo=WIB)
TUE_29 = dt.datetime(2026, 12, 29, 9, 0, tzinfo=WIB)
WED_30 = dt.datetime(2026, 12, 30, 9, 0, tzinfo=WIB)


def assigned(regency: Regency, bupati: User, agency: Agency, **kw: object) -> Aspiration:
    aspiration = submit(regency, **kw)
    return actions.assign_aspiration(
        aspiration=aspiration,
        actor=bupati,
        lead_agency=agency,
        disposition="Kadis PUPR cek lokasi minggu ini.",
        now=MON_28,
    )


def test_submission_gets_a_code_history_audit_and_a_message(
    regency: Regency, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        aspiration = submit(regency)
    assert aspiration.status == Status.RECEIVED
    assert aspiration.code.startswith("BD-")
    body = aspiration.code[3:]
    assert len(body) == 5 and not set(body) & set("01OI")
    assert aspiration.reporter_phone == "+6281234567890"
    event = Event.objects.get(aspiration=aspiration)
    assert (event.from_status, event.to_status, event.action) == ("", "received", "submitted")
    assert AuditEntry.objects.filter(action="aspirations.aspiration.submitted").count() == 1
    outbox = OutboxMessage.objects.get(reference=aspiration.code)
    assert outbox.status == OutboxMessage.Status.SENT
    assert MemoryBackend.sent[0][0] == "+6281234567890"
    assert aspiration.code in MemoryBackend.sent[0][1]
    assert "diterima" in MemoryBackend.sent[0][1]  # Indonesian


def test_code_collision_is_retried(regency: Regency, monkeypatch: pytest.MonkeyPatch) -> None:
    first = submit(regency)
    codes = iter([first.code, "BD-ZZZZZ"])
    monkeypatch.setattr(actions, "new_code", lambda prefix: next(codes))
    second = submit(regency)
    assert second.code == "BD-ZZZZZ"


def test_prefix_comes_from_the_program_name_or_the_setting(
    regency: Regency, settings: pytest.FixtureRequest
) -> None:
    assert actions.code_prefix(regency) == "BD"
    other = RegencyFactory.create(code="18.02", name="Lampung Tengah", program_name="Bunga Kampung")
    assert actions.code_prefix(other) == "BK"
    settings.BUJIAN_ASPIRATION_PREFIX = "ASP"  # type: ignore[attr-defined]
    assert actions.code_prefix(regency) == "ASP"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("title", "  ", "aspirations.title_required"),
        ("text", "", "aspirations.text_required"),
        ("category", "jalan", "aspirations.bad_category"),
        ("reporter_phone", "12345", "aspirations.bad_phone"),
        ("reporter_national_id", "1701", "aspirations.bad_nik"),
        ("phone_consent", False, "aspirations.phone_consent_required"),
    ],
)
def test_bad_submissions_are_refused_and_nothing_is_saved(
    regency: Regency, field: str, value: object, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        submit(regency, **{field: value})
    assert refused.value.code == code
    assert not Aspiration.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_village_of_another_regency_is_refused(regency: Regency) -> None:
    other = RegencyFactory.create(code="18.02", name="Lampung Tengah")
    village = VillageFactory.create(code="18.02.01.2001")
    village.district.regency = other
    village.district.save()
    with pytest.raises(DomainError) as refused:
        submit(regency, village=village)
    assert refused.value.code == "aspirations.village_outside_regency"


def test_a_visit_gives_the_village(regency: Regency, village: Village) -> None:
    visit = VisitFactory.create(regency=regency, village=village)
    aspiration = submit(
        regency,
        visit=visit,
        channel=Aspiration.Channel.DIALOGUE,
        raised_by="Kepala Dusun II",
        leader_response="Tahun depan dianggarkan.",
    )
    assert aspiration.village == village
    assert aspiration.events.get().public_note == "Tahun depan dianggarkan."


def test_verify_then_assign_sets_the_response_deadline(
    regency: Regency, budi: User, bupati: User, disdukcapil: Agency, samsat: Agency
) -> None:
    aspiration = submit(regency)
    actions.verify_aspiration(aspiration=aspiration, actor=budi, now=MON_28)
    assert aspiration.status == Status.VERIFIED
    assert aspiration.due_date == dt.date(2026, 12, 30)  # still the assignment deadline
    actions.assign_aspiration(
        aspiration=aspiration,
        actor=bupati,
        lead_agency=disdukcapil,
        supporting=[samsat, disdukcapil],
        disposition="Tindak lanjuti.",
        term="long",
        planning_year=2027,
        now=TUE_29,
    )
    assert aspiration.status == Status.ASSIGNED
    assert aspiration.lead_agency == disdukcapil
    assert list(aspiration.supporting_agencies.all()) == [samsat]
    assert aspiration.disposed_by == bupati
    assert (aspiration.term, aspiration.planning_year) == ("long", 2027)
    assert aspiration.due_date == aspiration.response_due == dt.date(2027, 1, 7)
    steps = list(aspiration.events.values_list("from_status", "to_status"))
    assert steps == [("", "received"), ("received", "verified"), ("verified", "assigned")]


def test_verify_twice_is_refused(regency: Regency, budi: User) -> None:
    aspiration = submit(regency)
    actions.verify_aspiration(aspiration=aspiration, actor=budi)
    with pytest.raises(DomainError) as refused:
        actions.verify_aspiration(aspiration=aspiration, actor=budi)
    assert refused.value.code == "aspirations.wrong_state"


def test_a_stale_copy_cannot_change_the_row_twice(
    regency: Regency, budi: User, bupati: User, disdukcapil: Agency
) -> None:
    aspiration = submit(regency)
    stale = Aspiration.objects.get(pk=aspiration.pk)
    actions.assign_aspiration(
        aspiration=aspiration, actor=bupati, lead_agency=disdukcapil, disposition="A"
    )
    with pytest.raises(DomainError):
        actions.verify_aspiration(aspiration=stale, actor=budi)
    assert Aspiration.objects.get(pk=aspiration.pk).status == Status.ASSIGNED
    assert aspiration.events.count() == 2


def test_assign_needs_a_disposition_and_an_agency_of_the_regency(
    regency: Regency, bupati: User, disdukcapil: Agency
) -> None:
    aspiration = submit(regency)
    with pytest.raises(DomainError) as refused:
        actions.assign_aspiration(
            aspiration=aspiration, actor=bupati, lead_agency=disdukcapil, disposition=" "
        )
    assert refused.value.code == "aspirations.disposition_required"
    elsewhere = Agency.objects.create(code="x", name="Dinas Luar", short_name="Luar", kind="opd")
    with pytest.raises(DomainError) as refused:
        actions.assign_aspiration(
            aspiration=aspiration, actor=bupati, lead_agency=elsewhere, disposition="A"
        )
    assert refused.value.code == "aspirations.agency_outside_regency"
    aspiration.refresh_from_db()
    assert aspiration.status == Status.RECEIVED


def test_start_then_resolve_with_evidence(
    regency: Regency,
    bupati: User,
    siti: User,
    disdukcapil: Agency,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        aspiration = assigned(regency, bupati, disdukcapil)
    assert len(callbacks) == 2
    actions.start_work(
        aspiration=aspiration, actor=siti, note="Tim survei datang Selasa.", now=TUE_29
    )
    assert aspiration.status == Status.IN_PROGRESS
    assert aspiration.first_response_at == TUE_29
    assert aspiration.due_date is None
    actions.resolve_aspiration(
        aspiration=aspiration,
        actor=siti,
        response="Jembatan sudah diperbaiki.",
        evidence=[jpeg_with_gps(), pdf()],
        now=WED_30,
    )
    assert aspiration.status == Status.RESOLVED
    assert aspiration.resolved_at == WED_30
    assert aspiration.first_response_at == TUE_29
    assert aspiration.public_response == "Jembatan sudah diperbaiki."
    assert aspiration.close_due == dt.date(2027, 1, 15)  # 1 and 5 January are holidays
    kinds = sorted(aspiration.attachments.values_list("content_type", flat=True))
    assert kinds == ["application/pdf", "image/jpeg"]
    # received, assigned, then in progress and resolved (queued, sent after the commit)
    assert OutboxMessage.objects.filter(reference=aspiration.code).count() == 4
    assert len(MemoryBackend.sent) == 2


def test_start_needs_a_note_and_an_assigned_aspiration(
    regency: Regency, bupati: User, siti: User, disdukcapil: Agency
) -> None:
    aspiration = submit(regency)
    with pytest.raises(DomainError) as refused:
        actions.start_work(aspiration=aspiration, actor=siti, note="Mulai")
    assert refused.value.code == "aspirations.wrong_state"
    actions.assign_aspiration(
        aspiration=aspiration, actor=bupati, lead_agency=disdukcapil, disposition="A"
    )
    with pytest.raises(DomainError) as refused:
        actions.start_work(aspiration=aspiration, actor=siti, note="")
    assert refused.value.code == "aspirations.note_required"


def test_resolve_without_evidence_or_answer_is_refused(
    regency: Regency, bupati: User, siti: User, disdukcapil: Agency
) -> None:
    aspiration = assigned(regency, bupati, disdukcapil)
    with pytest.raises(DomainError) as refused:
        actions.resolve_aspiration(aspiration=aspiration, actor=siti, response="Selesai.")
    assert refused.value.code == "aspirations.evidence_required"
    with pytest.raises(DomainError) as refused:
        actions.resolve_aspiration(aspiration=aspiration, actor=siti, response="", evidence=[pdf()])
    assert refused.value.code == "aspirations.response_required"
    aspiration.refresh_from_db()
    assert aspiration.status == Status.ASSIGNED
    assert not Attachment.objects.exists()


def test_resolve_before_assignment_is_refused(regency: Regency, siti: User) -> None:
    aspiration = submit(regency)
    with pytest.raises(DomainError) as refused:
        actions.resolve_aspiration(
            aspiration=aspiration, actor=siti, response="Selesai.", evidence=[pdf()]
        )
    assert refused.value.code == "aspirations.wrong_state"


def test_reject_needs_a_reason_and_an_open_aspiration(regency: Regency, budi: User) -> None:
    aspiration = submit(regency)
    with pytest.raises(DomainError) as refused:
        actions.reject_aspiration(aspiration=aspiration, actor=budi, reason="")
    assert refused.value.code == "aspirations.reason_required"
    actions.reject_aspiration(aspiration=aspiration, actor=budi, reason="Bukan kewenangan daerah.")
    assert aspiration.status == Status.REJECTED
    assert aspiration.first_response_at is None  # not an agency answer
    with pytest.raises(DomainError) as refused:
        actions.reject_aspiration(aspiration=aspiration, actor=budi, reason="Lagi")
    assert refused.value.code == "aspirations.wrong_state"


def test_redirect_gives_the_new_agency_its_own_deadline(
    regency: Regency, bupati: User, siti: User, disdukcapil: Agency, samsat: Agency
) -> None:
    aspiration = assigned(regency, bupati, disdukcapil)
    actions.start_work(aspiration=aspiration, actor=siti, note="Dicek.", now=TUE_29)
    actions.redirect_aspiration(
        aspiration=aspiration,
        actor=bupati,
        lead_agency=samsat,
        disposition="Ke Samsat.",
        now=WED_30,
    )
    assert aspiration.status == Status.ASSIGNED
    assert aspiration.lead_agency == samsat
    assert aspiration.first_response_at is None
    assert aspiration.due_date == dt.date(2027, 1, 8)
    with pytest.raises(DomainError) as refused:
        actions.redirect_aspiration(
            aspiration=aspiration, actor=bupati, lead_agency=samsat, disposition="Lagi"
        )
    assert refused.value.code == "aspirations.same_agency"


def test_redirect_before_assignment_is_refused(
    regency: Regency, bupati: User, samsat: Agency
) -> None:
    with pytest.raises(DomainError) as refused:
        actions.redirect_aspiration(
            aspiration=submit(regency), actor=bupati, lead_agency=samsat, disposition="A"
        )
    assert refused.value.code == "aspirations.wrong_state"


def test_merge_keeps_every_reporter_informed(
    regency: Regency,
    budi: User,
    bupati: User,
    disdukcapil: Agency,
    django_capture_on_commit_callbacks: Any,
) -> None:
    target = submit(regency)
    duplicate = submit(regency, reporter_phone="0813-1111-2222", reporter_name="Siti Aminah")
    MemoryBackend.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.merge_aspiration(duplicate=duplicate, target=target, actor=budi, note="Sama.")
    assert duplicate.status == Status.MERGED
    assert duplicate.merged_into == target
    assert duplicate.due_date is None
    assert MemoryBackend.sent[-1][0] == "+6281311112222"
    assert target.code in MemoryBackend.sent[-1][1]
    MemoryBackend.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign_aspiration(
            aspiration=target, actor=bupati, lead_agency=disdukcapil, disposition="A"
        )
    assert sorted(phone for phone, _text in MemoryBackend.sent) == [
        "+6281234567890",
        "+6281311112222",
    ]
    assert target.events.filter(action="duplicate_added").exists()


def test_merge_refusals(regency: Regency, budi: User) -> None:
    first, second, third = submit(regency), submit(regency), submit(regency)
    with pytest.raises(DomainError) as refused:
        actions.merge_aspiration(duplicate=first, target=first, actor=budi)
    assert refused.value.code == "aspirations.merge_self"
    actions.merge_aspiration(duplicate=second, target=first, actor=budi)
    with pytest.raises(DomainError) as refused:
        actions.merge_aspiration(duplicate=third, target=second, actor=budi)
    assert refused.value.code == "aspirations.merge_into_merged"
    with pytest.raises(DomainError) as refused:
        actions.merge_aspiration(duplicate=second, target=third, actor=budi)
    assert refused.value.code == "aspirations.wrong_state"


def test_merging_a_target_carries_its_duplicates_along(regency: Regency, budi: User) -> None:
    first, second, third = submit(regency), submit(regency), submit(regency)
    actions.merge_aspiration(duplicate=third, target=second, actor=budi)
    actions.merge_aspiration(duplicate=second, target=first, actor=budi)
    third.refresh_from_db()
    assert third.merged_into == first


def test_reopen_within_ten_working_days_goes_back_to_the_agency(
    regency: Regency, bupati: User, siti: User, disdukcapil: Agency
) -> None:
    aspiration = assigned(regency, bupati, disdukcapil)
    actions.resolve_aspiration(
        aspiration=aspiration, actor=siti, response="Sudah.", evidence=[pdf()], now=WED_30
    )
    last_day = dt.datetime(2027, 1, 15, 20, 0, tzinfo=WIB)
    actions.reopen_aspiration(aspiration=aspiration, reason="Belum diperbaiki.", now=last_day)
    assert aspiration.status == Status.ASSIGNED
    assert aspiration.reopen_count == 1
    assert aspiration.resolved_at is None
    assert aspiration.close_due is None
    assert aspiration.due_date == dt.date(2027, 1, 22)
    event = aspiration.events.latest("id")
    assert (event.from_status, event.to_status, event.actor) == ("resolved", "assigned", None)
    # The agency may resolve again with the evidence it already gave.
    actions.resolve_aspiration(aspiration=aspiration, actor=siti, response="Kini benar selesai.")
    assert aspiration.status == Status.RESOLVED


def test_reopen_after_the_window_or_while_open_is_refused(
    regency: Regency, bupati: User, siti: User, disdukcapil: Agency
) -> None:
    aspiration = assigned(regency, bupati, disdukcapil)
    with pytest.raises(DomainError) as refused:
        actions.reopen_aspiration(aspiration=aspiration, reason="Kenapa?")
    assert refused.value.code == "aspirations.wrong_state"
    actions.resolve_aspiration(
        aspiration=aspiration, actor=siti, response="Sudah.", evidence=[pdf()], now=WED_30
    )
    too_late = dt.datetime(2027, 1, 16, 8, 0, tzinfo=WIB)
    with pytest.raises(DomainError) as refused:
        actions.reopen_aspiration(aspiration=aspiration, reason="Belum.", now=too_late)
    assert refused.value.code == "aspirations.reopen_too_late"
    assert Aspiration.objects.get(pk=aspiration.pk).status == Status.RESOLVED


def test_reopen_at_most_twice(regency: Regency, budi: User) -> None:
    aspiration = submit(regency)
    for _round in range(2):
        actions.reject_aspiration(aspiration=aspiration, actor=budi, reason="Tidak jelas.")
        actions.reopen_aspiration(aspiration=aspiration, reason="Sudah saya jelaskan.")
        assert aspiration.status == Status.RECEIVED  # no agency had it: back to verification
    actions.reject_aspiration(aspiration=aspiration, actor=budi, reason="Tetap tidak jelas.")
    with pytest.raises(DomainError) as refused:
        actions.reopen_aspiration(aspiration=aspiration, reason="Lagi.")
    assert refused.value.code == "aspirations.reopen_limit"


def test_expired_answers_close_once(
    regency: Regency, bupati: User, siti: User, disdukcapil: Agency
) -> None:
    aspiration = assigned(regency, bupati, disdukcapil)
    actions.resolve_aspiration(
        aspiration=aspiration, actor=siti, response="Sudah.", evidence=[pdf()], now=WED_30
    )
    on_the_last_day = dt.datetime(2027, 1, 15, 12, 0, tzinfo=WIB)
    assert actions.close_expired_aspirations(now=on_the_last_day) == 0
    next_day = dt.datetime(2027, 1, 16, 1, 0, tzinfo=WIB)
    assert actions.close_expired_aspirations(now=next_day, dry_run=True) == 1
    assert actions.close_expired_aspirations(now=next_day) == 1
    assert actions.close_expired_aspirations(now=next_day) == 0
    aspiration.refresh_from_db()
    assert aspiration.closed_at == next_day
    assert aspiration.status == Status.RESOLVED
    assert not actions.can_reopen(aspiration, dt.date(2027, 1, 15))  # closed
    assert aspiration.events.filter(action="closed").count() == 1


def test_term_marks_short_or_long(regency: Regency, budi: User) -> None:
    aspiration = submit(regency)
    with pytest.raises(DomainError) as refused:
        actions.set_term(aspiration=aspiration, actor=budi, term="long", planning_year=None)
    assert refused.value.code == "aspirations.planning_year_required"
    actions.set_term(aspiration=aspiration, actor=budi, term="long", planning_year=2027)
    assert (aspiration.term, aspiration.planning_year) == ("long", 2027)
    actions.set_term(aspiration=aspiration, actor=budi, term="short", planning_year=2027)
    assert (aspiration.term, aspiration.planning_year) == ("short", None)


def test_overdue_is_one_comparison_on_the_stored_due_date(regency: Regency) -> None:
    aspiration = submit(regency)
    assert not Aspiration.objects.overdue(dt.date(2026, 12, 30)).exists()
    assert list(Aspiration.objects.overdue(dt.date(2026, 12, 31))) == [aspiration]
    assert aspiration.is_overdue(dt.date(2026, 12, 31))
