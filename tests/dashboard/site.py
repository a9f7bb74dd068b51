"""A dashboard and a chat engine over one database and one clock, for HTTP and browser tests."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from bot.core.settings import Settings, load_settings
from bot.dashboard.app import MOUNT, build_dashboard
from bot.engine.engine import Engine
from bot.pack import Pack
from storage.db import Database
from tests.dialog import Dialog

LINK = re.compile(r"https?://\S+/login\?token=[\w-]+")
ORGANIZER, RAPPORTEUR, LEAD = "org", "rap", "lead"


@dataclass
class Clock:
    """Time that moves only when a test says so."""

    now_value: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    )

    def now(self) -> dt.datetime:
        return self.now_value

    def advance(self, **delta: float) -> None:
        self.now_value += dt.timedelta(**delta)


@dataclass
class Site:
    """The bot's engine and its dashboard, sharing the database, settings and clock."""

    database: Database
    pack: Pack
    settings: Settings
    engine: Engine
    app: Starlette
    clock: Clock = field(default_factory=Clock)

    def dialog(self, user_id: str) -> Dialog:
        return Dialog(self.engine, user_id=user_id)

    async def link(self, user_id: str) -> str:
        """Send /dashboard in chat as `user_id` and return the link the bot answers with."""
        dialog = self.dialog(user_id)
        await dialog.command("/dashboard")
        assert dialog.keys == ["dashboard.link"], dialog.keys
        found = LINK.search(dialog.text)
        assert found, dialog.text
        return found.group(0)

    def client(self) -> httpx.AsyncClient:
        base = self.settings.dashboard_url.rsplit(MOUNT, 1)[0]  # type: ignore[union-attr]  # set above
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=base)


def make_site(database: Database, pack: Pack, tmp_path: Path, url: str, **values: Any) -> Site:
    """Organizer `org`, rapporteur `rap`, and `lead` who is both, from the settings."""
    values = {
        "organizers": [f"console:{ORGANIZER}", f"console:{LEAD}"],
        "rapporteurs": [f"console:{RAPPORTEUR}", f"console:{LEAD}"],
        **values,
    }
    settings = load_settings(
        database_url=database.url,
        attachments_dir=str(tmp_path / "files"),
        dashboard_url=url,
        **values,
    )
    clock = Clock()
    engine = Engine(database, pack, settings, clock=clock.now)
    dashboard = build_dashboard(database, pack, settings, clock=clock.now)
    app = Starlette()
    app.mount(MOUNT, dashboard)
    return Site(database, pack, settings, engine, app, clock)


class FormReader(HTMLParser):
    """The hidden and named inputs of every form of a page, by form action."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = values.get("action", "")
            self.forms.setdefault(self._current, {})
        elif tag == "input" and self._current is not None and values.get("type") == "hidden":
            self.forms[self._current][values.get("name", "")] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def hidden_fields(html: str, action: str) -> dict[str, str]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms[action]


async def sign_in(client: httpx.AsyncClient, link: str) -> httpx.Response:
    """Open the link, press the button: the response to the POST (a redirect when it worked)."""
    page = await client.get(link)
    if page.status_code != 200:
        return page
    fields = hidden_fields(page.text, "/dashboard/login")
    origin = str(client.base_url).rstrip("/")
    return await client.post("/dashboard/login", data=fields, headers={"origin": origin})


async def signed_in(site: Site, client: httpx.AsyncClient, user_id: str) -> httpx.AsyncClient:
    """Sign `client` in as `user_id` with a link asked for in chat."""
    response = await sign_in(client, await site.link(user_id))
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    """The CSRF token a signed-in page puts in its forms."""
    return hidden_fields(html, "/dashboard/logout")["csrf"]


def reason(response: httpx.Response) -> str | None:
    """Why the dashboard refused, as the refusal page states it for tests."""
    found = re.search(r'data-reason="(\w+)"', response.text)
    return found.group(1) if found else None
