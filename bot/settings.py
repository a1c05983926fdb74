"""The one place that reads environment variables.

Every process of the stack (web app, Rasa server plugins, action server, mock
agencies, the launcher) asks `get_settings()`; nothing else touches `os.environ`.
Defaults are embedded so a fresh machine with neither Redis nor PostgreSQL runs
on SQLite files under `var/` and in-memory locks.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import BaseSettings, Field, validator

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Environment-driven configuration; field docs are the README's variable table."""

    bind_host: str = Field(
        "127.0.0.1", env="CX_BIND_HOST", description="Interface every service listens on."
    )
    public_host: str = Field(
        "localhost", env="CX_PUBLIC_HOST", description="Host name printed in URLs."
    )
    rasa_port: int = Field(
        5005, env="RASA_PORT", description="Rasa server (REST webhook, HTTP API)."
    )
    actions_port: int = Field(5055, env="ACTIONS_PORT", description="rasa-sdk action server.")
    web_port: int = Field(
        8000, env="WEB_PORT", description="Web app (widget page, console, studio)."
    )
    agencies_port: int = Field(8001, env="AGENCIES_PORT", description="Mock agency APIs.")

    var_dir: Path = Field(
        REPO_ROOT / "var",
        env="CX_VAR_DIR",
        description="Local state: SQLite files, generated token, logs.",
    )
    models_dir: Path = Field(
        REPO_ROOT / "models", env="CX_MODELS_DIR", description="Trained Rasa models."
    )

    rasa_api_token: str | None = Field(
        None,
        env="RASA_API_TOKEN",
        description="Token guarding Rasa's HTTP API; generated into var/ when unset.",
    )
    redis_url: str | None = Field(
        None,
        env="REDIS_URL",
        description="Switches tracker store, lock store and action cache to Redis.",
    )
    database_url: str | None = Field(
        None,
        env="DATABASE_URL",
        description="Product database and SQL tracker store; SQLite under var/ when unset.",
    )
    agencies_database_url: str | None = Field(
        None,
        env="AGENCIES_DATABASE_URL",
        description="Mock agencies' own database; SQLite under var/ when unset.",
    )
    tracker_ttl_seconds: int = Field(
        60 * 60 * 24 * 30,
        env="TRACKER_TTL_SECONDS",
        description="Retention: conversations idle this long are deleted (Redis expiry, job).",
    )
    retention_interval_seconds: float = Field(
        3600,
        env="RETENTION_INTERVAL_SECONDS",
        description="How often the retention job deletes expired conversations.",
    )

    action_server_url: str | None = Field(
        None,
        env="ACTION_SERVER_URL",
        description="Where Rasa calls custom actions; derived from ACTIONS_PORT when unset.",
    )
    rasa_server_url: str | None = Field(
        None,
        env="RASA_SERVER_URL",
        description="Where the web app reaches Rasa; derived from RASA_PORT when unset.",
    )
    rasa_public_url: str | None = Field(
        None,
        env="RASA_PUBLIC_URL",
        description="Where browsers reach Rasa (socket.io, REST); from RASA_PORT when unset.",
    )
    agencies_base_url: str | None = Field(
        None,
        env="AGENCIES_BASE_URL",
        description="Base URL of the agency APIs the action clients call; the mock when unset.",
    )

    agency_api_key: str | None = Field(
        None,
        env="AGENCY_API_KEY",
        description="This client's key for the agency APIs (X-Api-Key); generated when unset.",
    )
    agencies_admin_token: str | None = Field(
        None,
        env="AGENCIES_ADMIN_TOKEN",
        description="Token of the mock agencies' fault-injection endpoint; generated when unset.",
    )
    actions_token: str | None = Field(
        None,
        env="CX_ACTIONS_TOKEN",
        description="Shared secret the Rasa server sends the action server (Authorization: "
        "Bearer); the action server refuses calls without it. Generated when unset.",
    )
    lookup_misses_per_identity: int = Field(
        3,
        ge=1,
        env="CX_LOOKUP_MISSES_PER_IDENTITY",
        description="Lookups of one case (its case number, or last name and SSN digits) that "
        "may miss before that case is locked, across every conversation and channel.",
    )
    lookup_misses_per_address: int = Field(
        20,
        ge=1,
        env="CX_LOOKUP_MISSES_PER_ADDRESS",
        description="Lookups that may miss from one network address, whatever the case, "
        "before lookups from it are locked (offices share one address).",
    )
    lookup_lock_seconds: int = Field(
        24 * 60 * 60,
        ge=1,
        env="CX_LOOKUP_LOCK_SECONDS",
        description="How long misses are counted, and a locked case or address stays locked.",
    )
    agency_timeout_seconds: float = Field(
        4.0, env="AGENCY_TIMEOUT_SECONDS", description="Read timeout of one agency API call."
    )
    agency_cache_ttl_seconds: int = Field(
        120,
        env="AGENCY_CACHE_TTL_SECONDS",
        description="Seconds a successful lookup answer is reused (keyed by a hash of the inputs).",
    )

    chromium_path: Path = Field(
        Path("/usr/bin/chromium"),
        env="CX_CHROMIUM_PATH",
        description="Chromium the browser tests drive (browser downloads are not used).",
    )
    max_message_chars: int = Field(
        500,
        env="CX_MAX_MESSAGE_CHARS",
        description="Longest message a person may send in the chat; longer ones get an error.",
    )
    max_body_bytes: int = Field(
        1_048_576,
        env="CX_MAX_BODY_BYTES",
        description="Largest request body the web app and the Rasa server accept (413 above); "
        "Rasa's training and test routes excepted.",
    )
    max_json_depth: int = Field(
        32,
        env="CX_MAX_JSON_DEPTH",
        description="Deepest nesting of arrays and objects a JSON body may have (400 deeper).",
    )
    frame_ancestors: str = Field(
        "*",
        env="CX_FRAME_ANCESTORS",
        description="Sites allowed to frame the public pages (CSP frame-ancestors, "
        "space-separated origins or *); staff pages can never be framed.",
    )
    rate_per_sender: int = Field(
        30,
        env="CX_RATE_PER_SENDER",
        description="Messages one conversation may send per minute before 'slow down'.",
    )
    rate_per_ip: int = Field(
        300,
        env="CX_RATE_PER_IP",
        description="Messages one network address may send per minute (offices share one).",
    )
    sign_in_failures_per_address: int = Field(
        20,
        env="CX_SIGN_IN_FAILURES_PER_ADDRESS",
        gt=0,
        description="Failed staff sign-ins one network address may make per 15 minutes.",
    )
    session_secret: str | None = Field(
        None,
        env="CX_SESSION_SECRET",
        description="Signs staff session cookies; generated into var/ when unset.",
    )
    cookie_secure: bool = Field(
        False,
        env="CX_COOKIE_SECURE",
        description="Send the staff session cookie over HTTPS only; set true behind HTTPS.",
    )
    demo_accounts: bool = Field(
        True,
        env="CX_DEMO_ACCOUNTS",
        description="Create the demo staff accounts (manager, agent, editor, publisher, admin).",
    )
    staff_demo_password: str | None = Field(
        None,
        env="CX_STAFF_DEMO_PASSWORD",
        description="Password of the demo staff accounts; generated into var/ when unset.",
    )
    handoff_wait_seconds: int = Field(
        300,
        env="CX_HANDOFF_WAIT_SECONDS",
        description="Seconds a person waits in the handoff queue before a callback is offered.",
    )
    handoff_stale_seconds: int = Field(
        4 * 60 * 60,
        env="CX_HANDOFF_STALE_SECONDS",
        description="An unclaimed wait or an agent's claim lapses this long after it began.",
    )
    rasa_replicas: str | None = Field(
        None,
        env="CX_RASA_REPLICAS",
        description="Rasa servers a studio publish loads the model into: comma-separated URLs; "
        "dns+http://name:port means every address the name resolves to.",
    )
    studio_max_f1_drop: float = Field(
        0.02,
        env="CX_STUDIO_MAX_F1_DROP",
        description="A publish is refused if intent macro F1 drops more than this.",
    )
    studio_min_examples: int = Field(
        10,
        env="CX_STUDIO_MIN_EXAMPLES",
        description="The studio flags intents with fewer training examples than this.",
    )
    studio_inbox_confidence: float = Field(
        0.6,
        env="CX_STUDIO_INBOX_CONFIDENCE",
        description="Messages understood with less confidence than this go to the studio inbox.",
    )
    ted_cache_size: int = Field(
        4096,
        ge=0,
        env="CX_TED_CACHE_SIZE",
        description="Dialogue states whose TEDPolicy prediction each Rasa process remembers.",
    )
    log_level: str = Field("INFO", env="CX_LOG_LEVEL", description="Log level of every service.")
    test_database_url: str | None = Field(
        None, env="TEST_DATABASE_URL", description="PostgreSQL for integration tests (tests only)."
    )

    class Config:
        case_sensitive = False

    @validator(
        "redis_url",
        "database_url",
        "agencies_database_url",
        "rasa_api_token",
        "agency_api_key",
        "agencies_admin_token",
        "session_secret",
        "staff_demo_password",
        "actions_token",
        pre=True,
    )
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @validator("redis_url")
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in {"redis", "rediss"}:
            raise ValueError("REDIS_URL must look like redis://host:6379/0")
        return value

    # Derived values: computed, never stored twice.

    def sqlite_url(self, name: str) -> str:
        return f"sqlite:///{self.var_dir / name}"

    @property
    def product_database_url(self) -> str:
        return self.database_url or self.sqlite_url("cx.db")

    @property
    def tracker_database_url(self) -> str:
        return self.database_url or self.sqlite_url("tracker.db")

    @property
    def agencies_db_url(self) -> str:
        return self.agencies_database_url or self.sqlite_url("agencies.db")

    @property
    def action_endpoint(self) -> str:
        return self.action_server_url or f"http://{self.public_host}:{self.actions_port}/webhook"

    @property
    def rasa_url(self) -> str:
        return self.rasa_server_url or f"http://{self.public_host}:{self.rasa_port}"

    @property
    def browser_rasa_url(self) -> str:
        return self.rasa_public_url or f"http://{self.public_host}:{self.rasa_port}"

    @property
    def agencies_url(self) -> str:
        return self.agencies_base_url or f"http://{self.public_host}:{self.agencies_port}"

    # Secrets that must never be missing: the configured value, else one generated
    # once into var/ by `make run` (bot.secrets) and handed to every service.
    SECRETS: ClassVar[dict[str, str]] = {
        "rasa_api_token": "RASA_API_TOKEN",
        "agency_api_key": "AGENCY_API_KEY",
        "agencies_admin_token": "AGENCIES_ADMIN_TOKEN",
        "session_secret": "CX_SESSION_SECRET",
        "actions_token": "CX_ACTIONS_TOKEN",
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings for this process; tests call `get_settings.cache_clear()` after changing env."""
    return Settings()


def environment_table() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) rows; the README's table is checked against this."""
    rows = []
    for field in Settings.__fields__.values():
        env_name = next(iter(field.field_info.extra["env_names"])).upper()
        default = field.default
        if isinstance(default, Path) and default.is_relative_to(REPO_ROOT):
            default = default.relative_to(REPO_ROOT).as_posix()
        rows.append(
            (env_name, "" if default is None else str(default), field.field_info.description or "")
        )
    return rows
