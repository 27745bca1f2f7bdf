"""`ttx`: serve, db upgrade, validate, verify, schema, report, import."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
import urllib.request
from pathlib import Path

import click

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
    import uvicorn

    from .app import create_app

    settings = Settings()
    if host is not None:
        settings.host = host
    if port is not None:
        settings.port = port
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                            access_log=False, ws_max_size=16 * 1024 * 1024, lifespan="on",
                            ws_per_message_deflate=settings.ws_compression)
    server = uvicorn.Server(config)
    if demo:
        threading.Thread(target=_make_demo, args=(server, settings, demo_scenario), daemon=True).start()
    ok = server.run()
    sys.exit(0 if ok is None or ok else 1)


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
            click.echo(f"{source}: no such file, and no exercise with this id in the database", err=True)
            sys.exit(1)
    text = render(build_report(events, seat=seat), fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_(file: str) -> None:
    """Load an exported log into DATABASE_URL as a read-only exercise (chain verified first); print
    its id and the seat tokens and join links (the facilitator and observer can replay and report)."""
    from .api.exercises import join_url
    from .review.operations import ReviewRefused, create_imported

    parsed, events, scenario = _read_export_or_exit(file)

    async def load(service, settings):
        return await create_imported(service, parsed, events, scenario), settings

    try:
        created, settings = asyncio.run(_with_service(load))
    except ReviewRefused as exc:
        click.echo(f"{file}: {exc.message}", err=True)
        sys.exit(1)
    base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    lines = [f"imported {file}: {len(events)} events, chain verified", f"exercise {created.exercise_id} (read-only): {scenario.title}",
             "Seats (keep the tokens secret):"]
    for s in created.issued:
        lines.append(f"  {s.seat:<12} {s.token}  {join_url(base, created.exercise_id, s.token)}")
    click.echo("\n".join(lines))

if __name__ == "__main__":  # pragma: no cover
    main()
