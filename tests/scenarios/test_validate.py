"""Scenario validation: every error at once, each with its file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from server.cli import main
from server.scenarios import ScenarioError, load_scenario_file
from server.scenarios.loader import json_schema
from server.settings import PROJECT_ROOT

HEAD = """\
id: broken
title: A broken scenario
start: "1995-06-12T09:00:00+05:00"
seat_kinds:
  - id: state
    name: State
    member: true
    powers: [cast_vote, request_consultation]
seats:
  - id: TJK
    name: Tajikistan
    kind: state
  - id: RUS
    name: Russia
    kind: state
bodies:
  - id: CCS
    name: Council
    members: all_members
"""

BROKEN = HEAD + """\
rules:
  - body: "*"
    kind: "*"
    rule: qualified_majority
    threshold: 1.5
injects:
  - id: first
    at: "00:30"
    title: First
    to: [TJK, XYZ]
  - id: second
    at: "00:10"
    title: Second
  - id: third
    title: Third
    unless: {event: consultation_opened, within: "00:30", after: nowhere}
"""


def issues_of(tmp_path: Path, text: str) -> list:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(f)
    return info.value.issues


def test_every_error_is_listed_with_line_and_field(tmp_path):
    issues = issues_of(tmp_path, BROKEN)
    by_field = {(i.field, i.line): i.message for i in issues}
    assert ("rules[0].threshold", 24) in by_field  # above 1
    assert ("injects[0].to[1]", 29) in by_field and "XYZ" in by_field[("injects[0].to[1]", 29)]
    assert ("injects[1].at", 31) in by_field and "time order" in by_field[("injects[1].at", 31)]
    assert ("injects[2].unless.after", 35) in by_field and "nowhere" in by_field[("injects[2].unless.after", 35)]
    assert len(issues) == 4
    assert all(i.file.endswith("s.yaml") for i in issues)


def test_missing_fields_point_at_their_parent(tmp_path):
    issues = issues_of(tmp_path, "id: x\ntitle: T\nseat_kinds: [{id: state, name: State}]\nseats:\n  - id: TJK\n    name: T\n")
    fields = {i.field for i in issues}
    assert "start" in fields and any(f.startswith("seats[0]") for f in fields)
    assert next(i for i in issues if i.field.startswith("seats[0]")).line == 5


def test_yaml_syntax_errors_have_a_line(tmp_path):
    issues = issues_of(tmp_path, "id: x\ntitle: [unclosed\nseats: 1\n")
    assert len(issues) == 1 and issues[0].line is not None and "YAML" in issues[0].message


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "exercises").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_are_valid(path):
    sc = load_scenario_file(path)
    assert sc.id == path.stem
    assert len(sc.injects) >= 6 and any(i.trigger in ("when", "unless") for i in sc.injects)
    assert all(s.briefing for s in sc.seats)


def test_ttx_validate_prints_every_error_and_fails(tmp_path):
    f = tmp_path / "broken.yaml"
    f.write_text(BROKEN)
    result = CliRunner().invoke(main, ["validate", str(f)])
    assert result.exit_code == 1
    assert f"{f}:24: rules[0].threshold" in result.output
    assert f"{f}:29: injects[0].to[1]: unknown seat 'XYZ'" in result.output
    ok = CliRunner().invoke(main, ["validate", str(PROJECT_ROOT / "exercises" / "csto-border-crisis.yaml")])
    assert ok.exit_code == 0 and "ok" in ok.output


def test_ttx_schema_prints_a_json_schema(tmp_path):
    result = CliRunner().invoke(main, ["schema"])
    schema = json.loads(result.output)
    assert schema["title"] == "ttx scenario" and "seats" in schema["properties"]
    assert json_schema()["properties"]["injects"]


# --- what a scenario author gets wrong that no schema catches -----------------------------------------

MISTAKES = HEAD.replace('start: "1995-06-12T09:00:00+05:00"', 'start: "1995-06-12T09:00:00"') + """\
  - id: CDM
    name: Defence ministers
    members: [TJK]
    chair: TJK
injects:
  - id: first
    at: "00:00"
    title: First
  - id: nudge
    title: Nudge
    unless: {event: consultation_opend, within: "00:30", after: first}
  - id: parliament
    title: Parliament
    when: {event: decision_adopted, kind: use_of_force}
expectations:
  - id: answer
    title: Somebody answers
    after: first
    expect: {event: assistance_responded, answer: pledge}
    within: "00:30"
"""


def test_what_a_schema_cannot_see_is_reported_too(tmp_path):
    text = MISTAKES.replace("    powers: [cast_vote, request_consultation]\n", "    powers: [request_consultation]\n")
    issues = issues_of(tmp_path, text)
    by_field = {i.field: i.message for i in issues}
    assert "UTC offset" in by_field["start"]
    assert by_field["injects[1].unless.event"] == "unknown event type 'consultation_opend'; did you mean consultation_opened?"
    assert by_field["injects[2].when.kind"] == "unknown decision kind 'use_of_force'; declare it in decision_kinds"
    assert by_field["expectations[0].expect.answer"].startswith("assistance_responded has no field 'answer'")
    assert by_field["bodies[0].members"].startswith("nobody can vote in CCS")
    assert by_field["bodies[1].members"].startswith("nobody can vote in CDM")
    assert len(issues) == 6, [str(i) for i in issues]


def test_institution_references_are_checked(tmp_path):
    text = HEAD.replace("    powers: [cast_vote, request_consultation]\n",
                        "    powers: [cast_vote, request_consultation, fly, {move: notify, to: [PRESS]}]\n") + """\
statuses:
  - id: member
    name: Member
decision_kinds:
  - id: war
    name: War
    bodies: [NOWHERE]
    implemented_by: [XYZ]
    effect: {change: admit, status: ghost}
    requires:
      - any_of: [no-such-inject]
        message: Wait.
aliases:
  - command: notify_press
    means: {type: notify, recipient: PRESS, tone: loud}
    records: press_notified
"""
    by_field = {i.field: i.message for i in issues_of(tmp_path, text)}
    assert by_field["seat_kinds[0].powers[2]"].startswith("unknown power 'fly'")
    assert by_field["seat_kinds[0].powers[3].to[0]"] == "unknown recipient 'PRESS'"
    assert by_field["decision_kinds[0].bodies[0]"] == "unknown body 'NOWHERE'"
    assert by_field["decision_kinds[0].implemented_by[0]"] == "unknown seat 'XYZ'"
    assert by_field["decision_kinds[0].effect.status"] == "unknown status 'ghost'"
    assert by_field["decision_kinds[0].requires[0].any_of[0]"] == "requirement names unknown inject 'no-such-inject'"
    assert by_field["aliases[0].means.tone"] == "notify has no field 'tone'"
    assert by_field["aliases[0].means.recipient"] == "unknown recipient 'PRESS'"


def test_a_rule_names_only_seats_the_scenario_has(tmp_path):
    """A single authority, or a weight, given to a seat that does not exist would make a rule that
    can never be met (or a weight nobody carries): refused at load, naming the field."""
    text = HEAD + """\
rules:
  - {body: "*", kind: "*", rule: single_authority, authority: CIS0}
  - {body: "*", kind: general, rule: weighted, threshold: 0.5, weights: {TJK: 2, RU5: 3}}
"""
    by_field = {i.field: i.message for i in issues_of(tmp_path, text)}
    assert by_field["rules[0].authority"].startswith("unknown seat 'CIS0'")
    assert by_field["rules[1].weights.RU5"] == "unknown seat 'RU5'"
    assert not any(f.startswith("rules[1].weights.TJK") for f in by_field)
