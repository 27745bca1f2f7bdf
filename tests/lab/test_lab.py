"""The procedure lab: `ttx lab` (through click's CliRunner), its figures, its HTML."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from server.cli import main
from server.domain.scenario import RuleBinding
from server.lab.lab import compare, parse_rule_set, parse_rule_set_text, run_chunk, run_lab
from server.lab.render import render
from server.lab.simulate import LabError, RuleSet, prepare, run_seed, simulate
from server.scenarios import load_scenario_file
from server.settings import PROJECT_ROOT

CONSENSUS = '{"name": "consensus", "rules": [{"rule": "consensus", "quorum": 0.67, "deadline_minutes": 45}]}'
QUALIFIED = ('{"name": "qualified majority", "rules": [{"rule": "qualified_majority", "threshold": 0.67, '
             '"deadline_minutes": 45}]}')


@pytest.fixture(scope="module")
def crisis():
    return load_scenario_file(PROJECT_ROOT / "exercises" / "csto-border-crisis.yaml")


def lab(*args: str) -> str:
    result = CliRunner().invoke(main, ["lab", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_same_seed_gives_the_same_output_byte_for_byte():
    args = ["csto-border-crisis", "--rules", CONSENSUS, "--rules", QUALIFIED, "--runs", "60", "--seed", "11",
            "--workers", "1"]
    for fmt in ("json", "csv", "html"):
        first = lab(*args, "--format", fmt)
        assert first == lab(*args, "--format", fmt)
    assert json.loads(lab(*args))["results"][0]["runs"] == 60


def test_the_output_does_not_depend_on_the_number_of_workers():
    args = ["csto-border-crisis", "--rules", CONSENSUS, "--rules", QUALIFIED, "--runs", "120", "--seed", "5"]
    assert lab(*args, "--workers", "1") == lab(*args, "--workers", "2")


def test_another_seed_gives_other_runs():
    args = ["csto-border-crisis", "--rules", CONSENSUS, "--runs", "100", "--workers", "1"]
    a, b = json.loads(lab(*args, "--seed", "1")), json.loads(lab(*args, "--seed", "2"))
    assert a["results"][0]["decisions"] != b["results"][0]["decisions"]


def test_under_the_shipped_stances_consensus_adopts_the_use_of_force_less_often(crisis):
    """AZE, GEO and UZB lean against a deployment: under consensus one "against" of nine rejects it,
    under a 0.67 qualified majority of members it takes three. Both rates come from the runs."""
    sets = [parse_rule_set_text(CONSENSUS, 0), parse_rule_set_text(QUALIFIED, 1)]
    result = run_lab(crisis, sets, runs=800, seed=2026)
    consensus, qualified = (r["decisions"]["use_of_armed_forces"] for r in result["results"])
    for d in (consensus, qualified):
        assert 0 < d["adopted"] < 800  # neither always nor never: decided by the draws
        assert d["adoption_rate"] == round(d["adopted"] / 800, 4)
        assert sum(d["last_outcome"].values()) == d["proposed"] == 800  # the play proposes in every run
    assert consensus["adoption_rate"] < qualified["adoption_rate"] - 0.03
    # consensus fails on any "against", so it needs a second round more often
    assert consensus["rounds"]["mean"] > qualified["rounds"]["mean"]


def test_a_run_plays_the_scenario_through_the_domain(crisis):
    p = prepare(crisis, RuleSet("scenario", None))
    s = simulate(p, run_seed(3, 0, 7))
    assert s == simulate(p, run_seed(3, 0, 7))
    kinds = {d[0]: d for d in s.decisions}
    assert "use_of_armed_forces" in kinds
    assert 1 <= kinds["use_of_armed_forces"][1] <= 2  # the play's rounds
    # the first three expectations (report, consultations, request) are met or missed, never pending
    assert set(s.expectations) <= {"met", "missed", "not_triggered"}
    assert s.events > 20


def test_the_runs_of_a_chunk_are_the_runs_of_the_whole(crisis):
    definition = crisis.model_dump(mode="json", by_alias=True, exclude_none=True)
    rs = RuleSet("scenario", None).as_dict()
    whole = run_chunk(definition, rs, 0, 9, 0, 10)
    assert run_chunk(definition, rs, 0, 9, 4, 7) == whole[4:7]


def test_the_html_has_svg_charts_and_no_external_url(crisis):
    sets = [parse_rule_set_text(CONSENSUS, 0), parse_rule_set_text(QUALIFIED, 1)]
    html = render(run_lab(crisis, sets, runs=40, seed=1), "html")
    assert html.count("<svg") >= 3
    for chart in ("adoption", "time", "expectations", "blocked"):
        assert f'data-chart="{chart}"' in html
    assert not re.search(r"(https?:)?//[a-z0-9]", html, re.I)
    assert "<script" not in html and " src=" not in html


def test_rule_sets_are_checked_with_a_clear_message(crisis):
    with pytest.raises(LabError, match="qualified_majority needs a threshold"):
        parse_rule_set({"rule": "qualified_majority"}, 0)
    with pytest.raises(LabError, match="rule set 2"):
        parse_rule_set([], 1)
    with pytest.raises(LabError, match="no_such|unknown|Input should be"):
        parse_rule_set({"rule": "no_such_rule"}, 0)
    with pytest.raises(LabError, match="no seat NOBODY"):
        prepare(crisis, RuleSet("x", (RuleBinding(rule="single_authority", authority="NOBODY"),)))
    with pytest.raises(LabError, match="unknown body 'NOPE'"):  # the scenario's own cross-checks
        prepare(crisis, RuleSet("x", (RuleBinding(rule="consensus"), RuleBinding(rule="consensus", body="NOPE"))))
    with pytest.raises(LabError, match="no default rule"):
        prepare(crisis, RuleSet("x", (RuleBinding(rule="consensus", body="CCS"),)))


def test_the_cli_refuses_a_bad_rule_set():
    result = CliRunner().invoke(main, ["lab", "csto-border-crisis", "--rules", '{"rule": "weighted"}', "--runs", "5"])
    assert result.exit_code == 2
    assert "weighted needs a threshold" in result.output


def test_a_scenario_without_stances_is_refused():
    result = CliRunner().invoke(main, ["lab", "cyber-incident-response", "--rules", "scenario", "--runs", "5"])
    assert result.exit_code == 2
    assert "declares no `stances`" in result.output


def test_rules_from_a_file(tmp_path):
    f = tmp_path / "qm.yaml"
    f.write_text("name: qm\nrules:\n  - {rule: qualified_majority, threshold: 0.67}\n")
    out = json.loads(lab("csto-border-crisis", "--rules", str(f), "--runs", "10", "--workers", "1"))
    assert out["results"][0]["rule_set"] == {"name": "qm", "rules": [
        {"rule": "qualified_majority", "quorum": 0.5, "threshold": 0.67, "base": "members", "abstentions": "count",
         "abstention_blocks": False, "recuse_parties": False, "body": "*", "kind": "*"}], "from_scenario": False}


def test_the_intra_treaty_dispute_runs_too():
    out = json.loads(lab("intra-treaty-dispute", "--rules", "scenario", "--runs", "20", "--workers", "1"))
    kinds = [k["id"] for k in out["kinds"]]
    assert "ceasefire_call" in kinds and "collective_peacekeeping" in kinds


def test_csv_is_one_row_per_figure(crisis):
    result = run_lab(crisis, [parse_rule_set_text(CONSENSUS, 0)], runs=20, seed=4)
    lines = render(result, "csv").splitlines()
    assert lines[0] == "rule_set,figure,of,value"
    rate = result["results"][0]["decisions"]["use_of_armed_forces"]["adoption_rate"]
    assert f"consensus,adoption_rate,use_of_armed_forces,{rate}" in lines


def test_compare_counts_what_the_runs_say(crisis):
    p = prepare(crisis, RuleSet("scenario", None))
    runs = [simulate(p, run_seed(1, 0, i)) for i in range(30)]
    out = compare(crisis, [RuleSet("scenario", None)], [runs], runs=30, seed=1)["results"][0]
    adopted = sum(1 for s in runs for d in s.decisions if d[0] == "use_of_armed_forces" and d[3] is not None)
    assert out["decisions"]["use_of_armed_forces"]["adopted"] == adopted
    assert out["implementations"]["blocked_per_run"] == round(sum(s.blocked for s in runs) / 30, 3)


def test_progress_counts_every_run_once_with_a_pool(crisis):
    from server.lab.pool import lab_executor

    done: list[int] = []
    sets = [parse_rule_set_text("scenario", 0), parse_rule_set_text(QUALIFIED, 1)]
    with lab_executor(2) as executor:
        pooled = run_lab(crisis, sets, runs=120, seed=8, executor=executor, progress=done.append)
    assert sum(done) == 240 and len(done) == 6  # chunks of 50, 50, 20 for each rule set
    assert pooled == run_lab(crisis, sets, runs=120, seed=8)
