"""What every benchmark shares: machine facts, result files, statistics, scratch databases, the
50-seat scenario. The `ttx serve` subprocesses come from `server.harness` (`ServerProcess`), the
same harness the tests use."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import resource
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
PG_ADMIN_URL = os.environ.get("TTX_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


# --- the machine and the run -------------------------------------------------------------------

def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        ram = psutil.virtual_memory().total
    except Exception:  # pragma: no cover
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(ram / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform()}


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except Exception:  # pragma: no cover
        return "unknown"


def git_dirty(path: str) -> list[str]:
    """Files under `path` that differ from the commit (other people edit the same work tree)."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--", path], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return [line[3:] for line in out.stdout.splitlines() if line.strip()]
    except Exception:  # pragma: no cover
        return []


class Run:
    """One benchmark run: collects figures and writes `bench/results/<name>.json`."""

    def __init__(self, name: str, argv: Sequence[str], params: dict[str, Any]) -> None:
        self.name = name
        self.started = time.time()
        self.doc: dict[str, Any] = {
            "benchmark": name,
            "command": "python -m bench " + " ".join(argv),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "git_commit": git_commit(),
            "server_files_changed_since_commit": git_dirty("server"),
            "machine": machine(),
            "load_before": loadavg(),
            "params": params,
            "results": [],
            "targets": [],
            "notes": [],
        }

    def add(self, **row: Any) -> dict[str, Any]:
        row.setdefault("load", loadavg())
        self.doc["results"].append(row)
        return row

    def target(self, name: str, value: Any, limit: str, met: bool | None, unit: str = "") -> None:
        self.doc["targets"].append({"target": name, "value": value, "unit": unit, "limit": limit,
                                    "met": met, "load": loadavg()})

    def note(self, text: str) -> None:
        self.doc["notes"].append(text)

    def save(self) -> Path:
        self.doc["load_after"] = loadavg()
        self.doc["seconds"] = round(time.time() - self.started, 1)
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"{self.name}.json"
        path.write_text(json.dumps(self.doc, indent=1, ensure_ascii=False) + "\n")
        return path


# --- statistics --------------------------------------------------------------------------------

def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def percentile(xs: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of an unsorted sample."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def r(x: float, nd: int = 1) -> float:
    return round(x, nd) if x == x else x


# --- databases ---------------------------------------------------------------------------------

def migrate(url: str) -> None:
    from server.migrate import upgrade

    upgrade(url)


@contextmanager
def sqlite_database(keep: bool = False) -> Iterator[tuple[str, Path]]:
    """A fresh, migrated SQLite file (WAL, as the server opens it) in a scratch folder."""
    folder = Path(tempfile.mkdtemp(prefix="ttx_bench_"))
    path = folder / "bench.db"
    url = f"sqlite:///{path}"
    migrate(url)
    try:
        yield url, path
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _run_async(coro) -> Any:
    """asyncio.run, also from a thread that is inside an event loop (Alembic runs its own loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@contextmanager
def pg_database(migrated: bool = True) -> Iterator[str]:
    """A scratch PostgreSQL database, dropped afterwards (WITH FORCE)."""
    name = f"ttx_bench_{os.getpid()}_{secrets.token_hex(3)}"
    _run_async(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        if migrated:
            _in_thread(migrate, url)
        yield url
    finally:
        for attempt in range(10):  # PostgreSQL may be restarting under someone else's test
            try:
                _run_async(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except Exception:  # noqa: BLE001
                time.sleep(3)


def _in_thread(fn, *args) -> Any:
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def pg_available() -> str | None:
    try:
        _run_async(_pg_admin("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{exc.__class__.__name__}: {exc}"


# --- the scenario ------------------------------------------------------------------------------

def seat_ids(n: int) -> list[str]:
    return [f"S{i:02d}" for i in range(1, n + 1)]


def definition(members: int = 50, *, scenario_id: str = "bench-50") -> dict[str, Any]:
    """A scenario with `members` member states, one council of all members (consensus), no injects."""
    return {
        "id": scenario_id,
        "title": f"Benchmark: {members} member states",
        "summary": "Generated by bench/: many member seats, one council, no injects.",
        "start": "2026-01-01T09:00:00+00:00",
        "speed": 1,
        "seat_kinds": [{"id": "state", "name": "State", "member": True, "powers": ["all"]}],
        "seats": [{"id": s, "name": f"State {s}", "kind": "state"} for s in seat_ids(members)],
        "bodies": [{"id": "CCS", "name": "Council of Collective Security", "members": "all_members"}],
        "rules": [{"rule": "consensus", "quorum": 0.5}],
    }


STATEMENT_TEXT = ("We take note of the reports from the border and support the immediate joint consultations under "
                  "Article 2. Our delegation proposes that the ministers of defence meet within the hour and that "
                  "the Secretariat circulates a draft.")


# --- servers -----------------------------------------------------------------------------------

def raise_nofile(want: int = 65536) -> tuple[int, int]:
    """Raise this process's open-file limit (children inherit it). Returns (soft, hard) after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    new = min(want, hard) if hard != resource.RLIM_INFINITY else want
    if new > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)


