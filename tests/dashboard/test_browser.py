"""The dashboard in a real browser: sign in with a link from chat, every page, filters, downloads.

One chromium and one server serve the whole module; each test opens its own browser context
(its own cookies). Screenshots of every page land in artefacts/dashboard/ (not committed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import pytest_asyncio

from bot.pack import Pack, load_pack
from storage import roles
from tests.conftest import migrated_sqlite
from tests.dashboard.browser import chromium, missing, screenshot, served
from tests.dashboard.seed import seed_many
from tests.dashboard.site import LEAD, Site, make_site
from tests.dialog import answer_current, register
from tests.fakes.serving import free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(missing() is not None, reason=missing() or ""),
    pytest.mark.asyncio(loop_scope="module"),
]

PAGES = [  # (path, name of the screenshot, what the page's heading says in Spanish)
    ("/", "overview", "Participación"),
    ("/sessions", "sessions", "Sesiones y preguntas"),
    ("/answers", "answers", "Respuestas"),
    ("/objectives", "objectives", "Objetivos del PMM citados"),
    ("/pledges", "pledges", "Compromisos"),
    ("/broadcasts", "broadcasts", "Envíos"),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    """A served dashboard over 300 seeded stakeholders and one who registered in chat."""
    pack: Pack = load_pack("lac-2025")
    directory = tmp_path_factory.mktemp("browser")
    port = free_port()
    async with migrated_sqlite(directory) as database:
        await seed_many(database, pack, stakeholders=300)
        current = make_site(database, pack, directory, f"http://127.0.0.1:{port}/dashboard")
        stakeholder = current.dialog("ana")
        await register(stakeholder, language="en", country="Jamaica", organization="Red Caribe")
        await stakeholder.command("/consult")
        await stakeholder.tap(stakeholder.choices[0].label)
        await answer_current(stakeholder)
        async with served(current.app, port):
            yield current


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    async with chromium() as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Any) -> AsyncIterator[Any]:
    """A fresh browser context: no cookies from another test."""
    context = await browser.new_context(accept_downloads=True, locale="es-419")
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def sign_in(page: Any, link: str) -> None:
    await page.goto(link)
    await page.get_by_role("button", name="Abrir el panel").click()
    await page.wait_for_url("**/dashboard/")


async def refusal(page: Any) -> str:
    return await page.locator("section.notice").get_attribute("data-reason")


async def test_every_page_opens_after_signing_in_with_a_chat_link(site: Site, page: Any) -> None:
    """The link from /dashboard signs in; every page of the navigation opens with its chart."""
    await sign_in(page, await site.link(LEAD))
    for path, name, heading in PAGES:
        await (
            page.get_by_role("navigation", name="Páginas")
            .get_by_role("link")
            .filter(has_text=_nav_label(path))
            .click()
        )
        await page.wait_for_url(f"**/dashboard{path}")
        assert await page.locator("h1").inner_text() == heading
        await screenshot(page, name)
    assert await page.locator("svg.stacked").count() == 1  # the seeded broadcast's delivery
    await page.goto(site.settings.dashboard_url + "/")
    assert await page.locator("svg.tilemap g.country").count() > 40
    assert await page.locator("svg.series").count() == 2


def _nav_label(path: str) -> str:
    return {
        "/": "Resumen",
        "/sessions": "Sesiones",
        "/answers": "Respuestas",
        "/objectives": "Objetivos del PMM",
        "/pledges": "Compromisos",
        "/broadcasts": "Envíos",
    }[path]


async def test_language_switcher_shows_the_pages_in_english(site: Site, page: Any) -> None:
    """Choosing English keeps the visitor on the page, now in English, for the next pages too."""
    await sign_in(page, await site.link(LEAD))
    await page.goto(site.settings.dashboard_url + "/answers")
    await page.get_by_label("Idioma de la página").select_option("en")
    await page.get_by_role("button", name="Cambiar idioma").click()
    await page.wait_for_url("**/dashboard/answers")
    assert await page.locator("h1").inner_text() == "Answers"
    assert await page.locator("html").get_attribute("lang") == "en"
    await page.goto(site.settings.dashboard_url + "/")
    assert await page.locator("h1").inner_text() == "Participation"
    await screenshot(page, "overview-en")


async def test_filters_narrow_the_answers(site: Site, page: Any) -> None:
    """Filtering by Chile and then a word lists only Chilean answers with that word."""
    await sign_in(page, await site.link(LEAD))
    await page.goto(site.settings.dashboard_url + "/answers")
    everything = await page.locator("p.count").inner_text()
    await page.get_by_label("País").select_option("CL")
    await page.get_by_role("button", name="Mostrar").click()
    await page.wait_for_url("**/answers?*country=CL*")
    places = await page.locator("ol.answers p.who").all_inner_texts()
    assert places and all("Chile" in place for place in places)
    assert await page.locator("p.count").inner_text() != everything
    await page.get_by_label("Palabras").fill("salud")
    await page.get_by_role("button", name="Mostrar").click()
    await page.wait_for_url("**q=salud*")
    texts = await page.locator("ol.answers p.answer").all_inner_texts()
    assert texts and all("salud" in text.lower() for text in texts)
    places = await page.locator("ol.answers p.who").all_inner_texts()
    assert all("Chile" in place for place in places)
    await screenshot(page, "answers-filtered")


async def test_downloads_carry_the_filters(site: Site, page: Any, tmp_path: Path) -> None:
    """The xlsx and csv buttons give files of the filtered session only, which open."""
    await sign_in(page, await site.link(LEAD))
    await page.goto(site.settings.dashboard_url + "/answers?session=drivers")
    async with page.expect_download() as xlsx_download:
        await page.get_by_role("button", name="xlsx").click()
    workbook_path = tmp_path / "answers.xlsx"
    await (await xlsx_download.value).save_as(workbook_path)
    workbook = openpyxl.load_workbook(workbook_path, read_only=True)
    sheet = workbook.worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    column = header.index("session")
    assert rows and {row[column] for row in rows} == {"drivers"}
    async with page.expect_download() as csv_download:
        await page.get_by_role("button", name="csv").click()
    csv_path = tmp_path / "answers.csv"
    await (await csv_download.value).save_as(csv_path)
    records = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert records and {record["session"] for record in records} == {"drivers"}


async def test_an_expired_link_is_refused(site: Site, page: Any) -> None:
    """A link opened eleven minutes after it was sent says it expired, and signs nobody in."""
    link = await site.link(LEAD)
    site.clock.advance(minutes=11)
    try:
        await page.goto(link)
        assert await refusal(page) == "link_expired"
    finally:
        site.clock.advance(minutes=-11)
    await page.goto(site.settings.dashboard_url + "/")
    assert await refusal(page) == "no_session"


async def test_a_used_link_is_refused_in_another_browser(site: Site, browser: Any) -> None:
    """Once used, a link forwarded to someone else opens nothing."""
    link = await site.link(LEAD)
    first = await browser.new_context(locale="es")
    second = await browser.new_context(locale="es")
    try:
        await sign_in(await first.new_page(), link)
        other = await second.new_page()
        await other.goto(link)
        assert await refusal(other) == "link_used"
        await screenshot(other, "refused-link-used")
    finally:
        await first.close()
        await second.close()


async def test_a_stakeholder_gets_no_link_and_no_page(site: Site, page: Any) -> None:
    """A stakeholder's /dashboard is refused in chat, and the dashboard asks them to sign in."""
    dialog = site.dialog("ana")
    await dialog.command("/dashboard")
    assert dialog.keys == ["error.forbidden"]
    await page.goto(site.settings.dashboard_url + "/answers")
    assert await refusal(page) == "no_session"
    await screenshot(page, "refused-not-signed-in")


async def test_a_revoked_organizer_is_signed_out(site: Site, page: Any) -> None:
    """An organizer whose role is revoked is turned away at the next page, for good."""
    async with site.database.transaction() as session:
        await roles.grant(session, "console", "bea", roles.ORGANIZER, "test")
    await sign_in(page, await site.link("bea"))
    async with site.database.transaction() as session:
        await roles.revoke(session, "console", "bea", roles.ORGANIZER)
    await page.goto(site.settings.dashboard_url + "/sessions")
    assert await refusal(page) == "role_revoked"
    await screenshot(page, "refused-role-revoked")
    async with site.database.transaction() as session:
        await roles.grant(session, "console", "bea", roles.ORGANIZER, "test")
    await page.goto(site.settings.dashboard_url + "/sessions")
    assert await refusal(page) == "no_session"  # the cookie went with the session
