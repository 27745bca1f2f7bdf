"""Bounded field types the commands share: every string and list a command carries has a limit here,
so the domain only ever sees sane sizes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Title = Annotated[str, Field(min_length=1, max_length=200)]
Summary = Annotated[str, Field(min_length=1, max_length=4000)]
Note = Annotated[str, Field(max_length=4000)]
Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-:]+$")]
SeatRef = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$")]
SeatList = Annotated[list[SeatRef], Field(max_length=64)]
KindRef = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
Minutes = Annotated[int, Field(ge=1, le=7 * 24 * 60)]
