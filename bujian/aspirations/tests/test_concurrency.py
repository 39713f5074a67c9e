"""Two people pressing the same button at once change the row once (PostgreSQL, where
threads are real parallel connections; SQLite serialises writers by design)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from bujian.accounts.models import User
from bujian.agencies.models import Agency
from bujian.aspirations import actions
from bujian.aspirations.models import Aspiration, Event
from bujian.aspirations.tests.conftest import submit
from bujian.core.errors import DomainError
from bujian.regions.models import Regency

THREADS = 6

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="threads share one in-memory SQLite database"
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispositions_assign_once(
    regency: Regency, bupati: User, disdukcapil: Agency, samsat: Agency
) -> None:
    aspiration = submit(regency, reporter_phone="", phone_consent=False)
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def press(index: int) -> None:
        try:
            mine = Aspiration.objects.select_related("regency").get(pk=aspiration.pk)
            agency = disdukcapil if index % 2 else samsat
            barrier.wait()
            try:
                actions.assign_aspiration(
                    aspiration=mine, actor=bupati, lead_agency=agency, disposition=f"#{index}"
                )
                result = "assigned"
            except DomainError as error:
                result = error.code
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Counter(outcomes) == {"assigned": 1, "aspirations.wrong_state": THREADS - 1}
    assert Event.objects.filter(aspiration=aspiration, action="assigned").count() == 1
    assert Aspiration.objects.get(pk=aspiration.pk).status == Aspiration.Status.ASSIGNED
