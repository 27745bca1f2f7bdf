"""`ttx verify`, `ttx report`, `ttx import` and `ttx export`, run with click's CliRunner (and once as a real process)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from server.cli import main
from server.review.report import build_report
from tests.review.support import MEMBERS, TAMPERINGS, Play, export_text, tamper


def played() -> Play:
    p = Play()
    p.tick(0)
    p.do("TJK", "report_threat", t=240, kind="aggression", summary="Border post 12 shelled")
    p.do("TJK", "request_consultation", t=400, topic="Aggression", invitees="all")
    p.do("RUS", "request_consultation", t=420, topic="Back channel", invitees=["KAZ"], private=True)
    p.do("RUS", "propose_decision", t=900, body="CCS", kind="use_of_armed_forces", title="Deploy", text="Go")
    dec = p.last("decision_proposed").data["decision_id"]
    for m in MEMBERS:
        p.do(m, "cast_vote", t=1000, decision_id=dec, vote="for")
    p.do("facilitator", "add_observation", t=1100, text="Observation for the facilitator")
    return p


@pytest.fixture
def run() -> Play:
    return played()


@pytest.fixture
def log_file(tmp_path: Path, run: Play) -> Path:
    path = tmp_path / "run.ndjson"
    path.write_text(export_text(run.events), encoding="utf-8")
    return path


def invoke(*args: str, env: dict[str, str] | None = None):
    """Run `ttx ...` in a worker thread: the CLI calls asyncio.run, which must not find an event loop
    that another fixture (a session-wide sync Playwright, say) left running in this thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(CliRunner().invoke, main, list(args), env=env, catch_exceptions=False).result()


def test_verify_accepts_a_sound_log(log_file: Path, run: Play):
    result = invoke("verify", str(log_file))
    assert result.exit_code == 0, result.output
    assert f"{len(run.events)} events, chain verified" in result.output


@pytest.mark.parametrize("how", TAMPERINGS)
def test_verify_says_where_a_damaged_log_breaks(tmp_path: Path, log_file: Path, how: str):
    damaged, seq = tamper(log_file.read_text(encoding="utf-8"), how)
    bad = tmp_path / f"{how}.ndjson"
    bad.write_text(damaged, encoding="utf-8")
    result = invoke("verify", str(bad))
    assert result.exit_code == 1
    assert re.search(rf"hash chain breaks at seq {seq}\b", result.output), result.output


def test_verify_as_a_process(tmp_path: Path, log_file: Path):
    damaged, seq = tamper(log_file.read_text(encoding="utf-8"), "data_edited", target_seq=6)
    bad = tmp_path / "bad.ndjson"
    bad.write_text(damaged, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]  # this tree's code (the installed `ttx` script may be another tree's)
    done = subprocess.run([sys.executable, "-m", "server.cli", "verify", str(bad)], capture_output=True, text=True,
                          timeout=60, cwd=root)
    assert done.returncode == 1
    assert f"seq {seq} (line {seq + 1})" in done.stderr


