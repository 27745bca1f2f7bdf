"""The directory's page of exercises comes from the index in its order, not from a scan and a sort
of the whole table (migration 0005), on both engines."""

from __future__ import annotations

import sqlite3

import asyncpg

from server.store.database import sqlite_path
from server.store.rows import dollar
from server.store.sql import directory_query

PAGES = [directory_query(limit=20), directory_query(limit=20, before=(1_700_000_000.0, "ex_000000000000"))]


def test_sqlite_reads_a_directory_page_in_the_index_order(sqlite_url):
    conn = sqlite3.connect(sqlite_path(sqlite_url))
    try:
        for sql, params in PAGES:
            plan = " | ".join(row[-1] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
            assert "USING INDEX ix_exercises_created" in plan or "USING COVERING INDEX ix_exercises_created" in plan, plan
            assert "TEMP B-TREE" not in plan, plan  # no sort of the whole table
    finally:
        conn.close()


async def test_postgres_can_read_a_directory_page_in_the_index_order(pg_url):
    conn = await asyncpg.connect(pg_url)
    try:
        async with conn.transaction():
            # the planner chooses a scan and a sort for a handful of rows; forbidding both shows
            # that the index serves the order (without it the plan is still a sort, at any cost)
            await conn.execute("SET LOCAL enable_seqscan = off")
            await conn.execute("SET LOCAL enable_sort = off")
            for sql, params in PAGES:
                plan = " | ".join(row[0] for row in await conn.fetch("EXPLAIN " + dollar(sql), *params))
                assert "Index Scan Backward using ix_exercises_created" in plan, plan
                assert "Sort" not in plan, plan
    finally:
        await conn.close()
