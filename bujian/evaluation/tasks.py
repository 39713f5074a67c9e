"""Background jobs of the evaluation (django-tasks): period exports and summary
rebuilds. ``make run`` starts the database worker beside the web server; tests run
tasks at once."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from bujian.evaluation import exports
from bujian.evaluation.summaries import rebuild_summaries

logger = logging.getLogger(__name__)


@task()
def run_export(token: str) -> None:
    """Build a period report file; the page polls its progress."""
    state = exports.get_state(token) or {}
    with translation.override(state.get("language") or settings.LANGUAGE_CODE):
        try:
            exports.build_export(token)
        except LookupError:
            logger.warning("Export job %s has expired.", token)
        except Exception:
            exports.save_state(
                token,
                status=exports.Status.FAILED,
                error=_(
                    "The export stopped because of an error. Try again, or ask the administrator."
                ),
            )
            raise


@task()
def rebuild_regency_summaries(regency_id: int) -> None:
    """Rewrite every summary of a regency (after a correction of old data)."""
    rebuild_summaries(regency_id=regency_id)
