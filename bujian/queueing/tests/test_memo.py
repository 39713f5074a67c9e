"""The per-worker memo of the polled reads (board builds, lines of the status page)."""

from __future__ import annotations

import pytest

from bujian.queueing.memo import Memo


def test_the_least_recently_stored_value_goes_first() -> None:
    memo: Memo[str, int] = Memo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    memo.put("a", 3)  # "a" is now the most recent
    memo.put("c", 4)
    assert (memo.get("a"), memo.get("b"), memo.get("c")) == (3, None, 4)
    assert len(memo) == 2


def test_a_test_that_changes_the_board_settings_starts_with_an_empty_memo(
    settings: pytest.FixtureRequest,
) -> None:
    memo: Memo[str, int] = Memo(4)
    memo.put("a", 1)
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]  # unrelated: kept
    assert memo.get("a") == 1
    settings.BUJIAN_BOARD_REBUILD_MS = 250  # type: ignore[attr-defined]
    assert memo.get("a") is None
