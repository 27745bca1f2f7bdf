"""Decision rules through the HTTP API (issue 11): what a majority is counted over, settlement as
soon as the outcome is known, and who may close a vote. The treaty pack's `csto-border-crisis`
with its rules replaced; nine members vote in the CCS, which KAZ chairs."""

from __future__ import annotations

from typing import Any

from server.scenarios import load_scenario_file
from server.settings import PROJECT_ROOT
from tests.conftest import create_exercise

from .support import Run, types

MEMBERS = ["ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "RUS", "TJK", "UZB"]


def under(rule: dict[str, Any]) -> dict[str, Any]:
    definition = load_scenario_file(PROJECT_ROOT / "exercises" / "csto-border-crisis.yaml").model_dump(
        mode="json", by_alias=True, exclude_none=True)
    definition["rules"] = [{"body": "*", "kind": "*", **rule}]
    return {"definition": definition}


async def proposed(client, rule: dict[str, Any]) -> tuple[Run, str]:
    run = Run(await create_exercise(client, **under(rule)))
    await run.do("facilitator", "start_exercise")
    (event,) = [e for e in await run.do("RUS", "propose_decision", body="CCS", kind="general", title="Condemn",
                                        text="We condemn the shelling.") if e["type"] == "decision_proposed"]
    assert event["data"]["eligible"] == MEMBERS
    return run, event["data"]["decision_id"]


async def vote(run: Run, decision_id: str, seats: list[str], v: str) -> list[dict[str, Any]]:
    last: list[dict[str, Any]] = []
    for seat in seats:
        last = await run.recorded(seat, "cast_vote", decision_id=decision_id, vote=v)
    return last


async def decision(run: Run, decision_id: str) -> dict[str, Any]:
    return next(d for d in (await run.ex.state("facilitator"))["decisions"] if d["id"] == decision_id)


async def test_a_qualified_majority_of_members_is_not_reached_by_5_of_9(client):
    run, dec = await proposed(client, {"rule": "qualified_majority", "threshold": 0.9, "base": "members"})
    assert types(await vote(run, dec, MEMBERS[:5], "for")) == ["vote_cast"]  # 5 of 9 is not 90% of the members
    assert (await decision(run, dec))["status"] == "open"
    last = await vote(run, dec, MEMBERS[5:6], "against")  # now at most 8 of 9 can be for: it cannot pass
    assert types(last) == ["vote_cast", "decision_rejected"]
    assert last[-1]["data"]["tally"] == {"for": 5, "against": 1, "abstain": 0, "not_voted": 3, "eligible": 9}


async def test_a_two_thirds_majority_settles_on_the_7th_for_at_once(client):
    run, dec = await proposed(client, {"rule": "qualified_majority", "threshold": 0.67, "base": "members"})
    assert types(await vote(run, dec, MEMBERS[:6], "for")) == ["vote_cast"]
    last = await vote(run, dec, MEMBERS[6:7], "for")
    assert types(last) == ["vote_cast", "decision_adopted"]  # 2 members have not voted: they cannot change it
    assert last[-1]["data"]["tally"]["not_voted"] == 2 and last[-1]["actor"] == "system"
    await run.refused("TJK", "cast_vote", 409, "decision_settled", decision_id=dec, vote="against")


async def test_the_chair_or_the_facilitator_closes_a_vote_on_the_votes_as_they_stand(client):
    run, dec = await proposed(client, {"rule": "simple_majority", "base": "votes_cast", "quorum": 0.3})
    await vote(run, dec, ["ARM", "BLR"], "for")
    await vote(run, dec, ["GEO"], "against")
    await run.refused("RUS", "close_vote", 403, "cannot_close_vote", decision_id=dec)  # a member, not the chair
    await run.refused("SG", "close_vote", 403, "cannot_close_vote", decision_id=dec)
    last = await run.recorded("KAZ", "close_vote", decision_id=dec)  # KAZ chairs the CCS
    settled = last[-1]
    assert settled["type"] == "decision_adopted" and settled["data"]["tally"]["for"] == 2
    assert settled["data"]["tally"]["not_voted"] == 6

    run2, other = await proposed(client, {"rule": "consensus", "quorum": 0.5})
    await vote(run2, other, ["ARM"], "for")
    last = await run2.recorded("facilitator", "close_vote", decision_id=other)
    # one of nine voted: the quorum of half the members is not met, so closing lapses it
    assert last[-1]["type"] == "decision_lapsed"
