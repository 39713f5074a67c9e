"""Every bad value of the corpus into every attacked field of the main forms, posted
over HTTP by the role that uses the form. Each answer: no server error, a refusal
the user can read, and the tables unchanged, or, for a free-text field, the text
kept as typed with everything that goes with it saved (never half)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from bujian.aspirations.models import Aspiration, Attachment
from bujian.aspirations.tests.test_views import form_data as aspiration_data
from bujian.calendars.models import DayOff
from bujian.conftest import client_for
from bujian.core.models import AuditEntry
from bujian.core.tests.badinput.conftest import (
    World,
    assert_answered_well,
    counts,
    post_form,
)
from bujian.core.tests.badinput.corpus import (
    CHOICES,
    DATES,
    NIKS,
    NUMBERS,
    PHONES,
    TEXTS,
    TIMES,
    Bad,
)
from bujian.queueing.models import Ticket, VisitTicket
from bujian.queueing.tests.test_desk import walk_in_data
from bujian.records.models import Document, DocumentHandover, ServiceRecord
from bujian.residents.models import Registration, Resident
from bujian.residents.nik import make_nik
from bujian.surveys.models import SurveyResponse
from bujian.surveys.tests.conftest import form_data as survey_data
from bujian.surveys.views import kiosk_token
from bujian.visits.models import Participation, Visit

pytestmark = pytest.mark.django_db

PROXY_NIK = make_nik("17.01.05", dt.date(1988, 3, 12), "L", 21)
BLANK = frozenset({"empty", "spaces"})
# int() reads these as 1, as Django's id fields do: the same as typing "1".
SAME_AS_ONE = frozenset({"fullwidth-one", "arabic-indic-one"})
# A dash is one of the separators people type inside a NIK, and is dropped.
NIK_OK = frozenset({"negative"})


@dataclass(frozen=True)
class Field:
    """One attacked field. ``strict`` fields have a format (NIK, date, choice, number)
    and refuse every bad value, blanks aside when optional; ``text`` fields may keep
    any harmless text up to ``max_length``. ``ok`` names values the field may accept
    (a date in the future is what a "promised date" is)."""

    name: str
    values: Sequence[Bad]
    max_length: int | None = None
    required: bool = True
    ok: frozenset[str] = frozenset()

    @property
    def kind(self) -> str:
        return "text" if self.values is TEXTS else "strict"

    def may_accept(self, bad: Bad) -> bool:
        if bad.id in self.ok:
            return True
        blank = bad.id in BLANK
        if self.kind == "strict":
            return blank and not self.required
        if not bad.text_ok or (blank and self.required):
            return False
        return blank or self.max_length is None or bad.length() <= self.max_length


@dataclass(frozen=True)
class Target:
    id: str
    user: str | None  # an attribute of World, or None for anonymous
    url: Callable[[World], str]
    valid: Callable[[World], dict[str, str]]
    fields: Sequence[Field]
    models: Sequence[type[Model]] = ()
    saved_together: Sequence[type[Model]] = ()  # what an accepted form always saves

    def client(self, world: World) -> Client:
        return client_for(getattr(world, self.user)) if self.user else Client()


def _resident(world: World) -> dict[str, str]:
    return {
        "national_id": make_nik("17.01.05", dt.date(1991, 5, 2), "L", 77),
        "family_card_number": "",
        "full_name": "Agus Salim",
        "sex": "L",
        "birth_date": "1991-05-02",
        "birth_place": "Manna",
        "village": str(world.village.pk),
        "hamlet": "Dusun I",
        "rt": "001",
        "rw": "002",
        "address": "Jl. Raya",
        "phone": "0812-3456-7890",
        "phone_consent": "on",
    }


def _finish(world: World) -> dict[str, str]:
    service = world.ktp.pk
    return {
        "ticket": str(world.called.pk),
        f"s{service}-outcome": "in_process",
        f"s{service}-promised_date": "2026-12-17",
        f"s{service}-document_number": "",
        f"s{service}-notes": "",
    }


def _handover(world: World) -> dict[str, str]:
    prefix = f"d{world.document.pk}"
    return {
        f"{prefix}-recipient": "proxy",
        f"{prefix}-proxy_name": "Ahmad Yani",
        f"{prefix}-proxy_national_id": PROXY_NIK,
        f"{prefix}-proxy_relationship": "Suami",
        f"{prefix}-place": "agency_office",
    }


def _visit(world: World) -> dict[str, str]:
    return {
        "village": str(world.village.pk),
        "start_date": "2026-12-17",
        "end_date": "2026-12-17",
        "daily_start": "08:00",
        "daily_end": "16:00",
        "venue": "Balai Desa",
        "notes": "",
    }


DOC = "d{document}-"
SERVICE = "s{ktp}-"

TARGETS = [
    Target(
        id="resident-create",
        user="kades",
        url=lambda w: reverse("residents:create"),
        valid=_resident,
        fields=[
            Field("national_id", NIKS),
            Field("family_card_number", NIKS, required=False),
            Field("sex", CHOICES),
            Field("birth_date", DATES),
            Field("village", CHOICES, ok=SAME_AS_ONE),
            Field("phone", PHONES, required=False),
            Field("full_name", TEXTS, 150),
            Field("address", TEXTS, 250, required=False),
            Field("rt", TEXTS, 3, required=False),
        ],
        models=[Resident, AuditEntry],
        saved_together=[Resident],
    ),
    Target(
        id="desk-walk-in",
        user="budi",
        url=lambda w: reverse("queueing:desk_walk_in", args=[w.visit.pk]),
        valid=lambda w: walk_in_data(w.village),
        fields=[
            Field("national_id", NIKS),
            Field("sex", CHOICES),
            Field("birth_date", DATES),
            Field("village", CHOICES, required=False, ok=SAME_AS_ONE),
            Field("phone", PHONES, required=False),
            Field("full_name", TEXTS, 150),
            Field("hamlet", TEXTS, 100, required=False),
        ],
        models=[Resident, VisitTicket, Ticket, AuditEntry],
        saved_together=[Resident],
    ),
    Target(
        id="booth-outcome",
        user="siti",
        url=lambda w: reverse(
            "queueing:booth_action", kwargs={"booth_id": w.booth_a.pk, "step": "selesai"}
        ),
        valid=_finish,
        fields=[
            Field("ticket", NUMBERS, ok=SAME_AS_ONE),
            Field(SERVICE + "outcome", CHOICES),
            Field(
                SERVICE + "promised_date",
                DATES,
                ok=frozenset({"far-future", "year-9999", "tomorrow-iso"}),
            ),
            Field(SERVICE + "document_number", TEXTS, 60, required=False),
            Field(SERVICE + "notes", TEXTS, 250, required=False),
        ],
        models=[ServiceRecord, Document, AuditEntry],
        saved_together=[ServiceRecord],
    ),
    Target(
        id="aspiration-public",
        user=None,
        url=lambda w: reverse("aspirations:submit"),
        valid=lambda w: aspiration_data(w.village, text="Lampu jalan di depan masjid padam."),
        fields=[
            Field("category", CHOICES),
            Field("village", CHOICES, required=False, ok=SAME_AS_ONE),
            Field("reporter_national_id", NIKS, required=False, ok=NIK_OK),
            Field("reporter_phone", PHONES, required=False),
            Field("latitude", NUMBERS, required=False, ok=frozenset({"zero", "negative"})),
            Field("title", TEXTS, 150),
            Field("text", TEXTS, 5000),
            Field("rt", TEXTS, 3, required=False),
        ],
        models=[Aspiration, Attachment, AuditEntry],
        saved_together=[Aspiration],
    ),
    Target(
        id="survey-kiosk",
        user=None,
        url=lambda w: reverse("surveys:kiosk_form", args=[kiosk_token(w.visit), w.finished.pk]),
        valid=lambda w: survey_data(),
        fields=[
            Field("sex", CHOICES),
            Field("age", NUMBERS),
            Field("education", CHOICES),
            Field("u1", CHOICES),
            Field("u9", NUMBERS),
            Field("submission", CHOICES, required=False),
            Field("occupation_other", TEXTS, 60),
            Field("suggestion", TEXTS, 1000, required=False),
        ],
        models=[SurveyResponse, AuditEntry],
        saved_together=[SurveyResponse],
    ),
    Target(
        id="visit-create",
        user="budi",
        url=lambda w: reverse("visits:staff_create"),
        valid=_visit,
        fields=[
            Field("village", CHOICES, ok=SAME_AS_ONE),
            Field("start_date", DATES),
            Field("end_date", DATES),
            Field("daily_start", TIMES),
            Field("venue", TEXTS, 150),
            Field("notes", TEXTS, None, required=False),
        ],
        models=[Visit, Participation, AuditEntry],
        saved_together=[Visit, Participation],
    ),
    Target(
        id="document-handover",
        user="siti",
        url=lambda w: reverse("records:handover", args=[w.document.pk]),
        valid=_handover,
        fields=[
            Field(DOC + "recipient", CHOICES),
            Field(DOC + "proxy_national_id", NIKS, ok=NIK_OK),
            Field(DOC + "place", CHOICES),
            Field(DOC + "proxy_name", TEXTS, 150),
            Field(DOC + "proxy_relationship", TEXTS, 60),
        ],
        models=[DocumentHandover, AuditEntry],
        saved_together=[DocumentHandover],
    ),
    Target(
        id="calendar-day-off",
        user="budi",
        url=lambda w: reverse("calendars:calendar"),
        valid=lambda w: {"date": "2026-12-30", "kind": "regency_event", "name": "Hari Jadi"},
        fields=[
            Field("date", DATES, ok=frozenset({"tomorrow-iso"})),
            Field("kind", CHOICES),
            Field("name", TEXTS, 150),
        ],
        models=[DayOff, AuditEntry],
        saved_together=[DayOff],
    ),
    Target(
        id="login",
        user=None,
        url=lambda w: reverse("accounts:login"),
        valid=lambda w: {"username": "budi", "password": "wrong"},
        fields=[Field("username", TEXTS), Field("password", TEXTS)],
    ),
]


def _name(target_field: Field, world: World) -> str:
    return target_field.name.format(document=world.document.pk, ktp=world.ktp.pk)


def _valid(target: Target, world: World) -> dict[str, str]:
    return target.valid(world)


CASES = [
    pytest.param(target, attacked, bad, id=f"{target.id}-{attacked.name}-{bad.id}")
    for target in TARGETS
    for attacked in target.fields
    for bad in attacked.values
]


@pytest.mark.parametrize("target", [t for t in TARGETS if t.saved_together], ids=lambda t: t.id)
def test_the_valid_form_is_accepted(target: Target, world: World) -> None:
    """The baseline each bad value is put into is itself accepted, so a refusal in the
    corpus is the bad value's doing."""
    client = target.client(world)
    before = counts(target.models)
    response = post_form(client, target.url(world), _valid(target, world))
    after = counts(target.models)
    assert response.status_code in (200, 302), response.status_code
    for model in target.saved_together:
        label = model._meta.label
        assert after[label] > before[label], (target.id, response.content.decode()[:3000])


