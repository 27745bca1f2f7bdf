"""`POST /api/lab`: the procedure lab over HTTP (admin). Thin: check the request, split the runs
into one job per worker of the pool (server/work/), combine the pieces in run order in one more
job, answer its bytes. The output is the same as `ttx lab` with the same scenario, rule sets, runs
and seed."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import FileResponse, Response
from pydantic import Field

from ..lab.lab import MAX_RULE_SETS, check_lab, parse_rule_set
from ..lab.render import MEDIA_TYPES
from ..lab.simulate import LabError
from .deps import AppSettings, Work, admin_or_loopback
from .errors import ApiError
from .schemas import ErrorResponses, StrictBody

router = APIRouter(tags=["lab"])

MAX_RUNS = 5000  # per rule set
MAX_TOTAL_RUNS = 10_000  # over all rule sets of one request
API_RULE_SETS = 4
LAB_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
# the lab page of the review, as the server's other pages are served: everything from here, no inline script
PAGE_CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; "
            "frame-ancestors 'none'")


class LabRequest(StrictBody):
    scenario: str = Field(min_length=1, max_length=64, description="a shipped scenario's id (GET /api/scenarios)")
    rules: list[Any] = Field(min_length=1, max_length=API_RULE_SETS, description=(
        "the rule sets to compare: each one binding (`{\"rule\": \"qualified_majority\", \"threshold\": 0.67}`), a list "
        "of bindings, `{\"name\": ..., \"rules\": [...]}`, or \"scenario\" (its own rules)"))
    runs: int = Field(default=500, ge=1, le=MAX_RUNS, description="simulated runs per rule set")
    seed: int = Field(default=1, ge=0, le=2**63 - 1)
    format: Literal["json", "html", "csv"] = "json"


async def require_lab_access(request: Request, settings: AppSettings,
                             authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> None:
    """The admin token when the server has one; without one, only this machine (a lab request is
    seconds of CPU on every core, as costly as an import, and the default server has no other guard)."""
    await admin_or_loopback(request, settings, authorization, "lab_from_loopback_only",
                            "Without TTX_ADMIN_TOKEN this server runs the lab only for its own machine (a loopback address). "
                            "Set TTX_ADMIN_TOKEN on the server and send it as Authorization: Bearer <token>.")


LabAccess = Annotated[None, Depends(require_lab_access)]


@router.post("/api/lab", summary="Compare decision rules over many simulated runs of a scenario (admin)",
             responses={200: {"content": {"application/json": {}, "text/html": {}, "text/csv": {}}}, **ErrorResponses})
async def run_lab(body: LabRequest, request: Request, work: Work, _: LabAccess) -> Response:
    scenario = request.app.state.library.get(body.scenario)
    if scenario is None:
        known = ", ".join(s.id for s in request.app.state.library.all())
        raise ApiError(422, "unknown_scenario", f"There is no scenario {body.scenario!r}. Shipped: {known}.")
    if body.runs * len(body.rules) > MAX_TOTAL_RUNS:
        raise ApiError(422, "too_many_runs", f"{body.runs} runs of {len(body.rules)} rule sets is "
                       f"{body.runs * len(body.rules)}; at most {MAX_TOTAL_RUNS} runs in all per request "
                       "(ttx lab on the command line has no such bound).")
    try:
        rule_sets = [parse_rule_set(r, i) for i, r in enumerate(body.rules[:MAX_RULE_SETS])]
        check_lab(scenario, rule_sets)
    except LabError as exc:
        raise ApiError(422, exc.code, exc.message) from exc
    definition = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    plain = [rs.as_dict() for rs in rule_sets]
    # one job per worker of the pool, so that every core takes part and one request takes no more
    # slots than there are workers; each job gets an equal share of the runs of every rule set
    total = body.runs * len(plain)
    share = -(-total // work.workers)
    flat = [(i, a) for i in range(len(plain)) for a in range(body.runs)]
    jobs: list[list[tuple[int, int, int]]] = []
    for start in range(0, total, share):
        piece = flat[start:start + share]
        ranges: list[tuple[int, int, int]] = []
        for i, a in piece:  # consecutive runs of one rule set become one range
            if ranges and ranges[-1][0] == i and ranges[-1][2] == a:
                ranges[-1] = (i, ranges[-1][1], a + 1)
            else:
                ranges.append((i, a, a + 1))
        jobs.append(ranges)
    done = await asyncio.gather(*(work.run("lab_runs", definition, plain, body.seed, ranges) for ranges in jobs))
    per_set: list[list[Any]] = [[] for _ in plain]
    for ranges, results in zip(jobs, done):  # in run order: jobs and their ranges are in run order
        for (i, _a, _b), summaries in zip(ranges, results):
            per_set[i].extend(summaries)
    text = await work.run("lab_compare", definition, plain, per_set, body.runs, body.seed, body.format)
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    if body.format == "html":
        headers["Content-Security-Policy"] = LAB_CSP
    elif body.format == "csv":
        headers["Content-Disposition"] = f'attachment; filename="lab-{scenario.id}.csv"'
    return Response(text, media_type=MEDIA_TYPES[body.format], headers=headers)


@router.get("/lab", include_in_schema=False)
async def lab_page(settings: AppSettings) -> Response:
    page = settings.client_dir / "lab.html"
    if not page.is_file():
        raise ApiError(404, "not_found", "This server has no client pages.")
    return FileResponse(page, headers={"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff",
                                       "Referrer-Policy": "no-referrer"})
