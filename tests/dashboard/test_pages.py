"""What the pages show, on both backends: names only with consent, filters, pages, downloads."""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
import openpyxl
from sqlalchemy import select

from storage.db import Database
from storage.models import AuditEntry, Pledge
from tests.dashboard.seed import START, add_answers, add_person, seed_broadcast
from tests.dashboard.site import LEAD, Site, csrf_of, hidden_fields, signed_in
from tests.dialog import register

ORIGIN = {"origin": "http://testserver"}


async def _people(db: Database) -> None:
    """A named organization in Chile, an unnamed one in Haiti, each with answers and a pledge."""
    await add_person(db, 1, "Red Nombrada", named=True)
    await add_person(
        db, 2, "Org Secreta", named=False, country="HT", subregion="caribbean",
        category="academia", language="en",
    )  # fmt: skip
    await add_answers(
        db,
        [
            (1, "inclusion", "progress", {"text": "Abrimos centros comunitarios"}, "es", START),
            (2, "inclusion", "progress", {"text": "We trained consular staff"}, "en", START),
            (2, "drivers", "objectives", {"objectives": [2, 5]}, "en", START),
            (1, "general", "practices", {"skipped": True}, "es", START),
        ],
    )
    async with db.transaction() as session:
        session.add_all(
            [
                Pledge(stakeholder_id=1, session_key="general", question_key="pledge",
                       title="Red de albergues", objectives=[15], language="es", created_at=START),
                Pledge(stakeholder_id=2, session_key="general", question_key="pledge",
                       title="Consular training", objectives=[14], language="en",
                       created_at=START),
            ]
        )  # fmt: skip


async def test_organizations_are_named_only_with_consent(
    site: Site, client: httpx.AsyncClient
) -> None:
    """Answers and pledges name Red Nombrada; Org Secreta is described, never named."""
    await _people(site.database)
    await signed_in(site, client, LEAD)
    for path in ("/answers", "/pledges"):
        page = (await client.get(f"/dashboard{path}")).text
        assert "Red Nombrada" in page, path
        assert "Org Secreta" not in page, path
        assert "una institución académica de El Caribe" in page, path


async def test_answers_filters_narrow_and_unknown_values_are_reported(
    site: Site, client: httpx.AsyncClient
) -> None:
    """Each filter narrows the list; a value the pack does not know is left out, with a note."""
    await _people(site.database)
    await signed_in(site, client, LEAD)
    cases = {  # query: (the text shown, how many answers match)
        "country=HT": ("We trained consular staff", "2 respuestas coinciden."),
        "subregion=south_america": ("Abrimos centros comunitarios", "2 respuestas coinciden."),
        "category=academia": ("We trained consular staff", "2 respuestas coinciden."),
        "language=es&session=inclusion": ("Abrimos centros comunitarios", "1 respuesta coincide."),
        "q=CONSULAR": ("We trained consular staff", "1 respuesta coincide."),
    }
    for query, (shown, count) in cases.items():
        page = (await client.get(f"/dashboard/answers?{query}")).text
        other = ({"Abrimos centros comunitarios", "We trained consular staff"} - {shown}).pop()
        assert shown in page and other not in page, query
        assert count in page, query
    unknown = (await client.get("/dashboard/answers?session=nope&country=zz")).text
    assert "no se reconoció" in unknown and "4 respuestas coinciden." in unknown


async def test_answers_come_a_page_at_a_time(site: Site, client: httpx.AsyncClient) -> None:
    """120 answers: 50 on the first page, the older link leads on, the newer one back."""
    await add_person(site.database, 1, "Red", named=True)
    await add_answers(
        site.database,
        [(1, "inclusion", f"q{n}", {"text": f"respuesta {n:03}"}, "es", START) for n in range(120)],
    )
    await signed_in(site, client, LEAD)
    first = (await client.get("/dashboard/answers?session=inclusion")).text
    assert first.count('<li>\n    <p class="meta">') == 50
    assert "respuesta 119" in first and "respuesta 069" not in first
    older = _link(first, "next")
    assert "session=inclusion" in older
    second = (await client.get(older)).text
    assert "respuesta 069" in second and "respuesta 070" not in second
    back = (await client.get(_link(second, "prev"))).text
    assert "respuesta 119" in back


def _link(html: str, rel: str) -> str:
    marker = f'rel="{rel}"'
    tag = next(part for part in html.split("<a ") if marker in part.split(">")[0])
    return tag.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")


async def test_download_carries_the_filters_and_is_audited(
    site: Site, client: httpx.AsyncClient
) -> None:
    """xlsx with country=HT has Org Secreta's answers only, unnamed; the download is audited."""
    await _people(site.database)
    await signed_in(site, client, LEAD)
    page = (await client.get("/dashboard/answers?country=HT&q=ignored")).text
    fields = hidden_fields(page, "/dashboard/download")
    assert fields["country"] == "HT" and "q" not in fields
    response = await client.post(
        "/dashboard/download", data={**fields, "format": "xlsx"}, headers=ORIGIN
    )
    assert response.status_code == 200
    assert "attachment;" in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    records = [dict(zip(header, row, strict=False)) for row in rows]
    assert {record["country"] for record in records} == {"HT"}
    assert {record["organization"] for record in records} == {None}
    async with site.database.transaction() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "dashboard.download")
        )
    assert entry.actor == f"console:{LEAD}"
    assert entry.detail["format"] == "xlsx" and entry.detail["filters"] == [["country", "HT"]]


