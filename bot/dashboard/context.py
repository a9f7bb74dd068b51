"""What every dashboard request shares: the app's services and who is looking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from bot.core.i18n import Translator, translator
from bot.core.settings import Settings
from bot.pack import Pack
from storage.db import Database
from storage.web_sessions import Member

COOKIE = "consultbot_dashboard"
LOGIN_COOKIE = "consultbot_login"  # the login form's double-submit CSRF value


@dataclass(frozen=True)
class Dashboard:
    """The services a dashboard request uses, built once by `build_dashboard`."""

    database: Database
    pack: Pack
    settings: Settings
    clock: Callable[[], dt.datetime]

    @cached_property
    def base(self) -> str:
        """The dashboard's public path, such as `/dashboard`: links and the cookie's path."""
        return urlsplit(self.settings.dashboard_url or "").path.rstrip("/") or "/dashboard"

    @cached_property
    def origin(self) -> str:
        parts = urlsplit(self.settings.dashboard_url or "")
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def secure(self) -> bool:
        """Cookies carry Secure when the public address is https."""
        return (self.settings.dashboard_url or "").startswith("https://")

    def url(self, path: str = "/") -> str:
        return f"{self.base}{path}"

    def now(self) -> dt.datetime:
        return self.clock()


@dataclass(frozen=True)
class Visitor:
    """A signed-in organizer or rapporteur, as checked on this request."""

    member: Member
    roles: frozenset[str]
    language: str
    csrf: str
    session_id: int

    @property
    def t(self) -> Translator:
        return translator(self.language)

    @property
    def actor(self) -> str:
        return str(self.member)
