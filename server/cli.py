"""`ttx`: serve, db upgrade, validate, verify, schema, report, import, export, lab."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
import urllib.request
from pathlib import Path

import click

from .serving import uvicorn_options
from .settings import Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """ttx: an event-sourced tabletop exercise service."""


# --- serve -----------------------------------------------------------------------------------

@main.command()
@click.option("--host", default=None, help="address to listen on (default: TTX_HOST or 127.0.0.1)")
@click.option("--port", default=None, type=int, help="port (default: TTX_PORT or 8000)")
@click.option("--demo", is_flag=True, help="create a demo exercise from csto-border-crisis and print its join links")
@click.option("--demo-scenario", default="csto-border-crisis", show_default=True)
def serve(host: str | None, port: int | None, demo: bool, demo_scenario: str) -> None:
    """Run the server (HTTP API, WebSocket, browser client, scheduler)."""
    from .app import create_app

    settings = serve_settings(host, port)
    server = uvicorn_server(create_app(settings), settings)
    if demo:
        threading.Thread(target=_make_demo, args=(server, settings, demo_scenario), daemon=True).start()
    ok = server.run()
    sys.exit(0 if ok is None or ok else 1)


def serve_settings(host: str | None = None, port: int | None = None) -> Settings:
    """Settings from the environment, with `--host`/`--port` over them, and logging set up."""
    settings = Settings()
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return settings


def uvicorn_server(app, settings: Settings, *, log_level: str | None = None):
    """uvicorn serving `app` on the settings' host and port, with the options every way of running
    ttx shares (`ttx serve`, and the development harness's thread and profiling servers), so that
    what is measured and tested is what is served: frames bounded before they are buffered
    (`serving.uvicorn_options`)."""
    import uvicorn

    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=log_level or settings.log_level,
                            access_log=False, lifespan="on", **uvicorn_options(settings))
    return uvicorn.Server(config)


def _make_demo(server, settings: Settings, scenario_id: str) -> None:
    import time

    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.05)
    host = settings.host if settings.host not in ("0.0.0.0", "::") else "127.0.0.1"
    port = server.servers[0].sockets[0].getsockname()[1] if server.servers else settings.port
    base = f"http://{host}:{port}"
    headers = {"Content-Type": "application/json"}
    if settings.admin_token is not None:
        headers["Authorization"] = f"Bearer {settings.admin_token.get_secret_value()}"
    req = urllib.request.Request(f"{base}/api/exercises", data=json.dumps({"scenario": scenario_id}).encode(),
                                 headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            created = json.load(resp)
    except Exception as exc:  # pragma: no cover - shown to the person at the terminal
        click.echo(f"could not create the demo exercise: {exc}", err=True)
        return
    lines = ["", f"Demo exercise {created['id']}: {created['title']}", f"Start page: {base}/", "Join links (one per seat; keep them secret):"]
    for seat in created["seats"]:
        lines.append(f"  {seat['seat']:<12} {seat['name']:<40} {seat['join_url']}")
    click.echo("\n".join(lines) + "\n")


# --- database --------------------------------------------------------------------------------

@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    from .migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url, revision)
    click.echo(f"schema at {revision} on {_safe_url(settings.database_url)}")


def database_named(url: str) -> str:
    """The database a command used, as a person finds it: a SQLite file by its absolute path (a
    relative DATABASE_URL is read from the directory the command ran in), a server by its URL
    without the password."""
    scheme, sep, rest = url.partition(":///")
    if scheme.startswith("sqlite") and sep:
        return f"{scheme}:///{Path(rest).resolve()}" if rest and not rest.startswith(":memory:") else url
    return _safe_url(url)


def _safe_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        creds, _, host = rest.rpartition("@")
        user = creds.split(":", 1)[0]
        rest = f"{user}:***@{host}" if ":" in creds else f"{user}@{host}"
    return scheme + sep + rest


# --- scenarios -------------------------------------------------------------------------------

@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check scenario files; print every error with file, line and field."""
    from .scenarios import ScenarioError, load_scenario_file

    failed = 0
    for f in files:
        try:
            sc = load_scenario_file(f)
        except ScenarioError as exc:
            failed += 1
            for issue in exc.issues:
                click.echo(str(issue), err=True)
            click.echo(f"{f}: {len(exc.issues)} error(s)", err=True)
        else:
            click.echo(f"{f}: ok ({sc.id}: {len(sc.seats)} seats, {len(sc.injects)} injects, {len(sc.expectations)} expectations)")
    sys.exit(1 if failed else 0)


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="write to a file instead of stdout")
def schema(output: str | None) -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    from .scenarios.loader import json_schema_text

    text = json_schema_text()
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)


