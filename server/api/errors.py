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

from ..domain.errors import Refused
from ..scenarios import ScenarioError
from ..service import Busy, IdempotencyMismatch, UnknownExercise
from ..store.base import StoreUnavailable
from ..store.limits import RecordRefused
from ..work.pool import JobRefused, PoolFull

log = logging.getLogger("ttx.api")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None, sentence: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers
        self.sentence = sentence  # a refusal's template, params and the same in the request's language


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


def worded(error: dict[str, Any]) -> str:
    """A command's validation error as a sentence for the person who sent it ("The title cannot be
    empty.") rather than the validator's ("title: String should have at least 1 character"); the
    error's details keep the validator's words for tools."""
    loc = [str(p) for p in error.get("loc", ()) if p != "body" and "[" not in str(p) and not str(p).isdigit()]
    name = (loc[-1] if loc else "command").replace("_", " ")
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    said = {
        "missing": f"The {name} is missing.",
        "string_too_short": (f"The {name} cannot be empty." if ctx.get("min_length") == 1
                             else f"The {name} needs at least {ctx.get('min_length')} characters."),
        "string_too_long": f"The {name} is too long: at most {ctx.get('max_length')} characters.",
        "too_short": f"The {name} needs at least {ctx.get('min_length')} entries.",
        "too_long": f"The {name} has too many entries: at most {ctx.get('max_length')}.",
        "greater_than": f"The {name} must be more than {ctx.get('gt')}.",
        "greater_than_equal": f"The {name} must be at least {ctx.get('ge')}.",
        "less_than": f"The {name} must be less than {ctx.get('lt')}.",
        "less_than_equal": f"The {name} must be at most {ctx.get('le')}.",
        "literal_error": f"The {name} must be one of {ctx.get('expected')}.",
        "extra_forbidden": f"This move takes no “{name}”.",
        "int_type": f"The {name} must be a whole number.", "float_type": f"The {name} must be a number.",
        "string_type": f"The {name} must be text.", "bool_type": f"The {name} must be true or false.",
        "list_type": f"The {name} must be a list.",
        "string_pattern_mismatch": f"The {name} has characters it may not have.",
    }.get(kind)
    return said or f"The {name}: {str(error.get('msg', 'invalid')).removeprefix('Value error, ')}"


def describe(exc: Exception, lang: str = "en") -> ApiError | None:
    """The API error a known exception stands for (None for an unexpected one): one mapping for
    the framework's exception handlers and for the commands route, which answers its own. `lang`:
    the language the request asks for (a refusal is said in it too)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, Refused):
        return ApiError(exc.status, exc.code, exc.message, sentence=refusal_sentence(exc, lang))
    if isinstance(exc, UnknownExercise):
        return ApiError(404, "unknown_exercise", str(exc))
    if isinstance(exc, Busy):
        return ApiError(409, "busy", "Too many simultaneous changes to this exercise; nothing was recorded. Retry.")
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
