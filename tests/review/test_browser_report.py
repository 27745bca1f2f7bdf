"""The HTML report in a real headless Chromium: it renders, its chart has marks, it prints to PDF.
Saves docs/screenshots/report.png. Under CI=true a missing Chromium fails the test, never skips it."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from server.review.chart import MARKS
from server.review.render_html import render_html
from server.review.report import build_report
from server.settings import PROJECT_ROOT
from tests.review.support import MEMBERS, Play

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshots" / "report.png"

pytestmark = pytest.mark.browser


def require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if IN_CI:
        pytest.fail(f"Chromium is required in CI and missing at {CHROMIUM}")
    pytest.skip(f"Chromium not installed at {CHROMIUM}; required in CI")


def full_run() -> Play:
    """Ninety minutes of the border crisis, with the scheduled injects, for a report worth looking at."""
    p = Play()
    p.tick(0)
    p.do("TJK", "report_threat", t=420, kind="aggression", summary="Border post 12 shelled; 200 fighters across the Pyanj")
    p.do("TJK", "request_consultation", t=660, topic="Aggression on the Tajik-Afghan border", invitees="all")
    con = p.last("consultation_opened").data["consultation_id"]
    p.tick(1200)  # field report (00:10) and intelligence (00:20)
    p.do("KAZ", "post_statement", t=1260, consultation_id=con, text="Kazakhstan can send a battalion <b>now</b>")
    p.do("TJK", "request_assistance", t=1500, kinds=["military", "air_defence"], summary="Reinforcements and air cover")
    req = p.last("assistance_requested").data["request_id"]
    t = 1700
    for m in MEMBERS:
        if m != "TJK":
            p.do(m, "respond_to_assistance", t=t, request_id=req, response="decline" if m in ("GEO", "AZE") else "pledge")
            t += 90
    p.do("SG", "convene_session", t=2400, body="CCS", agenda=["Use of armed forces under Art. 6"], time_frame_minutes=90)
    p.do("RUS", "propose_decision", t=2700, body="CCS", kind="use_of_armed_forces", title="Deploy collective forces",
         text="Collective forces to the Tajik-Afghan border")
    dec = p.last("decision_proposed").data["decision_id"]
    for i, m in enumerate(MEMBERS):
        p.tick(2800 + 60 * i)
        p.do(m, "cast_vote", t=2800 + 60 * i, decision_id=dec, vote="abstain" if m == "AZE" else "for")
    p.do("SG", "notify_un_security_council", t=3900, summary="Measures under Art. 4 and UN Charter Art. 51", decision_id=dec)
    for m, when, status in (("RUS", 4000, "in_force"), ("KAZ", 4300, "in_force"), ("KGZ", 4800, "blocked")):
        p.do(m, "record_implementation", t=when, decision_id=dec, status=status)
    p.do("facilitator", "add_observation", t=5000, text="Assistance answers were slow; the SG reported to the UN fast")
    p.do("facilitator", "score_expectation", t=5100, expectation_id="every-member-answers", score="partly_met")
    return p


def test_the_html_report_renders_with_its_chart(tmp_path: Path):
    require_chromium()
    # Playwright's sync API refuses to start where an event loop runs (other browser tests keep a
    # session-wide one in this thread): drive the browser from a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(check_report_in_chromium, tmp_path).result()


def check_report_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    report = build_report(full_run().events)
    expected_marks = sum(1 for e in report["timeline"] if e["generic"] in MARKS)
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report), encoding="utf-8")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1500})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri())
            chart = page.locator("svg.timeline-chart")
            assert chart.count() == 1 and chart.is_visible()
            marks = chart.locator(".mark")
            assert marks.count() == expected_marks > 20
            box = chart.bounding_box()
            assert box is not None and box["width"] > 600 and box["height"] > 150
            for i in (0, marks.count() // 2, marks.count() - 1):
                m = marks.nth(i).bounding_box()
                assert m is not None and m["width"] > 0
                assert box["x"] <= m["x"] <= box["x"] + box["width"] and box["y"] <= m["y"] <= box["y"] + box["height"]
            rows = chart.locator("g.row")
            assert rows.count() >= 10  # injects, the seats that acted, the system's outcomes
            assert chart.locator("g.legend text").count() >= 8
            # decisions by their title, never by an internal id
            assert page.locator("#decisions h3").first.inner_text().startswith("Deploy collective forces")
            assert "dec_" not in page.locator("body").inner_text()
            assert "<b>now</b>" in page.locator("#timeline").inner_text()  # shown as text, not markup
            assert page.locator("#timeline b").count() == 0
            assert errors == [] and requests == [page_file.as_uri()]  # self-contained: nothing else fetched

            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=False)
            assert SCREENSHOT.stat().st_size > 20_000

            page.emulate_media(media="print")
            assert chart.is_visible()
            pdf = page.pdf(format="A4", landscape=True, print_background=True)
            assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
        finally:
            browser.close()
