"""The planner's background job (django-tasks). ``make run`` starts the database worker
beside the web server; tests run tasks at once."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django_tasks import task

from bujian.planner import actions
from bujian.planner.models import Plan


@task()
def solve_plan(plan_id: int) -> None:
    """Solve one queued plan; its progress goes to the cache for the page to poll."""
    language = Plan.objects.filter(pk=plan_id).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        actions.run_plan(plan_id)
