"""The observer's page and report tell one consistent story about injects: an inject delivered to
other seats only is not listed (never "pending" for ever, never its text), an `unless` inject whose
condition was met shows as averted with no deliver button, on the page and in the report. The
server runs on a clock the test moves."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from playwright.sync_api import expect

from server.clock import ManualClock
from server.harness import ThreadServer
from tests.conftest import make_settings

NUDGE = "consultation-nudge"  # unless consultations open within 00:30 of the incursion
NUDGE_DUE = 30 * 60


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(sqlite_url: str, clock: ManualClock) -> Iterator[ThreadServer]:
    with ThreadServer(make_settings(sqlite_url), clock=clock) as live:
        yield live


def averted_run(api: Any, clock: ManualClock) -> Any:
    ex = api.create(scenario="csto-border-crisis")
    ex.command("facilitator", {"type": "start_exercise"})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    clock.advance(60)
    ex.command("TJK", {"type": "request_consultation", "topic": "Shelling on the Pyanj", "invitees": "all"})
    for inject_id in ("field-report", "intelligence"):  # to TJK, and to RUS and KAZ
        ex.command("facilitator", {"type": "deliver_inject", "inject_id": inject_id})
    clock.advance(NUDGE_DUE)  # past the nudge's deadline: it was averted
    ex.command("TJK", {"type": "report_threat", "kind": "aggression", "summary": "Border post 12 shelled"})
    return ex


def rows(page: Any) -> dict[str, str]:
    return dict(page.eval_on_selector_all(
        "#injects tr[data-inject]", "els => els.map(e => [e.dataset.inject, e.innerText])"))


def test_the_observer_sees_no_delivered_inject_pending_and_averted_ones_averted(api, clock, open_seat):
    ex = averted_run(api, clock)
    delivered = {e["data"]["inject_id"] for e in ex.events() if e["type"] == "inject_delivered"}
    assert delivered == {"incursion", "field-report", "intelligence"}
    fac_state = {i["id"]: i["status"] for i in ex.state("facilitator")["injects"]}
    assert fac_state[NUDGE] == "averted" and fac_state["intelligence"] == "delivered"

    obs = open_seat(ex.link("observer"))
    expect(obs.locator(f'#injects tr[data-inject="{NUDGE}"]')).to_contain_text("averted")
    seen = rows(obs)
    assert "intelligence" not in seen and "field-report" not in seen  # sent to others: not listed at all
    for inject_id, text in seen.items():
        if inject_id in delivered:
            assert "pending" not in text and "delivered" in text, (inject_id, text)
    assert "pending" not in seen[NUDGE]
    page_text = obs.locator("#app").inner_text()
    intel = next(i for i in api.http.get(f"/api/exercises/{ex.id}/state", headers=ex.headers("facilitator")).json()["injects"]
                 if i["id"] == "intelligence")
    for text in intel["body"].values():  # the text of an inject sent to others, in either of its languages
        assert text[:40] not in page_text
    assert obs.locator(f'#injects tr[data-inject="{NUDGE}"] button.deliver:visible').count() == 0

    # the observer's report says the same
    obs.get_by_role("tab", name="Review").click()
    report = obs.locator("#report-injects")
    nudge_row = report.locator("tbody tr", has_text="why are the allies silent")
    expect(nudge_row).to_contain_text("averted")
    expect(report.locator("tbody tr", has_text="Shelling at a Tajik border post")).to_contain_text("delivered")
    assert "Intelligence exchange" not in report.inner_text()
    assert "Intelligence exchange" not in obs.locator("#report-chains").inner_text()
    assert obs.page_errors == []

    # the facilitator: averted, and no "Deliver now" for it
    fac = open_seat(ex.link("facilitator"))
    nudge = fac.locator(f'#injects tr[data-inject="{NUDGE}"]')
    expect(nudge).to_contain_text("averted")
    expect(nudge.locator("button.deliver")).to_be_hidden()
    expect(fac.locator('#injects tr[data-inject="intelligence"]')).to_contain_text("delivered")
    expect(fac.locator('#injects tr[data-inject="second-wave"] button.deliver')).to_be_visible()  # still pending
    assert fac.page_errors == []


def test_the_facilitators_page_shows_an_inject_averted_as_it_happens(api, clock, open_seat):
    ex = api.create(scenario="csto-border-crisis")
    ex.command("facilitator", {"type": "start_exercise"})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    fac = open_seat(ex.link("facilitator"))
    nudge = fac.locator(f'#injects tr[data-inject="{NUDGE}"]')
    expect(nudge).to_contain_text("pending")
    clock.advance(60)
    ex.command("KAZ", {"type": "request_consultation", "topic": "Joint consultations", "invitees": "all"})
    expect(nudge).to_contain_text("averted")
    expect(nudge.locator("button.deliver")).to_be_hidden()
    assert fac.page_errors == []
