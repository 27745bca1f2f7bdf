"""Two runs side by side (a run and its fork under another rule, say). Pure: two reports in, one
comparison out.

- decisions are matched by (title, kind, body), in order of proposal: the n-th decision with a given
  title, kind and body in run A goes with the n-th one in run B; `changed` is true where the outcome
  differs (a decision only one run has counts as changed);
- expectations by id: status and measured delay in each, `changed` where the status differs;
- response chains by inject id (first delivery): the delay of each step in each run.
"""

from __future__ import annotations

from typing import Any


def _decision_side(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"decision_id": d["decision_id"], "outcome": d["outcome"], "rule": d["rule"],
            "rule_description": d["rule_description"], "reruled": d["reruled"], "tally": d["tally"],
            "time_to_settle": d["time_to_settle"], "reason": d["reason"], "proposed_at": d["proposed"]["exercise_time"],
            "dissent": d["dissent"]}


def match_decisions(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    unmatched = list(b)
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
    for da in a:
        key = (da["title"], da["kind"], da["body"])
        db = next((x for x in unmatched if (x["title"], x["kind"], x["body"]) == key), None)
        if db is not None:
            unmatched.remove(db)
        pairs.append((da, db))
    pairs += [(None, db) for db in unmatched]
    return pairs


def _exercise_side(report: dict[str, Any], exercise_id: str | None) -> dict[str, Any]:
    ex = report["exercise"]
    return {"exercise_id": exercise_id, "title": ex["title"], "scenario_id": ex["scenario_id"], "status": ex["status"],
            "duration": ex["duration"], "events": ex["events"], "forked_from": ex["forked_from"], "rules": ex["rules"],
            "seat": report["seat"]}


def _delays(chain: dict[str, Any] | None) -> dict[str, Any] | None:
    if chain is None:
        return None
    steps = {name: (step["delay"] if step else None) for name, step in chain["steps"].items()}
    steps["implementation"] = {s: (v["delay"] if v else None) for s, v in chain["implementation"].items()}
    return {"delivered_at": chain["delivered_at"], "steps": steps}


def compare_reports(a: dict[str, Any], b: dict[str, Any], *, a_id: str | None = None, b_id: str | None = None) -> dict[str, Any]:
    decisions = []
    for da, db in match_decisions(a["decisions"], b["decisions"]):
        ref = da or db
        assert ref is not None
        decisions.append({
            "title": ref["title"], "kind": ref["kind"], "body": ref["body"],
            "a": _decision_side(da), "b": _decision_side(db),
            "changed": (da["outcome"] if da else None) != (db["outcome"] if db else None),
        })
    exp_b = {e["id"]: e for e in b["expectations"]}
    expectations = []
    seen: set[str] = set()
    for ea in a["expectations"]:
        eb = exp_b.get(ea["id"])
        seen.add(ea["id"])
        expectations.append(_exp_pair(ea, eb))
    expectations += [_exp_pair(None, eb) for eb in b["expectations"] if eb["id"] not in seen]
    chains_b: dict[str, dict[str, Any]] = {}
    for ch in b["chains"]:
        chains_b.setdefault(ch["inject_id"], ch)
    chains = []
    done: set[str] = set()
    for ch in a["chains"]:
        if ch["inject_id"] in done:
            continue
        done.add(ch["inject_id"])
        chains.append({"inject_id": ch["inject_id"], "title": ch["title"], "a": _delays(ch),
                       "b": _delays(chains_b.get(ch["inject_id"]))})
    chains += [{"inject_id": ch["inject_id"], "title": ch["title"], "a": None, "b": _delays(ch)}
               for i, ch in chains_b.items() if i not in done]
    return {
        "a": _exercise_side(a, a_id),
        "b": _exercise_side(b, b_id),
        "decisions": decisions,
        "expectations": expectations,
        "chains": chains,
        "changes": {"decisions": sum(1 for d in decisions if d["changed"]),
                    "expectations": sum(1 for e in expectations if e["changed"])},
    }


def _exp_pair(ea: dict[str, Any] | None, eb: dict[str, Any] | None) -> dict[str, Any]:
    ref = ea or eb
    assert ref is not None

    def side(e: dict[str, Any] | None) -> dict[str, Any] | None:
        if e is None:
            return None
        return {"status": e["status"], "measured": e["measured"], "missing": e["missing"],
                "score": (e.get("score") or {}).get("score")}

    return {"id": ref["id"], "title": ref["title"], "a": side(ea), "b": side(eb),
            "changed": (ea["status"] if ea else None) != (eb["status"] if eb else None)}
