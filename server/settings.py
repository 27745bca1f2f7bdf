"""All configuration, in one place. Read from the environment (and `.env`); nothing connects here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default="sqlite:///ttx.db",
        validation_alias="DATABASE_URL",
        description="sqlite:///path/file.db (embedded default) or postgresql://user@host:port/db",
    )
    admin_token: SecretStr | None = Field(default=None, validation_alias="TTX_ADMIN_TOKEN",
                                          description="if set, creating and importing exercises requires it")
    host: str = Field(default="127.0.0.1", validation_alias="TTX_HOST")
    port: int = Field(default=8000, ge=0, le=65535, validation_alias="TTX_PORT")
    public_url: str | None = Field(default=None, validation_alias="TTX_PUBLIC_URL",
                                   description="base of join links (default: the address the request came to)")
    exercises_dir: Path = Field(default=PROJECT_ROOT / "exercises", validation_alias="TTX_EXERCISES_DIR")
    client_dir: Path = Field(default=PROJECT_ROOT / "client", validation_alias="TTX_CLIENT_DIR")
    auto_migrate: bool | None = Field(default=None, validation_alias="TTX_AUTO_MIGRATE",
                                      description="upgrade the schema at start-up (default: yes for SQLite, no for PostgreSQL)")
    scheduler: bool = Field(default=True, validation_alias="TTX_SCHEDULER",
                            description="take part in running the scheduler (one process at a time runs it)")
    scheduler_interval: float = Field(default=0.2, gt=0, le=10, validation_alias="TTX_SCHEDULER_INTERVAL")
    snapshot_interval: int = Field(default=500, ge=10, validation_alias="TTX_SNAPSHOT_INTERVAL",
                                   description="events between an exercise's first snapshots")
    snapshot_growth: float = Field(default=0.5, ge=0, le=10, validation_alias="TTX_SNAPSHOT_GROWTH",
                                   description="after a snapshot at event v the next comes max(interval, growth x v) "
                                               "events later, so that snapshots cost each command the same however "
                                               "long the exercise (0: every interval)")
    max_body_bytes: int = Field(default=64 * 1024, validation_alias="TTX_MAX_BODY_BYTES")
    max_definition_bytes: int = Field(default=256 * 1024, ge=1024, validation_alias="TTX_MAX_DEFINITION_BYTES",
                                      description="largest body of a request carrying a scenario's definition (creating "
                                      "an exercise, the lab): a scenario in several languages (413 beyond)")
    max_import_bytes: int = Field(default=256 * 1024 * 1024, ge=1024, validation_alias="TTX_MAX_IMPORT_BYTES",
                                  description="largest import body (413 beyond)")
    max_import_events: int = Field(default=1_000_000, ge=1, validation_alias="TTX_MAX_IMPORT_EVENTS",
                                   description="most events in one imported log (413 beyond)")
    max_import_line_bytes: int = Field(default=1024 * 1024, ge=1024, validation_alias="TTX_MAX_IMPORT_LINE_BYTES",
                                       description="longest line (one event) of an imported log (413 beyond)")
    imports: int = Field(default=2, ge=1, le=64, validation_alias="TTX_IMPORTS",
                         description="imports checked at the same time (503 beyond)")
    workers: int = Field(default=2, ge=1, le=64, validation_alias="TTX_WORKERS",
                         description="worker processes for reports, compares, forks and QR codes")
    work_queue: int = Field(default=8, ge=0, le=10_000, validation_alias="TTX_WORK_QUEUE",
                            description="jobs that may wait for a worker (503 with Retry-After beyond)")
    worker_kind: Literal["process", "thread"] = Field(default="process", validation_alias="TTX_WORKER_KIND",
                                                      description="process (measured: keeps the event loop free) or thread")
    worker_nice: int = Field(default=10, ge=0, le=19, validation_alias="TTX_WORKER_NICE",
                             description="CPU priority of worker processes below the server's (os.nice)")
    ws_send_queue: int = Field(default=1000, ge=1, validation_alias="TTX_WS_SEND_QUEUE")
    ws_stall_seconds: float = Field(default=10.0, gt=0, validation_alias="TTX_WS_STALL_SECONDS",
                                    description="a client whose send queue stays full this long is disconnected")
    ws_compression: bool = Field(default=False, validation_alias="TTX_WS_COMPRESSION",
                                 description="permessage-deflate on WebSockets (costs ~100 KiB of memory per connection)")
    ws_heartbeat_seconds: float = Field(default=20.0, gt=0, validation_alias="TTX_WS_HEARTBEAT")
    ws_max_message_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024, validation_alias="TTX_WS_MAX_MESSAGE",
                                      description="largest WebSocket message; a bigger frame is refused (4413) by the "
                                                  "protocol layer before its payload is read")
    ws_hello_seconds: float = Field(default=10.0, gt=0, le=300, validation_alias="TTX_WS_HELLO_SECONDS",
                                    description="a connection that has not sent its hello this long is closed (4408)")
    poll_seconds: float = Field(default=5.0, gt=0, validation_alias="TTX_POLL_SECONDS",
                                description="safety re-read of live exercises, in case a notification was lost")
    log_level: str = Field(default="info", validation_alias="TTX_LOG_LEVEL")

    # Fair use: token buckets, written "COUNT/PERIOD,BURST" (PERIOD: s, min, h, or seconds such as
    # 10s): COUNT per PERIOD sustained, BURST at once from a full bucket. Sized for a room of 50 on
    # one NAT address: the per-address limits are generous, the per-seat one is the real bound.
    rate_limits: bool = Field(default=True, validation_alias="TTX_RATE_LIMITS",
                              description="the fair-use limits below, and the cap on WebSocket connections per address")
    limit_seat_commands: str = Field(default="2/s,20", validation_alias="TTX_LIMIT_SEAT_COMMANDS",
                                     description="commands per seat (token)")
    limit_address_commands: str = Field(default="50/s,300", validation_alias="TTX_LIMIT_ADDRESS_COMMANDS",
                                        description="commands per client address, all seats together")
    limit_failed_auth: str = Field(default="1/s,30", validation_alias="TTX_LIMIT_FAILED_AUTH",
                                   description="failed authentications per client address (a bad seat or admin token)")
    limit_scenarios: str = Field(default="5/s,100", validation_alias="TTX_LIMIT_SCENARIOS",
                                 description="GET /api/scenarios per client address")
    limit_qr: str = Field(default="2/s,120", validation_alias="TTX_LIMIT_QR",
                          description="POST /api/qr per client address, one token per 256 bytes of text")
    limit_create: str = Field(default="6/min,10", validation_alias="TTX_LIMIT_CREATE",
                              description="POST /api/exercises per client address, without TTX_ADMIN_TOKEN")
    limit_import: str = Field(default="1/min,3", validation_alias="TTX_LIMIT_IMPORT",
                              description="POST /api/exercises/import per client address, without TTX_ADMIN_TOKEN")
    ws_max_per_address: int = Field(default=200, ge=1, validation_alias="TTX_WS_MAX_PER_ADDRESS",
                                    description="concurrent WebSocket connections per client address (4429 beyond)")

    # Bounds of one exercise: a participant's move that would pass one is refused (409
    # exercise_limit) and nothing is recorded; the system's own events (the scheduler's) never are.
    exercise_limits: dict[str, int] = Field(
        default_factory=lambda: {"events": 200_000, "statement_posted": 50_000, "consultation_opened": 2_000,
                                 "threat_reported": 5_000, "assistance_requested": 2_000, "decision_proposed": 2_000,
                                 "inject_delivered": 5_000, "notification_sent": 5_000, "control_message_sent": 10_000},
        validation_alias="TTX_EXERCISE_LIMITS",
        description='JSON object: "events" (the whole log) and event types, each with the most one exercise may hold')
    # The seat view (GET /state) does not grow with the log: each list that does (injects, threats,
    # consultations, decisions...) shows its rows still in play and its most recent rows; older
    # rows are read a page at a time (GET /state/{list}?before=ID, GET /events?before=SEQ).
    view_recent: int = Field(default=50, ge=1, le=1000, validation_alias="TTX_VIEW_RECENT",
                             description="most recent rows of each growing list in a seat's GET /state; also the "
                                         "default page of GET /state/{list}")
    view_max_bytes: int = Field(default=256 * 1024, ge=1024, validation_alias="TTX_VIEW_MAX_BYTES",
                                description="the size (JSON bytes) a seat's GET /state stays within at any length "
                                            "of the log: a budget tests/api/test_view_size.py holds the view to "
                                            "at 20,000 events, not a cut the server makes")
    clock_speed_min: float = Field(default=0.1, gt=0, le=1, validation_alias="TTX_CLOCK_SPEED_MIN")
    clock_speed_max: float = Field(default=100.0, ge=1, le=1000, validation_alias="TTX_CLOCK_SPEED_MAX")

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        if not v.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("DATABASE_URL must be sqlite:///file.db or postgresql://user@host:port/db")
        return v

    @field_validator("limit_seat_commands", "limit_address_commands", "limit_failed_auth", "limit_scenarios",
                     "limit_qr", "limit_create", "limit_import")
    @classmethod
    def _rate_spec(cls, v: str) -> str:
        parse_rate(v)
        return v

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def async_database_url(self) -> str:
        """The URL with the async driver the server uses: aiosqlite or asyncpg."""
        return async_url(self.database_url)

    @property
    def migrate_on_start(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate


_RATE = re.compile(r"^\s*(\d{1,7})\s*/\s*(s|min|h|\d{1,6}(?:\.\d+)?s)\s*,\s*(\d{1,7})\s*$")
_PERIODS = {"s": 1.0, "min": 60.0, "h": 3600.0}


def parse_rate(spec: str) -> tuple[int, float, int]:
    """`"2/s,20"` -> (2, 1.0, 20): count, period in seconds, burst."""
    m = _RATE.match(spec)
    if not m or int(m[1]) < 1 or int(m[3]) < 1:
        raise ValueError(f"{spec!r} is not a rate such as \"2/s,20\" (COUNT/PERIOD,BURST; PERIOD s, min, h or 10s)")
    period = _PERIODS.get(m[2]) or float(m[2][:-1])
    if period <= 0:
        raise ValueError(f"{spec!r}: the period must be longer than 0 s")
    return int(m[1]), period, int(m[3])


def async_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not a database URL: {url!r}")
    driver = scheme.split("+", 1)
    base = driver[0]
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if base in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    raise ValueError(f"unsupported database {base!r}")


def plain_postgres_dsn(url: str) -> str:
    """`postgresql://...` for asyncpg's own connections (LISTEN, advisory locks)."""
    scheme, _, rest = url.partition("://")
    return f"postgresql://{rest}"
