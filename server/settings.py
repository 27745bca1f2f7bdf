"""All configuration, in one place. Read from the environment (and `.env`); nothing connects here."""

from __future__ import annotations

from pathlib import Path

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
    snapshot_interval: int = Field(default=500, ge=10, validation_alias="TTX_SNAPSHOT_INTERVAL")
    max_body_bytes: int = Field(default=64 * 1024, validation_alias="TTX_MAX_BODY_BYTES")
    max_import_bytes: int = Field(default=256 * 1024 * 1024, validation_alias="TTX_MAX_IMPORT_BYTES")
    ws_send_queue: int = Field(default=1000, ge=1, validation_alias="TTX_WS_SEND_QUEUE")
    ws_stall_seconds: float = Field(default=10.0, gt=0, validation_alias="TTX_WS_STALL_SECONDS",
                                    description="a client whose send queue stays full this long is disconnected")
    ws_compression: bool = Field(default=False, validation_alias="TTX_WS_COMPRESSION",
                                 description="permessage-deflate on WebSockets (costs ~100 KiB of memory per connection)")
    ws_heartbeat_seconds: float = Field(default=20.0, gt=0, validation_alias="TTX_WS_HEARTBEAT")
    poll_seconds: float = Field(default=5.0, gt=0, validation_alias="TTX_POLL_SECONDS",
                                description="safety re-read of live exercises, in case a notification was lost")
    log_level: str = Field(default="info", validation_alias="TTX_LOG_LEVEL")

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, v: str) -> str:
        if not v.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("DATABASE_URL must be sqlite:///file.db or postgresql://user@host:port/db")
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
