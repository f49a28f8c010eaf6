"""The stage's rights as pure functions: ids, tokens, who may publish, which requests pass."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from server.identity.principal import Principal
from server.models import Phase, Role
from server.stage import rights
from server.stage.janus import signed_token

SECRET = "s" * 64


def _principal(
    role: Role, sessions: frozenset[int] = frozenset({1}), mission: int | None = None
) -> Principal:
    return Principal(1, 1, "Someone", role, None, mission, sessions)


def test_participant_ids_are_per_person_and_room_and_fit_javascript() -> None:
    mine = rights.participant_ids(SECRET, 1001, 7)
    assert mine == rights.participant_ids(SECRET, 1001, 7)  # every process agrees
    assert len(set(mine)) == rights.SEATS
    assert all(0 < item < 2**53 for item in mine)
    assert not set(mine) & set(rights.participant_ids(SECRET, 1001, 8))
    assert not set(mine) & set(rights.participant_ids(SECRET, 1002, 7))
    assert rights.is_issued(SECRET, 1001, 7, mine[2])
    assert not rights.is_issued(SECRET, 1001, 8, mine[2])
    assert rights.room_token(SECRET, 1001, 7) != rights.room_token(SECRET, 1001, 8)
    assert rights.room_token(SECRET, 1001, 7) != rights.room_token(SECRET, 1002, 7)


@pytest.mark.parametrize(
    ("display", "person"),
    [
        ("p7", 7),
        ("p0007", 7),
        ("7", None),
        ("p", None),
        ("p7x", None),
        (None, None),
        (7, None),
        ("p" + "9" * 20, None),
    ],
)
def test_displays_name_people_only_as_the_server_wrote_them(
    display: object, person: int | None
) -> None:
    assert rights.person_of_display(display) == person


def test_rooms_map_to_sessions_and_back() -> None:
    assert rights.session_of_room(rights.room_id(5, 1000), 1000) == 5
    for room in (1000, 999, True, "1005", None, 10.5):
        assert rights.session_of_room(room, 1000) is None


def test_who_may_publish() -> None:
    floor = rights.Floor(mission_id=3, video=False)
    assert rights.may_publish(Role.MODERATOR, None, None, on_panel=False)
    assert rights.may_publish(Role.SPEAKER, None, None, on_panel=True)
    assert not rights.may_publish(Role.SPEAKER, None, None, on_panel=False)
    assert not rights.may_publish(Role.DELEGATE, 3, None, on_panel=True)
    assert rights.may_publish(Role.DELEGATE, 3, floor, on_panel=True)
    assert not rights.may_publish(Role.DELEGATE, 4, floor, on_panel=True)


def test_who_may_watch_when() -> None:
    delegate, speaker = _principal(Role.DELEGATE), _principal(Role.SPEAKER)
    assert rights.may_watch(delegate, 1, Phase.QA)
    assert not rights.may_watch(delegate, 1, Phase.SCREENING)
    assert rights.may_watch(speaker, 1, Phase.SCREENING)
    assert not rights.may_watch(speaker, 2, Phase.QA)  # not their session
    for phase in (Phase.SCHEDULED, Phase.CLOSED):
        assert not rights.may_watch(speaker, 1, phase)


SEAT = rights.Seat(person_id=7, room=1001, token="tok", participants=(11, 12), may_publish=False)
JOIN = {"request": "join", "ptype": "publisher", "room": 1001, "id": 11, "token": "tok"}


def test_a_join_with_the_pass_becomes_a_participant_named_by_the_server() -> None:
    body, handle = rights.check_message({**JOIN, "display": "<b>King</b>"}, None, SEAT)
    assert handle == rights.Handle(rights.PARTICIPANT, 1001, participant=11)
    assert body["display"] == "p7"
    body, handle = rights.check_message(
        {"request": "join", "ptype": "subscriber", "room": 1001, "private_id": 5}, None, SEAT
    )
    assert handle == rights.Handle(rights.SUBSCRIBER, 1001)


@pytest.mark.parametrize(
    "body",
    [
        {**JOIN, "id": 13},
        {**JOIN, "token": "other"},
        {**JOIN, "ptype": "listener"},
        {"request": "join", "ptype": "subscriber", "room": 1001},
        {"request": "join", "ptype": "subscriber", "room": 1001, "private_id": True},
        {**JOIN, "request": "joinandconfigure"},  # publishing, without the right
        {"request": "publish"},  # before joining
        {"request": "listparticipants", "room": 1001},
        {"request": "kick", "room": 1001, "id": 12},
        {"request": 5},
        {},
    ],
)
def test_what_a_browser_may_not_ask(body: dict[str, object]) -> None:
    with pytest.raises(rights.Refused):
        rights.check_message(body, None, SEAT)


def test_publishing_needs_the_right_at_the_time() -> None:
    participant = rights.Handle(rights.PARTICIPANT, 1001)
    with pytest.raises(rights.Refused):
        rights.check_message({"request": "publish", "audio": True}, participant, SEAT)
    speaker = rights.Seat(7, 1001, "tok", (11,), may_publish=True)
    body, _ = rights.check_message({"request": "publish", "display": "x"}, participant, speaker)
    assert "display" not in body
    rights.check_message({"request": "unpublish"}, participant, SEAT)  # stopping is always fine
    subscriber = rights.Handle(rights.SUBSCRIBER, 1001)
    rights.check_message({"request": "start"}, subscriber, SEAT)
    with pytest.raises(rights.Refused):
        rights.check_message({"request": "publish"}, subscriber, speaker)
    with pytest.raises(rights.Refused):
        rights.check_message({"request": "moderate", "mid": "0"}, participant, speaker)


def test_tokens_in_the_formats_janus_and_coturn_check() -> None:
    token = signed_token("secret", 60, now=1000.0)
    left, _, signature = token.rpartition(":")
    assert left == "1060,janus,janus.plugin.videoroom"
    expected = hmac.new(b"secret", left.encode(), hashlib.sha1).digest()
    assert base64.b64decode(signature) == expected
    username, password = rights.turn_credentials("turn", 7, 3600, now=1000.0)
    assert username == "4600:presession-7"
    assert base64.b64decode(password) == hmac.new(b"turn", username.encode(), hashlib.sha1).digest()


def test_recording_and_identity_are_never_the_browsers() -> None:
    participant = rights.Handle(rights.PARTICIPANT, 1001)
    speaker = rights.Seat(7, 1001, "tok", (11,), may_publish=True)
    body, _ = rights.check_message(
        {"request": "configure", "record": True, "filename": "../../x", "room": 2002,
         "id": 12, "display": "King", "ptype": "subscriber", "bitrate": 1},
        participant, speaker,
    )  # fmt: skip
    assert body == {"request": "configure", "room": 1001, "bitrate": 1}
    body, _ = rights.check_message({**JOIN, "record": True}, None, SEAT)
    assert "record" not in body
    with pytest.raises(rights.Refused):  # a second join on a joined handle
        rights.check_message({**JOIN, "request": "joinandconfigure"}, participant, speaker)


def test_a_video_offer_is_told_from_a_sound_only_one() -> None:
    audio = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    assert not rights.offers_video({"type": "offer", "sdp": audio})
    assert not rights.offers_video({"type": "offer", "sdp": audio + "m=video 0 UDP/TLS 96\r\n"})
    assert rights.offers_video({"type": "offer", "sdp": audio + "m=video 9 UDP/TLS 96\r\n"})
    assert not rights.offers_video(None)
    assert not rights.offers_video({"sdp": 5})


def test_sound_outside_mid_zero_is_told_apart_so_that_a_mute_drops_all_of_it() -> None:
    def offer(*sections: str) -> dict[str, str]:
        return {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" + "".join(sections)}

    audio = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\na=mid:{mid}\r\n"
    video = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:{mid}\r\n"
    assert not rights.audio_outside_mid_zero(offer(audio.format(mid=0), video.format(mid=1)))
    assert not rights.audio_outside_mid_zero(offer(video.format(mid=0)))  # no sound at all
    assert rights.audio_outside_mid_zero(offer(video.format(mid=0), audio.format(mid=1)))
    assert rights.audio_outside_mid_zero(offer(audio.format(mid="a")))
    assert rights.audio_outside_mid_zero(offer(audio.format(mid=0), audio.format(mid=2)))
    assert rights.audio_outside_mid_zero(offer(audio.format(mid="00")))
    # A rejected section (port 0) sends nothing, whatever its mid.
    rejected = "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=mid:3\r\n"
    assert not rights.audio_outside_mid_zero(offer(audio.format(mid=0), rejected))
    assert not rights.audio_outside_mid_zero(None)
    assert not rights.audio_outside_mid_zero({"sdp": 5})


def test_only_the_q_and_a_of_a_recorded_stage_is_recorded_and_speakers_only_by_choice() -> None:
    for role in Role:
        assert not rights.may_record(role, Phase.QA, recorded=False, consents=True)
        for phase in (Phase.SCHEDULED, Phase.SCREENING, Phase.CLOSED):
            assert not rights.may_record(role, phase, recorded=True, consents=True)
    assert rights.may_record(Role.SPEAKER, Phase.QA, recorded=True, consents=True)
    assert not rights.may_record(Role.SPEAKER, Phase.QA, recorded=True, consents=False)
    for role in (Role.ADMIN, Role.MODERATOR, Role.DELEGATE):
        assert rights.may_record(role, Phase.QA, recorded=True, consents=False)
