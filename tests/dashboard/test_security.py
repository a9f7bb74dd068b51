"""Who gets in, on both backends: one-time links, cookies, roles checked on every page, CSRF."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.core.settings import SettingsError, load_settings
from bot.pack import Pack
from storage import roles
from storage.db import Database
from storage.models import AuditEntry, DashboardLink, DashboardSession
from tests.dashboard.site import (
    LEAD,
    ORGANIZER,
    RAPPORTEUR,
    Site,
    csrf_of,
    hidden_fields,
    make_site,
    reason,
    sign_in,
    signed_in,
)
from tests.dialog import register

ORIGIN = {"origin": "http://testserver"}


async def audit_entries(site: Site, action: str) -> list[AuditEntry]:
    async with site.database.transaction() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(rows)


async def test_a_link_signs_in_and_sets_a_safe_cookie(
    site: Site, client: httpx.AsyncClient
) -> None:
    """The link opens a session whose cookie is HttpOnly, SameSite and scoped to /dashboard."""
    response = await sign_in(client, await site.link(ORGANIZER))
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/"
    cookie = next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith("consultbot_dashboard=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/dashboard" in cookie
    assert "Secure" not in cookie  # plain http in this test; see the https test below
    assert (await client.get("/dashboard/")).status_code == 200
    logins = await audit_entries(site, "dashboard.login")
    assert [(entry.actor, entry.detail) for entry in logins] == [
        (f"console:{ORGANIZER}", {"roles": ["organizer"]})
    ]
    links = await audit_entries(site, "dashboard.link")
    assert [(entry.actor, entry.detail) for entry in links] == [
        (f"console:{ORGANIZER}", {"expires_minutes": 10})
    ]


async def test_the_cookie_is_secure_behind_https(db: Database, pack: Pack, tmp_path: Path) -> None:
    """With an https DASHBOARD_URL the session cookie carries Secure."""
    site = make_site(db, pack, tmp_path, "https://testserver/dashboard")
    async with site.client() as client:
        page = await client.get(await site.link(ORGANIZER))
        fields = hidden_fields(page.text, "/dashboard/login")
        response = await client.post(
            "/dashboard/login", data=fields, headers={"origin": "https://testserver"}
        )
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


async def test_a_used_link_is_refused(site: Site, client: httpx.AsyncClient) -> None:
    """Pressing the button of the same link again signs nobody in, and says so."""
    link = await site.link(ORGANIZER)
    assert (await sign_in(client, link)).status_code == 303
    async with site.client() as other:
        again = await sign_in(other, link)
        assert (again.status_code, reason(again)) == (403, "link_used")
        assert (await other.get("/dashboard/")).status_code == 401
    refusals = await audit_entries(site, "dashboard.refused")
    assert refusals[-2].detail == {"reason": "link_used", "path": "/dashboard/login"}


async def test_opening_the_link_does_not_use_it(site: Site, client: httpx.AsyncClient) -> None:
    """A chat app's link preview (a GET) leaves the link usable; only the button uses it."""
    link = await site.link(ORGANIZER)
    for _ in range(3):
        assert (await client.get(link)).status_code == 200
    assert (await sign_in(client, link)).status_code == 303


async def test_an_expired_link_is_refused(site: Site, client: httpx.AsyncClient) -> None:
    """Ten minutes after it was sent, a link no longer signs in."""
    link = await site.link(ORGANIZER)
    page = await client.get(link)
    site.clock.advance(minutes=10, seconds=1)
    fields = hidden_fields(page.text, "/dashboard/login")
    response = await client.post("/dashboard/login", data=fields, headers=ORIGIN)
    assert (response.status_code, reason(response)) == (403, "link_expired")
    assert reason(await client.get(link)) == "link_expired"


async def test_a_made_up_link_is_refused(client: httpx.AsyncClient) -> None:
    """A token the bot never sent is refused."""
    response = await client.get("/dashboard/login?token=not-a-token")
    assert (response.status_code, reason(response)) == (403, "link_unknown")


