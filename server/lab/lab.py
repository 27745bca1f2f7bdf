"""The lab: many runs of a scenario under each rule set, and their comparison.

- `parse_rule_set(value, i)`: a rule set from what a user gives: one binding (`{"rule": ...}`), a
  list of bindings, `{"name": ..., "rules": [...]}`, or the word `scenario` (its own rules).
- `run_chunk(...)`: the summaries of a range of runs of one rule set (what a worker computes); it
  keeps what every run of a rule set shares (`simulate.prepare`) between chunks.
- `run_lab(...)`: every run of every rule set, in one process or a pool, and `compare(...)`.
- `compare(...)`: the side-by-side figures, a plain dict (the JSON output; `render.py` draws it).

Each run is seeded from (seed, rule set index, run index) alone and the summaries are combined in
run order, so the output is the same byte for byte however many workers computed it and in
whatever order their chunks finished.
"""

from __future__ import annotations

import json
import math
from concurrent.futures import Executor
from typing import Any, Callable, Iterable, Mapping, Sequence

from pydantic import ValidationError

from ..domain.decide import scenario_hash
from ..domain.scenario import RuleBinding, Scenario, in_language
from ..scenarios import validate_definition
from .simulate import LabError, Prepared, RuleSet, RunSummary, prepare, run_seed, simulate

MAX_RULE_SETS = 8
MAX_BINDINGS = 64
CHUNK = 50  # runs per piece of work handed to a worker (and per step of the progress bar)
FORMAT_VERSION = 1


def _message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}" if where else err["msg"])
    return "; ".join(parts)


def parse_rule_set(value: Any, i: int) -> RuleSet:
    """A rule set from decoded JSON (or the string `scenario`); `LabError` says what is wrong."""
    where = f"rule set {i + 1}"
    if value == "scenario":
        return RuleSet("scenario's own rules", None)
    name: str | None = None
    if isinstance(value, Mapping) and "rules" in value:
        extra = sorted(set(value) - {"name", "rules"})
        if extra:
            raise LabError("bad_rules", f"{where}: unknown field(s) {', '.join(extra)} (a rule set has `name` and `rules`).")
        name = value.get("name")
        if name is not None and (not isinstance(name, str) or not 0 < len(name) <= 80):
            raise LabError("bad_rules", f"{where}: `name` is a text of 1 to 80 characters.")
        value = value["rules"]
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list) or not value:
        raise LabError("bad_rules", f"{where}: give a rule (an object with `rule`), a list of them, "
                                    "{\"name\": ..., \"rules\": [...]}, or \"scenario\".")
    if len(value) > MAX_BINDINGS:
        raise LabError("bad_rules", f"{where}: at most {MAX_BINDINGS} bindings.")
    bindings = []
    for j, raw in enumerate(value):
        try:
            bindings.append(RuleBinding.model_validate(raw))
        except ValidationError as exc:
            raise LabError("bad_rules", f"{where}, rule {j + 1}: {_message(exc)}") from exc
    if name is None:
        name = " + ".join(_short(b) for b in bindings)[:80]
    return RuleSet(name, tuple(bindings))


def _short(b: RuleBinding) -> str:
    words = b.rule.replace("_", " ")
    if b.threshold is not None:
        words += f" {b.threshold:g}"
    if b.rule in ("simple_majority", "qualified_majority", "weighted") and b.base != "members":
        words += " of votes cast"
    where = "" if (b.body, b.kind) == ("*", "*") else f" ({b.body}/{b.kind})"
    return words + where


def parse_rule_set_text(text: str, i: int) -> RuleSet:
    """A rule set from text: JSON, or YAML (a file may be either), or the word `scenario`."""
    text = text.strip()
    if text == "scenario":
        return parse_rule_set("scenario", i)
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        from ..scenarios.loader import ScenarioError, parse_yaml, _plain

        try:
            value = _plain(parse_yaml(text, f"rule set {i + 1}"))
        except ScenarioError as exc:
            raise LabError("bad_rules", f"rule set {i + 1} is neither JSON nor YAML: {exc}") from exc
    return parse_rule_set(value, i)


# --- the runs ------------------------------------------------------------------------------------

_prepared: dict[tuple[str, str], Prepared] = {}


def _prepared_for(definition: Mapping[str, Any], rule_set: Mapping[str, Any]) -> Prepared:
    key = (scenario_hash(definition), json.dumps(rule_set, sort_keys=True))
    hit = _prepared.get(key)
    if hit is None:
        scenario = validate_definition(dict(definition), source="lab")
        rs = RuleSet(rule_set["name"], None if rule_set["rules"] is None
                     else tuple(RuleBinding.model_validate(r) for r in rule_set["rules"]))
        if len(_prepared) > 16:
            _prepared.clear()
        hit = _prepared[key] = prepare(scenario, rs)
    return hit


def run_chunk(definition: Mapping[str, Any], rule_set: Mapping[str, Any], rule_set_index: int, seed: int,
              start: int, stop: int) -> list[RunSummary]:
    """Runs `start` to `stop - 1` of one rule set (plain data in, so a worker process can take it)."""
    p = _prepared_for(definition, rule_set)
    return [simulate(p, run_seed(seed, rule_set_index, i)) for i in range(start, stop)]


Chunk = tuple[int, int, int]  # rule set index, first run, end


