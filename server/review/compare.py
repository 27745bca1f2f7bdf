"""Two runs side by side (a run and its fork under another rule, say). Pure: two reports in, one
comparison out.

Both reports must be the same seat's view (`NotComparable` otherwise): what an observer may not see
would otherwise read as a change. `common_view` says which view two callers' seats share.

- decisions are matched through the fork's id map (original id -> fork id; an id made before the
  fork point is the same in both runs) when one run is a fork of the other, and otherwise (or for
  what the map does not name) by (title, kind, body), in order of proposal: the n-th decision with
  a given title, kind and body in run A goes with the n-th one in run B. A decision is `changed`
  where the outcome differs (one only one run has counts as changed) or its time to settle differs
  by more than `tolerance` exercise seconds;
- expectations by id: `changed` where the status differs or the measured delay differs by more than
  `tolerance` (or only one run measured one); `depends_on` names the decisions whose events anchor
  or satisfy it, in either run;
- response chains by inject id (first delivery): the delay of each step in each run, `changed` where
  a step happened in one run only or its delays differ by more than `tolerance`.

Each changed item says what changed (`changes`), and a time change carries both times (`times`).
"""

from __future__ import annotations

from typing import Any, Mapping

from ..domain.events import FACILITATOR, OBSERVER

TOLERANCE = 60.0  # exercise seconds: a measured time that moves less than this is the same


class NotComparable(ValueError):
    """The two reports are not views of the same seat: comparing them would show what one may see
    and the other may not as a change."""


def common_view(a_seat: str, b_seat: str) -> str:
    """The view two runs are compared through: the facilitator's full view when the caller is the
    facilitator of both, otherwise the observer's (a facilitator may see what its observer sees)."""
    if a_seat == b_seat == FACILITATOR:
        return FACILITATOR
    return OBSERVER


def _decision_side(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"decision_id": d["decision_id"], "outcome": d["outcome"], "rule": d["rule"],
            "rule_description": d["rule_description"], "reruled": d["reruled"], "tally": d["tally"],
            "votes": d.get("votes", {}), "time_to_settle": d["time_to_settle"], "reason": d["reason"],
            "proposed_at": d["proposed"]["exercise_time"],
            "settled_at": d["settled"]["exercise_time"] if d.get("settled") else None, "dissent": d["dissent"]}


def _key(d: dict[str, Any]) -> tuple[Any, Any, Any]:
    return (d["title"], d["kind"], d["body"])