async def test_tokens_are_stored_hashed(site: Site, client: httpx.AsyncClient) -> None:
    """Neither the link's token nor the cookie's is in the database, only their SHA-256."""
    link = await site.link(ORGANIZER)
    token = link.rsplit("token=", 1)[1]
    await sign_in(client, link)
    cookie = client.cookies["consultbot_dashboard"]
    async with site.database.transaction() as session:
        link_row = await session.scalar(select(DashboardLink))
        session_row = await session.scalar(select(DashboardSession))
    assert link_row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert session_row.token_hash == hashlib.sha256(cookie.encode()).hexdigest()
    assert token not in link_row.token_hash and cookie not in session_row.token_hash


async def test_a_stakeholder_gets_no_link(site: Site, client: httpx.AsyncClient) -> None:
    """/dashboard from a stakeholder is refused in chat and stores no link."""
    dialog = site.dialog("ana")
    await register(dialog)
    await dialog.command("/dashboard")
    assert dialog.keys == ["error.forbidden"]
    async with site.database.transaction() as session:
        assert await session.scalar(select(DashboardLink)) is None


async def test_a_link_whose_role_was_revoked_before_use_is_refused(
    site: Site, client: httpx.AsyncClient
) -> None:
    """Someone granted, sent a link, then revoked cannot use the link."""
    async with site.database.transaction() as session:
        await roles.grant(session, "console", "bea", roles.RAPPORTEUR, "test")
    link = await site.link("bea")
    async with site.database.transaction() as session:
        await roles.revoke(session, "console", "bea", roles.RAPPORTEUR)
    response = await sign_in(client, link)
    assert (response.status_code, reason(response)) == (403, "no_role")


async def test_every_page_asks_for_a_session(site: Site, client: httpx.AsyncClient) -> None:
    """Without a cookie every page answers 401 with the way to sign in, and it is audited."""
    for path in ("/", "/sessions", "/answers", "/objectives", "/pledges", "/broadcasts"):
        response = await client.get(f"/dashboard{path}")
        assert (response.status_code, reason(response)) == (401, "no_session"), path
    download = await client.post("/dashboard/download", data={"format": "csv"}, headers=ORIGIN)
    assert download.status_code == 401
    refusals = await audit_entries(site, "dashboard.refused")
    assert len(refusals) == 7 and {entry.actor for entry in refusals} == {"anonymous"}


async def test_a_revoked_organizer_is_turned_away_for_good(
    site: Site, client: httpx.AsyncClient
) -> None:
    """Revoking the role ends the session at the next page; granting it again does not revive it."""
    async with site.database.transaction() as session:
        await roles.grant(session, "console", "bea", roles.ORGANIZER, "test")
    await signed_in(site, client, "bea")
    cookie = client.cookies["consultbot_dashboard"]
    async with site.database.transaction() as session:
        await roles.revoke(session, "console", "bea", roles.ORGANIZER)
    response = await client.get("/dashboard/answers")
    assert (response.status_code, reason(response)) == (403, "role_revoked")
    async with site.database.transaction() as session:
        await roles.grant(session, "console", "bea", roles.ORGANIZER, "test")
        row = await session.scalar(select(DashboardSession))
    assert row.revoked_at is not None
    client.cookies.set("consultbot_dashboard", cookie, path="/dashboard")
    again = await client.get("/dashboard/answers")
    assert (again.status_code, reason(again)) == (401, "session_ended")


async def test_organizer_removed_from_settings_is_turned_away(
    db: Database, pack: Pack, tmp_path: Path
) -> None:
    """A member dropped from ORGANIZERS (a restart with new settings) loses the session."""
    site = make_site(db, pack, tmp_path, "http://testserver/dashboard")
    async with site.client() as client:
        await signed_in(site, client, ORGANIZER)
        cookie = client.cookies["consultbot_dashboard"]
    later = make_site(db, pack, tmp_path, "http://testserver/dashboard", organizers=[])
    async with later.client() as client:
        client.cookies.set("consultbot_dashboard", cookie, path="/dashboard")
        response = await client.get("/dashboard/")
    assert (response.status_code, reason(response)) == (403, "role_revoked")


