"""The pages over HTTP: the public form and tracking, scoping per role (404 outside
the scope, 403 inside it without the right), each workflow step, the dashboard, the
pre-visit list and the export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from bujian.accounts.models import User
from bujian.accounts.tests.factories import UserFactory
from bujian.agencies.models import Agency
from bujian.aspirations import actions
from bujian.aspirations.models import Aspiration, Attachment
from bujian.aspirations.tests.conftest import jpeg_with_gps, pdf, submit
from bujian.conftest import client_for
from bujian.regions.models import Regency, Village
from bujian.regions.tests.factories import VillageFactory
from bujian.visits.tests.factories import VisitFactory

Status = Aspiration.Status


def form_data(village: Village, **overrides: Any) -> dict[str, Any]:
    data = {
        "category": "infrastructure",
        "title": "Lampu jalan padam",
        "text": "Lampu jalan di depan masjid padam <script>alert(1)</script> sejak sebulan.",
        "village": village.pk,
        "hamlet": "Dusun I",
        "rt": "",
        "rw": "",
        "reporter_name": "Rina Marlina",
        "reporter_national_id": "",
        "reporter_phone": "081234567890",
        "phone_consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def step_url(aspiration: Aspiration, name: str) -> str:
    return reverse("aspirations:staff_step", args=[aspiration.pk, name])


# --- public ----------------------------------------------------------------------------


def test_public_form_saves_and_shows_the_code(client: Client, village: Village) -> None:
    assert client.get(reverse("aspirations:submit")).status_code == 200
    response = client.post(
        reverse("aspirations:submit"), form_data(village, photos=[jpeg_with_gps()])
    )
    aspiration = Aspiration.objects.get()
    assert aspiration.reporter_phone == "+6281234567890"
    assert response.status_code == 302
    assert response["Location"] == reverse("aspirations:sent", args=[aspiration.code])
    assert aspiration.channel == Aspiration.Channel.PUBLIC_FORM
    assert aspiration.attachments.count() == 1
    page = client.get(response["Location"])
    assert aspiration.code in page.content.decode()


def test_public_form_for_a_visit_links_it(
    client: Client, regency: Regency, village: Village
) -> None:
    visit = VisitFactory.create(regency=regency, village=village, status="ongoing")
    response = client.post(
        f"{reverse('aspirations:submit')}?kunjungan={visit.pk}", form_data(village)
    )
    assert response.status_code == 302
    assert Aspiration.objects.get().visit == visit


def test_text_is_stored_as_given_and_escaped_on_output(client: Client, village: Village) -> None:
    client.post(reverse("aspirations:submit"), form_data(village))
    aspiration = Aspiration.objects.get()
    assert "<script>alert(1)</script>" in aspiration.text
    page = client.get(reverse("aspirations:track", args=[aspiration.code])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_honeypot_refuses_and_saves_nothing(client: Client, village: Village) -> None:
    response = client.post(
        reverse("aspirations:submit"), form_data(village, website="http://spam.example")
    )
    assert response.status_code == 200
    assert "tidak dapat dikirim" in response.content.decode()
    assert not Aspiration.objects.exists()


def test_rate_limit_after_five_submissions_in_ten_minutes(client: Client, village: Village) -> None:
    for _number in range(5):
        assert client.post(reverse("aspirations:submit"), form_data(village)).status_code == 302
    response = client.post(reverse("aspirations:submit"), form_data(village))
    assert response.status_code == 200
    assert "Tunggu 10 menit" in response.content.decode()
    assert Aspiration.objects.count() == 5
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(reverse("aspirations:submit"), form_data(village)).status_code == 302


def test_incomplete_forms_do_not_count_towards_the_limit(client: Client, village: Village) -> None:
    for _number in range(6):
        assert (
            client.post(reverse("aspirations:submit"), form_data(village, title="")).status_code
            == 200
        )
    assert client.post(reverse("aspirations:submit"), form_data(village)).status_code == 302


def test_a_finished_visit_from_the_ticket_qr_is_still_linked(
    client: Client, regency: Regency, village: Village
) -> None:
    visit = VisitFactory.create(regency=regency, village=village, status="finished")
    response = client.post(
        f"{reverse('aspirations:submit')}?kunjungan={visit.pk}", form_data(village)
    )
    assert response.status_code == 302
    assert Aspiration.objects.get().visit == visit


def test_bad_photo_gets_an_indonesian_message_and_nothing_is_saved(
    client: Client, village: Village
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("foto.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    response = client.post(reverse("aspirations:submit"), form_data(village, photos=[fake]))
    assert response.status_code == 200
    assert "bukan foto JPEG, PNG, atau WebP" in response.content.decode()
    assert not Aspiration.objects.exists()
    assert not Attachment.objects.exists()


def test_four_photos_are_refused(client: Client, village: Village) -> None:
    photos = [jpeg_with_gps(f"f{i}.jpg") for i in range(4)]
    response = client.post(reverse("aspirations:submit"), form_data(village, photos=photos))
    assert response.status_code == 200
    assert not Aspiration.objects.exists()


def test_track_page_has_no_personal_data(client: Client, regency: Regency) -> None:
    aspiration = submit(regency, reporter_national_id="1701054107900003")
    page = client.get(reverse("aspirations:track", args=[aspiration.code.lower()]))
    body = page.content.decode()
    assert page.status_code == 200
    assert aspiration.title in body
    for secret in ("Rahmat Hidayat", "1701054107900003", "6281234567890", "0812"):
        assert secret not in body


def test_track_lookup_redirects_or_explains(client: Client, regency: Regency) -> None:
    aspiration = submit(regency)
    found = client.get(reverse("aspirations:track_lookup"), {"code": aspiration.code.lower()})
    assert found.status_code == 302
    missing = client.get(reverse("aspirations:track_lookup"), {"code": "BD-22222"})
    assert "Tidak ada aspirasi dengan kode" in missing.content.decode()
    assert client.get(reverse("aspirations:track", args=["BD-22222"])).status_code == 404


def test_resident_reopens_on_the_public_page(
    client: Client, regency: Regency, bupati: User, siti: User, disdukcapil: Agency
) -> None:
    aspiration = submit(regency, now=None)
    actions.assign_aspiration(
        aspiration=aspiration, actor=bupati, lead_agency=disdukcapil, disposition="A"
    )
    actions.resolve_aspiration(
        aspiration=aspiration, actor=siti, response="Sudah.", evidence=[pdf()]
    )
    page = client.get(reverse("aspirations:track", args=[aspiration.code]))
    assert 'data-testid="reopen"' in page.content.decode()
    stranger = client.post(
        reverse("aspirations:reopen", args=[aspiration.code]),
        {"reason": "Masih rusak.", "phone_end": "1111"},
    )
    assert stranger.status_code == 400
    assert "Bukan empat angka terakhir" in stranger.content.decode()
    response = client.post(
        reverse("aspirations:reopen", args=[aspiration.code]),
        {"reason": "Masih rusak.", "phone_end": "7890"},
    )
    assert response.status_code == 302
    aspiration.refresh_from_db()
    assert aspiration.status == Status.ASSIGNED
    empty = client.post(reverse("aspirations:reopen", args=[aspiration.code]), {"reason": ""})
    assert empty.status_code == 400


def test_public_photos_are_served_private_ones_only_to_staff(
    client: Client, regency: Regency, siti: User, andi: User, budi: User
) -> None:
    aspiration = submit(regency, photos=[jpeg_with_gps()])
    photo = aspiration.attachments.get()
    response = client.get(reverse("aspirations:attachment", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.content.startswith(b"\xff\xd8")
    assert b"KameraDesa" not in response.content
    Attachment.objects.filter(pk=photo.pk).update(is_public=False)
    assert client.get(reverse("aspirations:attachment", args=[photo.pk])).status_code == 404
    assert (
        client_for(andi).get(reverse("aspirations:attachment", args=[photo.pk])).status_code == 404
    )
    staff = client_for(budi).get(reverse("aspirations:attachment", args=[photo.pk]))
    assert staff.status_code == 200


def test_visit_and_village_pages_say_what_was_raised_and_done(
    client: Client, regency: Regency, village: Village, budi: User
) -> None:
    visit = VisitFactory.create(regency=regency, village=village, status="finished")
    raised = submit(regency, visit=visit, title="Sekolah atap bocor")
    actions.reject_aspiration(aspiration=raised, actor=budi, reason="Sudah dianggarkan provinsi.")
    page = client.get(reverse("aspirations:visit_public", args=[visit.pk])).content.decode()
    assert "Sekolah atap bocor" in page and "Sudah dianggarkan provinsi." in page
    assert "Rahmat Hidayat" not in page
    village_page = client.get(reverse("aspirations:village_public", args=[village.pk]))
    assert "Sekolah atap bocor" in village_page.content.decode()
    draft = VisitFactory.create(
        regency=regency, village=village, status="draft", start_date=dt.date(2027, 3, 1)
    )
    assert client.get(reverse("aspirations:visit_public", args=[draft.pk])).status_code == 404


# --- staff: scope and rights -------------------------------------------------------------


def test_staff_pages_need_a_login(client: Client) -> None:
    response = client.get(reverse("aspirations:staff_list"))
    assert response.status_code == 302


def test_list_is_scoped_per_role(
    regency: Regency,
    village: Village,
    budi: User,
    bupati: User,
    siti: User,
    andi: User,
    kades: User,
    disdukcapil: Agency,
) -> None:
    other_village = VillageFactory.create(district=village.district, code="17.01.05.2002")
    ours = submit(regency, village=village, title="Punya desa kami")
    theirs = submit(regency, village=other_village, title="Punya desa lain")
    actions.assign_aspiration(
        aspiration=theirs, actor=bupati, lead_agency=disdukcapil, disposition="A"
    )

    def codes(user: User) -> set[str]:
        page = client_for(user).get(reverse("aspirations:staff_list"))
        assert page.status_code == 200
        return {a.code for a in page.context["page"]}

    assert codes(budi) == codes(bupati) == {ours.code, theirs.code}
    assert codes(siti) == {theirs.code}
    assert codes(andi) == set()
    assert codes(kades) == {ours.code}
    assert (
        client_for(andi).get(reverse("aspirations:staff_detail", args=[theirs.pk])).status_code
        == 404
    )
    assert (
        client_for(kades).get(reverse("aspirations:staff_detail", args=[theirs.pk])).status_code
        == 404
    )
    assert (
        client_for(siti).get(reverse("aspirations:staff_detail", args=[theirs.pk])).status_code
        == 200
    )


def test_hidden_identity_is_not_shown_to_the_agency(
    regency: Regency, budi: User, bupati: User, siti: User, disdukcapil: Agency
) -> None:
    aspiration = submit(regency, hide_identity=True, reporter_national_id="1701054107900003")
    actions.assign_aspiration(
        aspiration=aspiration, actor=bupati, lead_agency=disdukcapil, disposition="A"
    )
    url = reverse("aspirations:staff_detail", args=[aspiration.pk])
    agency_page = client_for(siti).get(url).content.decode()
    assert "identity-hidden" in agency_page
    for secret in ("Rahmat Hidayat", "6281234567890", "1701"):
        assert secret not in agency_page.split('data-testid="reporter"')[1].split("</section>")[0]
    assert "Rahmat Hidayat" not in agency_page
    admin_page = client_for(budi).get(url).content.decode()
    assert "Rahmat Hidayat" in admin_page
    assert "1701054107900003" not in admin_page  # masked even for the program


def test_agency_operator_may_not_dispose_but_may_answer(
    regency: Regency, bupati: User, siti: User, andi: User, disdukcapil: Agency
) -> None:
    aspiration = submit(regency)
    actions.assign_aspiration(
        aspiration=aspiration, actor=bupati, lead_agency=disdukcapil, disposition="A"
    )
    assert client_for(siti).post(step_url(aspiration, "alihkan"), {}).status_code == 403
    assert client_for(siti).post(step_url(aspiration, "gabung"), {}).status_code == 403
    assert (
        client_for(andi).post(step_url(aspiration, "proses"), {"start-note": "x"}).status_code
        == 404
    )
    response = client_for(siti).post(
        step_url(aspiration, "proses"), {"start-note": "Tim datang Selasa."}
    )
    assert response.status_code == 302
    aspiration.refresh_from_db()
    assert aspiration.status == Status.IN_PROGRESS


def test_leadership_may_not_answer_for_an_agency(
    regency: Regency, bupati: User, disdukcapil: Agency
) -> None:
    aspiration = submit(regency)
    actions.assign_aspiration(
        aspiration=aspiration, actor=bupati, lead_agency=disdukcapil, disposition="A"
    )
    url = reverse("aspirations:staff_step", args=[aspiration.pk, "selesai"])
    assert client_for(bupati).post(url, {"resolve-response": "x"}).status_code == 403


def test_full_workflow_through_the_pages(
    regency: Regency, village: Village, budi: User, bupati: User, siti: User, disdukcapil: Agency
) -> None:
    visit = VisitFactory.create(regency=regency, village=village, status="ongoing")
    created = client_for(budi).post(
        f"{reverse('aspirations:staff_create')}?kunjungan={visit.pk}",
        {
            **form_data(village),
            "channel": "dialogue",
            "visit": visit.pk,
            "raised_by": "Kepala Dusun II",
            "leader_response": "Segera dicek.",
            "photos": [jpeg_with_gps()],
        },
    )
    assert created.status_code == 302
    aspiration = Aspiration.objects.get()
    assert aspiration.created_by == budi
    assert aspiration.channel == "dialogue"
    assert (
        client_for(budi).post(step_url(aspiration, "verifikasi"), {"verify-note": ""}).status_code
        == 302
    )
    bad = client_for(bupati).post(
        step_url(aspiration, "disposisi"), {"assign-lead_agency": disdukcapil.pk}
    )
    assert bad.status_code == 400
    assert (
        client_for(bupati)
        .post(
            step_url(aspiration, "disposisi"),
            {
                "assign-lead_agency": disdukcapil.pk,
                "assign-disposition": "Dinas cek minggu ini.",
                "assign-term": "short",
            },
        )
        .status_code
        == 302
    )
    no_evidence = client_for(siti).post(
        step_url(aspiration, "selesai"), {"resolve-response": "Sudah."}
    )
    assert no_evidence.status_code == 409
    assert "Lampirkan foto atau dokumen" in no_evidence.content.decode()
    assert (
        client_for(siti)
        .post(
            step_url(aspiration, "selesai"),
            {"resolve-response": "Sudah diperbaiki.", "resolve-evidence": [pdf()]},
        )
        .status_code
        == 302
    )
    aspiration.refresh_from_db()
    assert aspiration.status == Status.RESOLVED
    assert aspiration.term == "short"
    assert (
        client_for(budi)
        .post(step_url(aspiration, "buka-kembali"), {"reopen-reason": "Warga keberatan."})
        .status_code
        == 302
    )
    assert (
        client_for(budi)
        .post(step_url(aspiration, "jangka"), {"term-term": "long", "term-planning_year": 2027})
        .status_code
        == 302
    )
    assert client_for(budi).post(step_url(aspiration, "nonsense"), {}).status_code == 404
    detail = client_for(budi).get(reverse("aspirations:staff_detail", args=[aspiration.pk]))
    assert detail.status_code == 200
    assert [e.action for e in detail.context["events"]] == [
        "submitted",
        "verified",
        "assigned",
        "resolved",
        "reopened",
    ]


def test_merge_through_the_page(regency: Regency, budi: User) -> None:
    target, duplicate = submit(regency), submit(regency)
    url = reverse("aspirations:staff_step", args=[duplicate.pk, "gabung"])
    missing = client_for(budi).post(url, {"merge-target_code": "BD-22222"})
    assert missing.status_code == 400
    done = client_for(budi).post(url, {"merge-target_code": target.code.lower()})
    assert done.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into == target


def test_overdue_is_flagged_on_the_list(client: Client, regency: Regency, budi: User) -> None:
    submit(regency, now=dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC))
    page = client_for(budi).get(reverse("aspirations:staff_list"))
    body = page.content.decode()
    assert 'data-testid="overdue-alert"' in body
    assert 'data-testid="overdue"' in body
    filtered = client_for(budi).get(reverse("aspirations:staff_list"), {"overdue": "on"})
    assert len(filtered.context["page"]) == 1


def test_dashboard_for_leadership_only(
    regency: Regency, bupati: User, siti: User, kades: User, disdukcapil: Agency
) -> None:
    aspiration = submit(regency, now=None)
    actions.assign_aspiration(
        aspiration=aspiration, actor=bupati, lead_agency=disdukcapil, disposition="A"
    )
    page = client_for(bupati).get(reverse("aspirations:dashboard"))
    assert page.status_code == 200
    assert [row.agency_name for row in page.context["ranking"]] == [disdukcapil.name]
    assert client_for(siti).get(reverse("aspirations:dashboard")).status_code == 403
    assert client_for(kades).get(reverse("aspirations:dashboard")).status_code == 403


def test_open_aspirations_of_the_kecamatan_before_a_visit(
    regency: Regency, village: Village, budi: User, siti: User, bupati: User
) -> None:
    neighbour = VillageFactory.create(
        district=village.district, code="17.01.05.2003", name="Tetangga"
    )
    elsewhere = VillageFactory.create(code="17.01.06.2001", name="Jauh")
    open_one = submit(regency, village=neighbour, title="Jalan tani rusak")
    closed = submit(regency, village=neighbour, title="Sudah ditolak")
    actions.reject_aspiration(aspiration=closed, actor=budi, reason="Tidak jelas.")
    submit(regency, village=elsewhere, title="Kecamatan lain")
    visit = VisitFactory.create(regency=regency, village=village, start_date=dt.date(2027, 2, 1))
    url = reverse("aspirations:district_open", args=[visit.pk])
    page = client_for(budi).get(url)
    assert page.status_code == 200
    assert [a.code for a in page.context["aspirations"]] == [open_one.code]
    assert client_for(bupati).get(url).status_code == 200
    assert client_for(siti).get(url).status_code == 404  # not a visit of Disdukcapil


def test_lapor_export_has_the_documented_columns_and_hides_identity(
    regency: Regency, budi: User, siti: User, bupati: User, disdukcapil: Agency, samsat: Agency
) -> None:
    shown = submit(regency, now=None)
    hidden = submit(regency, now=None, hide_identity=True, reporter_name="Rahasia Sekali")
    actions.assign_aspiration(
        aspiration=shown,
        actor=bupati,
        lead_agency=disdukcapil,
        supporting=[samsat],
        disposition="Tindak lanjuti.",
    )
    response = client_for(budi).get(reverse("aspirations:export_lapor"))
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    by_code = {row["kode_pelacakan"]: row for row in rows}
    assert by_code[shown.code]["instansi_tujuan"] == disdukcapil.name
    assert by_code[shown.code]["instansi_terkait"] == samsat.name
    assert by_code[shown.code]["nama_pelapor"] == "Rahmat Hidayat"
    assert by_code[shown.code]["status"] == "Didisposisikan"
    assert by_code[hidden.code]["rahasia"] == "ya"
    assert by_code[hidden.code]["nama_pelapor"] == ""
    assert "Rahasia Sekali" not in text
    assert client_for(siti).get(reverse("aspirations:export_lapor")).status_code == 403


def test_record_form_refuses_an_outsider_role(regency: Regency) -> None:
    nobody = UserFactory.create(username="tamu", role="", regency=regency)
    assert client_for(nobody).get(reverse("aspirations:staff_create")).status_code == 403


def test_ticket_note_renders_a_qr_to_the_form(rf: Any, regency: Regency, village: Village) -> None:
    from django.template.loader import render_to_string

    visit = VisitFactory.create(regency=regency, village=village)
    html = render_to_string("aspirations/ticket_note.html", {"visit": visit}, request=rf.get("/"))
    assert "<svg" in html
    assert "Pindai untuk mengirim aspirasi" in html


@pytest.mark.parametrize("name", ["aspirations:submit", "aspirations:track_lookup"])
def test_public_pages_render(client: Client, village: Village, name: str) -> None:
    assert client.get(reverse(name)).status_code == 200


def test_before_a_visit_lists_coming_visits_with_open_counts(
    regency: Regency, village: Village, budi: User, siti: User
) -> None:
    from bujian.visits.actions import local_today

    visit = VisitFactory.create(
        regency=regency, village=village, start_date=local_today(regency) + dt.timedelta(days=7)
    )
    submit(regency, village=village)
    page = client_for(budi).get(reverse("aspirations:staff_upcoming"))
    assert page.status_code == 200
    assert page.context["rows"] == [(visit, 1)]
    assert reverse("aspirations:district_open", args=[visit.pk]) in page.content.decode()
    assert client_for(siti).get(reverse("aspirations:staff_upcoming")).status_code == 403


def test_lists_cost_a_fixed_number_of_queries(
    client: Client,
    regency: Regency,
    village: Village,
    budi: User,
    django_assert_max_num_queries: Any,
) -> None:
    visit = VisitFactory.create(regency=regency, village=village, status="finished")
    for _number in range(12):
        submit(regency, visit=visit, village=village)
    staff = client_for(budi)
    staff.get(reverse("aspirations:staff_list"))  # warm the session and the calendar
    with django_assert_max_num_queries(14):
        assert staff.get(reverse("aspirations:staff_list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("aspirations:visit_public", args=[visit.pk])).status_code == 200


def test_photos_of_a_hidden_reporter_stay_private(client: Client, regency: Regency) -> None:
    aspiration = submit(regency, hide_identity=True, photos=[jpeg_with_gps()])
    photo = aspiration.attachments.get()
    assert not photo.is_public
    assert client.get(reverse("aspirations:attachment", args=[photo.pk])).status_code == 404


def test_admin_shows_an_aspiration_read_only(regency: Regency) -> None:
    admin_user = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    aspiration = submit(regency, reporter_national_id="1701054107900003")
    client = client_for(admin_user)
    page = client.get(reverse("admin:aspirations_aspiration_change", args=[aspiration.pk]))
    assert page.status_code == 200
    assert "1701054107900003" not in page.content.decode()
    assert client.get(reverse("admin:aspirations_aspiration_changelist")).status_code == 200
    assert client.get(reverse("admin:notifications_outboxmessage_changelist")).status_code == 200


def test_a_phone_without_consent_is_refused_and_the_notice_is_shown(
    client: Client, village: Village
) -> None:
    page = client.get(reverse("aspirations:submit")).content.decode()
    assert 'data-testid="privacy-note"' in page
    data = form_data(village)
    del data["phone_consent"]
    response = client.post(reverse("aspirations:submit"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["phone_consent"]
    assert not Aspiration.objects.exists()
    client.post(reverse("aspirations:submit"), form_data(village, reporter_phone=""))
    aspiration = Aspiration.objects.get()
    assert aspiration.phone_consent_at is None


def test_behind_the_proxy_the_limit_follows_the_forwarded_address(
    village: Village, settings: Any
) -> None:
    settings.BUJIAN_BEHIND_PROXY = True
    hall = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 100.64.0.7")
    for _number in range(5):
        assert hall.post(reverse("aspirations:submit"), form_data(village)).status_code == 302
    assert hall.post(reverse("aspirations:submit"), form_data(village)).status_code == 200
    # Same proxy, another resident: not blocked; a forged first entry changes nothing.
    other = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 100.64.0.8")
    assert other.post(reverse("aspirations:submit"), form_data(village)).status_code == 302
    forged = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="5.5.5.5, 100.64.0.7")
    assert forged.post(reverse("aspirations:submit"), form_data(village)).status_code == 200