async def test_anonymous_csv_leaves_names_out(site: Site, client: httpx.AsyncClient) -> None:
    """Ticking 'without names' gives a CSV without the consenting organization's name."""
    await _people(site.database)
    await signed_in(site, client, LEAD)
    token = csrf_of((await client.get("/dashboard/answers")).text)
    named = await client.post(
        "/dashboard/download", data={"csrf": token, "format": "csv"}, headers=ORIGIN
    )
    anonymous = await client.post(
        "/dashboard/download",
        data={"csrf": token, "format": "csv", "anonymize": "yes"},
        headers=ORIGIN,
    )
    assert "Red Nombrada" in named.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(anonymous.content.decode("utf-8-sig"))))
    assert rows and all(not row["organization"] for row in rows)


async def test_every_format_downloads(site: Site, client: httpx.AsyncClient) -> None:
    """csv, xlsx, jsonl, md and docx all come back as files of their type."""
    await _people(site.database)
    await signed_in(site, client, LEAD)
    token = csrf_of((await client.get("/dashboard/answers")).text)
    types = {}
    for file_format in ("csv", "xlsx", "jsonl", "md", "docx"):
        response = await client.post(
            "/dashboard/download", data={"csrf": token, "format": file_format}, headers=ORIGIN
        )
        assert response.status_code == 200, file_format
        types[file_format] = response.headers["content-type"].split(";")[0]
        if file_format == "jsonl":
            assert all(json.loads(line) for line in response.text.splitlines())
    assert types["docx"].endswith("wordprocessingml.document")


async def test_a_bad_download_request_is_explained(site: Site, client: httpx.AsyncClient) -> None:
    """An unknown format or filter value gets a 400 page and no audit entry."""
    await signed_in(site, client, LEAD)
    token = csrf_of((await client.get("/dashboard/answers")).text)
    for data in ({"format": "pdf"}, {"format": "csv", "session": "nope"}):
        response = await client.post(
            "/dashboard/download", data={"csrf": token, **data}, headers=ORIGIN
        )
        assert response.status_code == 400 and 'data-error="download"' in response.text
    async with site.database.transaction() as session:
        assert (
            await session.scalar(
                select(AuditEntry).where(AuditEntry.action == "dashboard.download")
            )
            is None
        )


async def test_figures_pages_count_what_was_given(site: Site, client: httpx.AsyncClient) -> None:
    """Overview, sessions and objectives show the counts of the stored answers."""
    await _people(site.database)
    await add_person(site.database, 3, "Diáspora", named=True, country="US", subregion=None)
    await signed_in(site, client, LEAD)
    overview = (await client.get("/dashboard/")).text
    assert "<strong>3</strong> participantes registrados" in overview
    assert "Haití: 1" in overview and "<svg" in overview
    assert "Fuera del mapa:\nEstados Unidos (1)" in overview
    assert "Otros países: 1" in overview  # the subregion bar of countries outside every one
    sessions = (await client.get("/dashboard/sessions")).text
    assert "2 participantes respondieron al menos una pregunta." in sessions
    objectives = (await client.get("/dashboard/objectives")).text
    table = {
        int(number): (int(answers), int(pledges))
        for number, answers, pledges in re.findall(
            r'<tr><td>(\d+)\. [^<]*</td><td class="num">(\d+)</td><td class="num">(\d+)</td>',
            objectives,
        )
    }
    assert len(table) == 23
    assert (table[2], table[5], table[14], table[15], table[16]) == (
        (1, 0), (1, 0), (0, 1), (0, 1), (0, 0),
    )  # fmt: skip


async def test_broadcasts_show_delivery(site: Site, client: httpx.AsyncClient) -> None:
    """A broadcast's row says how many were sent, waiting, failed and unreachable."""
    people = [{"id": n, "platform": "telegram", "chat_id": f"c{n}"} for n in range(1, 7)]
    for person in people:
        await add_person(site.database, person["id"], f"Org {person['id']}", named=False)
    await seed_broadcast(site.database, people)
    await signed_in(site, client, LEAD)
    page = (await client.get("/dashboard/broadcasts")).text
    assert "Enviados 3" in page and "Fallidos 1" in page and "Sin contacto 1" in page
    assert "El Caribe" in page  # the audience, by name


async def test_language_follows_chat_then_the_switcher(
    site: Site, client: httpx.AsyncClient
) -> None:
    """An organizer who chats in English sees English; the switcher changes it, safely."""
    dialog = site.dialog("org")
    await register(dialog, language="en")
    await signed_in(site, client, "org")
    assert "<h1>Participation</h1>" in (await client.get("/dashboard/")).text
    token = csrf_of((await client.get("/dashboard/")).text)
    switched = await client.post(
        "/dashboard/language",
        data={"csrf": token, "language": "es", "next": "/dashboard/sessions"},
        headers=ORIGIN,
    )
    assert (switched.status_code, switched.headers["location"]) == (303, "/dashboard/sessions")
    assert "<h1>Participación</h1>" in (await client.get("/dashboard/")).text
    away = await client.post(
        "/dashboard/language",
        data={"csrf": token, "language": "en", "next": "https://evil.example/"},
        headers=ORIGIN,
    )
    assert away.headers["location"] == "/dashboard/"
    bad = await client.post(
        "/dashboard/language", data={"csrf": token, "language": "xx"}, headers=ORIGIN
    )
    assert bad.status_code == 400 and 'data-error="language"' in bad.text
