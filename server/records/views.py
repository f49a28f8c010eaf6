"""The record over HTTP, for organisers: JSON (with its digest), CSV and a printable page
(`server.records.page`); and the event's figures."""

from __future__ import annotations

import csv
import io
from typing import Any

from aiohttp import web

from server.errors import Invalid
from server.keys import DATABASE, STAGE
from server.languages import LANGUAGES, known, requested
from server.records.figures import event_figures
from server.records.page import record_page_html
from server.records.record import session_record
from server.web.requests import path_id

routes = web.RouteTableDef()

CSV_COLUMNS = (
    "number", "mission", "mission_country", "state_under_review", "addressee", "text_as_asked",
    "text_as_edited", "status", "rejection_reason", "asked_at", "on_air_at", "answered_at",
    "rejected_at", "withdrawn_at", "written_answers",
)  # fmt: skip
RECOMMENDATION_COLUMNS = (
    "organisation", "number", "text", "theme", "theme_name", "previous", "missions_intending",
)  # fmt: skip
CSV_TABLES = {"questions": CSV_COLUMNS, "recommendations": RECOMMENDATION_COLUMNS}


async def _record(request: web.Request) -> dict[str, Any]:
    async with request.app[DATABASE].read() as session:
        return await session_record(
            session, path_id(request, "session_id"), records=request.app[STAGE].records
        )


@routes.get(r"/api/sessions/{session_id:\d+}/record", name="record")
async def record_json(request: web.Request) -> web.Response:
    return web.json_response(await _record(request))


@routes.get(r"/api/events/{event_id:\d+}/figures", name="figures")
async def figures(request: web.Request) -> web.Response:
    """Speakers by kind and scope, questions per session and per mission (organisers)."""
    async with request.app[DATABASE].read() as session:
        return web.json_response(await event_figures(session, path_id(request, "event_id")))


@routes.get(r"/api/sessions/{session_id:\d+}/record.csv", name="record.csv")
async def record_csv(request: web.Request) -> web.Response:
    """The questions, a row each; `?table=recommendations`: the recommendations, a row each
    (the other parts of the record are in the JSON and the page)."""
    table = request.query.get("table", "questions")
    if table not in CSV_TABLES:
        raise Invalid("'table' is questions or recommendations.", field="table")
    record = await _record(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_TABLES[table])
    for row in record[table]:
        if table == "questions":
            answers = " | ".join(
                f"{a['organisation']}: {a['text']}" for a in row["written_answers"]
            )
            row = {**row, "written_answers": answers}
        writer.writerow([_cell(row[column]) for column in CSV_TABLES[table]])
    suffix = "" if table == "questions" else f"-{table}"
    name = f"record-{record['session']['country']}-{record['session']['id']}{suffix}.csv"
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with one of these as a formula.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@routes.get(r"/sessions/{session_id:\d+}/record", name="record.page")
async def record_page(request: web.Request) -> web.Response:
    """A printable page, in the language of `?lang=` or else of the browser (English by
    default)."""
    asked = request.query.get("lang")
    if asked is not None and known(asked) is None:
        raise Invalid(f"'lang' is one of: {', '.join(LANGUAGES)}.", code="bad_lang")
    language = requested(asked, request.headers.get("Accept-Language"))
    return web.Response(
        text=record_page_html(await _record(request), language),
        content_type="text/html",
        headers={"Content-Language": language, "Vary": "Accept-Language"},
    )
