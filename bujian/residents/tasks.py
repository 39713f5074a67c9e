"""Background jobs of the Excel import (django-tasks). ``make run`` starts the
database worker beside the web server; tests run tasks at once."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from bujian.residents import imports

logger = logging.getLogger(__name__)


def _guarded(token: str, step: str) -> None:
    state = imports.get_state(token) or {}
    with translation.override(state.get("language") or settings.LANGUAGE_CODE):
        _run(token, step)


def _run(token: str, step: str) -> None:
    try:
        if step == "validate":
            imports.run_validation(token)
        else:
            imports.run_good_rows_import(token)
    except LookupError:
        logger.warning("Import job %s has expired.", token)
    except Exception:
        imports.save_state(
            token,
            status=imports.Status.FAILED,
            file_error=_("The import stopped because of an error; nothing more was imported."),
        )
        raise


@task()
def validate_import(token: str) -> None:
    """Check every row of an uploaded file; import it at once when it is clean."""
    _guarded(token, "validate")


@task()
def import_good_rows(token: str) -> None:
    """Import only the good rows, after the operator confirmed it."""
    _guarded(token, "good_rows")
