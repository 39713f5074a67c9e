"""Background jobs of aspirations (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from bujian.aspirations.actions import close_expired_aspirations


@task()
def close_expired() -> int:
    """Close the answered aspirations nobody reopened in time; run daily by the
    worker's scheduler or cron (``manage.py close_aspirations``)."""
    return close_expired_aspirations()
