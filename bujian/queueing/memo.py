"""A worker's last reads of the polled pages (``queries_board``, ``queries_lines``).

Each gunicorn worker keeps the most recent reads of a few visits in memory, shared by
its threads; when to read again is the caller's rule (the visit's board version and
``BUJIAN_BOARD_REBUILD_MS``). Tests give each test its own board version files and
interval, so a change of those settings empties every memo.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from django.core.signals import setting_changed

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# The settings a read depends on: a test that changes one starts with empty memos.
_CLEARED_BY = frozenset({"BUJIAN_BOARD_DIR", "BUJIAN_BOARD_REBUILD_MS"})


class Memo(Generic[K, V]):
    """The ``size`` most recently stored values, thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        setting_changed.connect(self._setting_changed, weak=False)

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def _setting_changed(self, **kwargs: Any) -> None:
        if kwargs.get("setting") in _CLEARED_BY:
            self.clear()
