"""One error body for every failure: `{"error": {"code": "...", "message": "..."}}`.

A refusal of the domain is one of the engine's sentences: its body also has the `template` (the
English message id in server/review/locale/<lang>.po) and its `params`, and, when the request asks
for another language (`Accept-Language`, which the page sets to the reader's), `localized`: `{"lang",
"message"}`, the refusal said in that language (the scenario's names in its words). `message` stays
English for API clients."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..domain.errors import Refused, Said
from ..domain.words import N_
from ..scenarios import ScenarioError
from ..service import Busy, IdempotencyMismatch, UnknownExercise
from ..store.base import StoreUnavailable
from ..store.limits import RecordRefused
from ..work.pool import JobRefused, PoolFull

log = logging.getLogger("ttx.api")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None, sentence: dict[str, Any] | None = None,
                 refusal: Refused | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers
        self.sentence = sentence  # a refusal's template, params and the same in the request's language
        self.refusal = refusal  # the sentence it is, to be said in the request's language


def refusal(status: int, code: str, template: str, details: Any = None, **params: Any) -> ApiError:
    """An API error that is one of the engine's sentences (`template`, its message id in the catalog)."""
    said = Refused(code, template, status, params)
    return ApiError(status, code, said.message, details, refusal=said)


def _field(name: str) -> Said:
    return Said(name, lambda w: w.catalog(name))


# the names of the commands' fields, as a refusal of a malformed command says them
FIELD_NAMES = (N_("against"), N_("agenda"), N_("at"), N_("body"), N_("consultation id"), N_("deadline minutes"),
               N_("decision id"), N_("details"), N_("expectation id"), N_("factor"), N_("from exercise id"),
               N_("in reply to"), N_("in response to"), N_("inject id"), N_("invitees"), N_("kind"), N_("kinds"),
               N_("minutes"), N_("note"), N_("outcome"), N_("position"), N_("private"), N_("recipient"), N_("region"),
               N_("request id"), N_("response"), N_("rules"), N_("score"), N_("seat"), N_("session id"), N_("source"),
               N_("status"), N_("subject"), N_("summary"), N_("text"), N_("threat id"), N_("time frame minutes"),
               N_("title"), N_("to"), N_("topic"), N_("type"), N_("vote"), N_("command"))


