"""Schemathesis against the app's own OpenAPI document, with the facilitator's token and with none:
no 500, every status code declared, every body matching its declared schema and content type.
Plus the document itself must be self-contained, and malformed bodies (bad UTF-8, deep nesting,
broken JSON) get the documented 422 with the standard error body, never 400 or 500.

And no error may escape the app: uvicorn answers an exception that escapes with a dropped
connection (it logs "Exception in ASGI application" and closes the socket), so every error must be
a proper response for the keep-alive connection to survive it. The fuzz watches uvicorn's log for
that line.

Bounded: a fixed number of examples per operation and generation mode (about a minute in all).
"""

from __future__ import annotations

import copy
import logging
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.harness import ThreadServer
from tests.conftest import make_settings

pytestmark = [pytest.mark.slow]

EXAMPLES = 40  # per operation, per generation mode, per token
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The import endpoint takes NDJSON text; schemathesis sends generated strings as they are.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


class Api:
    def __init__(self, server: ThreadServer, created: dict[str, Any]) -> None:
        self.server = server
        self.url = server.url
        self.id = created["id"]
        self.tokens = {s["seat"]: s["token"] for s in created["seats"]}
        self.document: dict[str, Any] = httpx.get(f"{server.url}/openapi.json", timeout=10).json()

    def headers(self, seat: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[seat]}"}


class Escaped(logging.Handler):
    """The exceptions that escaped the app (and so cost the client its connection), from uvicorn's log."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "Exception in ASGI application" in record.getMessage():
            self.records.append(self.format(record)[-1500:])


@pytest.fixture(scope="module")
def escaped(api) -> Iterator[Escaped]:
    """Attached once the server runs: uvicorn's start-up resets the handlers of its loggers."""
    handler = Escaped()
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[Api]:
    from server.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('httpfuzz') / 'ttx.db'}"
    upgrade(url)
    with ThreadServer(make_settings(url)) as server:
        created = httpx.post(f"{server.url}/api/exercises", json={"scenario": "csto-border-crisis"}, timeout=10).json()
        a = Api(server, created)
        with httpx.Client(base_url=server.url, timeout=10) as http:
            def cmd(seat: str, body: dict[str, Any]) -> dict[str, Any]:
                r = http.post(f"/api/exercises/{a.id}/commands", json=body, headers=a.headers(seat))
                assert r.status_code == 200, r.text
                return r.json()

            cmd("facilitator", {"type": "start_exercise"})
            cmd("TJK", {"type": "report_threat", "kind": "aggression", "summary": "shelling"})
            con = cmd("TJK", {"type": "request_consultation", "topic": "border", "invitees": "all"})["events"][0]["data"]
            cmd("RUS", {"type": "post_statement", "consultation_id": con["consultation_id"], "text": "we will help"})
            cmd("TJK", {"type": "request_assistance", "kinds": ["military"], "summary": "help"})
            cmd("facilitator", {"type": "add_observation", "text": "quick start"})
        yield a


# --- the document ---------------------------------------------------------------------------------

def unresolved_refs(document: dict[str, Any]) -> list[str]:
    missing: list[str] = []

    def resolve(ref: str) -> bool:
        if not ref.startswith("#/"):
            return True  # an external reference would be another finding; there are none
        node: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not resolve(ref):
                missing.append(f"{where}: {ref}")
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    walk(document, "#")
    return missing


def test_openapi_document_resolves_every_reference(api: Api) -> None:
    missing = unresolved_refs(api.document)
    assert not missing, (f"{len(missing)} $ref(s) in /openapi.json point nowhere, so clients and fuzzers cannot "
                         f"build a command body; e.g. {missing[:3]}")


def repaired(document: dict[str, Any]) -> dict[str, Any]:
    """The served document with the command models moved where its references point, so that
    schemathesis can generate command bodies (the served one fails the test above)."""
    doc = copy.deepcopy(document)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for path in doc["paths"].values():
        for op in path.values():
            if isinstance(op, dict):
                for name, model in op.pop("x-command-schemas", {}).items():
                    schemas.setdefault(name, model)
    return doc


