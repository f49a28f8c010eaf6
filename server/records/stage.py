"""The stage in the record: who had the floor and who was on stage, and when, read back from
the live room's journal (every stage change is journalled with the whole stage); and the Q&A
recording, with who is in it and who is not."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from server.models import QaRecording, QaRecordingState, Statement

NOT_RECORDED = {
    "off": "The stage was not recorded on this server.",
    "not_recorded": "Nothing was recorded: nobody who agreed to be recorded spoke on the stage.",
}


def stage_history(
    updates: Iterable[tuple[datetime, dict[str, Any]]],
    until: datetime,
    *,
    numbers: dict[int, int] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Floor turns and stays on stage, from the journalled `stage` updates in version order.

    A turn or a stay that is still open at the last update ends at `until` (now: closing the
    session journals a stage without floor or anyone on it). `numbers` turns question ids
    into the numbers the record shows."""
    numbers = numbers or {}
    turns: list[dict[str, Any]] = []
    stays: list[dict[str, Any]] = []
    floor_key: tuple[Any, ...] | None = None
    present: dict[int, dict[str, Any]] = {}
    for at, stage in updates:
        floor = stage.get("floor")
        key = None if floor is None else (floor["mission"]["id"], floor.get("question"))
        if key != floor_key:
            if turns and turns[-1]["until"] is None:
                turns[-1]["until"] = at.isoformat()
            if floor is not None:
                turns.append(
                    {
                        "mission": floor["mission"]["name"],
                        "mission_country": floor["mission"]["country"],
                        "question": numbers.get(floor.get("question") or 0),
                        "video": bool(floor.get("video")),
                        "from": at.isoformat(),
                        "until": None,
                    }
                )
            floor_key = key
        now_on = {entry["person"]: entry for entry in stage.get("on_stage", [])}
        for person, stay in list(present.items()):
            if person not in now_on:
                stay["until"] = at.isoformat()
                del present[person]
        for person, entry in now_on.items():
            if person not in present:
                present[person] = {
                    "name": entry.get("name"),
                    "role": entry.get("role"),
                    "organisation": entry.get("organisation"),
                    "mission": (entry.get("mission") or {}).get("name"),
                    "from": at.isoformat(),
                    "until": None,
                }
                stays.append(present[person])
    for item in [*turns, *stays]:
        if item["until"] is None:
            item["until"] = until.isoformat()
    return {"floor": turns, "on_stage": stays}


def qa_recording(
    recording: QaRecording | None, statements: list[Statement], *, records: bool
) -> dict[str, Any]:
    """The Q&A recording as the record states it: its state, where it is, who is in it, and
    the organisations whose speakers did not agree to be recorded (so they are not in it)."""
    refused = sorted(
        {
            statement.organisation.name
            for statement in statements
            if statement.speaker_id is not None and not statement.record_live
        }
    )
    if recording is None:
        reason = "not_recorded" if records else "off"
        return {"state": reason, "note": NOT_RECORDED[reason], "left_out": refused}
    base = f"/media/sessions/{recording.country_session_id}/qa"
    media = recording.media or {}
    ready = recording.state is QaRecordingState.READY
    return {
        "state": recording.state.value,
        "started_at": recording.started_at.isoformat(),
        "duration_s": media.get("duration_s") if ready else None,
        "master": f"{base}/{media['master']}" if ready else None,
        "download": f"{base}/{media['download']}" if ready else None,
        "poster": f"{base}/{media['poster']}" if ready else None,
        "in_it": recording.pieces,
        "left_out": refused,
        "note": "Speakers who did not agree to be recorded were never recorded."
        if refused
        else None,
    }
