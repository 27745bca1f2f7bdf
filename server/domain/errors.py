"""Refusals: the domain's one way of saying no."""

from __future__ import annotations


class Refused(Exception):
    """A command the domain will not carry out.

    `status` is the HTTP status the edge should answer with: 403 when the seat may never do this,
    409 when it is not possible in the current state, 422 when the command is malformed in a way
    only the domain can see (an unknown body or seat, say).
    """

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Refused({self.code!r}, {self.message!r}, {self.status})"


def forbidden(code: str, message: str) -> Refused:
    return Refused(code, message, 403)


def conflict(code: str, message: str) -> Refused:
    return Refused(code, message, 409)


def invalid(code: str, message: str) -> Refused:
    return Refused(code, message, 422)
