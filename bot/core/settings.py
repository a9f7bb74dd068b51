"""Settings from the environment and an optional `.env`, named as in DESIGN.md's contract."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///consultbot.db"
PLATFORMS = ("telegram", "slack", "whatsapp", "console")
# A WhatsApp template as Meta names it, with the locale code it was approved in: `name:pt_BR`.
_TEMPLATE = re.compile(r"^[a-z0-9_]{1,512}(:[A-Za-z]{2,3}(_[A-Za-z]{2,4})?)?$")


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line an operator can act on."""


def _split_members(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Everything an operator can set; unknown variables are ignored."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    consultation_pack: str = "lac-2025"
    attachments_dir: str = "attachments"

    telegram_bot_token: str | None = None
    telegram_api_base_url: str | None = None
    telegram_api_file_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None

    http_host: str = "0.0.0.0"
    http_port: int = Field(default=8080, ge=1, le=65535)

    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str | None = None

    whatsapp_token: str | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: str | None = None
    whatsapp_verify_token: str | None = None
    whatsapp_api_url: str | None = None
    # Pack language -> approved template (`name` or `name:locale`) for messages outside the
    # 24-hour window, e.g. {"es": "consulta_aviso", "pt": "consulta_aviso:pt_BR"}.
    whatsapp_templates: dict[str, str] = Field(default_factory=dict)

    organizers: Annotated[list[str], NoDecode] = Field(default_factory=list)
    rapporteurs: Annotated[list[str], NoDecode] = Field(default_factory=list)

    broadcast_rate_per_second: float = Field(default=25, gt=0, le=1000)
    # How long a sender's claim on outbox messages lasts: a replica that dies holding some has
    # them sent by another once it runs out (a send may then go twice, never zero times).
    outbox_lease_seconds: float = Field(default=120, ge=5, le=3600)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"  # auto: JSON unless stderr is a terminal
    dashboard_url: str | None = None  # the dashboard's public address, e.g. https://host/dashboard

    @field_validator("organizers", "rapporteurs", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return _split_members(value)

    @field_validator("organizers", "rapporteurs")
    @classmethod
    def _check_members(cls, members: list[str]) -> list[str]:
        for member in members:
            platform, _, user_id = member.partition(":")
            if platform not in PLATFORMS or not user_id:
                raise ValueError(
                    f"{member!r} is not platform:user_id (telegram:123, slack:U123, "
                    "whatsapp:5215512345678)"
                )
        return members

    @field_validator("whatsapp_templates")
    @classmethod
    def _check_templates(cls, templates: dict[str, str]) -> dict[str, str]:
        for language, template in templates.items():
            if not _TEMPLATE.match(template):
                raise ValueError(
                    f"{language}: {template!r} is not a template name (lower case, digits, _), "
                    "optionally with :locale (consulta_aviso:pt_BR)"
                )
        return templates

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, url: str) -> str:
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("expected sqlite+aiosqlite:///FILE or postgresql+asyncpg://HOST/DB")
        return url

    @field_validator("dashboard_url")
    @classmethod
    def _check_dashboard_url(cls, url: str | None) -> str | None:
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query:
            raise ValueError("expected the dashboard's address, such as https://host/dashboard")
        return url.rstrip("/")

    @model_validator(mode="after")
    def _check_combinations(self) -> Settings:
        if self.telegram_webhook_url and not self.telegram_bot_token:
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_BOT_TOKEN")
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_WEBHOOK_SECRET")
        if self.slack_bot_token and not (self.slack_app_token or self.slack_signing_secret):
            raise ValueError("SLACK_BOT_TOKEN needs SLACK_APP_TOKEN or SLACK_SIGNING_SECRET")
        if self.whatsapp_token:
            for name in ("phone_number_id", "app_secret", "verify_token"):
                if not getattr(self, f"whatsapp_{name}"):
                    raise ValueError(f"WHATSAPP_TOKEN needs WHATSAPP_{name.upper()}")
        return self

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.whatsapp_token)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    location = "_".join(str(part) for part in first["loc"]).upper()
    message = str(first["msg"]).removeprefix("Value error, ")
    if location:
        return f"{location}: {message}"
    return message


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic checks each value
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None
