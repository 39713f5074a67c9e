from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from bujian.regions.models import Regency


def _home_regency() -> Regency | None:
    return (
        Regency.objects.filter(code=settings.BUJIAN_HOME_REGENCY)
        .only("name", "program_name")
        .first()
    )


def site(request: HttpRequest) -> dict[str, Any]:
    """The home regency (name and program name), read once by the first template
    variable that uses it: partial pages that do not (the polled status block, the
    board) run no query for it."""
    return {"home_regency": SimpleLazyObject(_home_regency)}
