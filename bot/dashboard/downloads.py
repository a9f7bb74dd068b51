"""Downloads for the rapporteur: every export format, with the filters of the answers page.

The file is built by `bot.export.build.build_export`, as /export builds it in chat, outside the
request's own transactions (the export opens its own connections). The audit entry is written
once the file exists, so a failed export is never recorded as a download.
"""

from __future__ import annotations

import logging

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bot.dashboard.context import Dashboard, Visitor
from bot.dashboard.filters import parse_query
from bot.dashboard.render import RAPPORTEURS, render
from bot.dashboard.respond import guarded_form
from bot.export.build import build_export
from bot.export.filters import FORMATS, ExportError
from storage.stakeholders import audit

log = logging.getLogger(__name__)


@guarded_form(RAPPORTEURS)
async def download(request: Request, dash: Dashboard, visitor: Visitor, form: FormData) -> Response:
    """POST: the export as a file; a bad format or filter gets a page saying so."""
    file_format = form.get("format")
    query = parse_query(form, dash.pack)
    anonymize = form.get("anonymize") == "yes"
    if file_format not in FORMATS or query.ignored:
        return render(request, dash, "error.html", visitor=visitor, status=400, error="download")
    try:
        document = await build_export(
            dash.database, dash.pack, str(file_format), query.filters, anonymize, visitor.language
        )
    except ExportError as error:
        log.warning("dashboard export refused: %s", error)
        return render(request, dash, "error.html", visitor=visitor, status=400, error="download")
    detail = {
        "format": file_format,
        "filters": [list(pair) for pair in query.params() if pair[0] != "q"],
        "anonymize": anonymize,
        "bytes": len(document.content),
    }
    async with dash.database.transaction() as session:
        await audit(session, visitor.actor, "dashboard.download", detail)
    return Response(
        document.content,
        media_type=document.mime_type,
        headers={"Content-Disposition": f'attachment; filename="{document.filename}"'},
    )