@pytest.mark.parametrize(("target", "attacked", "bad"), CASES)
def test_a_bad_value_is_answered_well(
    target: Target, attacked: Field, bad: Bad, world: World
) -> None:
    client = target.client(world)
    name = _name(attacked, world)
    data: dict[str, str | bytes | list[str]] = dict(_valid(target, world))
    data[name] = list(bad.value) if isinstance(bad.value, list) else bad.value
    before = counts(target.models)
    response = post_form(client, target.url(world), data)
    after = counts(target.models)
    assert_answered_well(
        client,
        response,
        before,
        after,
        # The login form accepts no bad value: it logs nobody in.
        may_accept=attacked.may_accept(bad) and target.id != "login",
        saved_together=[m._meta.label for m in target.saved_together],
        what=f"{target.id} {name}={bad.id}",
    )
    if target.id == "login":
        assert "_auth_user_id" not in client.session


SEARCHES = [
    ("desk-search", "budi", lambda w: reverse("queueing:desk", args=[w.visit.pk]), "q"),
    ("resident-search", "kades", lambda w: reverse("residents:search"), "q"),
    (
        "kiosk-number",
        None,
        lambda w: reverse("surveys:kiosk", args=[kiosk_token(w.visit)]),
        "number",
    ),
]


@pytest.mark.parametrize("bad", TEXTS, ids=lambda b: b.id)
@pytest.mark.parametrize(("name", "user", "url", "key"), SEARCHES, ids=[s[0] for s in SEARCHES])
def test_searches_never_fail_and_change_nothing(
    name: str, user: str | None, url: Callable[[World], str], key: str, bad: Bad, world: World
) -> None:
    client = client_for(getattr(world, user)) if user else Client()
    tables = [Resident, Registration, VisitTicket, Ticket, SurveyResponse]
    before = counts(tables)
    for headers in (None, {"HX-Request": "true"}):
        response = post_form(client, url(world), {key: bad.value}, headers=headers)
        assert response.status_code < 500, f"{name} {bad.id}: HTTP {response.status_code}"
        assert "<script>alert(1)</script>" not in response.content.decode(errors="replace")
    assert counts(tables) == before


