"""One bounded pool for the CPU-heavy work: reports, compares, forks, QR codes (jobs.py), and the
processes that check streamed imports.

- At most `workers` jobs run at once; at most `queue` more wait. A job beyond that is refused at
  once with `PoolFull` (the API answers 503 with `Retry-After`), rather than growing a backlog that
  nobody bounds. A job whose caller went away still counts until its worker is done with it.
- `kind="process"` (the default): worker processes, forked from a clean server (multiprocessing's
  forkserver, with the job modules preloaded, so a new worker starts in a few milliseconds), at a
  lower CPU priority (`nice`). They hold their own GIL, so the event loop is never held up by them.
  Measured in bench/heavy.py with four clients asking for reports of a 20,000-event exercise:
  /healthz p99 14 ms with processes, 254 ms with threads (an idle control server: 14 and 22 ms).
  `kind="thread"`: the same jobs in threads of the server, for a machine where processes cannot be
  had.
- Imports (review/importing.py) stream through a reader that keeps state from one piece of the
  upload to the next: each gets a process of its own (thread kind: a thread), fed the upload
  through a pipe as it arrives; the process checks and stores it and answers. At most `imports`
  at once (`import_slot`, the same 503 beyond). Measured in bench/import_bounds.py on a 200 MB
  export: checked in a thread, the import costs the server's own process 11.5 s of CPU and moves
  /healthz from p50 3 / p99 17 ms to p50 9 / p99 41 ms; in a process of its own the server spends
  about 2 s forwarding bytes.

Workers start on first use and are shut down with the app.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import threading
import uuid
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, AsyncIterator, Callable, Iterator

from . import jobs
from .jobs import Refusal, WorkerConfig

log = logging.getLogger("ttx.work")

RETRY_AFTER_SECONDS = 2
# what the fork server imports once, so that each worker forked from it starts ready
PRELOAD = ["server.work.jobs", "server.review.operations", "server.review.importing", "server.review.render_text",
           "server.review.compare", "server.store.sql", "server.lab.lab"]


class PoolFull(Exception):
    """Every worker is busy and the queue is full: nothing was done; retry after `retry_after` s."""

    def __init__(self, what: str, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(what)
        self.what, self.retry_after = what, retry_after


class JobRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class _Admission:
    """A counter with a bound, safe from any thread (jobs finish on the executor's threads)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.taken = 0
        self._lock = threading.Lock()

    def take(self, what: str) -> None:
        with self._lock:
            if self.taken >= self.limit:
                raise PoolFull(what)
            self.taken += 1

    def release(self, *_: Any) -> None:
        with self._lock:
            self.taken -= 1


class WorkPool:
    def __init__(self, *, config: WorkerConfig, workers: int = 2, queue: int = 8, kind: str = "process",
                 imports: int = 2) -> None:
        if kind not in ("process", "thread"):
            raise ValueError(f"worker kind {kind!r}: process or thread")
        config = WorkerConfig(config.database_url, config.snapshot_interval, config.nice, pool=uuid.uuid4().hex)
        self.config, self.workers, self.queue, self.kind = config, workers, queue, kind
        self.jobs = _Admission(workers + queue)
        self.imports = _Admission(imports)
        self._executor: concurrent.futures.Executor | None = None
        self._import_threads = concurrent.futures.ThreadPoolExecutor(2 * imports, thread_name_prefix="ttx-import")
        self._lock = threading.Lock()

    # -- the jobs -----------------------------------------------------------------------------

    @staticmethod
    def _context() -> Any:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)  # takes effect when the fork server starts (first use)
        return context

    def _pool(self) -> concurrent.futures.Executor:
        with self._lock:
            if self._executor is None:
                if self.kind == "thread":
                    self._executor = concurrent.futures.ThreadPoolExecutor(
                        self.workers, thread_name_prefix="ttx-work", initializer=jobs.init_thread, initargs=(self.config,))
                else:
                    self._executor = concurrent.futures.ProcessPoolExecutor(
                        self.workers, mp_context=self._context(), initializer=jobs.init_process, initargs=(self.config,))
            return self._executor

    async def run(self, job: str, *args: Any) -> Any:
        """Run `job` (jobs.JOBS) in a worker and return its result; `JobRefused` for a refusal,
        `PoolFull` when the pool and its queue are full."""
        self.jobs.take(job)
        try:
            future = self._pool().submit(jobs.run_job, job, *args)
        except BrokenProcessPool:
            self.jobs.release()
            self._replace_broken()
            raise PoolFull(job)
        except BaseException:
            self.jobs.release()
            raise
        future.add_done_callback(self.jobs.release)  # when the worker is done, even if nobody waits any more
        try:
            result = await asyncio.wrap_future(future)
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh, and say so
            log.error("a worker process died during %s; the pool starts new ones", job)
            self._replace_broken()
            raise PoolFull(job)
        if isinstance(result, Refusal):
            raise JobRefused(result)
        return result

    def _replace_broken(self) -> None:
        with self._lock:
            broken, self._executor = self._executor, None
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)

    async def warm_up(self) -> list[int]:
        """Start every worker now (for benchmarks and tests that time the work, not the start)."""
        return list(await asyncio.gather(*(self.run("ready") for _ in range(self.workers))))

    # -- imports ------------------------------------------------------------------------------

    async def import_log(self, service: Any, chunks: AsyncIterator[bytes], *, limits: Any, snapshot_every: int,
                         check_factory: Callable[[], Any] | None = None) -> jobs.Imported:
        """Check and store the log `chunks` carries, off the event loop; `ReviewRefused` at its
        first problem (having stored nothing). `check_factory()` makes the history check the
        import asks about every event (review/importing.py: `HistoryCheck`); it is called where
        the import runs, so pass something a process can import (a class or a module function)."""
        from ..review.importing import import_stream

        if self.kind == "thread":
            created = await import_stream(service, chunks, limits=limits, offload=self.offload_import,
                                          snapshot_every=snapshot_every,
                                          check=check_factory() if check_factory is not None else None)
            return jobs.Imported(created.exercise_id, created.scenario.id, created.scenario.title, created.issued,
                                 created.origin)
        return await self._import_in_process(chunks, limits, snapshot_every, check_factory)

    async def _import_in_process(self, chunks: AsyncIterator[bytes], limits: Any, snapshot_every: int,
                                 check_factory: Callable[[], Any] | None) -> jobs.Imported:
        from ..review.operations import ReviewRefused

        context = self._context()
        mine, theirs = context.Pipe(duplex=True)
        process = context.Process(target=jobs.import_process,
                                  args=(theirs, self.config, limits, snapshot_every, check_factory),
                                  name="ttx-import", daemon=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._import_threads, process.start)
        theirs.close()
        send = lambda data: loop.run_in_executor(self._import_threads, mine.send_bytes, data)  # noqa: E731
        try:
            try:
                async for chunk in chunks:
                    if mine.poll():  # it has answered already: a refusal
                        break
                    await send(chunk)
                else:
                    await send(b"")
            except (BrokenPipeError, ConnectionResetError):
                pass  # it stopped reading: its answer is waiting
            answer = await loop.run_in_executor(self._import_threads, _receive, mine)
        finally:
            mine.close()  # if we leave early (the client went away), the process sees it and deletes what it stored
            loop.run_in_executor(self._import_threads, process.join, 60)
        if answer is None:
            raise RuntimeError("the import process ended without an answer")
        if answer[0] == "refused":
            raise ReviewRefused(*answer[1:])
        if answer[0] == "failed":
            raise RuntimeError(f"the import process failed: {answer[1]}")
        return answer[1]

    @contextmanager
    def import_slot(self) -> Iterator[None]:
        self.imports.take("import")
        try:
            yield
        finally:
            self.imports.release()

    async def offload_import(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._import_threads, fn, *args)

    # -- life ---------------------------------------------------------------------------------

    @property
    def busy(self) -> int:
        return self.jobs.taken

    async def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
        await asyncio.to_thread(self._import_threads.shutdown, wait=True, cancel_futures=True)
        if self.kind == "thread":
            await asyncio.to_thread(jobs.close_contexts, self.config.pool)


def _receive(conn: Any) -> tuple[Any, ...] | None:
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None