# --- logs ------------------------------------------------------------------------------------

@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def verify(file: str) -> None:
    """Verify an exported log's hash chain; say where it breaks."""
    from .review.export import parse_export

    with open(file, "rb") as fh:
        parsed = parse_export(fh)
    if parsed.problem is not None:
        click.echo(f"{file}: {parsed.problem}", err=True)
        sys.exit(1)
    head = parsed.events[-1]
    click.echo(f"{file}: ok: {len(parsed.events)} events, chain verified, head {head['hash'][:16]}…")



# --- review ----------------------------------------------------------------------------------

PROGRESS_BYTES = 8 * 1024 * 1024  # show a progress bar for files from this size
PROGRESS_EVENTS = 20_000  # and for exports of logs from this long


def _read_lines(path: str):
    """The file's lines, with a progress bar on the terminal for big files."""
    from tqdm import tqdm

    size = Path(path).stat().st_size
    with open(path, "rb") as fh, tqdm(total=size, unit="B", unit_scale=True, desc=f"reading {Path(path).name}",
                                      disable=None if size >= PROGRESS_BYTES else True, file=sys.stderr,
                                      leave=False) as bar:
        for line in fh:
            bar.update(len(line))
            yield line


def _read_export_or_exit(path: str):
    from .review.operations import ReviewRefused, read_export

    try:
        return read_export(_read_lines(path))
    except ReviewRefused as exc:
        click.echo(f"{path}: {exc.message}", err=True)
        sys.exit(1)


async def _with_service(fn):
    from .service import ExerciseService
    from .store.sql import open_store

    settings = Settings()
    if settings.migrate_on_start:
        from .migrate import upgrade_async

        await upgrade_async(settings.database_url)
    store = open_store(settings.database_url)
    try:
        return await fn(ExerciseService(store=store), settings)
    finally:
        await store.close()


@main.command()
@click.argument("source")
@click.option("--format", "fmt", type=click.Choice(["json", "html", "md", "csv"]), default="json", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="write to a file instead of stdout")
@click.option("--seat", type=click.Choice(["facilitator", "observer"]), default="facilitator", show_default=True,
              help="whose view of the log the report is computed from")