def chunks(rule_sets: int, runs: int) -> list[Chunk]:
    return [(r, a, min(a + CHUNK, runs)) for r in range(rule_sets) for a in range(0, runs, CHUNK)]


def check_lab(scenario: Scenario, rule_sets: Sequence[RuleSet]) -> None:
    """Everything that can be wrong before a run: no stances, a rule set the scenario refuses."""
    if not rule_sets:
        raise LabError("bad_rules", "Give at least one rule set.")
    if len(rule_sets) > MAX_RULE_SETS:
        raise LabError("bad_rules", f"At most {MAX_RULE_SETS} rule sets at once.")
    for rs in rule_sets:
        prepare(scenario, rs)


def run_lab(scenario: Scenario, rule_sets: Sequence[RuleSet], *, runs: int, seed: int,
            executor: Executor | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Every run of every rule set, compared. With an `executor` the chunks run in its workers."""
    check_lab(scenario, rule_sets)
    definition = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    plain = [rs.as_dict() for rs in rule_sets]
    work = chunks(len(rule_sets), runs)
    results: dict[Chunk, list[RunSummary]] = {}
    if executor is None:
        for c in work:
            results[c] = run_chunk(definition, plain[c[0]], c[0], seed, c[1], c[2])
            if progress:
                progress(c[2] - c[1])
    else:
        from concurrent.futures import as_completed

        futures = {executor.submit(run_chunk, definition, plain[c[0]], c[0], seed, c[1], c[2]): c for c in work}
        for f in as_completed(futures):
            c = futures[f]
            results[c] = f.result()
            if progress:
                progress(c[2] - c[1])
    per_set: list[list[RunSummary]] = [[] for _ in rule_sets]
    for c in work:  # in run order, whatever order they finished in
        per_set[c[0]].extend(results[c])
    return compare(scenario, rule_sets, per_set, runs=runs, seed=seed)


# --- the comparison --------------------------------------------------------------------------------

def quantile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def _spread(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "p10": None, "p90": None}
    return {"median": _r(quantile(values, 0.5), 2), "p10": _r(quantile(values, 0.1), 2), "p90": _r(quantile(values, 0.9), 2)}


def _kind_order(scenario: Scenario, per_set: Iterable[Sequence[RunSummary]]) -> list[str]:
    seen = {k for runs in per_set for s in runs for k, *_ in s.decisions}
    return [k.id for k in scenario.decision_kinds if k.id in seen]


def compare(scenario: Scenario, rule_sets: Sequence[RuleSet], per_set: Sequence[Sequence[RunSummary]], *,
            runs: int, seed: int) -> dict[str, Any]:
    kinds = _kind_order(scenario, per_set)
    names = {k.id: k.name for k in scenario.decision_kinds}
    results = []
    for rs, summaries in zip(rule_sets, per_set):
        n = len(summaries)
        decisions = {}
        for kind in kinds:
            rows = [d for s in summaries for d in s.decisions if d[0] == kind]
            outcomes = {o: sum(1 for d in rows if d[2] == o) for o in ("adopted", "rejected", "lapsed", "open")}
            times = [d[3] / 60.0 for d in rows if d[3] is not None]
            decisions[kind] = {
                "name": names.get(kind, kind),
                "proposed": len(rows),
                "adopted": len(times),
                "adoption_rate": _r(len(times) / n if n else 0.0),
                "minutes_to_adoption": _spread(times),
                "rounds": {"mean": _r(sum(d[1] for d in rows) / len(rows) if rows else 0.0, 3),
                           "max": max((d[1] for d in rows), default=0)},
                "last_outcome": outcomes,
            }
        blocked = [s.blocked for s in summaries]
        expectations = []
        for i, exp in enumerate(scenario.expectations):
            statuses = [s.expectations[i] for s in summaries]
            counts = {st: statuses.count(st) for st in ("met", "missed", "not_triggered")}
            expectations.append({"id": exp.id, "title": in_language(exp.title), **counts, "met_rate": _r(counts["met"] / n if n else 0.0)})
        met_total = sum(e["met"] for e in expectations)
        shown = rs.as_dict()
        if rs.rules is None:  # say which rules those are
            shown["rules"] = [b.model_dump(mode="json", exclude_none=True) for b in scenario.rules]
        shown["from_scenario"] = rs.rules is None
        results.append({
            "rule_set": shown,
            "runs": n,
            "decisions": decisions,
            "implementations": {
                "blocked_per_run": _r(sum(blocked) / n if n else 0.0, 3),
                "runs_with_blocked": sum(1 for b in blocked if b),
                "in_force_per_run": _r(sum(s.in_force for s in summaries) / n if n else 0.0, 3),
            },
            "expectations": expectations,
            "expectations_met_rate": _r(met_total / (n * len(expectations)) if n and expectations else 0.0),
            "refused_per_run": _r(sum(s.refused for s in summaries) / n if n else 0.0, 3),
            "events_per_run": _r(sum(s.events for s in summaries) / n if n else 0.0, 2),
        })
    return {
        "format": FORMAT_VERSION,
        "scenario": {"id": scenario.id, "title": scenario.title},
        "seed": seed,
        "runs": runs,
        "kinds": [{"id": k, "name": names.get(k, k)} for k in kinds],
        "results": results,
    }