def error_body(code: str, message: str, details: Any = None, sentence: dict[str, Any] | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        err["details"] = details
    if sentence:
        err.update(sentence)
    return {"error": err}


class _Sentences:
    """The engine's words in a language without a scenario's names (a refusal about no exercise)."""

    def __init__(self, lang: str) -> None:
        from ..review.translate import catalog

        self.lang = lang
        self.catalog = catalog(lang)

    def say(self, template: str, **params: Any) -> str:
        found = self.catalog(template)
        return found.format(**params) if params else found


def refusal_sentence(exc: Refused, lang: str) -> dict[str, Any]:
    """A refusal's template and params, and (in a language other than English) the refusal said in it."""
    out: dict[str, Any] = {"template": exc.template, "params": exc.english_params()}
    if lang != "en":
        from ..domain.words import Words
        from ..review.translate import catalog

        words = Words(exc.scenario, lang, catalog(lang)) if exc.scenario is not None else _Sentences(lang)
        out["localized"] = {"lang": lang, "message": exc.say(words)}
    return out


def request_language(headers: Any) -> str:
    """The language a request asks its refusals in: its `Accept-Language` (ASGI header pairs or a mapping)."""
    from ..review.translate import pick_language

    if isinstance(headers, (list, tuple)):
        value = next((v.decode("latin-1") for k, v in headers if k == b"accept-language"), None)
    else:
        value = headers.get("accept-language")
    return pick_language(None, value)


def error_response(status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in errors[:50]:
        # a union names the member that failed (`list[dict[str,any]]`, `function-after[...]`): not a field
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body",) and "[" not in str(p)]
        message = e.get("msg", "invalid")
        out.append({"field": ".".join(loc), "message": message.removeprefix("Value error, ")})
    return out


def worded(error: dict[str, Any], details: Any = None) -> ApiError:
    """A command's validation error as a sentence for the person who sent it ("The title cannot be
    empty.") rather than the validator's ("title: String should have at least 1 character"), said in
    the request's language too (the field's name from the catalog); the error's `details` keep the
    validator's words for tools."""
    loc = [str(p) for p in error.get("loc", ()) if p != "body" and "[" not in str(p) and not str(p).isdigit()]
    name = _field((loc[-1] if loc else "command").replace("_", " "))
    kind, ctx = error.get("type", ""), error.get("ctx") or {}

    def say(template: str, **params: Any) -> ApiError:
        return refusal(422, "invalid_command", template, details, name=name, **params)

    if kind == "missing":
        return say("The {name} is missing.")
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return say("The {name} cannot be empty.")
        return say("The {name} needs at least {n} characters.", n=ctx.get("min_length"))
    limits = {"string_too_long": (N_("The {name} is too long: at most {n} characters."), "max_length"),
              "too_short": (N_("The {name} needs at least {n} entries."), "min_length"),
              "too_long": (N_("The {name} has too many entries: at most {n}."), "max_length"),
              "greater_than": (N_("The {name} must be more than {n}."), "gt"),
              "greater_than_equal": (N_("The {name} must be at least {n}."), "ge"),
              "less_than": (N_("The {name} must be less than {n}."), "lt"),
              "less_than_equal": (N_("The {name} must be at most {n}."), "le"),
              "literal_error": (N_("The {name} must be one of {n}."), "expected")}
    if kind in limits:
        template, key = limits[kind]
        return say(template, n=ctx.get(key))
    plain = {"extra_forbidden": N_("This move takes no “{name}”."), "int_type": N_("The {name} must be a whole number."),
             "float_type": N_("The {name} must be a number."), "string_type": N_("The {name} must be text."),
             "bool_type": N_("The {name} must be true or false."), "list_type": N_("The {name} must be a list."),
             "string_pattern_mismatch": N_("The {name} has characters it may not have.")}
    if kind in plain:
        return say(plain[kind])
    return say("The {name}: {message}", message=str(error.get("msg", "invalid")).removeprefix("Value error, "))


def describe(exc: Exception, lang: str = "en") -> ApiError | None:
    """The API error a known exception stands for (None for an unexpected one): one mapping for
    the framework's exception handlers and for the commands route, which answers its own. `lang`:
    the language the request asks for (a refusal is said in it too)."""
    if isinstance(exc, ApiError):
        if exc.refusal is not None:
            return ApiError(exc.status, exc.code, exc.message, exc.details, exc.headers,
                            sentence=refusal_sentence(exc.refusal, lang))
        return exc
    if isinstance(exc, Refused):
        return ApiError(exc.status, exc.code, exc.message, sentence=refusal_sentence(exc, lang))
    if isinstance(exc, UnknownExercise):
        return ApiError(404, "unknown_exercise", str(exc))
    if isinstance(exc, Busy):
        return describe(refusal(409, "busy", "Too many simultaneous changes to this exercise; nothing was recorded. Retry."), lang)
    if isinstance(exc, IdempotencyMismatch):
        return ApiError(422, "idempotency_key_reused", "This Idempotency-Key was already used for a different command.")
    if isinstance(exc, StoreUnavailable):
        return ApiError(503, "unavailable", "The database cannot be reached just now; nothing may have been recorded. "
                        "Retry with the same Idempotency-Key.")
    if isinstance(exc, RecordRefused):
        return ApiError(422, exc.code, exc.message, exc.details)
    if isinstance(exc, PoolFull):
        return ApiError(503, "overloaded", f"The server is busy with other heavy work ({exc.what} refused); nothing "
                        f"was done. Retry in {exc.retry_after} s.", {"retry_after": exc.retry_after})
    if isinstance(exc, JobRefused):
        r = exc.refusal
        return ApiError(r.status, r.code, r.message, r.details)
    if isinstance(exc, ScenarioError):
        return ApiError(422, "invalid_scenario", f"The scenario has {len(exc.issues)} error(s).",
                        [i.as_dict() for i in exc.issues])
    return None


def error_headers(err: ApiError) -> dict[str, str] | None:
    if err.headers:
        return err.headers
    if err.status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if err.code in ("busy", "unavailable"):
        return {"Retry-After": "1"}
    if err.code == "overloaded":
        return {"Retry-After": str((err.details or {}).get("retry_after", 1))}
    return None


def install(app: FastAPI) -> None:
    async def _known(request: Request, exc: Exception) -> JSONResponse:
        err = describe(exc, request_language(request.headers))
        assert err is not None
        return JSONResponse(error_body(err.code, err.message, err.details, err.sentence), status_code=err.status,
                            headers=error_headers(err))

    for kind in (ApiError, Refused, UnknownExercise, Busy, IdempotencyMismatch, ScenarioError, StoreUnavailable,
                 RecordRefused, PoolFull, JobRefused):
        app.add_exception_handler(kind, _known)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(list(exc.errors()))
        first = details[0] if details else {"field": "", "message": "invalid request"}
        where = f"{first['field']}: " if first["field"] else ""
        return error_response(422, "invalid_request", f"{where}{first['message']}", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not parse the body: malformed is 422 here, like everywhere else
            return error_response(422, "malformed_json", "The body is not valid JSON.")
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - last resort
        log.exception("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on the server; nothing was recorded by this request.")
