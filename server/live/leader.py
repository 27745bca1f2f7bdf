"""One scheduler at a time: a PostgreSQL advisory lock, or a lock file beside the SQLite database.

The lock lives as long as its holder: a session-level advisory lock is released by PostgreSQL when
the connection dies, a flock by the kernel when the process dies, so another process takes over.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

log = logging.getLogger("ttx.leader")
ADVISORY_KEY = 0x7474_7800  # "ttx" + 0


class Leadership(Protocol):
    async def acquire(self) -> bool: ...
    async def release(self) -> None: ...


class FileLeadership:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class PostgresLeadership:
    def __init__(self, dsn: str, key: int = ADVISORY_KEY) -> None:
        self.dsn = dsn
        self.key = key
        self._conn = None

    async def acquire(self) -> bool:
        import asyncpg

        if self._conn is not None:
            if not self._conn.is_closed():
                try:
                    await asyncio.wait_for(self._conn.fetchval("SELECT 1"), timeout=3)
                    return True
                except Exception:
                    pass
            log.warning("lost the scheduler lock's connection")
            self._conn.terminate()
            self._conn = None
        try:
            conn = await asyncpg.connect(self.dsn, timeout=5)
        except Exception as exc:
            log.debug("cannot connect for the scheduler lock: %s", exc)
            return False
        try:
            got = await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key)
        except Exception:
            conn.terminate()
            return False
        if got:
            self._conn = conn
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        if self._conn is not None:
            try:
                await asyncio.wait_for(self._conn.close(), timeout=2)
            except Exception:
                self._conn.terminate()
            self._conn = None
