"""Every error is a proper response, and the keep-alive connection survives it (issue 13: "the
server drops the keep-alive connection after them"). Each case sends one bad request and then
`/healthz` on the same client; both must travel over the same TCP connection (same local port)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import httpx
import pytest

from server.harness import ThreadServer
from tests.conftest import make_settings



class Api:
    def __init__(self, server: ThreadServer, created: dict[str, Any]) -> None:
        self.server = server
        self.id = created["id"]
        self.tokens = {s["seat"]: s["token"] for s in created["seats"]}
        self.other = None

    def auth(self, seat: str = "facilitator") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[seat]}"}


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[Api]:
    from server.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('keepalive') / 'ttx.db'}"
    upgrade(url)
    settings = make_settings(url, TTX_RATE_LIMITS=True, TTX_LIMIT_SCENARIOS="1/min,1")
    with ThreadServer(settings) as server:
        created = httpx.post(f"{server.url}/api/exercises", json={"scenario": "csto-border-crisis"}, timeout=10).json()
        other = httpx.post(f"{server.url}/api/exercises", json={"scenario": "csto-border-crisis"}, timeout=10).json()
        a = Api(server, created)
        a.other = {s["seat"]: s["token"] for s in other["seats"]}
        yield a


def chunks(size: int) -> Iterator[bytes]:
    for _ in range(size // 4096):
        yield b"x" * 4096


def boom(*_: Any, **__: Any) -> Any:
    raise RuntimeError("an error nobody expected")


CASES: dict[str, tuple[int, Callable[[httpx.Client, Api], httpx.Response]]] = {
    "401 bad token": (401, lambda c, a: c.get(f"/api/exercises/{a.id}/state", headers={"Authorization": "Bearer nope"})),
    "403 token of another exercise": (403, lambda c, a: c.get(f"/api/exercises/{a.id}/state",
                                                               headers={"Authorization": f"Bearer {a.other['KAZ']}"})),
    "403 seat may not": (403, lambda c, a: c.get(f"/api/exercises/{a.id}/export", headers=a.auth("KAZ"))),
    "404 unknown path": (404, lambda c, a: c.get("/api/nothing-here")),
    "404 unknown exercise": (404, lambda c, a: c.get("/api/exercises/ex_missing/state", headers=a.auth())),
    "405 method": (405, lambda c, a: c.delete("/api/scenarios")),
    "409 beyond the head": (409, lambda c, a: c.get(f"/api/exercises/{a.id}/state?at=99999", headers=a.auth())),
    "413 declared too large": (413, lambda c, a: c.post(f"/api/exercises/{a.id}/commands", headers=a.auth(),
                                                        content=b"{" + b" " * (200 * 1024) + b"}")),
    "413 streamed too large": (413, lambda c, a: c.post(f"/api/exercises/{a.id}/commands", headers=a.auth(),
                                                        content=chunks(200 * 1024))),
    "413 declared too large, anonymous": (413, lambda c, a: c.post("/api/qr", content=b" " * (200 * 1024),
                                                                   headers={"Content-Type": "application/json"})),
    "415 import not NDJSON": (415, lambda c, a: c.post("/api/exercises/import", content=b"{}",
                                                       headers={"Content-Type": "text/csv"})),
    "422 malformed command": (422, lambda c, a: c.post(f"/api/exercises/{a.id}/commands", content=b"{oops",
                                                       headers={**a.auth(), "Content-Type": "application/json"})),
    "422 bad query": (422, lambda c, a: c.get(f"/api/exercises/{a.id}/events?after=x", headers=a.auth())),
    "422 malformed body": (422, lambda c, a: c.post("/api/qr", content=b"[[[", headers={"Content-Type": "application/json"})),
    "429 over a limit": (429, lambda c, a: [c.get("/api/scenarios") for _ in range(2)][-1]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_connection_survives_the_error(api: Api, case: str) -> None:
    status, request = CASES[case]
    with httpx.Client(base_url=api.server.url, timeout=20) as client:
        r = request(client, api)
        assert r.status_code == status, r.text
        assert isinstance(r.json()["error"]["code"], str)
        port = r.extensions["network_stream"].get_extra_info("client_addr")[1]
        after = client.get("/healthz")
        assert after.status_code == 200
        assert after.extensions["network_stream"].get_extra_info("client_addr")[1] == port, "the connection was dropped"


@pytest.mark.parametrize("where", ["a route", "the commands path"])
def test_an_unexpected_error_is_a_500_with_the_error_body_and_the_connection_survives(api: Api, where: str,
                                                                                     monkeypatch) -> None:
    service = api.server.app.state.service
    with httpx.Client(base_url=api.server.url, timeout=20) as client:
        if where == "a route":
            monkeypatch.setattr(service, "state", boom)
            r = client.get(f"/api/exercises/{api.id}/state", headers=api.auth())
        else:
            monkeypatch.setattr(service, "execute", boom)
            r = client.post(f"/api/exercises/{api.id}/commands", json={"type": "add_observation", "text": "x"},
                            headers=api.auth())
        assert (r.status_code, r.json()["error"]["code"]) == (500, "internal_error")
        port = r.extensions["network_stream"].get_extra_info("client_addr")[1]
        after = client.get("/healthz")
        assert after.extensions["network_stream"].get_extra_info("client_addr")[1] == port, "the connection was dropped"