def match_decisions(a: list[dict[str, Any]], b: list[dict[str, Any]], id_map: Mapping[str, str] | None = None,
                    ) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Pairs of decisions, A's order first. With `id_map` (A's ids -> B's, B a fork of A) a decision
    goes with the one the fork made of it; the rest pair by title, kind and body in order."""
    unmatched = list(b)
    matched: dict[int, dict[str, Any]] = {}
    if id_map is not None:
        by_id = {x["decision_id"]: x for x in b}
        for i, da in enumerate(a):
            db = by_id.get(id_map.get(da["decision_id"], da["decision_id"]))
            if db is not None and db in unmatched:
                unmatched.remove(db)
                matched[i] = db
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
    for i, da in enumerate(a):
        db = matched.get(i)
        named = id_map is not None and da["decision_id"] in id_map  # the fork made it again: never another
        if db is None and not named:
            db = next((x for x in unmatched if _key(x) == _key(da)), None)
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


def time_changed(x: float | None, y: float | None, tolerance: float) -> bool:
    """Two measured times differ: one run has one and the other not, or they are `tolerance` apart."""
    if x is None or y is None:
        return (x is None) != (y is None)
    return abs(float(x) - float(y)) > tolerance


def _decision_seqs(report: dict[str, Any]) -> dict[int, str]:
    """seq -> the id of the decision an event of the report is part of (proposal, vote, outcome,
    implementation, notification)."""
    out: dict[int, str] = {}
    for d in report["decisions"]:
        did = d["decision_id"]
        seqs = [d["proposed"]["seq"], *(v["seq"] for v in d.get("vote_log", [])),
                *(i["seq"] for i in d.get("implementations", {}).values()), *(n["seq"] for n in d.get("notifications", []))]
        if d.get("settled"):
            seqs.append(d["settled"]["seq"])
        for s in seqs:
            out[s] = did
    return out


def _expectation_decisions(e: dict[str, Any], seqs: dict[int, str]) -> set[str]:
    found: set[str] = set()
    for check in [e, *e.get("checks", [])]:
        anchor = check.get("anchor")
        if anchor and anchor.get("seq") in seqs:
            found.add(seqs[anchor["seq"]])
        found.update(seqs[s] for s in check.get("satisfied_by") or [] if s in seqs)
    return found


def compare_reports(a: dict[str, Any], b: dict[str, Any], *, a_id: str | None = None, b_id: str | None = None,
                    id_map: Mapping[str, str] | None = None, tolerance: float = TOLERANCE) -> dict[str, Any]:
    if a.get("seat") != b.get("seat"):
        raise NotComparable(f"Run A is the {a.get('seat')}'s view and run B the {b.get('seat')}'s: what one may see and "
                            "the other may not would read as a change. Compare both through the same seat's view.")
    decisions = []
    pair_of: dict[tuple[str, str], int] = {}  # (side, decision id) -> index in `decisions`
    for da, db in match_decisions(a["decisions"], b["decisions"], id_map):
        ref = da or db
        assert ref is not None
        changes = []
        if (da["outcome"] if da else None) != (db["outcome"] if db else None):
            changes.append("outcome")
        ta, tb = (da["time_to_settle"] if da else None), (db["time_to_settle"] if db else None)
        row: dict[str, Any] = {"title": ref["title"], "kind": ref["kind"], "body": ref["body"],
                               "a": _decision_side(da), "b": _decision_side(db)}
        if da is not None and db is not None and time_changed(ta, tb, tolerance):
            changes.append("time_to_settle")
            row["times"] = {"a": ta, "b": tb}
        row.update(changes=changes, changed=bool(changes))
        if da is not None:
            pair_of[("a", da["decision_id"])] = len(decisions)
        if db is not None:
            pair_of[("b", db["decision_id"])] = len(decisions)
        decisions.append(row)

    seqs = {"a": _decision_seqs(a), "b": _decision_seqs(b)}

    def depends(side: str, e: dict[str, Any] | None) -> set[int]:
        if e is None:
            return set()
        return {pair_of[(side, d)] for d in _expectation_decisions(e, seqs[side]) if (side, d) in pair_of}

    exp_b = {e["id"]: e for e in b["expectations"]}
    pairs = [(ea, exp_b.get(ea["id"])) for ea in a["expectations"]]
    seen = {ea["id"] for ea in a["expectations"]}
    pairs += [(None, eb) for eb in b["expectations"] if eb["id"] not in seen]
    expectations = []
    for ea, eb in pairs:
        row = _exp_pair(ea, eb, tolerance)
        on = sorted(depends("a", ea) | depends("b", eb))
        row["depends_on"] = [{"title": decisions[i]["title"], "kind": decisions[i]["kind"], "body": decisions[i]["body"],
                              "changed": decisions[i]["changed"]} for i in on]
        expectations.append(row)

    chains_b: dict[str, dict[str, Any]] = {}
    for ch in b["chains"]:
        chains_b.setdefault(ch["inject_id"], ch)
    chains = []
    done: set[str] = set()
    for ch in a["chains"]:
        if ch["inject_id"] in done:
            continue
        done.add(ch["inject_id"])
        chains.append(_chain_pair(ch["inject_id"], ch["title"], _delays(ch), _delays(chains_b.get(ch["inject_id"])),
                                  tolerance))
    chains += [_chain_pair(ch["inject_id"], ch["title"], None, _delays(ch), tolerance)
               for i, ch in chains_b.items() if i not in done]
    return {
        "a": _exercise_side(a, a_id),
        "b": _exercise_side(b, b_id),
        "view": a["seat"],
        "tolerance": tolerance,
        "matched_by": "id_map" if id_map is not None else "title",
        "decisions": decisions,
        "expectations": expectations,
        "chains": chains,
        "changes": {"decisions": sum(1 for d in decisions if d["changed"]),
                    "expectations": sum(1 for e in expectations if e["changed"]),
                    "chains": sum(1 for c in chains if c["changed"])},
    }


def _chain_pair(inject_id: str, title: str, a: dict[str, Any] | None, b: dict[str, Any] | None,
                tolerance: float) -> dict[str, Any]:
    changed_steps: list[str] = []
    if a is not None and b is not None:
        for name in dict.fromkeys([*a["steps"], *b["steps"]]):
            if name == "implementation":
                continue
            if time_changed(a["steps"].get(name), b["steps"].get(name), tolerance):
                changed_steps.append(name)
    return {"inject_id": inject_id, "title": title, "a": a, "b": b, "changed_steps": changed_steps,
            "changed": bool(changed_steps) or (a is None) != (b is None)}


def _exp_pair(ea: dict[str, Any] | None, eb: dict[str, Any] | None, tolerance: float) -> dict[str, Any]:
    ref = ea or eb
    assert ref is not None

    def side(e: dict[str, Any] | None) -> dict[str, Any] | None:
        if e is None:
            return None
        return {"status": e["status"], "measured": e["measured"], "missing": e["missing"],
                "score": (e.get("score") or {}).get("score")}

    changes = []
    if (ea["status"] if ea else None) != (eb["status"] if eb else None):
        changes.append("status")
    row: dict[str, Any] = {"id": ref["id"], "title": ref["title"], "a": side(ea), "b": side(eb)}
    if ea is not None and eb is not None and time_changed(ea["measured"], eb["measured"], tolerance):
        changes.append("measured")
        row["times"] = {"a": ea["measured"], "b": eb["measured"]}
    row.update(changes=changes, changed=bool(changes))
    return row
