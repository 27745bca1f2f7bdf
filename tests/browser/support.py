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
    decision), a council of all members (where the parties to a threat do not vote on the use of
    armed forces), kinds of decision that admit and suspend, two manual injects and one expectation."""
    return {
        "id": "tiny-border",
        "title": "Tiny border crisis",
        "summary": "Shelling at a border post; the allies must consult, help and decide.",
        "start": "2026-03-01T08:00:00+03:00",
        "seat_kinds": [{"id": "state", "name": "State"}, {"id": "office", "name": "Office", "consulted": "always"}],
        "statuses": [
            {"id": "member", "name": "participating state", "member": True,
             "powers": ["report_threat", "request_consultation", "request_assistance", "respond_to_assistance", "cast_vote",
                        "record_implementation", {"move": "notify", "to": ["UNSC"]}]},
            {"id": "non_signatory", "name": "non-signatory", "consulted": "invited",
             "powers": ["report_threat", "request_consultation", "request_admission"]},
        ],
        "decision_kinds": ["general", "use_of_armed_forces",
                           {"id": "accession", "name": "Accession", "effect": {"change": "admit", "status": "member"}},
                           {"id": "suspension", "name": "Suspension", "bodies": ["CCS"],
                            "effect": {"change": "suspend", "status": "non_signatory"}}],
        "threat_kinds": ["threat", "aggression"],
        "assistance_kinds": ["military", "air_defence", "logistics", "humanitarian", "intelligence", "medical"],
        "recipients": [{"id": "UNSC", "name": "UN Security Council"}],
        "aliases": [{"command": "notify_un_security_council", "means": {"type": "notify", "recipient": "UNSC"},
                     "records": "un_security_council_notified"},
                    {"command": "request_accession", "means": {"type": "request_admission"}, "records": "accession_requested"}],
        "seats": [
            {"id": "TJK", "name": "Tajikistan", "kind": "state", "status": "member",
             "briefing": "Your border post has been shelled. Ask for help."},
            {"id": "RUS", "name": "Russian Federation", "kind": "state", "status": "member",
             "briefing": "Your forces guard the border already."},
            {"id": "KAZ", "name": "Kazakhstan", "kind": "state", "status": "member", "briefing": "Stay informed."},
            {"id": "MDA", "name": "Moldova", "kind": "state", "status": "non_signatory", "briefing": "You may ask to join."},
            {"id": "SG", "name": "Secretary General", "kind": "office",
             "powers": ["request_consultation", {"move": "notify", "to": ["UNSC"]}]},
        ],
        "bodies": [
            {"id": "CCS", "name": "Council of Collective Security", "members": ["RUS", "TJK"], "chair": "RUS",
             "who": {"propose_decision": ["members", "SG"], "convene_session": ["chair", "SG"]}},
            {"id": "CFM", "name": "Council of Foreign Ministers", "members": "all_members",
             "who": {"propose_decision": ["members", "SG"], "convene_session": ["SG"]}},
        ],
        "rules": [{"body": "*", "kind": "*", "rule": "consensus", "quorum": 0.5, "deadline_minutes": 60},
                  {"body": "CFM", "kind": "use_of_armed_forces", "rule": "consensus", "quorum": 0.5, "deadline_minutes": 60,
                   "recuse_parties": True}],
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


def incident_definition() -> dict[str, Any]:
    """Not an alliance: a company's incident response. Teams instead of states, a vendor that may
    only help with forensics, an incident board, a regulator to tell; its own words for everything."""
    return {
        "id": "ransomware-night",
        "title": "Ransomware at night",
        "summary": "File servers are being encrypted; the incident team must contain it and tell the regulator.",
        "start": "2026-05-04T02:10:00+02:00",
        "seat_kinds": [{"id": "team", "name": "Team"}, {"id": "supplier", "name": "Supplier"}],
        "statuses": [
            {"id": "core", "name": "core responder", "member": True,
             "powers": ["report_threat", "request_consultation", "request_assistance", "respond_to_assistance", "cast_vote",
                        "record_implementation", {"move": "notify", "to": ["REG"]}]},
            {"id": "on_call", "name": "vendor on call", "consulted": "invited",
             "powers": ["request_consultation", {"move": "respond_to_assistance", "kinds": ["forensics"], "asked": False}]},
        ],
        "threat_kinds": [{"id": "intrusion", "name": "Intrusion"}, {"id": "outage", "name": "Outage"}],
        "assistance_kinds": [{"id": "forensics", "name": "Forensics"}, {"id": "restore", "name": "Restore from backup"}],
        "decision_kinds": [{"id": "containment", "name": "Containment", "reference": "Runbook 3.2", "bodies": ["BOARD"]},
                           {"id": "disclosure", "name": "Public disclosure", "bodies": ["BOARD"]}],
        "recipients": [{"id": "REG", "name": "Data protection regulator"}],
        "words": {
            "terms": {"member": "responder", "members": "responders", "implementation": "roll-out"},
            "moves": {"request_assistance": {"label": "Ask for help", "reference": "Runbook 4"},
                      "report_threat": {"label": "Raise an incident"},
                      "notify": {"label": "Report a breach", "reference": "GDPR 33"}},
            "votes": {"for": "approve", "against": "reject", "abstain": "no view"},
        },
        "seats": [
            {"id": "SOC", "name": "Security operations", "kind": "team", "status": "core", "briefing": "You saw it first."},
            {"id": "IT", "name": "IT operations", "kind": "team", "status": "core", "briefing": "You run the backups."},
            {"id": "LEGAL", "name": "Legal", "kind": "team", "status": "core", "briefing": "72 hours."},
            {"id": "VENDOR", "name": "Forensics vendor", "kind": "supplier", "status": "on_call", "briefing": "Retainer."},
        ],
        "bodies": [{"id": "BOARD", "name": "Incident board", "members": "all_members", "chair": "LEGAL"}],
        "rules": [{"body": "*", "kind": "*", "rule": "simple_majority", "quorum": 0.5, "deadline_minutes": 30}],
        "injects": [{"id": "ransom-note", "title": "A ransom note", "body": "Pay 40 BTC.", "to": "all"}],
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
