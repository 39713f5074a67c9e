"""A small per-client limit for the public form, kept in the shared cache."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest

SUBMISSIONS = 5
WINDOW_SECONDS = 10 * 60


def client_key(request: HttpRequest, scope: str) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is written by the client and would let anyone
    # pick a fresh address per request. Behind a proxy, the proxy must set REMOTE_ADDR.
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
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