def report(source: str, fmt: str, output: str | None, seat: str) -> None:
    """The after-action report of SOURCE: an exercise id in DATABASE_URL, or an exported NDJSON file
    (its hash chain is verified first; a broken log is refused)."""
    from .review.log import current
    from .review.render_text import render
    from .review.report import build_report

    if Path(source).is_file():
        _parsed, stored, _scenario = _read_export_or_exit(source)
        events = [current(e) for e in stored]
    else:
        async def load(service, _settings):
            return await service.events(source)

        events = asyncio.run(_with_service(load))
        if not events:
            click.echo(f"{source}: no such file, and no exercise with this id in the database "
                       f"{database_named(Settings().database_url)}", err=True)
            sys.exit(1)
        click.echo(f"read {source} from {database_named(Settings().database_url)}", err=True)
    text = render(build_report(events, seat=seat), fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_(file: str) -> None:
    """Load an exported log into DATABASE_URL as a read-only exercise, checked line by line as it is
    read (the same checks as `POST /api/exercises/import`); print its id and the seat tokens and
    join links (the facilitator and observer can replay and report)."""
    from concurrent.futures import ThreadPoolExecutor

    from tqdm import tqdm

    from .api.exercises import join_url
    from .review.history import Possible
    from .review.importing import ImportLimits, file_chunks, import_stream
    from .review.operations import ReviewRefused

    size = Path(file).stat().st_size

    async def load(service, settings):
        limits = ImportLimits(max_bytes=settings.max_import_bytes, max_events=settings.max_import_events,
                              max_line_bytes=settings.max_import_line_bytes)
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(1, thread_name_prefix="ttx-import") as pool, \
                tqdm(total=size, unit="B", unit_scale=True, desc=f"importing {Path(file).name}", file=sys.stderr,
                     disable=None if size >= PROGRESS_BYTES else True, leave=False) as bar:
            def progress(done: int, events: int) -> None:
                bar.update(done - bar.n)
                bar.set_postfix(events=f"{events:,}", refresh=False)

            created = await import_stream(service, file_chunks(file), limits=limits,
                                          offload=lambda fn, *a: loop.run_in_executor(pool, fn, *a),
                                          snapshot_every=10 * settings.snapshot_interval, progress=progress,
                                          check=Possible(speeds=(settings.clock_speed_min, settings.clock_speed_max)))
        return created, settings

    try:
        created, settings = asyncio.run(_with_service(load))
    except ReviewRefused as exc:
        click.echo(f"{file}: {exc.message}", err=True)
        sys.exit(1)
    base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    count = created.origin["event_count"]
    lines = [f"imported {file}: {count} events, chain verified, into {database_named(settings.database_url)}",
             f"exercise {created.exercise_id} (read-only): {created.scenario.title}", "Seats (keep the tokens secret):"]
    for s in created.issued:
        lines.append(f"  {s.seat:<12} {s.token}  {join_url(base, created.exercise_id, s.token)}")
    click.echo("\n".join(lines))


@main.command("export")
@click.argument("exercise_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="write to a file instead of stdout")
def export(exercise_id: str, output: str | None) -> None:
    """Export exercise EXERCISE_ID of DATABASE_URL as NDJSON (header, then every event with its hash
    and nonce; the chain is verified on the way out): `ttx verify` checks it, `ttx import` loads it."""
    from tqdm import tqdm

    from .review.export import ExportError, export_ndjson

    async def write(service, _settings):
        record = await service.store.exercise(exercise_id)
        if record is None:
            return f"{exercise_id}: no exercise with this id in the database {database_named(_settings.database_url)}"
        out = open(output, "wb") if output else sys.stdout.buffer
        try:
            with tqdm(total=record.head_seq, unit="events", desc=f"exporting {exercise_id}", file=sys.stderr,
                      disable=None if record.head_seq >= PROGRESS_EVENTS else True, leave=False) as bar:
                first = True
                async for line in export_ndjson(service.store, exercise_id):
                    out.write(line)
                    if not first:
                        bar.update(1)
                    first = False
        except ExportError as exc:
            return str(exc)
        finally:
            if output:
                out.close()
            else:
                out.flush()
        return None

    problem = asyncio.run(_with_service(write))
    if problem is not None:
        if output:
            Path(output).unlink(missing_ok=True)
        click.echo(problem, err=True)
        sys.exit(1)
    if output:
        click.echo(f"wrote {output}", err=True)


# --- the procedure lab -------------------------------------------------------------------------

def _lab_scenario(source: str):
    """A shipped scenario by id, or a scenario file."""
    from .scenarios import ScenarioError, ScenarioLibrary, load_scenario_file

    path = Path(source)
    try:
        if path.suffix in (".yaml", ".yml") or path.exists():
            return load_scenario_file(path)
        found = ScenarioLibrary(Settings().exercises_dir).get(source)
    except ScenarioError as exc:
        raise click.UsageError(f"scenario {source}: {exc}") from exc
    if found is None:
        raise click.UsageError(f"no shipped scenario {source!r} and no such file")
    return found


def _lab_rule_set(value: str, i: int):
    """--rules: a file (JSON or YAML), inline JSON, or `scenario` (the scenario's own rules)."""
    from .lab.lab import parse_rule_set_text

    path = Path(value)
    if value != "scenario" and not value.lstrip().startswith(("{", "[", '"')) and path.is_file():
        if path.stat().st_size > 256 * 1024:
            raise click.UsageError(f"--rules {value}: a rule set file is at most 256 KiB")
        value = path.read_text(encoding="utf-8")
    return parse_rule_set_text(value, i)


@main.command()
@click.argument("scenario")
@click.option("--rules", "rules", multiple=True, required=True,
              help="a rule set: a JSON or YAML file, inline JSON (one binding, a list, or {name, rules}), or "
                   "`scenario`; give it once per rule set to compare")
@click.option("--runs", type=click.IntRange(1, 50_000), default=1000, show_default=True, help="runs per rule set")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "html", "csv"]), default="json", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="write to a file instead of stdout")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="worker processes (default: one per core; 1: in this process)")
def lab(scenario: str, rules: tuple[str, ...], runs: int, seed: int, fmt: str, output: str | None,
        workers: int | None) -> None:
    """Play SCENARIO (an id or a file) many times with simulated seats under each rule set, and
    compare adoption, timing, rounds, blocked implementations and expectations (docs/LAB.md)."""
    import os

    from tqdm import tqdm

    from .lab.lab import LabError, run_lab
    from .lab.pool import lab_executor
    from .lab.render import render

    sc = _lab_scenario(scenario)
    try:
        rule_sets = [_lab_rule_set(r, i) for i, r in enumerate(rules)]
        workers = workers or len(os.sched_getaffinity(0))
        with tqdm(total=runs * len(rule_sets), unit="run", desc=f"lab {sc.id}", file=sys.stderr, leave=False,
                  disable=None) as bar, lab_executor(workers) as executor:
            result = run_lab(sc, rule_sets, runs=runs, seed=seed, executor=executor, progress=bar.update)
    except LabError as exc:
        raise click.UsageError(exc.message) from exc
    text = render(result, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
