"""The aspirations section of an access request and the retention rule."""

from __future__ import annotations

import datetime as dt

from bujian.accounts.models import User
from bujian.aspirations import actions, personal_data, retention
from bujian.aspirations.models import Aspiration
from bujian.aspirations.tests.conftest import WIB, submit
from bujian.regions.models import Regency, Village
from bujian.residents.nik import make_nik
from bujian.residents.tests.factories import ResidentFactory

NIK = make_nik("17.01.05", dt.date(1990, 7, 1), "P", 3)


def test_section_lists_the_residents_aspirations_by_nik_or_phone(
    regency: Regency, village: Village
) -> None:
    resident = ResidentFactory.create(village=village, national_id=NIK, phone="+6281234567890")
    by_nik = submit(regency, reporter_national_id=NIK, reporter_phone="", phone_consent=False)
    by_phone = submit(regency)  # +6281234567890
    submit(regency, reporter_phone="0813-9999-0000")
    title, rows = personal_data.section(resident)
    assert title == "aspirations"
    assert [row["tracking_code"] for row in rows] == [by_nik.code, by_phone.code]
    assert rows[1]["phone_consent_at"] is not None


def test_contact_is_erased_long_after_closing(regency: Regency, budi: User) -> None:
    aspiration = submit(regency, reporter_national_id=NIK)
    duplicate = submit(regency, reporter_phone="0813-9999-0000")
    actions.merge_aspiration(duplicate=duplicate, target=aspiration, actor=budi)
    actions.reject_aspiration(aspiration=aspiration, actor=budi, reason="Bukan kewenangan.")
    closed_on = dt.datetime(2027, 2, 1, 6, 0, tzinfo=WIB)
    assert actions.close_expired_aspirations(now=closed_on) == 1
    (rule,) = retention.RULES
    assert rule.apply(closed_on + dt.timedelta(days=100), False) == 0
    later = closed_on + dt.timedelta(days=731)
    assert rule.apply(later, True) == 2
    assert rule.apply(later, False) == 2
    for row in Aspiration.objects.all():
        assert (row.reporter_phone, row.reporter_national_id, row.phone_consent_at) == (
            "",
            "",
            None,
        )
    assert Aspiration.objects.get(pk=aspiration.pk).title  # the aspiration itself stays
