"""The record over HTTP, for organisers: JSON (with its digest), CSV and a printable page;
and the event's figures."""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Any

from aiohttp import web

from server.errors import Invalid
from server.keys import DATABASE, STAGE
from server.records.figures import event_figures
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
    """A printable page; every value is escaped: names and questions are text, never HTML."""
    record = await _record(request)
    session = record["session"]
    parts = [
        f"<h1>{escape(session['event'])}: {escape(session['country_name'])}</h1>",
        f"<p>State under Review: {escape(session['state_under_review'])}. "
        f"{escape(session['starts_at'])} to {escape(session['ends_at'])} (UTC).</p>",
        "<h2>Speakers and statements</h2>",
        _table(
            ("Organisation", "Kind", "Title", "Language"),
            [
                (s["organisation"], s["kind"], st["title"], st["language"])
                for s, st in zip(record["speakers"], record["statements"], strict=True)
            ],
        ),
        "<h2>Recommendations</h2>",
        _table(
            ("Organisation", "No.", "Recommendation", "Theme", "Previous cycle", "Missions"),
            [
                (
                    r["organisation"],
                    r["number"],
                    r["text"],
                    r["theme_name"],
                    r["previous"],
                    r["missions_intending"],
                )
                for r in record["recommendations"]
            ],
        ),
        "<h2>Questions</h2>",
        _table(
            (
                "No.",
                "Mission",
                "To",
                "Question",
                "Status",
                "Asked",
                "On air",
                "Answered",
                "Written answers",
            ),
            [
                (
                    q["number"],
                    q["mission"] + (" (State under Review)" if q["state_under_review"] else ""),
                    q["addressee"],
                    q["text_as_asked"]
                    + (f"\n[edited: {q['text_as_edited']}]" if q["text_as_edited"] else ""),
                    q["status"],
                    q["asked_at"],
                    q["on_air_at"],
                    q["answered_at"],
                    "\n".join(f"{a['organisation']}: {a['text']}" for a in q["written_answers"]),
                )
                for q in record["questions"]
            ],
        ),
        "<h2>Attendance</h2>",
        _table(
            ("Delegation", "First joined", "Time present"),
            [
                (a["name"], a["first_join"], f"{a['seconds_present'] // 60} min")
                for a in record["attendance"]
            ],
        ),
        *_stage_parts(record["stage"]),
        f'<p class="digest">SHA-256 {escape(record["digest"]["value"])} '
        f"(generated {escape(record['generated_at'])})</p>",
    ]
    return web.Response(text=_PAGE.replace("BODY", "\n".join(parts)), content_type="text/html")


def _stage_parts(stage: dict[str, Any]) -> list[str]:
    """The floor turns, who was on stage, and the Q&A recording (with who is left out)."""
    recording = stage["qa_recording"]
    parts = ["<h2>The live stage</h2>", "<h3>The floor</h3>"]
    parts.append(
        _table(
            ("Delegation", "Question", "Camera", "From", "Until"),
            [
                (
                    t["mission"],
                    t["question"],
                    "yes" if t["video"] else "sound only",
                    t["from"],
                    t["until"],
                )
                for t in stage["floor"]
            ],
        )
    )
    parts += [
        "<h3>On stage</h3>",
        _table(
            ("Name", "Role", "Organisation or mission", "From", "Until"),
            [
                (p["name"], p["role"], p["organisation"] or p["mission"], p["from"], p["until"])
                for p in stage["on_stage"]
            ],
        ),
        "<h3>Q&amp;A recording</h3>",
    ]
    if recording["state"] == "ready":
        parts.append(
            f'<p><a href="{escape(recording["download"])}">Download the Q&amp;A recording</a> '
            f"({round(recording['duration_s'] or 0) // 60} min "
            f"{round(recording['duration_s'] or 0) % 60} s).</p>"
        )
    else:
        state = recording["state"]
        parts.append(f"<p>{escape(_STATES.get(state) or recording.get('note') or state)}</p>")
    if recording["left_out"]:
        parts.append(
            "<p>Not in the recording (did not agree to be recorded): "
            f"{escape(', '.join(recording['left_out']))}.</p>"
        )
    return parts


_STATES = {
    "recording": "The stage is being recorded; the recording is made when the session closes.",
    "processing": "The Q&A recording is being made.",
    "empty": "Nothing was recorded: nobody who agreed to be recorded spoke on the stage.",
    "failed": "The Q&A recording could not be made; the files of the stage are kept for a "
    "second try.",
}


def _table(headings: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Presession: session record</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/record.css"></head>
<body><main class="record">
BODY
</main></body></html>
"""