async def test_sessions_expire(site: Site, client: httpx.AsyncClient) -> None:
    """A session ends after an hour without a page, and after eight hours in any case."""
    await signed_in(site, client, ORGANIZER)
    for _ in range(8):
        site.clock.advance(minutes=59)
        assert (await client.get("/dashboard/")).status_code == 200
    site.clock.advance(minutes=59)  # 8 h 51 min after signing in
    response = await client.get("/dashboard/")
    assert (response.status_code, reason(response)) == (401, "session_ended")
    await signed_in(site, client, ORGANIZER)
    site.clock.advance(minutes=61)
    assert reason(await client.get("/dashboard/")) == "session_ended"


async def test_pages_follow_the_role(site: Site) -> None:
    """Broadcasts are for organizers, downloads for rapporteurs, the rest for both."""
    async with site.client() as organizer, site.client() as rapporteur:
        await signed_in(site, organizer, ORGANIZER)
        await signed_in(site, rapporteur, RAPPORTEUR)
        assert (await organizer.get("/dashboard/broadcasts")).status_code == 200
        refused = await rapporteur.get("/dashboard/broadcasts")
        assert (refused.status_code, reason(refused)) == (403, "page_forbidden")
        page = await organizer.get("/dashboard/answers")
        assert 'action="/dashboard/download"' not in page.text
        form = {"csrf": csrf_of(page.text), "format": "csv"}
        download = await organizer.post("/dashboard/download", data=form, headers=ORIGIN)
        assert (download.status_code, reason(download)) == (403, "page_forbidden")
        page = await rapporteur.get("/dashboard/answers")
        form = {"csrf": csrf_of(page.text), "format": "csv"}
        download = await rapporteur.post("/dashboard/download", data=form, headers=ORIGIN)
        assert download.status_code == 200
        assert "broadcasts" not in (await rapporteur.get("/dashboard/")).text


