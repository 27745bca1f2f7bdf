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

BROKEN = """\
id: broken
title: A broken scenario
start: "1995-06-12T09:00:00+05:00"
seats:
  - id: TJK
    name: Tajikistan
    kind: state
    status: member
  - id: RUS
    name: Russia
    kind: state
    status: member
bodies:
  - id: CCS
    name: Council
    members: all_members
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
    assert ("rules[0].threshold", 21) in by_field  # above 1
    assert ("injects[0].to[1]", 26) in by_field and "XYZ" in by_field[("injects[0].to[1]", 26)]
    assert ("injects[1].at", 28) in by_field and "time order" in by_field[("injects[1].at", 28)]
    assert ("injects[2].unless.after", 32) in by_field and "nowhere" in by_field[("injects[2].unless.after", 32)]
    assert len(issues) == 4
    assert all(i.file.endswith("s.yaml") for i in issues)


def test_missing_fields_point_at_their_parent(tmp_path):
    issues = issues_of(tmp_path, "id: x\ntitle: T\nseats:\n  - id: TJK\n    name: T\n    kind: state\n")
    fields = {i.field for i in issues}
    assert "start" in fields and any(f.startswith("seats[0]") for f in fields)
    assert next(i for i in issues if i.field.startswith("seats[0]")).line == 4


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
    assert f"{f}:21: rules[0].threshold" in result.output
    assert f"{f}:26: injects[0].to[1]: unknown seat 'XYZ'" in result.output
    ok = CliRunner().invoke(main, ["validate", str(PROJECT_ROOT / "exercises" / "csto-border-crisis.yaml")])
    assert ok.exit_code == 0 and "ok" in ok.output


def test_ttx_schema_prints_a_json_schema(tmp_path):
    result = CliRunner().invoke(main, ["schema"])
    schema = json.loads(result.output)
    assert schema["title"] == "ttx scenario" and "seats" in schema["properties"]
    assert json_schema()["properties"]["injects"]
