"""The printable record: one HTML page in one of the six UN languages (right to left in
Arabic). Every value is escaped: names and questions are text, never HTML."""

from __future__ import annotations

from html import escape
from typing import Any

from server.countries import country_name
from server.languages import direction
from server.records.page_texts import TEXTS
from server.records.record import WHOLE_PANEL


def record_page_html(record: dict[str, Any], language: str) -> str:
    texts = TEXTS[language]
    session = record["session"]
    country = country_name(session["country"], language)
    parts = [
        f"<h1>{escape(session['event'])}: {escape(country)}</h1>",
        "<p>"
        + escape(texts["sur"].format(name=country))
        + " "
        + escape(texts["period"].format(start=session["starts_at"], end=session["ends_at"]))
        + "</p>",
        f"<h2>{escape(texts['speakers'])}</h2>",
        _table(
            texts["speakers"],
            (texts["organisation"], texts["kind"], texts["statement_title"], texts["language"]),
            [
                (
                    s["organisation"],
                    texts.get(f"kind_{s['kind']}", s["kind"]),
                    st["title"],
                    st["language"],
                )
                for s, st in zip(record["speakers"], record["statements"], strict=True)
            ],
        ),
        f"<h2>{escape(texts['recommendations'])}</h2>",
        _recommendations(record["recommendations"], texts),
        f"<h2>{escape(texts['questions'])}</h2>",
        _questions(record["questions"], texts),
        f"<h2>{escape(texts['attendance'])}</h2>",
        _table(
            texts["attendance"],
            (texts["delegation"], texts["first_joined"], texts["time_present"]),
            [
                (
                    a["name"],
                    a["first_join"],
                    texts["minutes"].format(minutes=a["seconds_present"] // 60),
                )
                for a in record["attendance"]
            ],
        ),
        *_stage_parts(record["stage"], texts),
        '<p class="digest">'
        + escape(
            texts["generated"].format(digest=record["digest"]["value"], time=record["generated_at"])
        )
        + "</p>",
    ]
    return (
        _PAGE.replace("LANG", language)
        .replace("DIR", direction(language))
        .replace("TITLE", escape(texts["title"]))
        .replace("BODY", "\n".join(parts))
    )


def _recommendations(recommendations: list[dict[str, Any]], texts: dict[str, str]) -> str:
    headings = ("organisation", "number", "recommendation", "theme", "previous_cycle")
    return _table(
        texts["recommendations"],
        (*(texts[heading] for heading in headings), texts["missions_intending"]),
        [
            (
                r["organisation"],
                r["number"],
                r["text"],
                texts.get(f"theme_{r['theme']}", r["theme_name"]),
                r["previous"],
                r["missions_intending"],
            )
            for r in recommendations
        ],
    )


def _questions(questions: list[dict[str, Any]], texts: dict[str, str]) -> str:
    headings = ("number", "mission", "to", "question", "status", "asked", "on_air", "answered")
    return _table(
        texts["questions"],
        (*(texts[heading] for heading in headings), texts["written_answers"]),
        [
            (
                q["number"],
                q["mission"] + (f" {texts['sur_mark']}" if q["state_under_review"] else ""),
                texts["whole_panel"] if q["addressee"] == WHOLE_PANEL else q["addressee"],
                q["text_as_asked"]
                + (
                    "\n" + texts["edited"].format(text=q["text_as_edited"])
                    if q["text_as_edited"]
                    else ""
                ),
                texts.get(f"status_{q['status']}", q["status"]),
                q["asked_at"],
                q["on_air_at"],
                q["answered_at"],
                "\n".join(f"{a['organisation']}: {a['text']}" for a in q["written_answers"]),
            )
            for q in questions
        ],
    )


def _stage_parts(stage: dict[str, Any], texts: dict[str, str]) -> list[str]:
    """The floor turns, who was on stage, and the Q&A recording (with who is left out)."""
    recording = stage["qa_recording"]
    parts = [f"<h2>{escape(texts['stage'])}</h2>", f"<h3>{escape(texts['floor'])}</h3>"]
    parts.append(
        _table(
            texts["floor"],
            (
                texts["delegation"],
                texts["question"],
                texts["camera"],
                texts["from"],
                texts["until"],
            ),
            [
                (
                    t["mission"],
                    t["question"],
                    texts["camera_yes"] if t["video"] else texts["sound_only"],
                    t["from"],
                    t["until"],
                )
                for t in stage["floor"]
            ],
        )
    )
    parts += [
        f"<h3>{escape(texts['on_stage'])}</h3>",
        _table(
            texts["on_stage"],
            (texts["name"], texts["role"], texts["belongs_to"], texts["from"], texts["until"]),
            [
                (
                    p["name"],
                    texts.get(f"role_{p['role']}", p["role"]),
                    p["organisation"] or p["mission"],
                    p["from"],
                    p["until"],
                )
                for p in stage["on_stage"]
            ],
        ),
        f"<h3>{escape(texts['recording'])}</h3>",
    ]
    if recording["state"] == "ready":
        seconds = round(recording["duration_s"] or 0)
        duration = texts["duration"].format(minutes=seconds // 60, seconds=seconds % 60)
        parts.append(
            f'<p><a href="{escape(recording["download"])}">{escape(texts["download"])}</a> '
            f"{escape(duration)}</p>"
        )
    else:
        state = recording["state"]
        said = texts.get(f"state_{state}") or recording.get("note") or state
        parts.append(f"<p>{escape(said)}</p>")
    if recording["left_out"]:
        names = ", ".join(recording["left_out"])
        parts.append(f"<p>{escape(texts['left_out'].format(names=names))}</p>")
    return parts


def _table(label: str, headings: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    """A table that scrolls sideways inside its own box on a narrow screen (the box is
    focusable, so that a keyboard can scroll it, and named after its section)."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return (
        f'<div class="table-scroll" role="region" tabindex="0" aria-label="{escape(label)}">'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


_PAGE = """<!doctype html>
<html lang="LANG" dir="DIR"><head><meta charset="utf-8"><title>TITLE</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/record.css"></head>
<body><main class="record">
BODY
</main></body></html>
"""
