"""Commands at the edge: `parse_command(body)` picks the model a slice registered for the body's
`type` and validates it (strictly: no strings for numbers). The models themselves live in their
slices (`server/domain/slices/`); `Command` is their base."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field

from . import slices  # noqa: F401  (each slice registers its commands on import)
from .institutions import alias_command
from .registry import REGISTRY, Command
from .scenario import Scenario

# What a client may send. The system's own commands (the scheduler's tick, the record of a fork)
# are made inside the server and never parsed from a request.
COMMAND_TYPES: frozenset[str] = frozenset(t for t, c in REGISTRY.commands.items() if c.by != "system")
FACILITATOR_COMMANDS: frozenset[str] = frozenset(t for t, c in REGISTRY.commands.items() if c.by == "facilitator")
EDGE_COMMANDS: tuple[type[Command], ...] = tuple(REGISTRY.commands[t].model for t in sorted(COMMAND_TYPES))

# One type for every command a client may send, for the OpenAPI document.
AnyCommand = Annotated[Union[EDGE_COMMANDS], Field(discriminator="type")]  # type: ignore[valid-type]


class UnknownCommand(ValueError):
    pass


def parse_command(body: Any) -> Command:
    """Validate a command body. Raises pydantic.ValidationError, or UnknownCommand for a `type`
    no slice registered (the edge checks COMMAND_TYPES first, to say so clearly)."""
    spec = REGISTRY.commands.get(body.get("type")) if isinstance(body, dict) else None
    if spec is None or spec.by == "system":
        raise UnknownCommand(f"unknown command type {body.get('type') if isinstance(body, dict) else None!r}")
    return spec.model.model_validate(body)


class AliasClash(ValueError):
    pass


def resolve_alias(scenario: Scenario, body: dict[str, Any]) -> dict[str, Any]:
    """A command sent under a name the scenario gives a generic move (`notify_x` for `notify
    {recipient: x}`), as the generic command with the fields its alias fixes. Other bodies are
    returned as they are. Raises AliasClash when the body sets a fixed field otherwise."""
    kind = body.get("type")
    alias = alias_command(scenario, kind) if isinstance(kind, str) and kind not in REGISTRY.commands else None
    if alias is None:
        return body
    fixed = {k: v for k, v in alias.means.items() if k != "type"}
    clash = [k for k, v in fixed.items() if k in body and body[k] != v]
    if clash:
        raise AliasClash(f"{kind}: {', '.join(clash)} is fixed by this command; leave it out.")
    return {**body, **fixed, "type": alias.means["type"]}


__all__ = ["resolve_alias", "AliasClash", "Command", "COMMAND_TYPES", "FACILITATOR_COMMANDS", "AnyCommand", "parse_command", "UnknownCommand"]