async def test_forms_need_the_csrf_token_and_this_site(
    site: Site, client: httpx.AsyncClient
) -> None:
    """A form without the session's token, or posted from another site, changes nothing."""
    await signed_in(site, client, LEAD)
    token = csrf_of((await client.get("/dashboard/")).text)
    forged = await client.post("/dashboard/logout", data={"csrf": "0" * 64}, headers=ORIGIN)
    assert (forged.status_code, reason(forged)) == (403, "csrf")
    elsewhere = await client.post(
        "/dashboard/logout", data={"csrf": token}, headers={"origin": "https://evil.example"}
    )
    assert (elsewhere.status_code, reason(elsewhere)) == (403, "csrf")
    cross = await client.post(
        "/dashboard/download",
        data={"csrf": token, "format": "csv"},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert (cross.status_code, reason(cross)) == (403, "csrf")
    assert (await client.get("/dashboard/")).status_code == 200  # still signed in
    assert [e.detail["reason"] for e in await audit_entries(site, "dashboard.refused")] == [
        "csrf",
        "csrf",
        "csrf",
    ]


async def test_the_login_form_needs_its_cookie(site: Site, client: httpx.AsyncClient) -> None:
    """Pressing a login button from a page this browser did not load is refused."""
    link = await site.link(ORGANIZER)
    token = link.rsplit("token=", 1)[1]
    response = await client.post(
        "/dashboard/login", data={"token": token, "login_csrf": "guess"}, headers=ORIGIN
    )
    assert (response.status_code, reason(response)) == (403, "csrf")
    assert (await sign_in(client, link)).status_code == 303  # the link was not spent


async def test_signing_out_ends_the_session(site: Site, client: httpx.AsyncClient) -> None:
    """After Sign out the old cookie opens nothing, and the sign-out is audited."""
    await signed_in(site, client, ORGANIZER)
    cookie = client.cookies["consultbot_dashboard"]
    token = csrf_of((await client.get("/dashboard/")).text)
    response = await client.post("/dashboard/logout", data={"csrf": token}, headers=ORIGIN)
    assert response.status_code == 200
    client.cookies.set("consultbot_dashboard", cookie, path="/dashboard")
    assert reason(await client.get("/dashboard/")) == "session_ended"
    assert len(await audit_entries(site, "dashboard.logout")) == 1


async def test_pages_send_protective_headers(site: Site, client: httpx.AsyncClient) -> None:
    """No script, no framing, no referrer to other sites, nothing cached."""
    await signed_in(site, client, ORGANIZER)
    response = await client.get("/dashboard/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"


async def test_without_dashboard_url_the_command_says_so(
    db: Database, pack: Pack, tmp_path: Path
) -> None:
    """With no DASHBOARD_URL an organizer is told the dashboard is not set up; nothing stored."""
    site = make_site(db, pack, tmp_path, "")
    dialog = site.dialog(ORGANIZER)
    await dialog.command("/dashboard")
    assert dialog.keys == ["dashboard.off"]
    async with site.database.transaction() as session:
        assert await session.scalar(select(DashboardLink)) is None


@pytest.mark.parametrize(
    ("url", "listed"), [("", False), ("http://127.0.0.1:8080/dashboard", True)]
)
async def test_help_lists_dashboard_only_where_the_server_offers_it(
    db: Database, pack: Pack, tmp_path: Path, url: str, listed: bool
) -> None:
    """/help shows an organizer /dashboard only with DASHBOARD_URL, as Telegram's menu does;
    a stakeholder never sees it."""
    site = make_site(db, pack, tmp_path, url)
    organizer = site.dialog(ORGANIZER)
    await organizer.command("/help")
    assert organizer.keys == ["help"]
    assert ("/dashboard" in organizer.text) is listed
    assert "/broadcast" in organizer.text and "/export" not in organizer.text
    stakeholder = site.dialog("someone")
    await stakeholder.command("/help")
    assert "/dashboard" not in stakeholder.text and "/broadcast" not in stakeholder.text


@pytest.mark.parametrize("url", ["ftp://host/dashboard", "dashboard", "https://host/d?x=1"])
def test_a_bad_dashboard_url_stops_start_up(url: str) -> None:
    """DASHBOARD_URL must be an http(s) address; the error names the variable."""
    with pytest.raises(SettingsError, match=r"^DASHBOARD_URL: "):
        load_settings(dashboard_url=url)


def test_the_access_log_hides_login_tokens(
    sqlite_db: Database, pack: Pack, caplog: pytest.LogCaptureFixture
) -> None:
    """Once the dashboard is mounted, uvicorn's access log shows no `?token=` value."""
    import logging

    import uvicorn

    from bot.dashboard.app import dashboard_mount

    url = "http://testserver/dashboard"
    settings = load_settings(database_url=sqlite_db.url, dashboard_url=url)
    mount = dashboard_mount(sqlite_db, pack, settings)
    uvicorn.Config(mount.app, log_level="info")  # configures the uvicorn loggers, as `run` does
    access = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        access.addHandler(caplog.handler)
        try:
            access.info(
                '%s - "%s %s HTTP/%s" %d', "10.0.0.1:5", "GET",
                "/dashboard/login?token=SECRET123&x=1", "1.1", 200,
            )  # fmt: skip
        finally:
            access.removeHandler(caplog.handler)
    assert "SECRET123" not in caplog.text
    assert "/dashboard/login?token=[hidden]&x=1" in caplog.text


async def test_the_dashboard_shares_the_one_web_app(sqlite_db: Database, pack: Pack) -> None:
    """Mounted as `consultbot run` mounts it, /dashboard and /healthz answer on one app."""
    from bot.dashboard.app import dashboard_mount
    from bot.web import build_web_app

    url = "http://testserver/dashboard"
    settings = load_settings(database_url=sqlite_db.url, dashboard_url=url)
    app = build_web_app([dashboard_mount(sqlite_db, pack, settings)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/healthz")).text == "ok"
        assert reason(await client.get("/dashboard/")) == "no_session"
        assert (await client.get("/dashboard/static/dashboard.css")).status_code == 200
