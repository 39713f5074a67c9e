"""A small per-client limit for the public form, kept in the shared cache."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

SUBMISSIONS = 5
WINDOW_SECONDS = 10 * 60


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR; behind the regency's reverse proxy (``BUJIAN_BEHIND_PROXY``) the
    address that proxy appended last to X-Forwarded-For. Never an earlier entry: those
    are written by the client, who could pick a fresh one per request."""
    if getattr(settings, "BUJIAN_BEHIND_PROXY", False):
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def client_key(request: HttpRequest, scope: str) -> str:
    address = client_address(request)
    digest = hashlib.sha256(address.encode()).hexdigest()[:24]  # no raw IP in the cache
    return f"aspirations:rate:{scope}:{digest}"


def hit(request: HttpRequest, scope: str, limit: int = SUBMISSIONS) -> bool:
    """Count one attempt; False when the client is over the limit for this window.
    ``cache.add`` starts the window once; ``incr`` is atomic in every shared cache."""
    key = client_key(request, scope)
    if cache.add(key, 1, WINDOW_SECONDS):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS)
        return True
    return count <= limit
