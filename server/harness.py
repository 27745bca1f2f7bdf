"""Running a ttx server for tests and benchmarks: development tooling, never imported by the server.

- `ThreadServer`: the app in this process, uvicorn in a background thread on a free loopback port.
  The caller can reach into `app.state` (the hub, the service) and give the app a `ManualClock`.
- `ServerProcess`: `python -m server.cli serve` as a child process, the way it runs in production:
  start (waiting until /healthz answers, or failing with the tail of its log), graceful stop,
  kill -9, restart, its memory and CPU time, and optionally a cProfile switch.
- `free_port`.
- `long_exercise_log(n)`: the log of a played exercise of about n events, decided and folded in this
  process (no server, no database: seconds for 20,000), for the tests and benchmarks of what must
  not grow with the log; `service.create(scenario, events=log)` stores it.

Both serve through `server.cli.uvicorn_server`, so they run with `ttx serve`'s uvicorn options.
The tests (`tests/`) and the benchmarks (`bench/`) both import this module; it lives in the
package because that is the one place both import from without path tricks. A test enforces that
no server module imports it.

`python -m server.harness profile --out FILE [--host H] [--port P]` is the profiled server that
`ServerProcess(profile_to=FILE)` runs: `ttx serve` with SIGUSR1 starting cProfile on the event
loop's thread and SIGUSR2 stopping it and writing FILE, so that a profile covers the measured
window only, not the imports and the start-up.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .clock import Clock
from .settings import PROJECT_ROOT, Settings

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def _wait(condition, *, timeout: float, every: float) -> bool:
    """Poll `condition` until it holds or `timeout` passes (for states nothing signals)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


class _OnLoopback:
    port: int

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{LOOPBACK}:{self.port}"


# --- a long log, quickly -------------------------------------------------------------------------

def long_exercise_log(n: int, *, scenario: str = "csto-border-crisis") -> tuple[Any, list[Any], Any]:
    """(scenario, events, state): about `n` events of a played exercise, decided command by command
    through the domain as the service decides them. A mix of everything that grows with the log, in
    rounds: injects to all and to RUS only, TJK's threats (of the scenario's first kind), private
    RUS-KAZ consultations (TJK is no member), open consultations with TJK's statement, closed;
    TJK's assistance requests, answered and closed; decisions proposed by TJK in the first body it
    may propose in, voted and closed; SG's notifications of the scenario's first recipient. The
    scenario must have those seats (the default one has)."""
    from .domain import institutions as inst
    from .domain.commands import parse_command, resolve_alias
    from .domain.decide import create, decide_and_fold
    from .domain.fold import fold
    from .scenarios import load_scenario_file

    sc = load_scenario_file(PROJECT_ROOT / "exercises" / f"{scenario}.yaml")
    now = 1_800_000_000.0
    events = create(sc, now=now)
    state = fold(events)

    def do(seat: str, type_: str, **fields: Any) -> list[Any]:
        nonlocal state
        cmd = parse_command(resolve_alias(sc, {"type": type_, **fields}))
        new, state = decide_and_fold(state, cmd, seat=seat, now=now)
        events.extend(new)
        return new

    threat_kind = sc.threat_kinds[0].id
    assistance_kind = sc.assistance_kinds[0].id
    body = next(b.id for b in sc.bodies if inst.holds_office(state, "TJK", b, "propose_decision"))
    kind = next(k.id for k in sc.decision_kinds if k.effect is None and body in inst.competent_bodies(k, sc))
    recipient = sc.recipients[0].id
    do("facilitator", "start_exercise")
    i = 0
    while len(events) < n:
        i += 1
        now += 0.5
        do("facilitator", "send_inject", title=f"Inject {i}", body="A border post reports shelling at dawn.", to="all")
        do("facilitator", "send_inject", title=f"For Russia {i}", body="Signals intercepts.", to=["RUS"])
        threat = do("TJK", "report_threat", kind=threat_kind, summary=f"Incursion {i} at the river")[0].data["threat_id"]
        do("RUS", "request_consultation", topic=f"Bilateral {i}", invitees=["KAZ"], private=True)
        con = do("KAZ", "request_consultation", topic=f"Round {i}", invitees="all", private=False)[0].data["consultation_id"]
        do("TJK", "post_statement", consultation_id=con, text="We call on every member to act together now.")
        do("KAZ", "close_consultation", consultation_id=con, outcome="no_agreement")
        req = do("TJK", "request_assistance", kinds=[assistance_kind], summary=f"Reinforcements {i}",
                 threat_id=threat)[0].data["request_id"]
        do("RUS", "respond_to_assistance", request_id=req, response="pledge", details="A battalion.")
        do("TJK", "close_assistance_request", request_id=req, status="fulfilled")
        dec = do("TJK", "propose_decision", body=body, kind=kind, title=f"Measures {i}",
                 text="Joint measures to restore the border.")[0].data["decision_id"]
        do("RUS", "cast_vote", decision_id=dec, vote="for")
        do("facilitator", "close_vote", decision_id=dec)
        do("SG", "notify", recipient=recipient, summary=f"Measures {i} taken.")
    return sc, events, state


