"""One way to write time: for the same run, the page, the HTML report, the Markdown report and the
CSV give every event's exercise time and in-world time, and every measured delay, to the same
second. Moves land at fractions of a second (the server's clock is the test's), where rounding one
way in one place and another elsewhere would show."""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterator

import pytest
from playwright.sync_api import expect

from server.clock import ManualClock
from server.harness import ThreadServer
from tests.conftest import make_settings


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(sqlite_url: str, clock: ManualClock) -> Iterator[ThreadServer]:
    with ThreadServer(make_settings(sqlite_url), clock=clock) as live:
        yield live


def report(api: Any, ex: Any, fmt: str) -> Any:
    r = api.http.get(f"/api/exercises/{ex.id}/report", params={"format": fmt}, headers=ex.headers("facilitator"))
    assert r.status_code == 200, r.text
    return r.json() if fmt == "json" else r.text


def cells(html: str, section: str) -> list[list[str]]:
    """The text of each body row's cells in one section of the HTML report."""
    body = html.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S)
    return [[re.sub(r"<[^>]+>", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)] for row in rows]


def test_page_html_markdown_and_csv_agree_to_the_second(api, clock, open_seat):
    ex = api.create(scenario="csto-border-crisis")
    ex.command("facilitator", {"type": "start_exercise"})
    clock.advance(0.6)
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    clock.advance(66.7)  # 67.3 s: the threat; 66.7 s after the inject
    ex.command("TJK", {"type": "report_threat", "kind": "aggression", "summary": "Border post 12 shelled"})
    clock.advance(60.6)  # 127.9 s
    ex.command("TJK", {"type": "request_consultation", "topic": "Shelling", "invitees": "all"})
    clock.advance(3471.95)  # 3599.85 s
    ex.command("KAZ", {"type": "report_threat", "kind": "threat", "summary": "A second group"})
    data = report(api, ex, "json")
    times = {row["seq"]: row["exercise_time"] for row in data["timeline"]}
    assert sorted(times.values())[-3:] == [67.3, 127.9, 3599.85]

    html, md, text = report(api, ex, "html"), report(api, ex, "md"), report(api, ex, "csv")
    by_csv = {int(r["seq"]): r for r in csv.DictReader(io.StringIO(text))}
    by_html = {int(r[0]): r for r in cells(html, "timeline")}
    md_rows = [line.split(" | ") for line in md.split("## Timeline", 1)[1].splitlines() if re.match(r"\| \d+ \|", line)]
    by_md = {int(r[0].strip("| ")): r for r in md_rows}

    fac = open_seat(ex.link("facilitator"))
    fac.wait_seq(max(times))
    page = dict(fac.eval_on_selector_all("#feed-list > li", """els => els.map(e => [e.dataset.seq,
        [e.querySelector('.ex-time').textContent, e.querySelector('.world-time').textContent]])"""))
    for seq in times:
        ex_time, world = page[str(seq)]
        assert by_csv[seq]["clock"] == by_html[seq][1] == by_md[seq][1].strip() == ex_time, seq
        assert by_csv[seq]["in_world"][11:19] == world == by_html[seq][2][-8:] == by_md[seq][2].strip()[-8:], seq
    assert page[str(max(times))][0] == "00:59:59"  # 3599.85 s has not reached the hour

    # the measured delays: page, HTML and Markdown
    fac.get_by_role("tab", name="Review").click()
    row = fac.locator("#report-expectations tbody tr", has_text="reports the aggression")
    expect(row).to_contain_text("00:01:06")
    measured = next(e for e in data["expectations"] if e["id"] == "threat-reported")["measured"]
    assert measured == 66.7
    html_row = next(r for r in cells(html, "expectations") if "reports the aggression" in r[0])
    md_row = next(line for line in md.split("## Expectations", 1)[1].splitlines() if "reports the aggression" in line)
    assert html_row[3] == "00:01:06" and "| 00:01:06 |" in md_row
    assert "+00:01:06" in row.inner_text()
    assert fac.page_errors == []
