from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponse

from bujian.core import sql
from bujian.core.models import AuditEntry

# The address of the request being handled, for the audit trail's "from where".
_source_ip: ContextVar[str | None] = ContextVar("bujian_audit_source_ip", default=None)


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind the regency's reverse proxy
    (BUJIAN_BEHIND_PROXY) the address that proxy appended to X-Forwarded-For."""
    if settings.BUJIAN_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Remembers the request's address while it is handled, for record_audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _source_ip.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            _source_ip.reset(token)


def record_audit(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit entry. Call it inside the action's transaction, so the entry
    exists exactly when the change does. ``data`` must never hold a full NIK or KK.

    Every action writes one, the queue's busiest included: the row goes in with an
    INSERT built once per process (``core.sql.insert``, as ``save()`` would write it,
    without the ORM compiling it each time; AuditEntry has no save signals)."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=data or {},
        source_ip=_source_ip.get(),
    )
    sql.insert(entry)
    return entry
