"""The two databases behind the one event store, reduced to what the store needs: run a query,
run a few statements as one transaction.

- `SqliteDatabase`: the standard library's sqlite3, reader threads (WAL lets readers work beside
  the writer), and writes done in one go: on the event loop's thread when the file lock is free,
  else on a writer thread that waits for it. Never one hop per statement, which is what made the
  first version slow.
- `PostgresDatabase`: asyncpg and its pool, with no per-operation ping or reset.

Both speak the same SQL (`?` placeholders; rewritten to `$n` for asyncpg) over the schema that the
Alembic migrations make.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncContextManager, AsyncIterator, NamedTuple, Protocol, Sequence

from .base import ConcurrencyConflict, StoreUnavailable
from .limits import RecordRefused
from .rows import dollar

log = logging.getLogger(__name__)


class Statement(NamedTuple):
    sql: str
    params: Any = ()  # a tuple, or a list of tuples when `many`
    many: bool = False
    expect_rows: int | None = None  # a different row count aborts the transaction with ConcurrencyConflict


class Database(Protocol):
    dialect: str

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]: ...
    async def write(self, statements: Sequence[Statement], *, background: bool = False,
                    key: str | None = None) -> None: ...
    def exclusive(self, key: str) -> AsyncContextManager[None]: ...
    async def close(self) -> None: ...


def sqlite_path(url: str) -> str:
    """`sqlite:///relative.db` or `sqlite:////absolute/path.db` -> the file path."""
    rest = url.split("://", 1)[1]
    if not rest.startswith("/"):
        raise ValueError(f"not a SQLite URL: {url!r} (use sqlite:///file.db)")
    return rest[1:] or "ttx.db"


class SqliteDatabase:
    """sqlite3 behind asyncio. Reads go to reader threads. A write is tried first right on the event
    loop's thread, without waiting for the file lock (an append is one statement, 30-50 µs of SQLite
    work, less than the hop to a thread and back); if the lock is taken (a write in the writer
    thread, or another process) it goes to the writer thread, which waits for it. WAL checkpoints
    run on the writer thread, so the loop never does that slower work; the loop's writes wait for
    them (`_start_checkpoint`)."""

    dialect = "sqlite"
    CHECKPOINT_EVERY = 500  # inline writes between WAL checkpoints

    def __init__(self, path: str, *, readers: int = 2) -> None:
        self.path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="ttx-sqlite-write")
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="ttx-sqlite-read")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._inline: sqlite3.Connection | None = None
        self._queued_writes = 0  # writes handed to the writer thread and not finished
        self._since_checkpoint = 0
        self._first_round: Future[None] | None = None  # a checkpoint's first round, until its second starts
        self._checkpointing: asyncio.Event | None = None  # while a checkpoint's second round runs (`_start_checkpoint`)

    def _open(self, *, busy_ms: int, autocheckpoint: bool = True) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=busy_ms / 1000)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={busy_ms}")
        if not autocheckpoint:
            conn.execute("PRAGMA wal_autocheckpoint=0")
        with self._lock:
            self._connections.append(conn)
        return conn

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open(busy_ms=30_000)
        return conn

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[Sequence[Any]]:
        return self._connection().execute(sql, params).fetchall()

    @staticmethod
    def _transaction(conn: sqlite3.Connection, statements: Sequence[Statement]) -> None:
        if len(statements) == 1 and not statements[0].many and statements[0].expect_rows is None:
            try:  # one statement is atomic on its own: no BEGIN and COMMIT calls (an append: appending.py)
                conn.execute(statements[0].sql, statements[0].params)
            except sqlite3.IntegrityError as exc:
                raise ConcurrencyConflict(str(exc)) from exc
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            for st in statements:
                cur = conn.executemany(st.sql, st.params) if st.many else conn.execute(st.sql, st.params)
                if st.expect_rows is not None and cur.rowcount != st.expect_rows:
                    raise ConcurrencyConflict(f"expected {st.expect_rows} row(s), changed {cur.rowcount}")
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            conn.execute("ROLLBACK")
            raise ConcurrencyConflict(str(exc)) from exc
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _write(self, statements: Sequence[Statement]) -> None:
        self._transaction(self._connection(), statements)

    def _checkpoint(self) -> None:
        self._connection().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _start_checkpoint(self, loop: asyncio.AbstractEventLoop) -> None:
        """Checkpoint on the writer thread in two rounds. The first runs beside the writes that
        come meanwhile: it copies the frames the log held when it began and does the slow part,
        syncing them to disk (a sync's cost grows with the frames it flushes: 8-10 ms for 500
        appends on the machine of docs/PERFORMANCE.md, when the writes waited for all of it). The
        second (`_finish_checkpoint`, started by the first write after the first round) copies only
        the frames written during the first, while the writes that come meanwhile wait on the event
        loop (`write`), so that it copies every frame and the next write starts the log again from
        its beginning. A passive checkpoint beside a steady stream of writes never catches up with
        them, and the WAL then grows without end (measured: 640 MB after 30,000 appends, each
        append twice as slow as on a short WAL, the file's every page newly allocated). The waiting
        writes then go on as before, on the loop's thread (sent to the writer thread instead, they
        would keep one another there for as long as commands kept coming)."""
        # the executor's own future: done as soon as the writer thread is, whether or not the event
        # loop has run since (`write` looks at it; a loop's future would learn it only by a callback)
        self._first_round = self._writer.submit(self._checkpoint)
        self._first_round.add_done_callback(_log_failure)

    def _finish_checkpoint(self, loop: asyncio.AbstractEventLoop) -> None:
        self._first_round = None
        done = self._checkpointing = asyncio.Event()

        def finished(future: asyncio.Future) -> None:
            self._checkpointing = None
            done.set()
            _log_failure(future)

        loop.run_in_executor(self._writer, self._checkpoint).add_done_callback(finished)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._fetch, sql, params)

    @asynccontextmanager
    async def exclusive(self, key: str) -> AsyncIterator[None]:
        yield  # one process writes an embedded database: nobody to queue behind

    async def write(self, statements: Sequence[Statement], *, background: bool = False, key: str | None = None) -> None:
        """`background`: a big write (an import's batch, deleting an exercise) that goes to the writer
        thread straight away rather than holding the event loop for its duration."""
        loop = asyncio.get_running_loop()
        if self._first_round is not None and self._first_round.done() and not background:
            self._finish_checkpoint(loop)
        while self._checkpointing is not None and not background:
            await self._checkpointing.wait()
        if self._queued_writes == 0 and not background:  # nothing of ours waits for the lock: try it here
            if self._inline is None:
                self._inline = self._open(busy_ms=0, autocheckpoint=False)
            try:
                self._transaction(self._inline, statements)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            else:
                self._since_checkpoint += 1
                if (self._since_checkpoint >= self.CHECKPOINT_EVERY and self._first_round is None
                        and self._checkpointing is None):
                    self._since_checkpoint = 0
                    self._start_checkpoint(loop)
                return
        self._queued_writes += 1
        try:
            await loop.run_in_executor(self._writer, self._write, statements)
        finally:
            self._queued_writes -= 1

    async def close(self) -> None:
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._inline = None


def _log_failure(future: asyncio.Future | Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("WAL checkpoint failed: %s", future.exception())


class PostgresDatabase:
    """asyncpg's own pool. Connections are not pinged on checkout nor reset on return (each costs a
    round trip per operation, a third of an append's): a transaction always ends before its
    connection goes back, and a connection lost with a restarted server is replaced on the next
    checkout. A read that meets a dead connection is tried once more; a write is not (it might have
    committed): it fails with `StoreUnavailable`, and the client retries with its idempotency key."""

    dialect = "postgresql"

    def __init__(self, url: str, *, max_size: int = 20) -> None:
        from ..settings import plain_postgres_dsn

        self.dsn = plain_postgres_dsn(url)
        self.max_size = max_size
        self._pool = None
        self._pool_lock = asyncio.Lock()
        self._exclusive_slots = asyncio.Semaphore(max(1, max_size // 2))
        self._sql: dict[str, str] = {}
        self._holding: dict[str, Any] = {}  # exclusive key -> the connection holding its lock

    def _pg(self, sql: str) -> str:
        converted = self._sql.get(sql)
        if converted is None:
            converted = self._sql[sql] = dollar(sql)
        return converted

    async def pool(self):
        if self._pool is None:
            import asyncpg

            async with self._pool_lock:
                if self._pool is None:
                    try:
                        self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=self.max_size,
                                                               reset=_end_transaction, timeout=10)
                    except (OSError, asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError) as exc:
                        raise StoreUnavailable(f"cannot reach PostgreSQL: {exc}") from exc
        return self._pool

    @asynccontextmanager
    async def exclusive(self, key: str) -> AsyncIterator[None]:
        """Hold a PostgreSQL advisory lock on `key` for the block: writers in every process that ask
        for the same key queue instead of racing. A dead holder's lock dies with its connection."""
        async with self._exclusive_slots:  # each holder keeps a connection: leave the pool room to work
            async with (await self.pool()).acquire() as conn:
                await conn.execute("SELECT pg_advisory_lock($1, hashtext($2))", EXCLUSIVE_CLASS, key)
                self._holding[key] = conn  # writes for `key` go through the session that holds the lock
                try:
                    yield
                finally:
                    self._holding.pop(key, None)
                    try:
                        await conn.execute("SELECT pg_advisory_unlock($1, hashtext($2))", EXCLUSIVE_CLASS, key)
                    except _LOST:
                        pass  # the session is gone, and its lock with it (a write in it failed already)

    @asynccontextmanager
    async def _writer(self, key: str | None) -> AsyncIterator[Any]:
        held = self._holding.get(key) if key is not None else None
        if held is not None:
            yield held
            return
        async with (await self.pool()).acquire() as conn:
            yield conn

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        for attempt in (1, 2):
            try:
                async with (await self.pool()).acquire() as conn:
                    return await conn.fetch(self._pg(sql), *params)
            except _LOST as exc:
                if attempt == 2:
                    raise StoreUnavailable(f"PostgreSQL connection lost: {exc.__class__.__name__}") from exc
        raise AssertionError("unreachable")

    async def write(self, statements: Sequence[Statement], *, background: bool = False, key: str | None = None) -> None:
        """`key`: the `exclusive` key the caller holds; the write runs in the session holding that
        lock (an append made in a turn; an append outside one checks that no session holds it)."""
        import asyncpg

        try:
            async with self._writer(key) as conn:
                if len(statements) == 1 and not statements[0].many:  # one statement is atomic on its own:
                    await self._run(conn, statements[0])                # no BEGIN and COMMIT round trips
                    return
                async with conn.transaction():
                    for st in statements:
                        await self._run(conn, st)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise ConcurrencyConflict(str(exc)) from exc
        except asyncpg.DataError as exc:  # a value its column cannot hold that limits.py did not foresee
            raise RecordRefused("unstorable_value", f"A value cannot be stored: {exc.__class__.__name__}.",
                                table="", field="") from exc
        except _LOST as exc:
            raise StoreUnavailable(f"PostgreSQL connection lost during a write: {exc.__class__.__name__}") from exc

    async def _run(self, conn, st: Statement) -> None:
        if st.many:
            await conn.executemany(self._pg(st.sql), st.params)
            return
        status = await conn.execute(self._pg(st.sql), *st.params)
        if st.expect_rows is not None and int(status.rsplit(" ", 1)[-1]) != st.expect_rows:
            raise ConcurrencyConflict(f"expected {st.expect_rows} row(s): {status}")

    async def close(self) -> None:
        if self._pool is not None:
            try:
                await asyncio.wait_for(self._pool.close(), timeout=5)
            except Exception:
                self._pool.terminate()
            self._pool = None


EXCLUSIVE_CLASS = 0x7474  # the advisory-lock namespace of per-exercise writer queues


async def _end_transaction(conn) -> None:
    """On return to the pool: only a connection left inside a transaction needs attention."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def _lost_errors() -> tuple[type[BaseException], ...]:
    import asyncpg

    return (OSError, ConnectionError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
            asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError)


_LOST = _lost_errors()


def open_database(url: str, *, max_connections: int | None = None) -> Database:
    scheme = url.split("://", 1)[0].split("+", 1)[0]
    if scheme == "sqlite":
        return SqliteDatabase(sqlite_path(url))
    if scheme in ("postgresql", "postgres"):
        return PostgresDatabase(url, max_size=max_connections or 20)
    raise ValueError(f"unsupported database URL {url!r}")
