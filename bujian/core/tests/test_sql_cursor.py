"""``core.sql``'s cursor: on PostgreSQL the queue's statements bind on the server and
are prepared once a connection has run them a few times; on both databases Django's
query logging still sees every one."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bujian.core import sql

pytestmark = pytest.mark.django_db

PROBE = "SELECT %s + 1 AS bujian_prepared_probe"


def test_every_statement_is_seen_by_query_logging_and_gives_its_answer() -> None:
    with CaptureQueriesContext(connection) as captured:
        answers = [sql.fetch_one(PROBE, [number]) for number in range(3)]
    assert answers == [(1,), (2,), (3,)]
    assert [query["sql"].count("bujian_prepared_probe") for query in captured] == [1, 1, 1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares; SQLite not")
def test_on_postgresql_a_statement_is_prepared_after_the_threshold() -> None:
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    assert threshold == 5

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%bujian_prepared_probe%"],
            )
            row = cursor.fetchone()
        assert row is not None
        return int(row[0])

    for number in range(threshold):
        sql.fetch_one(PROBE, [number])
    assert prepared() == 0  # run five times: not yet
    assert sql.fetch_one(PROBE, [41]) == (42,)
    assert prepared() == 1  # the sixth run prepared it; later runs reuse it
    for number in range(10):
        assert sql.fetch_one(PROBE, [number]) == (number + 1,)
    assert prepared() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_the_orms_own_cursors_never_prepare() -> None:
    with connection.cursor() as cursor:
        for number in range(8):
            cursor.execute("SELECT %s + 2 AS bujian_orm_probe", [number])
        cursor.execute(
            "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%bujian_orm_probe%"],
        )
        assert cursor.fetchone() == (0,)