# --- in this process ---------------------------------------------------------------------------

class ThreadServer(_OnLoopback):
    """uvicorn serving `create_app(settings, clock=clock)` in a daemon thread. A context manager;
    after `stop`, `graceful` says whether the shutdown finished within its grace period."""

    def __init__(self, settings: Settings, *, clock: Clock | None = None, port: int | None = None) -> None:
        from .app import create_app
        from .cli import uvicorn_server

        self.port = port or free_port()
        settings = settings.model_copy(update={"host": LOOPBACK, "port": self.port})
        self.app = create_app(settings, clock=clock)
        self.server = uvicorn_server(self.app, settings, log_level="warning")
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"ttx-server-{self.port}")
        self.error: BaseException | None = None
        self.graceful: bool | None = None

    def _run(self) -> None:
        try:
            self.server.run()
        except BaseException as exc:  # noqa: BLE001 - reported by start()
            self.error = exc

    def start(self, timeout: float = 20.0) -> ThreadServer:
        self.thread.start()
        # uvicorn sets `started` and signals nothing: poll it, and the thread's life
        _wait(lambda: self.server.started or not self.thread.is_alive(), timeout=timeout, every=0.01)
        if not self.server.started:
            alive = self.thread.is_alive()
            self.stop()
            why = f"still starting after {timeout}s" if alive else f"ended: {self.error!r} (see the log above)"
            raise RuntimeError(f"the server thread on port {self.port} did not start: {why}")
        return self

    def stop(self, grace: float = 5.0) -> bool:
        """Ask uvicorn to shut down; after `grace` seconds, force it (10 s more at most)."""
        self.server.should_exit = True
        self.thread.join(grace)
        self.graceful = not self.thread.is_alive()
        if not self.graceful:
            self.server.force_exit = True
            self.thread.join(10)
        return self.graceful

    def __enter__(self) -> ThreadServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- a child process -----------------------------------------------------------------------------

