"""One typed settings object; every field can be set as COPILOT_<NAME> in the environment."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _comma_list(value: object) -> object:
    """`a, b` in the environment is the list [a, b] (NoDecode keeps pydantic-settings from wanting JSON)."""
    return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


class Settings(BaseSettings):
    """Kefu Copilot settings (documented in the README's settings table)."""

    model_config = SettingsConfigDict(env_prefix="COPILOT_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'copilot.db'}",
        description="SQLAlchemy URL; the default is one SQLite file under var/",
    )
    rules_dir: Path = Field(default=PROJECT_ROOT / "rules", description="folder of default rule packs")
    phrasebank_dir: Path = Field(
        default=PROJECT_ROOT / "phrasebank", description="folder of the default phrasebank, loaded on first start"
    )
    lexicon_dir: Path = Field(
        default=PROJECT_ROOT / "phrasebank" / "lexicon",
        description="intent cue words, complaint types and the intent fusion weights",
    )
    training_dir: Path = Field(
        default=PROJECT_ROOT / "phrasebank" / "training",
        description="the intent model's training corpus (customer messages per intent)",
    )
    static_dir: Path = Field(default=PROJECT_ROOT / "static", description="the sidebar and editor pages")
    # Fitted intent models, keyed by what they were fitted on: a restart loads instead of fitting again.
    cache_dir: Path | None = Field(
        default=PROJECT_ROOT / "var" / "cache", description="folder for fitted intent models (empty: none kept)"
    )
    max_text_chars: int = Field(default=8000, ge=1, description="longest text lint/suggest accept")
    # Past this many, one diagnostic says how many more a draft has (8,000 of 不 are not listed one by one).
    lint_max_diagnostics: int = Field(default=60, ge=1, le=1000, description="diagnostics listed per draft")
    # Lint and suggest run on threads of their own, so neither the event loop nor a hung database's
    # threads (anyio's shared pool) can hold them up; more threads than cores buys nothing.
    compute_threads: int = Field(default=2, ge=1, le=64, description="threads for lint and suggest per worker")
    host: str = Field(default="127.0.0.1", description="address `serve` binds to")
    port: int = Field(default=8000, ge=0, le=65535, description="port `serve` listens on")
    integration_token: str | None = Field(
        default=None, description="bearer token the chat platform uses to push messages"
    )
    shop_name: str = Field(default="本店", description="fills {shop} in phrases")
    agent_no: str = Field(default="01", description="fills {agent_no} until an agent sets their own number")
    customer_name: str = Field(default="亲", description="fills {customer} when the platform gives no name")
    conversation_turns: int = Field(default=20, ge=1, le=200, description="turns remembered per conversation")
    conversation_idle_seconds: float = Field(
        default=1800, gt=0, description="turns older than this are no longer history (and are deleted)"
    )
    # Pushes reach sidebars on other workers and hosts through Redis when set, else PostgreSQL LISTEN/NOTIFY,
    # else (SQLite: one host) each worker reading new turns from the file every 25 ms.
    redis_url: str | None = Field(
        default=None, description="Redis for pushes across workers and hosts, e.g. redis://127.0.0.1:6379/0"
    )
    redis_prefix: str = Field(
        default="kefu-copilot", min_length=1, description="Redis channel prefix, so installs sharing a Redis stay apart"
    )
    # Turns live in the shared database: these bound how much of it one client can fill.
    conversations_per_agent: int = Field(
        default=300, ge=1, description="conversations one logged-in agent can write to within the idle window"
    )
    conversations_per_ip: int = Field(
        default=300, ge=1, description="conversations one anonymous client address can write to within the idle window"
    )
    ws_max_frame_bytes: int = Field(default=65536, ge=1024, description="largest WebSocket frame accepted (1009 above)")
    # Hostile input (#10): every limit is checked before the work it protects, so refusing costs nothing.
    max_json_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="largest request body except file imports (413 above, before parsing)"
    )
    max_import_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="largest phrasebank file an import accepts (413 above)"
    )
    json_max_depth: int = Field(
        default=32, ge=2, le=500, description="deepest nesting of arrays and objects in JSON bodies, fields and frames"
    )
    ws_frames_per_second: float = Field(
        default=20, gt=0, description="frames per second one sidebar may send, sustained (a draft per keystroke)"
    )
    ws_frame_burst: int = Field(
        default=200, ge=1, description="frames one sidebar may send at once above that rate before it is closed (1008)"
    )
    ws_ping_interval_seconds: float = Field(
        default=20, gt=0, description="how often the server pings an idle WebSocket"
    )
    ws_ping_timeout_seconds: float = Field(
        default=20, gt=0, description="a WebSocket that leaves a ping unanswered this long is closed"
    )
    header_timeout_seconds: float = Field(
        default=10, gt=0, description="a request whose headers take longer than this to arrive is dropped (slowloris)"
    )
    max_header_bytes: int = Field(
        default=64 * 1024, ge=1024, description="largest request line plus headers (431 above)"
    )
    keep_alive_seconds: float = Field(
        default=5, gt=0, description="an idle kept-alive HTTP connection is closed after this long"
    )
    refresh_seconds: float = Field(
        default=0.5, gt=0, description="how often a worker checks the store for phrasebank and rule edits"
    )
    stats_keep_text: bool = Field(
        default=False, description="keep the text of sent replies with the stats events (off: no message bodies)"
    )
    stats_timezone: str = Field(default="Asia/Shanghai", description="the time zone stats days are counted in")
    # Learning from the team (#12): chat logs are mined, then their text is dropped unless this is on.
    learn_keep_text: bool = Field(
        default=False, description="keep an upload's masked chat turns after mining (off: deleted when mined)"
    )
    learn_auto_accept_agents: int = Field(
        default=0,
        ge=0,
        le=1000,
        description="accept a candidate example once this many different agents chose it (0: never, a lead decides)",
    )
    learn_max_upload_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="largest chat-log file an upload accepts (413 above)"
    )
    # A mining job's worker renews its lease twice a second; a job whose lease ran out (its worker was
    # killed) is run again by another worker, from the start.
    learn_lease_seconds: float = Field(
        default=30, ge=1, le=3600, description="a mining job whose worker stopped renewing it this long is run again"
    )

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _no_cache(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("stats_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"未知的时区 {value!r},例如 Asia/Shanghai") from None
        return value

    require_login: bool = Field(
        default=False, description="lint, check, suggest, phrase reads and the sidebar need an agent login or token"
    )
    session_hours: float = Field(default=12, gt=0, le=24 * 90, description="a login session lasts this long (a shift)")
    login_max_failures: int = Field(
        default=5, ge=1, description="wrong passwords for one user name within the window before logins are refused"
    )
    login_ip_max_failures: int = Field(
        default=20, ge=1, description="wrong passwords from one client address within the window before refusing"
    )
    login_window_minutes: float = Field(default=15, gt=0, description="the window failed logins are counted in")
    password_time_cost: int = Field(default=3, ge=1, description="argon2id passes per password hash")
    password_memory_kib: int = Field(default=65536, ge=64, description="argon2id memory per password hash, in KiB")
    # Security (issue #10): who may set X-Forwarded-*, which other sites may call us, who may frame our pages.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default=[], description="addresses or CIDRs of reverse proxies whose X-Forwarded-For/-Proto are believed"
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default=[], description="other origins (https://chat.example.com) allowed to open the socket and call the API"
    )
    frame_ancestors: str = Field(
        default="'self'", description="CSP frame-ancestors: who may embed the pages in a frame (a chat platform)"
    )

    @field_validator("trusted_proxies", "allowed_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        return _comma_list(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"COPILOT_TRUSTED_PROXIES 中的 {entry!r} 不是 IP 地址或网段(如 10.0.0.0/8)") from None
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for entry in value:
            parts = urlsplit(entry)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
                raise ValueError(f"COPILOT_ALLOWED_ORIGINS 中的 {entry!r} 不是来源,应写成 https://chat.example.com")
        return [entry.rstrip("/").lower() for entry in value]

    @field_validator("frame_ancestors")
    @classmethod
    def _one_directive(cls, value: str) -> str:
        if any(ch in value for ch in ";,\r\n"):
            raise ValueError("COPILOT_FRAME_ANCESTORS 只能是 frame-ancestors 的来源列表,不能含分号、逗号或换行")
        return value.strip() or "'none'"

    metrics: bool = Field(
        default=True, description="serve GET /metrics (Prometheus text, no login: keep it off the public proxy)"
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="`serve`'s log lines: uvicorn's text, or one JSON object per line"
    )
    # Database faults (#10): a database that stops answering costs a request a few seconds and a 503, never a hung
    # worker; the defaults leave a healthy database well inside them.
    db_connect_timeout: float = Field(default=5, gt=0, description="seconds to wait for a new database connection")
    db_statement_timeout: float = Field(
        default=10, gt=0, description="longest one database statement may run (PostgreSQL); past it the call fails"
    )
    db_pool_size: int = Field(default=5, ge=1, description="database connections each worker keeps open")
    db_pool_overflow: int = Field(default=5, ge=0, description="extra connections a worker may open under load")
    db_pool_timeout: float = Field(default=3, gt=0, description="seconds a request waits for a free connection")
    db_max_waiting: int = Field(
        default=16,
        ge=1,
        description="requests one worker lets wait on the database at once; more answer 503 at once",
    )
    db_retry_after: int = Field(default=5, ge=1, description="Retry-After seconds of a 503 database_unavailable")
    auth_cache_seconds: float = Field(
        default=60, ge=0, description="a verified session or token is reused this long without asking the database"
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
