"""A separate OS process appending to one exercise (used by the two-process concurrency tests).

usage: python -m tests.store.writer_process DATABASE_URL EXERCISE_ID PREFIX COUNT
Prints one JSON line: the idempotency keys of the commands that were acknowledged.
"""

from __future__ import annotations

import asyncio
import json
import sys

from server.domain.commands import parse_command
from server.service import Busy, ExerciseService
from server.store.sql import open_store


async def main(url: str, exercise_id: str, prefix: str, count: int) -> None:
    store = open_store(url)
    service = ExerciseService(store=store, snapshot_interval=50)
    acked: list[str] = []

    async def one(i: int) -> None:
        key = f"{prefix}-{i}"
        cmd = parse_command({"type": "add_observation", "text": key})
        for _ in range(20):
            try:
                await service.execute(exercise_id, "facilitator", cmd, idempotency_key=key, body_hash=key)
                acked.append(key)
                return
            except Busy:
                await asyncio.sleep(0.01)  # Busy says "retry": a writer's back-off, against another process

    await asyncio.gather(*(one(i) for i in range(count)))
    await store.close()
    print(json.dumps(acked))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
