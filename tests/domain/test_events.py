"""Events are immutable, past-tense, versioned facts; old versions are upcast when read."""

import pytest

from server.domain.events import EVENT_VERSIONS, Event, format_timestamp, is_past_tense_name, new_event, parse_timestamp, upcast
from server.domain.fold import evolve
from server.domain.registry import REGISTRY
from server.store.sql import row_to_event

from .support import Run


def test_events_are_frozen():
    ev = new_event("exercise_started", "facilitator", {"speed": 1.0}, seq=2, exercise_time=0.0, recorded_at=1.0)
    with pytest.raises(AttributeError):
        ev.type = "exercise_ended"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ev.data["speed"] = 2.0  # type: ignore[index]


@pytest.mark.parametrize("name", sorted(EVENT_VERSIONS))
def test_event_names_are_past_tense_snake_case(name):
    assert is_past_tense_name(name), name


def test_present_tense_names_are_rejected_by_the_check():
    assert not is_past_tense_name("start_exercise")
    assert not is_past_tense_name("CastVote")


def test_every_event_type_has_an_evolver_or_says_it_changes_no_state():
    assert set(EVENT_VERSIONS) == set(REGISTRY.events)


def test_unknown_event_type_cannot_be_made():
    with pytest.raises(ValueError):
        new_event("exercise_exploded", "system", {}, seq=1, exercise_time=0, recorded_at=0)


def test_clock_speed_set_version_1_is_upcast_to_factor():
    assert EVENT_VERSIONS["clock_speed_set"] == 2
    assert upcast("clock_speed_set", 1, {"speed": 4}) == (2, {"factor": 4.0})
    assert upcast("clock_speed_set", 2, {"factor": 4.0}) == (2, {"factor": 4.0})


def test_a_stored_version_1_event_is_read_as_version_2_and_folds():
    run = Run()
    row = (3, "id-3", "clock_speed_set", 1, "facilitator", 0.0, int(run.now * 1000), None, '{"speed":10}', "h", None)
    ev = row_to_event("ex_x", row)
    assert (ev.version, dict(ev.data)) == (2, {"factor": 10.0})
    assert evolve(run.state, ev).clock.speed == 10.0


def test_timestamps_round_trip_at_millisecond_precision():
    assert format_timestamp(1764238502.1234) == "2025-11-27T10:15:02.123Z"
    assert parse_timestamp("2025-11-27T10:15:02.123Z") == 1764238502.123


def test_envelope_has_the_spec_fields():
    ev = Run().events[-1].with_store_fields(exercise_id="ex_1", id="u", hash="h")
    env = ev.envelope()
    assert {"exercise_id", "seq", "id", "type", "actor", "exercise_time", "recorded_at", "data", "hash"} <= set(env)
    assert isinstance(Event, type)