def test_report_from_a_file_is_the_report_of_the_log(log_file: Path, run: Play):
    result = invoke("report", str(log_file), "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    expected = json.loads(json.dumps(build_report(run.events)))
    got["exercise"]["log_head"]["hash"] = expected["exercise"]["log_head"]["hash"] = ""  # sealed vs pure events
    assert got == expected
    assert got["decisions"][0]["outcome"] == "adopted"


def test_report_for_the_observer_from_a_file(log_file: Path, tmp_path: Path):
    out = tmp_path / "observer.md"
    result = invoke("report", str(log_file), "--format", "md", "--seat", "observer", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# After-action report")
    assert "Back channel" not in text and "Observation for the facilitator" not in text
    fac = invoke("report", str(log_file), "--format", "md").stdout
    assert "Back channel" in fac and "Observation for the facilitator" in fac


def test_report_html_and_csv_from_a_file(log_file: Path, run: Play):
    html = invoke("report", str(log_file), "--format", "html").stdout
    assert "<svg" in html and html.count('class="mark"') > 5
    csv = invoke("report", str(log_file), "--format", "csv").stdout
    assert len(csv.strip().splitlines()) == 1 + len(run.events)


def test_report_refuses_a_broken_log(tmp_path: Path, log_file: Path):
    damaged, seq = tamper(log_file.read_text(encoding="utf-8"), "lines_swapped", target_seq=7)
    bad = tmp_path / "bad.ndjson"
    bad.write_text(damaged, encoding="utf-8")
    result = invoke("report", str(bad))
    assert result.exit_code == 1
    assert f"seq {seq}" in result.output and result.stdout == ""


def test_import_then_report_by_id(tmp_path: Path, log_file: Path, run: Play):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "TTX_PUBLIC_URL": "https://ttx.example"}
    result = invoke("import", str(log_file), env=env)
    assert result.exit_code == 0, result.output
    exercise_id = re.search(r"exercise (ex_[0-9a-f]+) \(read-only\)", result.stdout)[1]
    tokens = dict(re.findall(r"^\s+(\w+)\s+(\S+)\s+https://ttx\.example/exercises/" + exercise_id + r"#\S+$",
                             result.stdout, re.M))
    assert {"facilitator", "observer", "TJK"} <= set(tokens)
    by_id = invoke("report", exercise_id, "--format", "json", env=env)
    assert by_id.exit_code == 0, by_id.output
    by_file = invoke("report", str(log_file), "--format", "json")
    assert json.loads(by_id.stdout) == json.loads(by_file.stdout)
    unknown = invoke("report", "ex_doesnotexist", env=env)
    assert unknown.exit_code == 1 and "no exercise" in unknown.output


def test_import_refuses_a_broken_log(tmp_path: Path, log_file: Path):
    damaged, seq = tamper(log_file.read_text(encoding="utf-8"), "line_deleted", target_seq=6)
    bad = tmp_path / "bad.ndjson"
    bad.write_text(damaged, encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    result = invoke("import", str(bad), env=env)
    assert result.exit_code == 1 and re.search(rf"seq {seq}\b", result.output)
    assert _rows(tmp_path / "cli.db", "SELECT count(*) FROM exercises") == 0  # the events read before the break are gone


def _rows(path: Path, sql: str) -> int:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_export_then_import_gives_an_identical_report(tmp_path: Path, log_file: Path):
    first = {"DATABASE_URL": f"sqlite:///{tmp_path / 'first.db'}"}
    second = {"DATABASE_URL": f"sqlite:///{tmp_path / 'second.db'}"}
    imported = invoke("import", str(log_file), env=first)
    exercise_id = re.search(r"exercise (ex_[0-9a-f]+) \(read-only\)", imported.stdout)[1]
    exported = tmp_path / "exported.ndjson"
    result = invoke("export", exercise_id, "-o", str(exported), env=first)
    assert result.exit_code == 0, result.output
    assert invoke("verify", str(exported)).exit_code == 0
    again = invoke("import", str(exported), env=second)
    assert again.exit_code == 0, again.output
    copy_id = re.search(r"exercise (ex_[0-9a-f]+) \(read-only\)", again.stdout)[1]
    for seat in ("facilitator", "observer"):
        reports = [invoke("report", ex, "--format", "json", "--seat", seat, env=env).stdout
                   for ex, env in ((exercise_id, first), (copy_id, second))]
        assert json.loads(reports[0]) == json.loads(reports[1])


def test_export_of_an_unknown_exercise_says_so(tmp_path: Path):
    result = invoke("export", "ex_nothere", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    assert result.exit_code == 1 and "no exercise" in result.output


def test_the_cli_names_the_database_it_used(tmp_path: Path, log_file: Path, monkeypatch):
    """Run from another directory with a relative DATABASE_URL, `ttx report ID` and `ttx import`
    say which database file they used, by its absolute path; a miss says where it looked."""
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": "sqlite:///here.db"}
    where = f"sqlite:///{(tmp_path / 'here.db').resolve()}"
    imported = invoke("import", str(log_file), env=env)
    assert imported.exit_code == 0, imported.output
    assert f"into {where}" in imported.stdout
    exercise_id = re.search(r"exercise (ex_[0-9a-f]+) \(read-only\)", imported.stdout)[1]
    found = invoke("report", exercise_id, "--format", "json", env=env)
    assert found.exit_code == 0 and json.loads(found.stdout)["exercise"]["events"] > 0
    assert f"read {exercise_id} from {where}" in found.stderr
    missing = invoke("report", "ex_nothere", env=env)
    assert missing.exit_code == 1 and f"no exercise with this id in the database {where}" in missing.output
    export = invoke("export", "ex_nothere", env=env)
    assert export.exit_code == 1 and where in export.output
