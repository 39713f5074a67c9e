"""The daily closing command and task."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from bujian.accounts.models import User
from bujian.aspirations import actions, tasks
from bujian.aspirations.models import Aspiration
from bujian.aspirations.tests.conftest import WIB, submit
from bujian.regions.models import Regency


def rejected_long_ago(regency: Regency, budi: User) -> Aspiration:
    aspiration = submit(regency)
    return actions.reject_aspiration(
        aspiration=aspiration,
        actor=budi,
        reason="Bukan kewenangan.",
        now=dt.datetime(2026, 12, 23, 11, 0, tzinfo=WIB),
    )


def test_command_closes_expired_answers_and_dry_run_changes_nothing(
    regency: Regency, budi: User, capsys: pytest.CaptureFixture[str]
) -> None:
    aspiration = rejected_long_ago(regency, budi)
    with time_machine.travel(dt.datetime(2027, 2, 1, 8, 0, tzinfo=WIB), tick=False):
        call_command("close_aspirations", "--dry-run")
        assert "1 aspiration(s) would be closed." in capsys.readouterr().out
        assert Aspiration.objects.get(pk=aspiration.pk).closed_at is None
        call_command("close_aspirations")
        assert "1 aspiration(s) closed." in capsys.readouterr().out
        call_command("close_aspirations")
        assert "0 aspiration(s) closed." in capsys.readouterr().out
    assert Aspiration.objects.get(pk=aspiration.pk).closed_at is not None


def test_task_closes_them_too(regency: Regency, budi: User) -> None:
    aspiration = rejected_long_ago(regency, budi)
    with time_machine.travel(dt.datetime(2027, 2, 1, 8, 0, tzinfo=WIB), tick=False):
        result = tasks.close_expired.enqueue()
    assert result.return_value == 1
    assert Aspiration.objects.get(pk=aspiration.pk).closed_at is not None


def test_pages_show_closed_once_the_window_has_passed_even_before_the_job(
    client: Client, regency: Regency, budi: User
) -> None:
    aspiration = rejected_long_ago(regency, budi)
    url = reverse("aspirations:track", args=[aspiration.code])
    with time_machine.travel(dt.datetime(2027, 1, 5, 8, 0, tzinfo=WIB), tick=False):
        open_page = client.get(url).content.decode()
    assert 'data-testid="reopen"' in open_page
    assert "badge--closed" not in open_page
    with time_machine.travel(dt.datetime(2027, 2, 1, 8, 0, tzinfo=WIB), tick=False):
        late_page = client.get(url).content.decode()
    assert 'data-testid="reopen"' not in late_page
    assert "badge--closed" in late_page