# --- schemathesis -----------------------------------------------------------------------------------

class Findings:
    """Distinct problems (operation, check, status) with a reproduction, and a count of answers."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.found: dict[tuple[str, str, int], str] = {}
        self.statuses: Counter[str] = Counter()

    def fuzz(self, operation, mode: GenerationMode, strategy) -> None:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        @given(case=strategy)
        def run(case) -> None:
            response = case.call(base_url=self.base_url, timeout=20)
            self.statuses[f"{operation.label} {response.status_code}"] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except FailureGroup as group:
                for failure in group.exceptions:
                    key = (operation.label, failure.title, response.status_code)
                    if key not in self.found:
                        self.found[key] = (f"{operation.label} [{mode.value}] -> {response.status_code}: {failure.title}: "
                                           f"{str(failure.message)[:300]}\n    reproduce: {case.as_curl_command()}"[:900])

        try:
            run()
        except Exception as exc:
            if "Unsatisfiable" not in type(exc).__name__:  # nothing to generate (an operation without inputs)
                raise


@pytest.mark.parametrize("who", ["facilitator", "KAZ", "no token"])
def test_schemathesis_no_500_and_every_response_as_documented(api: Api, who: str, escaped: Escaped) -> None:
    schema = schemathesis.openapi.from_dict(repaired(api.document))
    headers = api.headers(who) if who != "no token" else None
    findings = Findings(api.url)
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        path_parameters = {"exercise_id": api.id} if "{exercise_id}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            findings.fuzz(operation, mode, operation.as_strategy(generation_mode=mode, path_parameters=path_parameters,
                                                                 headers=headers))
    elapsed = time.monotonic() - started
    print(f"\nschemathesis ({who}): {sum(findings.statuses.values())} requests in {elapsed:.1f}s")
    assert not findings.found, f"{len(findings.found)} distinct problem(s):\n" + "\n".join(findings.found.values())
    assert not escaped.records, (f"{len(escaped.records)} exception(s) escaped the app, each dropping the client's "
                                 f"connection; the first:\n{escaped.records[0]}")


# --- malformed bodies, targeted ----------------------------------------------------------------------

DEEP = "[" * 20_000 + "]" * 20_000  # 40 kB: under the body limit, far over Python's recursion limit
MALFORMED = {
    "invalid UTF-8": b'{"type": "\xff\xfe"}',
    "deeply nested JSON": DEEP.encode(),
    "deeply nested value": b'{"type": "add_observation", "text": ' + DEEP.encode() + b"}",
    "truncated JSON": b'{"type": "add_obs',
}


@pytest.mark.parametrize("endpoint", ["POST /api/exercises", "POST /api/exercises/{id}/commands",
                                      "POST /api/exercises/{id}/fork", "POST /api/compare", "POST /api/qr",
                                      "POST /api/exercises/import"])
def test_malformed_body_gets_422_with_the_error_body(api: Api, endpoint: str) -> None:
    method, path = endpoint.split(" ")
    path = path.replace("{id}", api.id)
    ctype = "application/x-ndjson" if path.endswith("/import") else "application/json"
    wrong: list[str] = []
    for name, body in MALFORMED.items():
        r = httpx.request(method, f"{api.url}{path}", content=body,
                          headers={**api.headers("facilitator"), "Content-Type": ctype}, timeout=20)
        if r.status_code != 422 or not isinstance(r.json().get("error", {}).get("code"), str):
            wrong.append(f"{name}: {r.status_code} {r.text[:120]}")
        assert httpx.get(f"{api.url}/healthz").status_code == 200
    assert not wrong, f"{endpoint}: malformed bodies not answered 422:\n" + "\n".join(wrong)
