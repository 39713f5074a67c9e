from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from bujian.evaluation.models import VisitSummary
from bujian.evaluation.tests.builders import BuiltVisit


def test_rebuild_summaries_command(built: BuiltVisit) -> None:
    out = io.StringIO()
    call_command("rebuild_summaries", regency=built.visit.regency.code, stdout=out)
    assert "rebuilt" in out.getvalue()
    assert VisitSummary.objects.get(visit=built.visit).residents_served == 4
    with pytest.raises(CommandError):
        call_command("rebuild_summaries", regency="99.99")
