"""Who may do what. Views call these; queries apply the same scope to rows."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied

from bujian.accounts.models import User
from bujian.regions.models import Regency


def staff_regency(user: User) -> Regency:
    """The regency a staff member works in. A superuser without one works in the
    installation's home regency."""
    if user.regency_id is not None:
        assert user.regency is not None
        return user.regency
    regency = Regency.objects.filter(code=settings.BUJIAN_HOME_REGENCY).first()
    if regency is None:
        raise PermissionDenied("No regency is configured for this account.")
    return regency


def require_program_admin(user: User) -> None:
    if not user.is_program_admin:
        raise PermissionDenied


def require_regency_reader(user: User) -> None:
    """Program admins, leadership and superusers read everything in their regency."""
    if not user.sees_whole_regency:
        raise PermissionDenied
