from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django import Settings

from bujian.notifications.backends import MemoryBackend


@pytest.fixture(autouse=True)
def _memory_notifier(settings: Settings) -> Iterator[None]:
    settings.BUJIAN_NOTIFIER = "bujian.notifications.backends.MemoryBackend"
    MemoryBackend.sent.clear()
    yield
    MemoryBackend.sent.clear()
