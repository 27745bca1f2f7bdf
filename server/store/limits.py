"""Every value checked against its column before it is written, on both databases alike.

PostgreSQL refuses an over-long `varchar`, an `integer` past 32 bits or a NUL character at insert
time, with an error the server did not expect (a 500, and a dropped keep-alive connection); SQLite
stores them all. Checking here, from the table definitions themselves (`tables.py`), gives one
answer on both, names the field and the seq, and follows the schema when a column is added.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

from sqlalchemy import BigInteger, Boolean, Float, Integer, String, Table, Text

from . import tables
from .rows import EVENT_ROW_COLUMNS

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


class RecordRefused(Exception):
    """A record the store will not write: a value its column cannot hold, or a duplicate seat."""

    def __init__(self, code: str, message: str, *, table: str, field: str, seq: int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.table, self.field, self.seq = code, message, table, field, seq

    @property
    def details(self) -> dict[str, Any]:
        return {"table": self.table, "field": self.field, "seq": self.seq}


def _problem(column: Any, value: Any) -> str | None:
    """Why `value` cannot go into `column`, or None."""
    if value is None:
        return None if column.nullable else "is missing"
    kind = column.type
    if isinstance(kind, Boolean):
        return None if isinstance(value, bool) else f"must be true or false, not {type(value).__name__}"
    if isinstance(kind, (Integer, BigInteger)):  # BigInteger is an Integer: test it first
        low, high = INT64 if isinstance(kind, BigInteger) else INT32
        if not isinstance(value, int) or isinstance(value, bool):
            return f"must be an integer, not {type(value).__name__}"
        if not low <= value <= high:
            return f"{value} is out of range ({low} to {high})"
        return None
    if isinstance(kind, Float):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return f"must be a number, not {type(value).__name__}"
        if not math.isfinite(value):
            return f"{value} is not a finite number"
        return None
    if isinstance(kind, (String, Text)):  # Text is a String: one test, with the length if it has one
        if not isinstance(value, str):
            return f"must be text, not {type(value).__name__}"
        if kind.length is not None and len(value) > kind.length:
            return f"is {len(value)} characters long; at most {kind.length} are stored"
        if "\x00" in value:
            return "contains a NUL character"
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "is not valid Unicode (a lone surrogate)"
        return None
    return None


def _checker(column: Any) -> Callable[[Any], str | None]:
    """`_problem` for one column, with the column's type looked at once: the common value (text
    within its length, plain ASCII, no NUL; an int within range; a finite float; NULL where the
    column allows it) is passed by a few comparisons."""
    kind = column.type
    nullable = bool(column.nullable)
    if isinstance(kind, (String, Text)) and not isinstance(kind, Boolean):
        length = kind.length

        def text(value: Any) -> str | None:
            if type(value) is str and value.isascii() and "\x00" not in value and (length is None or len(value) <= length):
                return None
            if value is None and nullable:
                return None
            return _problem(column, value)

        return text
    if isinstance(kind, (Integer, BigInteger)):
        low, high = INT64 if isinstance(kind, BigInteger) else INT32

        def integer(value: Any) -> str | None:
            if type(value) is int and low <= value <= high:
                return None
            return _problem(column, value)

        return integer
    if isinstance(kind, Float):
        def number(value: Any) -> str | None:
            if type(value) is float and math.isfinite(value):
                return None
            return _problem(column, value)

        return number
    return lambda value: _problem(column, value)


_CHECKERS: dict[int, dict[str, Callable[[Any], str | None]]] = {}


def _checkers(table: Table) -> dict[str, Callable[[Any], str | None]]:
    found = _CHECKERS.get(id(table))
    if found is None:
        found = _CHECKERS[id(table)] = {c.name: _checker(c) for c in table.c}
    return found


def check_row(table: Table, row: Mapping[str, Any], *, seq: int | None = None) -> None:
    """Raise `RecordRefused` for the first value of `row` its column in `table` cannot hold."""
    checkers = _checkers(table)
    for name, value in row.items():
        check = checkers.get(name)
        if check is None:
            continue
        problem = check(value)
        if problem is not None:
            where = f"seq {seq}: " if seq is not None else ""
            raise RecordRefused("unstorable_value", f"{where}{table.name}.{name} {problem}.", table=table.name,
                                field=name, seq=seq)


_EVENT_CHECKS = [(name, _checkers(tables.events)[name]) for name in EVENT_ROW_COLUMNS]


def check_events(rows: Sequence[Sequence[Any]]) -> None:
    """`check_row` for sealed event rows (tuples in `rows.EVENT_ROW_COLUMNS` order)."""
    for row in rows:
        for (name, check), value in zip(_EVENT_CHECKS, row):
            if check(value) is not None:
                seq = row[1] if type(row[1]) is int else None
                check_row(tables.events, {name: value}, seq=seq)


SEAT_COLUMNS = ("exercise_id", "seat", "kind", "name", "token_hash")


def check_seats(seats: Sequence[Sequence[Any]]) -> None:
    """Each seat row fits its columns, and no seat id comes twice (facilitator and observer included)."""
    seen: set[Any] = set()
    for values in seats:
        row = dict(zip(SEAT_COLUMNS, values))
        check_row(tables.seats, row)
        if row["seat"] in seen:
            raise RecordRefused("duplicate_seat", f"The seat {row['seat']!r} is declared twice (facilitator and observer "
                                "are seats of every exercise).", table="seats", field="seat")
        seen.add(row["seat"])
