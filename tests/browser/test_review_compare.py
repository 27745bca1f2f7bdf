"""Compare on equal footing, in the page: a fork under another rule compared through the link the
fork panel fills in (its facilitator's) shows the one decision whose outcome changed and nothing
that only the observer cannot see; with the fork's observer link both runs are read as the observer
reads them, and the page says so: never a false change."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.support import Exercise, tiny_definition


def with_consultation_expectation() -> dict[str, Any]:
    d = tiny_definition()
    d["expectations"] = [*d["expectations"], {"id": "consult", "title": "Consultations open within 30 minutes",
                                              "after": "incursion", "expect": {"event": "consultation_opened"},
                                              "within": "00:30"}]
    return d


def compare_with(page: Any, link: str) -> Any:
    page.get_by_label("The other run's facilitator or observer join link").fill(link)
    page.get_by_role("button", name="Compare").click()
    result = page.locator("#compare-result")
    expect(result.locator("#compare-decisions")).to_be_visible()
    return result


def test_a_fork_compared_through_either_link_shows_only_the_changed_decision(api, open_seat):
    ex = api.create(definition=with_consultation_expectation())
    ex.command("facilitator", {"type": "start_exercise"})
    ex.command("facilitator", {"type": "deliver_inject", "inject_id": "incursion"})
    ex.command("RUS", {"type": "request_consultation", "topic": "Between us", "invitees": ["KAZ"], "private": True})
    proposed = ex.command("TJK", {"type": "propose_decision", "body": "CCS", "kind": "general", "title": "Close the border",
                                  "text": "Both councils close the border."})["events"][0]
    decision = proposed["data"]["decision_id"]
    ex.command("TJK", {"type": "cast_vote", "decision_id": decision, "vote": "for"})
    assert ex.command("RUS", {"type": "cast_vote", "decision_id": decision, "vote": "against"})["events"][-1]["type"] \
        == "decision_rejected"
    r = api.http.post(f"/api/exercises/{ex.id}/fork", headers=ex.headers("facilitator"),
                      json={"at": proposed["seq"] - 1, "replay": True,
                            "rules": [{"body": "*", "kind": "*", "rule": "qualified_majority", "threshold": 0.5}]})
    assert r.status_code == 201, r.text
    fork = Exercise(api.http, r.json())

    fac = open_seat(ex.link("facilitator"))
    fac.get_by_role("tab", name="Review").click()
    for link, view in ((fork.link("facilitator"), "facilitator"), (fork.link("observer"), "observer")):
        result = compare_with(fac, link)
        expect(result).to_contain_text(f"the {view}'s view of both runs")
        row = result.locator("#compare-decisions tbody tr", has_text="Close the border")
        expect(row).to_contain_text("yes: outcome")
        expect(row).to_contain_text("rejected")
        expect(row).to_contain_text("adopted")
        consult = result.locator("#compare-expectations tbody tr", has_text="Consultations open within 30 minutes")
        expect(consult.locator("td").nth(2)).to_have_text("no")
        expect(result).to_contain_text("1 decision(s), 0 expectation(s)")
        if view == "observer":  # the links give different views: the page says how both were read
            expect(result).to_contain_text("read through the observer's view")
        else:
            assert "read through the observer's view" not in result.inner_text()
    expect(fac.locator("#compare-chart")).to_be_visible()
    assert fac.page_errors == []