QUERIES = [
    ("aspiration-visit", None, lambda w: reverse("aspirations:submit"), "kunjungan"),
    ("resident-for-visit", "kades", lambda w: reverse("residents:create"), "kunjungan"),
    (
        "booth-ticket",
        "siti",
        lambda w: reverse("queueing:booth", kwargs={"booth_id": w.booth_a.pk}),
        "tiket",
    ),
    ("desk-walk-in-q", "budi", lambda w: reverse("queueing:desk_walk_in", args=[w.visit.pk]), "q"),
    ("calendar-year", "budi", lambda w: reverse("calendars:calendar"), "tahun"),
]


@pytest.mark.parametrize("bad", [*NUMBERS, *TEXTS[2:4]], ids=lambda b: b.id)
@pytest.mark.parametrize(("name", "user", "url", "key"), QUERIES, ids=[q[0] for q in QUERIES])
def test_bad_query_parameters_never_fail(
    name: str, user: str | None, url: Callable[[World], str], key: str, bad: Bad, world: World
) -> None:
    """Ids and numbers read from the address: a superscript digit passes str.isdigit()
    but not int()."""
    client = client_for(getattr(world, user)) if user else Client()
    value = bad.value if isinstance(bad.value, str) else "x"
    response = client.get(url(world), {key: value[:2000]})
    assert response.status_code < 500, f"{name} {bad.id}: HTTP {response.status_code}"
