"""Export where users are: the facilitator's Review tab saves the log (NDJSON with its hash chain),
`ttx verify` checks the downloaded file offline, and `ttx import` of it gives the same report as
the server's. The observer gets no export button (the export is the facilitator's)."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from click.testing import CliRunner
from playwright.sync_api import expect

from server.cli import main
from server.review.export import parse_export
from tests.review.support import TAMPERINGS, tamper


def ttx(*args: str, env: dict[str, str] | None = None):
    """`ttx ...` in a thread of its own: the CLI runs asyncio.run, which must not meet the event loop
    Playwright's sync API keeps in this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(CliRunner().invoke, main, list(args), env=env, catch_exceptions=False).result()


def test_export_from_the_page_then_verify_and_import_the_download(api, open_seat, tmp_path: Path):
    ex = api.create(scenario="csto-border-crisis")
    ex.command("facilitator", {"type": "start_exercise"})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    ex.command("TJK", {"type": "report_threat", "kind": "aggression", "summary": "Border post 12 shelled"})
    ex.command("RUS", {"type": "request_consultation", "topic": "Back channel", "invitees": ["KAZ"], "private": True})
    ex.command("facilitator", {"type": "add_observation", "text": "RUS and KAZ talk privately"})
    ex.command("KAZ", {"type": "report_threat", "kind": "threat", "summary": "Ünïcode — “quotes” \\ and \"escapes\" 漢字 🙂"})
    ex.command("facilitator", {"type": "set_clock_speed", "factor": 2.5})
    events = ex.events()

    fac = open_seat(ex.link("facilitator"), accept_downloads=True)
    fac.get_by_role("tab", name="Review").click()
    button = fac.get_by_role("button", name="Export log (NDJSON)")
    expect(button).to_be_visible()
    with fac.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == f"{ex.id}.ndjson"
    assert download.url.startswith("blob:")  # fetched with the seat's token, never a token in a URL
    saved = tmp_path / download.suggested_filename
    download.save_as(str(saved))
    expect(fac.locator("#report-status")).to_contain_text("ttx verify")

    lines = saved.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["event_count"] == len(events) == len(lines) - 1
    verified = ttx("verify", str(saved))
    assert verified.exit_code == 0, verified.output
    assert f"{len(events)} events, chain verified" in verified.output

    # one byte changed in the download: verify names the line
    damaged = tmp_path / "damaged.ndjson"
    damaged.write_text(saved.read_text(encoding="utf-8").replace("Border post 12", "Border post 13"), encoding="utf-8")
    broken = ttx("verify", str(damaged))
    assert broken.exit_code != 0 and re.search(r"seq \d+", broken.output), broken.output

    # imported elsewhere, it reports exactly as the server does
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'elsewhere.db'}"}
    imported = ttx("import", str(saved), env=env)
    assert imported.exit_code == 0, imported.output
    copy_id = re.search(r"exercise (ex_[0-9a-f]+) \(read-only\)", imported.stdout)[1]
    local = json.loads(ttx("report", copy_id, "--format", "json", env=env).stdout)
    served = api.http.get(f"/api/exercises/{ex.id}/report", headers=ex.headers("facilitator")).json()
    assert local == served
    assert fac.page_errors == []

    # "Verify a file" on the page checks the same chain, in the browser, with ttx verify's words
    fac.locator("#verify-file").set_input_files(str(saved))
    expect(fac.locator("#verify-status")).to_contain_text(f"ok: {len(events)} events, chain verified")
    head = json.loads(lines[-1])["hash"]
    expect(fac.locator("#verify-status")).to_contain_text(head[:16])
    for how in TAMPERINGS:
        text, _seq = tamper(saved.read_text(encoding="utf-8"), how, target_seq=4)
        bad = tmp_path / f"{how}.ndjson"
        bad.write_text(text, encoding="utf-8")
        problem = parse_export(text.splitlines(keepends=True)).problem
        assert problem is not None
        fac.locator("#verify-file").set_input_files(str(bad))
        expect(fac.locator("#verify-status")).to_have_text(f"{bad.name}: {problem}")
    # Python's float repr, in JavaScript, for the values a log may hold
    values = [0.0, -0.0, 0.5, 67.3, 3599.85, 1e15, 1e16, 1.5e16, 1e-4, 1e-5, 1.25e-7, 5e-324, 1.7976931348623157e308,
              123456789.123456, 0.1 + 0.2, 2.5, 1e22, 100.0]
    got = fac.evaluate("async (xs) => { const m = await import('/static/js/verify.js'); return xs.map(m.pyFloat); }", values)
    assert got == [repr(v) for v in values]

    obs = open_seat(ex.link("observer"))
    obs.get_by_role("tab", name="Review").click()
    expect(obs.locator("#report-expectations")).to_be_visible()
    expect(obs.locator("#export-log")).to_be_hidden()
