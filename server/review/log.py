"""Event logs outside the store: exported envelopes back into `Event`s.

An export carries every event exactly as stored (not upcast), so the hash chain can be checked
against it. Two readings of the same envelope are needed:

- `stored_event`: the stored form, for copying into a new exercise (import, fork); the store checks
  each copied event against its hash, which only the stored form matches.
- `current_event`: the form the domain folds, with the data upcast to the current version.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..domain.events import Event, freeze, parse_timestamp, upcast_event
from ..store.sealed import SealedEvent


class BadEnvelope(ValueError):
    """An envelope that verified but cannot be read as an event (a field of the wrong type)."""


def stored_event(env: Mapping[str, Any]) -> SealedEvent:
    try:
        audience = env.get("audience")
        data = env.get("data")
        if not isinstance(data, Mapping):
            raise BadEnvelope(f"seq {env.get('seq')}: data is not an object")
        if audience is not None and not isinstance(audience, list):
            raise BadEnvelope(f"seq {env.get('seq')}: audience is not a list")
        nonce = env.get("nonce")
        if nonce is not None and not isinstance(nonce, str):
            raise BadEnvelope(f"seq {env.get('seq')}: nonce is not a string")
        return SealedEvent(
            type=str(env["type"]), actor=str(env["actor"]), data=freeze(data),
            exercise_time=env["exercise_time"], recorded_at=parse_timestamp(str(env["recorded_at"])),
            seq=int(env["seq"]), audience=tuple(audience) if audience is not None else None,
            version=int(env.get("version", 1)), id=str(env.get("id") or ""), hash=str(env.get("hash") or ""),
            exercise_id=str(env.get("exercise_id") or ""), nonce=nonce,
        )
    except BadEnvelope:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise BadEnvelope(f"seq {env.get('seq')}: {exc.__class__.__name__}: {exc}") from exc


def current(event: Event) -> Event:
    """The event with its data upcast to the current version of its type (unchanged if current)."""
    return upcast_event(event)


def current_event(env: Mapping[str, Any]) -> Event:
    return current(stored_event(env))

