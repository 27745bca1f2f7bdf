"""Helpers for the browser tests: an HTTP client for setting the scene, and a page wrapper that
records console errors, page errors and dialogs."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def tiny_definition() -> dict[str, Any]:
    """Three member states, a non-signatory and an office; a council of two (so two votes settle a
    decision), a council of all members, one manual inject and one expectation."""
    return {
        "id": "tiny-border",
        "title": "Tiny border crisis",
        "summary": "Shelling at a border post; the allies must consult, help and decide.",
        "start": "2026-03-01T08:00:00+03:00",
        "seats": [
            {"id": "TJK", "name": "Tajikistan", "kind": "state", "status": "member",
             "briefing": "Your border post has been shelled. Ask for help."},
            {"id": "RUS", "name": "Russian Federation", "kind": "state", "status": "member",
             "briefing": "Your forces guard the border already."},
            {"id": "KAZ", "name": "Kazakhstan", "kind": "state", "status": "member", "briefing": "Stay informed."},
            {"id": "MDA", "name": "Moldova", "kind": "state", "status": "non_signatory", "briefing": "You may ask to join."},
            {"id": "SG", "name": "Secretary General", "kind": "office",
             "powers": ["request_consultation", "convene_session", "propose_decision", "notify_un_security_council"]},
        ],
        "bodies": [
            {"id": "CCS", "name": "Council of Collective Security", "members": ["RUS", "TJK"], "chair": "RUS"},
            {"id": "CFM", "name": "Council of Foreign Ministers", "members": "all_members"},
        ],
        "rules": [{"body": "*", "kind": "*", "rule": "consensus", "quorum": 0.5, "deadline_minutes": 60}],
        "injects": [
            {"id": "incursion", "title": "Shelling at border post 12", "body": "Mortar fire since dawn; a group has crossed.",
             "to": "all"},
            {"id": "staff-report", "title": "General Staff report", "body": "Reserves hold for two days.", "to": ["TJK"]},
        ],
        "expectations": [
            {"id": "assist", "title": "Tajikistan asks for help within 15 minutes", "after": "incursion",
             "expect": {"event": "assistance_requested", "actor": "TJK"}, "within": "00:15"},
        ],
    }


class Exercise:
    def __init__(self, http: httpx.Client, body: dict[str, Any]) -> None:
        self.http = http
        self.body = body
        self.id: str = body["id"]
        self.seats = {s["seat"]: s for s in body["seats"]}

    def link(self, seat: str) -> str:
        return self.seats[seat]["join_url"]

    def token(self, seat: str) -> str:
        return self.seats[seat]["token"]

    def headers(self, seat: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(seat)}"}

    def command(self, seat: str, body: dict[str, Any], *, expect: int = 200) -> dict[str, Any]:
        r = self.http.post(f"/api/exercises/{self.id}/commands", json=body,
                           headers={**self.headers(seat), "Idempotency-Key": str(uuid.uuid4())})
        assert r.status_code == expect, f"{seat} {body}: {r.status_code} {r.text}"
        return r.json()

    def first(self, seat: str, body: dict[str, Any], key: str) -> Any:
        """Send a command and return a field of the data of its first event (an id)."""
        return self.command(seat, body)["events"][0]["data"][key]

    def events(self, seat: str = "facilitator") -> list[dict[str, Any]]:
        r = self.http.get(f"/api/exercises/{self.id}/events", params={"after": 0, "limit": 5000}, headers=self.headers(seat))
        assert r.status_code == 200, r.text
        return r.json()["events"]

    def state(self, seat: str = "facilitator", **params: Any) -> dict[str, Any]:
        r = self.http.get(f"/api/exercises/{self.id}/state", params=params, headers=self.headers(seat))
        assert r.status_code == 200, r.text
        return r.json()

    def head(self) -> int:
        return self.events()[-1]["seq"]


class Api:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=15)

    def __enter__(self) -> "Api":
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def create(self, *, scenario: str | None = None, definition: dict[str, Any] | None = None) -> Exercise:
        body = {"scenario": scenario} if scenario else {"definition": definition}
        r = self.http.post("/api/exercises", json=body)
        assert r.status_code == 201, r.text
        return Exercise(self.http, r.json())


class Page:
    """A Playwright page that remembers what went wrong on it."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def goto_seat(self, join_url: str) -> None:
        self.page.goto(join_url)
        self.wait_live()

    def wait_live(self) -> None:
        self.page.wait_for_function("() => window.ttx && window.ttx.store.connection.state === 'live'")

    def wait_seq(self, seq: int, timeout: float = 10_000) -> None:
        """Until the page has folded and shown every event up to `seq`."""
        self.page.wait_for_function("n => window.ttx.store.renderedSeq >= n", arg=int(seq), timeout=timeout)

    def last_seq(self) -> int:
        return int(self.page.evaluate("window.ttx.store.lastSeq"))

    def feed_seqs(self) -> list[int]:
        return [int(x) for x in self.page.eval_on_selector_all("#feed-list > li", "els => els.map(e => e.dataset.seq)")]

    def view(self) -> dict[str, Any]:
        return self.page.evaluate("JSON.parse(JSON.stringify(window.ttx.store.view))")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.page, name)


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save docs/screenshots/<name>: forms folded, scrolled to the top, focus off the controls."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.evaluate("""() => {
      for (const d of document.querySelectorAll('details.form-box[open]')) d.open = false;
      if (document.activeElement) document.activeElement.blur();
      window.scrollTo(0, 0);
    }""")
    page.wait_for_timeout(100)
    page.screenshot(path=str(path), full_page=full_page)
    return path
