"""The 72 hours of GDPR Art. 33 in `cyber-incident-response`, on the scenario's fast clock: the
data-protection authority's letter comes at 72:00 after the ransom note unless Legal has notified
it by then, and the review scores the notification against the same window. Pure: the domain with a
controlled wall clock and the scheduler's tick, no server."""

from __future__ import annotations

import pytest

from server.review.report import build_report
from server.scenarios import load_scenario_file
from server.settings import PROJECT_ROOT
from tests.domain.support import T0, Run

SPEED = 24  # the scenario's clock: exercise seconds per wall second


def at_exercise_hours(run: Run, hours: float) -> Run:
    run.now = T0 + hours * 3600 / SPEED
    return run


def delivered(events) -> list[tuple[str, float]]:
    return [(e.data["inject_id"], e.exercise_time / 3600) for e in events if e.type == "inject_delivered"]


@pytest.mark.parametrize("notified_at, reminded, status", [(71.5, False, "met"), (73.0, True, "missed")])
def test_the_regulator_writes_at_72_hours_unless_legal_notified_it(notified_at, reminded, status):
    sc = load_scenario_file(PROJECT_ROOT / "exercises" / "cyber-incident-response.yaml")
    assert sc.speed == SPEED
    run = Run(sc)
    assert delivered(run.tick())[0] == ("ransom-note", 0.0)
    at_exercise_hours(run, min(notified_at, 71.9))
    run.tick()
    if notified_at < 72:
        run.do("LEGAL", "notify_regulator", summary="Initial notification under Art. 33(4).")
    at_exercise_hours(run, 72.0)
    due = delivered(run.tick())
    assert (("regulator-reminder", 72.0) in due) is reminded
    assert ("ransom-deadline", 72.0) in due
    if notified_at >= 72:
        at_exercise_hours(run, notified_at).do("LEGAL", "notify_regulator", summary="Notification, with the reasons for the delay.")
    run.do("facilitator", "end_exercise")

    expectation = next(e for e in build_report(run.events)["expectations"] if e["id"] == "regulator-72h")
    assert (expectation["status"], expectation["measured"]) == (status, round(notified_at * 3600, 3))
