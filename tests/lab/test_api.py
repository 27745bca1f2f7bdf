"""POST /api/lab: admin only, bounded, the same output as `ttx lab`."""

from __future__ import annotations

from typing import Any, AsyncIterator

import httpx
import pytest
from click.testing import CliRunner

from server.cli import main
from tests.conftest import make_settings

TOKEN = "the-lab-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
QUALIFIED = {"name": "qualified majority", "rules": [{"rule": "qualified_majority", "threshold": 0.67,
                                                     "deadline_minutes": 45}]}
BODY: dict[str, Any] = {"scenario": "csto-border-crisis", "rules": ["scenario", QUALIFIED], "runs": 30, "seed": 4}


async def app_client(settings: Any, client: tuple[str, int] = ("127.0.0.1", 40000)) -> AsyncIterator[httpx.AsyncClient]:
    from server.app import create_app

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.fixture
def admin_settings(sqlite_url):
    return make_settings(sqlite_url, TTX_ADMIN_TOKEN=TOKEN)


async def test_refused_without_the_admin_token_and_run_with_it(admin_settings):
    async for c in app_client(admin_settings):
        r = await c.post("/api/lab", json=BODY)
        assert (r.status_code, r.json()["error"]["code"]) == (401, "admin_token_required")
        r = await c.post("/api/lab", json=BODY, headers={"Authorization": "Bearer not-it"})
        assert (r.status_code, r.json()["error"]["code"]) == (403, "bad_admin_token")
        r = await c.post("/api/lab", json=BODY, headers=ADMIN)
        assert r.status_code == 200, r.text
        out = r.json()
    assert [x["rule_set"]["name"] for x in out["results"]] == ["scenario's own rules", "qualified majority"]
    assert all(x["runs"] == 30 for x in out["results"])


SIMPLE = {"rule": "simple_majority", "deadline_minutes": 30}


@pytest.mark.parametrize("rules,runs", [(["scenario", QUALIFIED], 30), (["scenario", QUALIFIED, SIMPLE], 7)])
async def test_the_api_gives_what_the_command_line_gives(sqlite_url, rules, runs):
    """However the runs are split over the pool's workers (7 runs of 3 rule sets: one job has all of
    the first and part of the second, the other the rest), the bytes are those of `ttx lab`."""
    import json

    settings = make_settings(sqlite_url, TTX_ADMIN_TOKEN=TOKEN, TTX_WORKER_KIND="thread")
    body = {**BODY, "rules": rules, "runs": runs}
    async for c in app_client(settings):
        html = await c.post("/api/lab", json={**body, "format": "html"}, headers=ADMIN)
        csv = await c.post("/api/lab", json={**body, "format": "csv"}, headers=ADMIN)
    assert html.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert "<svg" in html.text
    args = [a for r in rules for a in ("--rules", r if isinstance(r, str) else json.dumps(r))]
    cli = CliRunner().invoke(main, ["lab", "csto-border-crisis", *args, "--runs", str(runs), "--seed", "4",
                                    "--format", "csv", "--workers", "1"])
    assert cli.exit_code == 0, cli.output
    assert csv.text == cli.stdout


@pytest.mark.parametrize("change,code,words", [
    ({"scenario": "no-such-scenario"}, "unknown_scenario", "There is no scenario 'no-such-scenario'"),
    ({"runs": 5001}, "invalid_request", "less than or equal to 5000"),
    ({"runs": 4000, "rules": ["scenario", "scenario", "scenario"]}, "too_many_runs", "at most 10000 runs"),
    ({"rules": [{"rule": "qualified_majority"}]}, "bad_rules", "qualified_majority needs a threshold"),
    ({"rules": [{"rule": "consensus", "quorum": 2}]}, "bad_rules", "quorum"),
    ({"rules": [{"rule": "single_authority", "authority": "NOBODY"}]}, "bad_rules", "no seat NOBODY"),
    ({"rules": []}, "invalid_request", "at least 1"),
    ({"scenario": "cyber-incident-response", "rules": ["scenario"]}, "no_stances", "declares no `stances`"),
    ({"format": "pdf"}, "invalid_request", "'json', 'html' or 'csv'"),
])
async def test_bad_input_is_a_clear_422(admin_settings, change, code, words):
    async for c in app_client(admin_settings):
        r = await c.post("/api/lab", json={**BODY, **change}, headers=ADMIN)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == code
    assert words in (err["message"] + str(err.get("details")))


@pytest.mark.parametrize("address,allowed", [("203.0.113.9", False), ("127.0.0.1", True)])
async def test_without_an_admin_token_only_this_machine_may_run_the_lab(sqlite_url, address, allowed):
    settings = make_settings(sqlite_url, TTX_WORKER_KIND="thread")
    async for c in app_client(settings, (address, 40000)):
        r = await c.post("/api/lab", json={**BODY, "runs": 5})
    if allowed:
        assert r.status_code == 200, r.text
    else:
        assert (r.status_code, r.json()["error"]["code"]) == (403, "lab_from_loopback_only")
