"""The lab in a browser: the page reached from the start page runs the lab and shows the figures as
text; the HTML output renders its SVG charts (screenshots in docs/screenshots/)."""

from __future__ import annotations

from typing import Any

from server.lab.lab import parse_rule_set_text, run_lab
from server.lab.render import render
from server.scenarios import load_scenario_file
from server.settings import PROJECT_ROOT
from tests.browser.conftest import browser, contexts, server  # noqa: F401  (fixtures)
from tests.browser.support import screenshot

QUALIFIED = '{"name": "qualified majority 0.67", "rules": [{"rule": "qualified_majority", "threshold": 0.67, "deadline_minutes": 45}]}'
MARKUP = '{"name": "<b>bold</b>", "rules": [{"rule": "simple_majority"}]}'


def test_the_lab_page_runs_the_lab_and_shows_text_as_text(server: Any, contexts: Any) -> None:  # noqa: F811
    page = contexts().new_page()
    page.goto(server.url + "/")
    page.click("#lab-link")
    page.wait_for_url("**/lab")
    page.wait_for_selector("#lab-scenario option[value=csto-border-crisis]", state="attached")
    page.fill("#lab-rules", "scenario\n" + MARKUP)
    page.fill("#lab-runs", "40")
    page.click("#lab-run")
    page.wait_for_selector("#lab-result:not([hidden]) table")
    heads = page.eval_on_selector_all("#lab-result thead th", "els => els.map(e => e.textContent)")
    assert heads == ["Figure", "scenario's own rules", "<b>bold</b>"]  # the name shown as typed, not as markup
    assert page.locator("#lab-result b").count() == 0
    rates = page.eval_on_selector_all("#lab-result .lab-chart meter", "els => els.map(e => e.value)")
    cells = page.eval_on_selector_all("#lab-result tbody tr:first-child td", "els => els.map(e => e.textContent)")
    assert page.locator("#lab-result tbody tr th").first.text_content() == "Use of armed forces: adopted"
    assert len(rates) == len(cells) == 2
    for rate, cell in zip(rates, cells):  # the bars show the figures of the table: "72.5% (29 of 40)"
        assert cell == f"{rate * 100:.1f}% ({round(rate * 40)} of 40)"
    screenshot(page, "lab-page.png")


def test_a_bad_rule_set_is_said_on_the_page(server: Any, contexts: Any) -> None:  # noqa: F811
    page = contexts().new_page()
    page.goto(server.url + "/lab")
    page.wait_for_selector("#lab-scenario option[value=csto-border-crisis]", state="attached")
    page.fill("#lab-rules", '{"rule": "qualified_majority"}')
    page.click("#lab-run")
    alert = page.wait_for_selector("#lab-status [role=alert]")
    assert "qualified_majority needs a threshold" in alert.text_content()


def test_the_html_output_renders_its_charts(contexts: Any, tmp_path: Any) -> None:  # noqa: F811
    crisis = load_scenario_file(PROJECT_ROOT / "exercises" / "csto-border-crisis.yaml")
    sets = [parse_rule_set_text("scenario", 0), parse_rule_set_text(QUALIFIED, 1)]
    html = render(run_lab(crisis, sets, runs=1000, seed=1), "html")
    path = tmp_path / "lab.html"
    path.write_text(html, encoding="utf-8")
    page = contexts(viewport={"width": 1100, "height": 900}).new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    charts = page.locator("svg.lab-chart")
    assert charts.count() == 4
    for i in range(4):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 500 and box["height"] > 60
    assert requests == [path.as_uri()]  # nothing fetched from anywhere else
    screenshot(page, "lab.png")