class ServerProcess(_OnLoopback):
    """`python -m server.cli serve` on a loopback port, run from `root` (this checkout by default).

    Its settings are `DATABASE_URL`, `TTX_LOG_LEVEL=warning`, `TTX_RATE_LIMITS=false` (a test or a
    benchmark is one client at machine speed; a test of the limits turns them on in `env`) and
    `env`, and nothing else: `TTX_*` variables of the caller's environment are not passed on, so a
    developer's shell cannot change what a test or a benchmark runs. Output goes to `log_path` (appended across restarts; a file,
    never a pipe that could fill and block the server)."""

    def __init__(self, database_url: str, *, env: Mapping[str, str] | None = None, port: int | None = None,
                 log_path: Path | None = None, profile_to: Path | None = None, root: Path = PROJECT_ROOT) -> None:
        self.database_url = database_url
        self.port = port or free_port()
        self.root = root
        self.profile_to = profile_to
        self.log_path = log_path or Path(tempfile.gettempdir()) / f"ttx-server-{self.port}.log"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("TTX_") and k != "DATABASE_URL"}
        path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
        self.env = {**inherited, "PYTHONPATH": path, "DATABASE_URL": database_url, "TTX_LOG_LEVEL": "warning",
                    "TTX_RATE_LIMITS": "false", **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        if self.profile_to is not None:
            serve = [sys.executable, "-m", "server.harness", "profile", "--out", str(self.profile_to)]
        else:
            serve = [sys.executable, "-m", "server.cli", "serve"]
        return serve + ["--host", LOOPBACK, "--port", str(self.port)]

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 30.0) -> ServerProcess:
        """Start the process (again, after a stop or a kill: same port, same log) and wait until
        /healthz answers."""
        self.launch()
        self.wait_ready(timeout)
        return self

    def launch(self) -> ServerProcess:
        """Start the process without waiting for it (to start several at once, then `wait_ready`)."""
        if self.alive:
            raise RuntimeError(f"the server on port {self.port} is already running")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(self.command, cwd=self.root, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        import httpx

        def answers() -> bool:
            if not self.alive:
                return True  # stop waiting: it exited
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        ready = _wait(answers, timeout=timeout, every=0.05)
        if not self.alive:
            assert self.proc is not None
            raise RuntimeError(f"the server on port {self.port} exited with {self.proc.returncode}:\n{self.log_tail()}")
        if not ready:
            self.kill()
            raise RuntimeError(f"the server on port {self.port} did not answer /healthz within {timeout}s:\n"
                               f"{self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, as a service manager stops it (uvicorn shuts down gracefully); SIGKILL if it
        has not exited after `timeout` seconds. Returns the exit code."""
        if self.alive:
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode if self.proc is not None else None

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is flushed by the server."""
        if self.alive:
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait(10)

    def restart(self, timeout: float = 30.0) -> ServerProcess:
        self.stop()
        return self.start(timeout)

    def health(self) -> dict[str, Any]:
        import httpx

        return httpx.get(f"{self.url}/healthz", timeout=5).json()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _process(self):
        import psutil

        assert self.proc is not None, "not started"
        return psutil.Process(self.proc.pid)

    def rss(self) -> int:
        """Resident memory in bytes."""
        return self._process().memory_info().rss

    def cpu_seconds(self) -> float:
        """User and system CPU time so far."""
        times = self._process().cpu_times()
        return times.user + times.system

    def profile(self, on: bool, timeout: float = 30.0) -> None:
        """Start (on) or stop and write (off) the cProfile of a server started with `profile_to`;
        stopping returns once the profile file is complete."""
        assert self.proc is not None and self.profile_to is not None, "start the server with profile_to"
        if on:
            self.proc.send_signal(signal.SIGUSR1)
            return
        self.profile_to.unlink(missing_ok=True)
        self.proc.send_signal(signal.SIGUSR2)
        if not _wait(self.profile_to.exists, timeout=timeout, every=0.05):  # it appears whole (a rename)
            raise RuntimeError(f"no profile written to {self.profile_to} within {timeout}s:\n{self.log_tail()}")

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- the profiled server ---------------------------------------------------------------------------

def profiled_serve(out: Path, host: str | None, port: int | None) -> None:
    """`ttx serve`, plus SIGUSR1/SIGUSR2 switching cProfile (CPU time of this thread, the event
    loop's) on and off; each switch-off writes `out` whole."""
    import cProfile

    from .app import create_app
    from .cli import serve_settings, uvicorn_server

    settings = serve_settings(host, port)
    server = uvicorn_server(create_app(settings), settings)
    profiler = cProfile.Profile(time.thread_time)

    def start(*_: object) -> None:
        profiler.enable()

    def stop(*_: object) -> None:
        profiler.disable()
        partial = out.with_name(out.name + ".partial")
        profiler.dump_stats(partial)
        os.replace(partial, out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    server.run()


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m server.harness", description="development servers")
    sub = parser.add_subparsers(dest="command", required=True)
    profile = sub.add_parser("profile", help="ttx serve with a cProfile switch (SIGUSR1 on, SIGUSR2 off and write)")
    profile.add_argument("--out", type=Path, required=True)
    profile.add_argument("--host")
    profile.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    profiled_serve(args.out, args.host, args.port)


if __name__ == "__main__":
    main()