@contextmanager
def engine_guard(run: "Run", engine: str) -> Iterator[None]:
    """One engine failing (PostgreSQL restarted under us, say) is recorded, and the rest goes on."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001
        import traceback

        run.note(f"{engine}: run failed with {exc.__class__.__name__}: {str(exc).splitlines()[0][:300]}")
        print(f"  {engine}: FAILED {exc.__class__.__name__}: {str(exc).splitlines()[0][:300]}", flush=True)
        traceback.print_exc()


def open_store(url: str):
    """The server's event store for a URL, opened the way the server opens it (`open_store` when the
    server has it; before that, `SqlEventStore` over an SQLAlchemy async engine)."""
    try:
        from server.store.sql import open_store as server_open_store
    except ImportError:  # an older server
        from server.db import make_engine
        from server.store.sql import SqlEventStore

        return SqlEventStore(make_engine(url=url))
    return server_open_store(url)


def use_uvloop() -> str:
    """The server runs on uvloop (uvicorn picks it when installed); the in-process benchmarks do too."""
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        return "uvloop"
    except ImportError:  # pragma: no cover
        return "asyncio"


def profile_summary(stats_source: Any, *, top: int = 25, filter_root: bool = False) -> list[dict[str, Any]]:
    """The heaviest functions of a cProfile run: tottime and cumtime, as shares of the total."""
    import pstats

    st = pstats.Stats(stats_source) if not isinstance(stats_source, pstats.Stats) else stats_source
    total = st.total_tt or 1e-9
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        where = file.replace(str(ROOT) + "/", "")
        if "site-packages/" in where:
            where = where.split("site-packages/", 1)[1]
        rows.append({"function": f"{where}:{line}({func})", "calls": nc, "tottime": round(tt, 4), "cumtime": round(ct, 4),
                     "tot_pct": round(100 * tt / total, 1), "cum_pct": round(100 * ct / total, 1)})
    by_tot = sorted(rows, key=lambda x: -x["tottime"])[:top]
    by_cum = sorted(rows, key=lambda x: -x["cumtime"])[:top]
    packages: dict[str, float] = {}
    for row in rows:
        packages[_package(row["function"])] = packages.get(_package(row["function"]), 0.0) + row["tottime"]
    by_package = [{"package": k, "tottime": round(v, 4), "tot_pct": round(100 * v / total, 1)}
                  for k, v in sorted(packages.items(), key=lambda kv: -kv[1])[:top]]
    return [{"total_seconds": round(total, 3), "by_package": by_package, "by_tottime": by_tot, "by_cumtime": by_cum}]


def _package(function: str) -> str:
    """`server/store/sql.py:..` -> server.store.sql; `sqlalchemy/engine/base.py` -> sqlalchemy.engine;
    built-ins (`~:0(<method ...>)`) by name."""
    where = function.split(":", 1)[0]
    if where == "~":
        name = function.split("(", 1)[1].rstrip(")")
        return "builtin " + name.replace("<method '", "").replace("<built-in method ", "").split("'")[0].split(" ")[0]
    if where.startswith("server/"):
        return where.removesuffix(".py").replace("/", ".")
    if where.startswith("/"):
        return "stdlib " + where.rsplit("/", 1)[-1].removesuffix(".py")
    parts = where.removesuffix(".py").split("/")
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]
