"""The lab's worker processes for the command line: one per core, forked from this process, which
has the lab imported already (so a worker starts in milliseconds and shares its memory); `None`
for one worker (the runs in this process). Each worker computes whole chunks of runs from plain
data and keeps nothing the parent needs, so forking is safe here."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Iterator

from . import lab  # noqa: F401  (imported before the fork, so the workers have it)


@contextmanager
def lab_executor(workers: int) -> Iterator[Executor | None]:
    if workers <= 1:
        yield None
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
    try:
        yield executor
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
