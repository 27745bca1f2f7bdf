"""Time and triggers: scheduled injects, `when` and `unless` triggers, catching up, the clock."""

from __future__ import annotations

import pytest

from server.domain.clock import Clock
from server.domain.decide import next_due, next_due_wall

from .support import T0, Run, border_crisis, small_scenario

INJECTS = [
    {"id": "incursion", "at": "00:00", "title": "Shelling", "to": "all"},
    {"id": "second", "at": "00:20", "title": "Second wave", "to": "all"},
    {"id": "nudge", "unless": {"event": "consultation_opened", "within": "00:30", "after": "incursion"}, "title": "Why silent?"},
    {"id": "refugees", "when": {"event": "assistance_requested"}, "title": "Refugees", "to": ["TJK"]},
    {"id": "parliament", "when": {"event": "decision_adopted", "kind": "use_of_armed_forces"}, "title": "Parliament", "to": ["KAZ"]},
    {"id": "un", "unless": {"event": "un_security_council_notified", "within": "00:15",
                            "after": {"event": "decision_adopted", "kind": "use_of_armed_forces"}}, "title": "UN asks"},
]


def run_with_triggers() -> Run:
    return Run(small_scenario(injects=INJECTS))


def test_scheduled_injects_are_delivered_at_their_exercise_time():
    run = run_with_triggers()
    first = run.tick()
    assert [(e.data["inject_id"], e.exercise_time, e.actor) for e in first] == [("incursion", 0.0, "system")]
    run.at(19)
    assert run.tick() == []
    run.at(21)
    assert [(e.data["inject_id"], e.exercise_time) for e in run.tick()] == [("second", 1200.0)]


def test_after_downtime_the_scheduler_catches_up_in_order_with_the_scheduled_times():
    run = run_with_triggers()
    run.at(45)  # the server was down for 45 minutes
    delivered = run.tick()
    assert [(e.data["inject_id"], e.exercise_time) for e in delivered] == [("incursion", 0.0), ("second", 1200.0), ("nudge", 1800.0)]
    assert run.tick() == []  # exactly once


def test_unless_trigger_does_not_fire_when_the_expected_event_came_in_time():
    run = run_with_triggers()
    run.tick()
    run.at(10).do("TJK", "request_consultation", topic="Art. 2", invitees="all")
    run.at(40)
    assert "nudge" not in [e.data["inject_id"] for e in run.tick()]


def test_unless_trigger_anchored_on_an_event():
    run = run_with_triggers()
    run.tick()
    dec = run.do("KAZ", "propose_decision", body="CCS", kind="use_of_armed_forces", title="Repel", text="x")[0].data["decision_id"]
    for seat in ("ARM", "KAZ", "RUS"):
        run.do(seat, "cast_vote", decision_id=dec, vote="for")
    adopted = run.do("TJK", "cast_vote", decision_id=dec, vote="for")
    assert run.types(adopted) == ["vote_cast", "decision_adopted", "inject_delivered"]
    assert adopted[2].data["inject_id"] == "parliament" and adopted[2].audience == ("KAZ",) and adopted[2].actor == "system"
    assert next_due(run.state) == pytest.approx(15 * 60)
    run.at(16)
    fired = [e.data["inject_id"] for e in run.tick()]
    assert fired == ["un"]


def test_when_trigger_fires_once_in_the_same_batch():
    run = run_with_triggers()
    first = run.do("TJK", "request_assistance", kinds=["military"], summary="x")
    assert run.types(first) == ["assistance_requested", "inject_delivered"]
    second = run.do("ARM", "request_assistance", kinds=["logistics"], summary="y")
    assert run.types(second) == ["assistance_requested"]


def test_paused_clock_delays_everything_due():
    run = run_with_triggers()
    run.tick()
    run.at(10).do("facilitator", "pause_exercise")
    assert next_due_wall(run.state) is None
    run.at(60)
    assert run.tick() == []
    run.do("facilitator", "resume_exercise")
    assert next_due_wall(run.state) == pytest.approx(T0 + 60 * 60 + 10 * 60)  # 10 more exercise minutes to "second"
    run.at(71)
    assert [e.data["inject_id"] for e in run.tick()] == ["second"]


def test_speed_makes_exercise_time_run_faster():
    run = run_with_triggers()
    run.do("facilitator", "set_clock_speed", factor=10)
    run.at(2)  # 2 wall minutes = 20 exercise minutes
    delivered = run.tick()
    assert [e.data["inject_id"] for e in delivered] == ["incursion", "second"]


def test_clock_arithmetic():
    c = Clock().started(100.0, 2.0)
    assert c.time_at(110.0) == 20.0
    p = c.paused(20.0, 110.0)
    assert p.time_at(500.0) == 20.0 and p.wall_at(30.0) is None
    r = p.resumed(20.0, 200.0)
    assert r.time_at(205.0) == 30.0 and r.wall_at(30.0) == 205.0
    assert c.time_at(50.0) == 0.0  # never before the anchor


def test_the_shipped_border_crisis_triggers_fire():
    run = Run(border_crisis())
    run.tick()
    req = run.do("TJK", "request_assistance", kinds=["military"], summary="Help")
    assert [e.data.get("inject_id") for e in req if e.type == "inject_delivered"] == ["refugees"]


def test_patterns_match_values_inside_lists():
    from server.domain.events import EventSpec

    run = run_with_triggers()
    ev = run.do("TJK", "request_assistance", kinds=["military", "air_defence"], summary="x")[0]
    assert EventSpec("assistance_requested", {"kinds": "air_defence"}).matches(ev)
    assert EventSpec("assistance_requested", {"kinds": ["medical", "military"]}).matches(ev)
    assert not EventSpec("assistance_requested", {"kinds": "medical"}).matches(ev)


def test_injects_due_together_are_delivered_in_file_order():
    injects = [{"id": "zulu", "at": "00:05", "title": "Z"}, {"id": "alpha", "at": "00:05", "title": "A"}]
    run = Run(small_scenario(injects=injects))
    run.at(6)
    assert [e.data["inject_id"] for e in run.tick()] == ["zulu", "alpha"]
