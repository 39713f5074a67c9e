from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from bujian.regions.models import Regency


def site(request: HttpRequest) -> dict[str, Any]:
    """The home regency's name and program name, for the page header."""
    regency = (
        Regency.objects.filter(code=settings.BUJIAN_HOME_REGENCY)
        .only("name", "program_name")
        .first()
    )
    return {"home_regency": regency}
