"""The registry ties the slices together: every command has a handler in a slice, every event an
evolver (or is declared a plain record), a summary in words and declared fields; every event a seat
can cause has an inverse for a fork's re-enactment; every table a value type for snapshots."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import pytest

from server.domain import slices
from server.domain.commands import COMMAND_TYPES, EDGE_COMMANDS
from server.domain.registry import REGISTRY, Command
from server.domain.words import Words

from .support import Run, border_crisis

SLICE_MODULES = sorted(m.name for m in pkgutil.iter_modules(slices.__path__))


def test_every_slice_module_registers_a_slice_of_its_name():
    assert sorted(REGISTRY.slices) == SLICE_MODULES


@pytest.mark.parametrize("name", sorted(REGISTRY.commands))
def test_every_command_has_a_model_and_a_handler_in_a_slice(name):
    spec = REGISTRY.commands[name]
    assert issubclass(spec.model, Command) and callable(spec.decide)
    assert spec.slice in REGISTRY.slices
    module = importlib.import_module(f"server.domain.slices.{spec.slice}")
    assert spec.decide.__module__ == module.__name__ and spec.model.__module__ == module.__name__
    assert spec.by in ("participant", "facilitator", "system", "anyone")
    if spec.records:
        assert spec.records in REGISTRY.events, f"{name} records an unregistered event {spec.records}"


def test_the_edge_accepts_exactly_the_commands_a_seat_sends():
    assert COMMAND_TYPES == {t for t, c in REGISTRY.commands.items() if c.by != "system"}
    assert {m.model_fields["type"].annotation.__args__[0] for m in EDGE_COMMANDS} == COMMAND_TYPES
    assert "tick" not in COMMAND_TYPES and "fork" not in COMMAND_TYPES


@pytest.mark.parametrize("name", sorted(REGISTRY.events))
def test_every_event_has_an_evolver_a_summary_and_fields(name):
    spec = REGISTRY.events[name]
    module = importlib.import_module(f"server.domain.slices.{spec.slice}")
    if spec.evolve is not None:
        assert spec.evolve.__module__ == module.__name__
    assert callable(spec.summary) and spec.fields == tuple(dict.fromkeys(spec.fields))
    assert all(v in spec.upcasters for v in range(1, spec.version))


def test_every_event_a_command_records_can_be_recorded_again():
    """The events seats' commands record have an inverse, except the system's own."""
    for name, cmd in REGISTRY.commands.items():
        if cmd.by == "system" or not cmd.records:
            continue
        assert REGISTRY.events[cmd.records].reenact is not None, f"{cmd.records} (from {name}) has no inverse"


@pytest.mark.parametrize("name", sorted(REGISTRY.tables))
def test_every_table_is_owned_by_a_slice_and_typed(name):
    table = REGISTRY.tables[name]
    assert table.slice in REGISTRY.slices and table.value is not None


def test_every_summary_is_a_line_of_text_in_the_scenarios_words():
    """Each event of a played run has a one-line summary naming seats by name."""
    run = Run(border_crisis())
    run.tick()
    run.do("TJK", "report_threat", kind="aggression", summary="Shelling", against=[])
    run.do("TJK", "request_assistance", kinds=["military"], summary="Help")
    words = Words(run.state.scenario)
    for ev in run.events:
        spec = REGISTRY.events.get(ev.type)
        if spec is None:
            continue
        line = spec.summary(ev, ev.data, words)
        assert isinstance(line, str) and line and "\n" not in line, ev.type
    threat = next(e for e in run.events if e.type == "threat_reported")
    assert REGISTRY.events["threat_reported"].summary(threat, threat.data, words).startswith("Tajikistan reports")


def test_state_holds_data_types_only():
    from server.domain import state

    assert [f.name for f in dataclasses.fields(state.State)][-1] == "tables"
    assert not [n for n, v in vars(state.State).items() if callable(v) and not n.startswith("__")]
