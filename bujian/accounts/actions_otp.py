"""Setting up and using the second factor (TOTP)."""

from __future__ import annotations

import base64

from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from bujian.accounts.models import User
from bujian.core.audit import record_audit

DEVICE_NAME = "authenticator"


def pending_device(user: User) -> TOTPDevice:
    """The user's authenticator being set up (a new secret the first time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for apps without a camera."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def confirm_device(*, request: HttpRequest, user: User, device: TOTPDevice, code: str) -> bool:
    """Turn the authenticator on with its first code; the session is then verified."""
    if not device.verify_token(code):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    otp_login(request, device)
    record_audit(actor=user, action="accounts.2fa.enabled", target=user)
    return True


def verify(*, request: HttpRequest, user: User, code: str) -> bool:
    """Check a code against the user's authenticators (each throttles wrong codes)."""
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(code):
            otp_login(request, device)
            record_audit(actor=user, action="accounts.2fa.verified", target=user)
            return True
    record_audit(actor=user, action="accounts.2fa.failed", target=user)
    return False


@transaction.atomic
def disable(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    record_audit(actor=user, action="accounts.2fa.disabled", target=user)
