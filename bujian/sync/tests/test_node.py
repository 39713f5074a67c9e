"""The node's HTTP client: what the operator reads when central refuses or is away."""

from __future__ import annotations

from typing import Any

import pytest

from bujian.sync import node
from bujian.sync.crypto import SyncRefused


def test_an_unreachable_central_is_said_plainly_and_nothing_is_lost() -> None:
    with pytest.raises(SyncRefused) as refused:
        node.send("http://127.0.0.1:9", b"BUJIAN-SYNC/1 batch x\nx")
    assert refused.value.code == "sync.no_connection"
    assert "Tidak ada yang hilang" in refused.value.message


def test_only_http_addresses_are_called() -> None:
    with pytest.raises(SyncRefused) as refused:
        node.send("file:///etc", b"x")
    assert refused.value.code == "sync.bad_url"


@pytest.mark.django_db(transaction=True)
def test_central_refusal_carries_centrals_reason(live_server: Any) -> None:
    with pytest.raises(SyncRefused) as refused:
        node.pull(live_server.url, "AAAA-BBBB-CCCC")
    assert refused.value.code == "sync.central_refused"
    assert "HTTP 403" in refused.value.message
    assert "Kode pemasangan salah" in refused.value.message
