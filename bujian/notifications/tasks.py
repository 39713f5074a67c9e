"""Background sending of the outbox (django-tasks). ``make run`` starts the database
worker; tests run tasks at once (ImmediateBackend)."""

from __future__ import annotations

from django_tasks import task

from bujian.notifications import actions


@task()
def deliver_message(outbox_id: int) -> str:
    """Send one message; a failure is recorded on the row and retried later."""
    outbox = actions.deliver(outbox_id)
    return outbox.status if outbox is not None else "skipped"
