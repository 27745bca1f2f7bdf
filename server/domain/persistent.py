"""The tables of a State: persistent mappings that keep insertion order.

A command folds its events into a new State that shares everything it did not write with the old
one. A table held as a dict had to be copied whole to write one entry, so a command's cost grew
with what the exercise had recorded (20,000 injects: 35 us a write, a third of a command). `Rows`
is built on `immutables.Map` (a hash array mapped trie): writing an entry makes a new `Rows` that
shares the rest with the old, in O(log n). While events are folded the writes collect in a plain
dict and are applied to the trie once, when the new State is made (`RowsDraft`).

A hash trie iterates in the order of its keys' hashes, which Python salts per process; the domain
must not depend on that (the same command decided in another process must record the same events
in the same order). So `Rows` also keeps each key's insertion rank, and iterates as a dict does:
in insertion order, an overwritten key keeping its place, a deleted and re-added key going last.
The ordered key list is worked out when a table is first iterated and kept with it (a `Rows` never
changes), so reads of one state (each seat's view) share it.
"""

from __future__ import annotations

from collections.abc import ItemsView, KeysView, Mapping, MutableMapping, Sequence, ValuesView
from operator import itemgetter
from typing import Any, Callable, Iterable, Iterator

from immutables import Map

_EMPTY = Map()


class Rows(Mapping[str, Any]):
    """An immutable, insertion-ordered mapping with O(log n) derived copies (see `RowsDraft`)."""

    __slots__ = ("_map", "_rank", "_next", "_keys", "_memo")

    def __init__(self, items: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> None:
        values, ranks, n = _EMPTY.mutate(), _EMPTY.mutate(), 0
        for k, v in (items.items() if isinstance(items, Mapping) else items):
            if k not in values:
                ranks[k] = n
                n += 1
            values[k] = v
        self._map: Map = values.finish()
        self._rank: Map = ranks.finish()
        self._next = n
        self._keys: list[str] | None = None
        self._memo: dict[str, Any] | None = None

    @classmethod
    def _make(cls, values: Map, ranks: Map, next_rank: int) -> Rows:
        rows = cls.__new__(cls)
        rows._map, rows._rank, rows._next, rows._keys, rows._memo = values, ranks, next_rank, None, None
        return rows

    def derived(self, name: str, fn: Callable[[Rows], Any]) -> Any:
        """`fn(self)`, worked out once for this table (a `Rows` never changes): what a slice reads
        off a whole table on every command (the open deadlines among all decisions) costs a scan
        only after the table was written, not on every command that leaves it as it was."""
        memo = self._memo
        if memo is None:
            memo = self._memo = {}
        found = memo.get(name, _MISSING)
        if found is _MISSING:
            found = memo[name] = fn(self)
        return found

    def __getitem__(self, key: str) -> Any:
        return self._map[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._map.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._map

    def __len__(self) -> int:
        return len(self._map)

    def _ordered(self) -> list[str]:
        keys = self._keys
        if keys is None:
            keys = self._keys = [k for k, _ in sorted(self._rank.items(), key=itemgetter(1))]
        return keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._ordered())

    def ordered_keys(self) -> Sequence[str]:
        """The keys in order, as a sequence to index or read backwards (shared: never change it)."""
        return self._ordered()

    def keys(self) -> KeysView[str]:
        return KeysView(self)

    def values(self) -> ValuesView[Any]:
        return ValuesView(self)

    def items(self) -> ItemsView[str, Any]:
        return ItemsView(self)

    def __eq__(self, other: object) -> bool:
        if type(other) is Rows:
            return self._map == other._map
        return Mapping.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rows({dict(self.items())!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Rows, (list(self.items()),))

    def draft(self) -> RowsDraft:
        return RowsDraft(self)


EMPTY_ROWS = Rows()


def derived(table: Any, name: str, fn: Callable[[Any], Any]) -> Any:
    """`Rows.derived` for a table of a State; worked out afresh for anything else (a table being
    written while events are folded, a small table held as a dict)."""
    return table.derived(name, fn) if type(table) is Rows else fn(table)


def as_rows(rows: Any) -> Rows:
    """A table's rows as a State holds them."""
    if type(rows) is Rows:
        return rows
    return Rows(rows) if rows else EMPTY_ROWS


_MISSING = object()
_GONE = object()  # a deleted entry, in a draft's pending writes


class RowsDraft(MutableMapping[str, Any]):
    """A table being written while events are folded: the `Rows` it started from, and the writes
    since as a plain dict (a long fold writes the same few counters thousands of times: dict speed).
    `snapshot()` applies the writes to the base in one mutation, O(k log n) for k keys written;
    iterating takes a snapshot first, so a slice may change the table while it loops over it."""

    __slots__ = ("_base", "_pending", "_new_ranks", "_next")

    def __init__(self, base: Rows) -> None:
        self._base = base
        self._pending: dict[str, Any] = {}
        self._new_ranks: dict[str, int] = {}
        self._next = base._next

    def __getitem__(self, key: str) -> Any:
        value = self._pending.get(key, _MISSING)
        if value is _MISSING:
            return self._base._map[key]
        if value is _GONE:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = self._pending.get(key, _MISSING)
        if value is _MISSING:
            return self._base._map.get(key, default)
        return default if value is _GONE else value

    def __contains__(self, key: object) -> bool:
        value = self._pending.get(key, _MISSING)  # type: ignore[call-overload]
        if value is _MISSING:
            return key in self._base._map
        return value is not _GONE

    def __setitem__(self, key: str, value: Any) -> None:
        pending = self._pending
        was = pending.get(key, _MISSING)
        if was is _GONE or (was is _MISSING and key not in self._base._map):  # new (or deleted and added again): last
            self._new_ranks[key] = self._next
            self._next += 1
        pending[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._pending[key] = _GONE
        self._new_ranks.pop(key, None)

    def __len__(self) -> int:
        return len(self.snapshot())

    def snapshot(self) -> Rows:
        """The table as it stands (the draft stays writable)."""
        if not self._pending:
            return self._base
        base = self._base
        values = base._map.mutate()
        ranks = base._rank.mutate() if self._new_ranks or _GONE in self._pending.values() else None
        for key, value in self._pending.items():
            if value is _GONE:
                if key in values:
                    del values[key]
                    del ranks[key]  # type: ignore[index]
            else:
                values[key] = value
        if ranks is not None:
            for key, rank in self._new_ranks.items():
                ranks[key] = rank
        self._base = Rows._make(values.finish(), ranks.finish() if ranks is not None else base._rank, self._next)
        self._pending, self._new_ranks = {}, {}
        return self._base

    def __iter__(self) -> Iterator[str]:
        return iter(self.snapshot())

    def keys(self) -> KeysView[str]:
        return self.snapshot().keys()

    def values(self) -> ValuesView[Any]:
        return self.snapshot().values()

    def items(self) -> ItemsView[str, Any]:
        return self.snapshot().items()
