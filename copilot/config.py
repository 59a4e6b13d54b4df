"""One typed settings object; every field can be set as COPILOT_<NAME> in the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    max_text_chars: int = Field(default=8000, ge=1, description="longest text lint/suggest accept")
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
        default=1800, gt=0, description="a conversation idle this long is forgotten"
    )
    ws_max_frame_bytes: int = Field(default=65536, ge=1024, description="largest WebSocket frame accepted (1009 above)")
    refresh_seconds: float = Field(
        default=0.5, gt=0, description="how often a worker checks the store for phrasebank and rule edits"
    )
    stats_keep_text: bool = Field(
        default=False, description="keep the text of sent replies with the stats events (off: no message bodies)"
    )
    stats_timezone: str = Field(default="Asia/Shanghai", description="the time zone stats days are counted in")

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
        default=16, ge=1,
        description="requests one worker lets wait on the database at once; more answer 503 at once",
    )
    db_retry_after: int = Field(default=5, ge=1, description="Retry-After seconds of a 503 database_unavailable")
    auth_cache_seconds: float = Field(
        default=60, ge=0, description="a verified session or token is reused this long without asking the database"
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
