"""The Alembic migrations are the only way the schema is made; the query tables must agree with them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from server.migrate import head_revision
from server.settings import async_url
from server.store.tables import metadata


def test_migrated_schema_matches_the_table_definitions(db_url):
    if db_url.startswith("postgresql"):
        from sqlalchemy.ext.asyncio import create_async_engine
        import asyncio

        async def diff():
            engine = create_async_engine(async_url(db_url))
            async with engine.connect() as conn:
                result = await conn.run_sync(lambda c: (MigrationContext.configure(c).get_current_revision(),
                                                        compare_metadata(MigrationContext.configure(c), metadata)))
            await engine.dispose()
            return result

        revision, changes = asyncio.run(diff())
    else:
        engine = create_engine(db_url)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn)
            revision, changes = ctx.get_current_revision(), compare_metadata(ctx, metadata)
        engine.dispose()
    assert revision == head_revision(db_url)
    assert changes == []
