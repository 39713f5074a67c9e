from __future__ import annotations

from typing import Any

from django.db import models

from bujian.core.models import AuditEntry


def record_audit(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit entry. Call it inside the action's transaction, so the entry
    exists exactly when the change does. ``data`` must never hold a full NIK or KK."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor_id=actor_id,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=data or {},
    )
