"""The lab's worker processes for the command line: one per core, started from a fork server
that has the lab imported (so each starts in milliseconds); `None` for one worker (in this process)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def lab_executor(workers: int) -> Iterator[Executor | None]:
    if workers <= 1:
        yield None
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["server.lab.lab"])
    executor = ProcessPoolExecutor(workers, mp_context=context)
    try:
        yield executor
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
