"""Configuration from environment variables (and an optional `.env`).

Everything a deployment changes lives here and is validated once at start,
so a bad value stops the bot with a message naming the variable instead of
failing later in the middle of a conversation.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.locales import SUPPORTED_LOCALES
from bot.domain.quiet_hours import QuietHours

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///mch-bot.sqlite3"
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A configuration problem, worded for the person starting the bot."""


def normalise_database_url(url: str) -> str:
    """Pick the async driver for the URL forms people copy from hosting panels."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # Secrets are SecretStr so that printing the settings (or a traceback showing them)
    # never reveals them; reveal() gives the value to the code that must send it.
    bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    database_url: str = Field(default=DEFAULT_SQLITE_URL, alias="DATABASE_URL")
    default_locale: str = Field(default="zh_Hans", alias="DEFAULT_LOCALE")
    timezone: str = Field(default="Asia/Shanghai", alias="TIMEZONE")
    emergency_number: str = Field(default="120", alias="EMERGENCY_NUMBER")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default=frozenset(), alias="ADMIN_IDS")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    webhook_url: str | None = Field(default=None, alias="WEBHOOK_URL")
    webhook_token: SecretStr | None = Field(default=None, alias="WEBHOOK_SECRET")
    webhook_listen: str = Field(default="0.0.0.0", alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8080, alias="WEBHOOK_PORT")
    # Telegram's parallel webhook connections (40 is Telegram's default). Order per person
    # does not depend on it: the per-person lock and the inbox keep it (bot/processing).
    webhook_max_connections: int = Field(default=40, ge=1, le=100, alias="WEBHOOK_MAX_CONNECTIONS")
    # Alerts: minutes an alert may stay unacknowledged before it goes to the supervisors.
    escalate_emergency_minutes: int = Field(default=10, ge=1, alias="ESCALATE_EMERGENCY_MINUTES")
    escalate_priority_minutes: int = Field(default=60, ge=1, alias="ESCALATE_PRIORITY_MINUTES")
    # Telegram's limits are unpublished and change, so they are configuration (BRIEF section 6).
    # Above Telegram's free ~30/s, up to its paid ceiling of 1,000/s, broadcasts need
    # ALLOW_PAID_BROADCAST (each message then carries allow_paid_broadcast and costs Stars).
    send_rate_per_second: float = Field(default=25.0, gt=0, le=1000, alias="SEND_RATE_PER_SECOND")
    send_per_chat_interval: float = Field(default=1.0, ge=0, alias="SEND_PER_CHAT_INTERVAL")
    allow_paid_broadcast: bool = Field(default=False, alias="ALLOW_PAID_BROADCAST")
    # A broadcast to more people than this waits for a second admin's confirmation.
    broadcast_second_admin_above: int = Field(
        default=1000, ge=0, alias="BROADCAST_SECOND_ADMIN_ABOVE"
    )
    invite_ttl_hours: int = Field(default=72, ge=1, alias="INVITE_TTL_HOURS")
    # Where updates wait while the database is unreachable (a local, persistent directory).
    spool_dir: Path = Field(default=Path("spool"), alias="SPOOL_DIR")
    # A worker's hold on the outbox rows it is sending; a dead worker's rows wait this long.
    outbox_lease_seconds: float = Field(default=30.0, ge=2, alias="OUTBOX_LEASE_SECONDS")
    # How long one proactive send may take before it counts as failed and is retried.
    send_timeout_seconds: float = Field(default=10.0, gt=0, alias="SEND_TIMEOUT_SECONDS")
    # Updates of different people handled at once by one worker (one person's are always
    # handled one at a time, in order). On PostgreSQL each holds a connection.
    concurrent_updates: int = Field(default=32, ge=1, le=512, alias="CONCURRENT_UPDATES")
    # An update a worker recorded but did not finish is handed to another after this long.
    inbox_lease_seconds: float = Field(default=30.0, gt=0, alias="INBOX_LEASE_SECONDS")
    # Logs (bot/observability/logging.py): "text" for a terminal, "json" for a collector.
    log_format: str = Field(default="text", pattern="^(text|json)$", alias="LOG_FORMAT")
    log_level: str = Field(
        default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$", alias="LOG_LEVEL"
    )
    # Key for the HMAC that stands for a user id in logs. Unset: a random key per process,
    # so lines of one run can be followed but never linked to a person or across runs.
    log_hash_key: SecretStr | None = Field(default=None, alias="LOG_HASH_KEY")
    # Reports, alerts and audit entries older than this are purged daily (bot/retention.py).
    retention_days: int = Field(default=730, ge=1, alias="RETENTION_DAYS")
    # Polling mode: /metrics, /healthz and /readyz on this port (0 turns the server off).
    # In webhook mode they are served by the webhook server instead.
    metrics_port: int = Field(default=9090, ge=0, le=65535, alias="METRICS_PORT")
    metrics_listen: str = Field(default="0.0.0.0", alias="METRICS_LISTEN")
    # A conversation left this long is over: proactive messages stop waiting for it
    # (RapidPro expires flows after 3 days by default).
    dialog_expiry_hours: float = Field(default=72.0, gt=0, alias="DIALOG_EXPIRY_HOURS")
    # Local hours when follow-up messages and non-urgent broadcasts are held, not sent.
    quiet_hours: str = Field(default="21:00-08:00", alias="QUIET_HOURS")
    # Scheduled follow-up (content/schedules): check-ins, stage messages, staff tasks.
    followup_enabled: bool = Field(default=True, alias="FOLLOWUP_ENABLED")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = normalise_database_url(value.strip())
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as Asia/Shanghai") from exc
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        QuietHours.parse(value)  # raises ValueError with the reason
        return value

    @field_validator("emergency_number")
    @classmethod
    def _emergency(cls, value: str) -> str:
        if not re.fullmatch(r"[0-9+\- ]{2,20}", value):
            raise ValueError("must be a phone number such as 120")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value) if p]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be numeric Telegram user ids separated by commas")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("webhook_token")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_RE.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith("https://") and not value.startswith("http://127.0.0.1"):
            raise ValueError("must be an https:// URL that Telegram can reach")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        # Without the secret anyone who can reach the URL could post updates as anyone.
        if self.webhook_url is not None and not reveal(self.webhook_token):
            raise ValueError(
                "WEBHOOK_SECRET is required when WEBHOOK_URL is set "
                "(1-256 characters of A-Z a-z 0-9 _ -)"
            )
        return self
    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet(self) -> QuietHours:
        return QuietHours.parse(self.quiet_hours)

    @property
    def dialog_expiry(self) -> timedelta:
        return timedelta(hours=self.dialog_expiry_hours)

    @property
    def uses_webhook(self) -> bool:
        return self.webhook_url is not None


def reveal(secret: SecretStr | str | None) -> str | None:
    """The value of a secret setting, for the one place that must send it (PTB, aiohttp).

    Accepts a plain string too: `Settings.model_copy(update=...)` does not validate, so
    a copy made by the test harness may hold one.
    """
    if isinstance(secret, SecretStr):
        return secret.get_secret_value()
    return secret


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one naming each variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            if not error["loc"]:  # a rule about several variables names them itself
                lines.append(str(error["msg"]).removeprefix("Value error, "))
                continue
            name = str(error["loc"][0])
            field = Settings.model_fields.get(name)
            variable = field.alias if field and field.alias else name
            lines.append(f"{variable}: {error['msg']}")
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines)) from exc
