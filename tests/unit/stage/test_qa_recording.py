"""The Q&A recording's pure parts: the tiles, the timeline, the record's stage history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from server.models import QaRecording, QaRecordingState
from server.records.stage import qa_recording, stage_history
from server.stage import rights
from server.stage.proxy import _publishes
from server.stage.recording import (
    MAX_TILES,
    PIECE,
    Track,
    _unlink,
    compose_command,
    grid,
    tiles_for,
    timeline,
)

T0 = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


def test_tiles_are_reused_once_a_video_ends() -> None:
    chosen, count = tiles_for([(0, 10), (5, 20), (12, 30), (21, 25)])
    assert count == 2
    assert chosen == [0, 1, 0, 1]


def test_more_people_on_camera_than_tiles_are_heard_not_seen() -> None:
    spans = [(0.0, 60.0)] * (MAX_TILES + 2)
    chosen, count = tiles_for(spans)
    assert count == MAX_TILES
    assert chosen.count(-1) == 2


def test_the_grid_grows_with_the_tiles() -> None:
    assert [grid(n) for n in (0, 1, 2, 3, 4, 5, 6, 9)] == [
        (1, 1), (1, 1), (2, 1), (2, 2), (2, 2), (3, 2), (3, 2), (3, 3),
    ]  # fmt: skip


def test_only_our_piece_names_are_pieces() -> None:
    assert PIECE.match("p7-1796237892520-d4e5f6-audio-0.mjr")
    for name in ("videoroom-1009-user-1-2-audio-0.mjr", "p7-1-zz-audio-0.mjr", "../p7.mjr"):
        assert not PIECE.match(name)


def _track(person: int, kind: str, start: float, duration: float, tag: str = "a") -> Track:
    at = T0 + timedelta(seconds=start)
    return Track(person, f"p{person}-{tag}", kind, Path(f"{person}{tag}.{kind}"), at, duration)


def test_the_timeline_joins_a_publications_sound_and_picture() -> None:
    tracks = [
        _track(7, "audio", 0.0, 9.0),
        _track(6, "audio", 13.1, 3.3),
        # Its first video packet in the next second: still the same publication.
        _track(6, "video", 13.95 + 0.1, 2.4),
    ]
    names = {6: {"person": 6, "name": "Ana"}, 7: {"person": 7, "name": "Ben"}}
    assert timeline(tracks, names) == [
        {"person": 7, "name": "Ben", "from_s": 0.0, "to_s": 9.0, "video": False},
        {"person": 6, "name": "Ana", "from_s": 13.1, "to_s": 16.4, "video": True},
    ]
    # Two publications of one person within a second are two entries.
    again = [_track(6, "audio", 0.0, 0.4, "a"), _track(6, "audio", 0.6, 2.0, "b")]
    assert [entry["from_s"] for entry in timeline(again, names)] == [0.0, 0.6]


def test_every_input_keeps_its_filters_when_its_picture_size_changes() -> None:
    tracks = [_track(7, "audio", 0.0, 9.0), _track(6, "video", 1.0, 3.0)]
    command = compose_command(tracks, Path("out.mp4"))
    inputs = [i for i, arg in enumerate(command) if arg == "-i"]
    files = [i for i in inputs if command[i + 1].startswith("file:")]
    assert len(files) == 2
    for i in files:
        options = command[i - 4 : i]
        assert options[options.index("-reinit_filter") + 1] == "0", command


def test_only_the_pieces_made_into_the_recording_are_deleted(tmp_path: Path) -> None:
    listed = [tmp_path / "p7-1-a1b2c3-audio-0.mjr", tmp_path / "p7-1-a1b2c3-video-1.mjr"]
    later = tmp_path / "p7-9-d4e5f6-audio-0.mjr"  # written after the job listed the folder
    for path in (*listed, later):
        path.write_bytes(b"MJR00002")
    _unlink(listed)
    assert sorted(tmp_path.iterdir()) == [later]
    _unlink([later])
    assert not tmp_path.exists()  # nothing left in it: the folder goes too


def test_only_a_participants_offer_to_publish_is_recorded() -> None:
    participant = rights.Handle(rights.PARTICIPANT, 1001, 5)
    subscriber = rights.Handle(rights.SUBSCRIBER, 1001)
    offer = {"type": "offer", "sdp": "v=0"}

    def message(request: str, *, jsep: bool = True) -> dict[str, object]:
        return {"body": {"request": request}, **({"jsep": offer} if jsep else {})}

    for request in ("publish", "configure", "joinandconfigure"):
        assert _publishes(message(request), participant)
        assert not _publishes(message(request), subscriber)
        assert not _publishes(message(request), None)
    assert not _publishes(message("configure", jsep=False), participant)  # a mute, say
    assert not _publishes(message("start"), participant)


def _stage(floor: dict[str, object] | None, *people: int) -> dict[str, object]:
    return {
        "floor": floor,
        "on_stage": [
            {
                "person": p,
                "name": f"P{p}",
                "role": "speaker",
                "organisation": "Org",
                "mission": None,
            }
            for p in people
        ],
    }


def test_floor_turns_and_stays_come_from_the_journal() -> None:
    france = {"mission": {"id": 3, "country": "FR", "name": "France"}, "video": True,
              "question": 12}  # fmt: skip
    updates = [
        (T0, _stage(None, 7)),
        (T0 + timedelta(seconds=10), _stage(france, 7)),
        (T0 + timedelta(seconds=20), _stage(france, 7, 9)),
        (T0 + timedelta(seconds=30), _stage(None, 7)),
        (T0 + timedelta(seconds=40), _stage(None)),
    ]
    history = stage_history(updates, T0 + timedelta(hours=1), numbers={12: 2})
    assert history["floor"] == [
        {
            "mission": "France",
            "mission_country": "FR",
            "question": 2,
            "video": True,
            "from": (T0 + timedelta(seconds=10)).isoformat(),
            "until": (T0 + timedelta(seconds=30)).isoformat(),
        }
    ]
    stays = {(stay["name"], stay["from"], stay["until"]) for stay in history["on_stage"]}
    assert stays == {
        ("P7", T0.isoformat(), (T0 + timedelta(seconds=40)).isoformat()),
        ("P9", (T0 + timedelta(seconds=20)).isoformat(), (T0 + timedelta(seconds=30)).isoformat()),
    }


def test_a_turn_still_open_ends_now() -> None:
    france = {"mission": {"id": 3, "country": "FR", "name": "France"}, "question": None}
    history = stage_history([(T0, _stage(france))], T0 + timedelta(minutes=5))
    assert history["floor"][0]["until"] == (T0 + timedelta(minutes=5)).isoformat()
    assert history["floor"][0]["question"] is None


def test_the_record_says_why_there_is_no_recording() -> None:
    off = qa_recording(None, [], records=False)
    assert off["state"] == "off"
    assert "not recorded on this server" in off["note"]
    assert qa_recording(None, [], records=True)["state"] == "not_recorded"
    processing = QaRecording(
        country_session_id=4, state=QaRecordingState.PROCESSING, started_at=T0, pieces=[]
    )
    shown = qa_recording(processing, [], records=True)
    assert shown["state"] == "processing"
    assert shown["master"] is None
    ready = QaRecording(
        country_session_id=4,
        state=QaRecordingState.READY,
        started_at=T0,
        pieces=[],
        media={"duration_s": 20.5, "master": "v1/master.m3u8", "download": "v1/statement.mp4",
               "poster": "v1/poster.jpg"},
    )  # fmt: skip
    shown = qa_recording(ready, [], records=True)
    assert shown["master"] == "/media/sessions/4/qa/v1/master.m3u8"
    assert shown["duration_s"] == 20.5
