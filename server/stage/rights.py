"""Who may do what on the stage, as pure functions: room ids and secrets, per-person room
tokens and participant ids (all derived from the server's secret, so every server process
agrees without storing them), who may publish, and which browser requests to Janus pass.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.identity.principal import Principal
from server.models import Phase, Role

# A person may have the stage open in a few tabs or devices at once: one participant each.
SEATS = 4
# Janus participant ids travel through JavaScript numbers: keep them below 2**53.
_ID_BITS = 52
DISPLAY_PREFIX = "p"


def _mac(secret: str, *parts: object) -> bytes:
    message = "\x1f".join(str(part) for part in parts).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def room_id(session_id: int, base: int) -> int:
    return base + session_id


def session_of_room(room: object, base: int) -> int | None:
    if not isinstance(room, int) or isinstance(room, bool) or room <= base:
        return None
    return room - base


def room_secret(secret: str, room: int) -> str:
    """The room's secret: only our server knows it, so only our server edits or kicks."""
    return _mac(secret, "room-secret", room).hex()


def room_token(secret: str, room: int, person_id: int) -> str:
    """The person's entry in the room's `allowed` list."""
    return _mac(secret, "room-token", room, person_id).hex()[:40]


def participant_ids(secret: str, room: int, person_id: int) -> tuple[int, ...]:
    """The Janus participant ids this person may join the room with, one per seat."""
    return tuple(
        int.from_bytes(_mac(secret, "participant", room, person_id, seat)[:8], "big")
        % (2**_ID_BITS - 1)
        + 1
        for seat in range(SEATS)
    )


def display_of(person_id: int) -> str:
    """What Janus calls a participant: the server's name for the person, never their own."""
    return f"{DISPLAY_PREFIX}{person_id}"


def person_of_display(display: object) -> int | None:
    if not isinstance(display, str) or not display.startswith(DISPLAY_PREFIX):
        return None
    digits = display[len(DISPLAY_PREFIX) :]
    return int(digits) if digits.isdigit() and len(digits) < 19 else None


def is_issued(secret: str, room: int, person_id: int, participant: int) -> bool:
    return participant in participant_ids(secret, room, person_id)


@dataclass(frozen=True)
class Floor:
    mission_id: int
    video: bool


def may_watch(principal: Principal, session_id: int, phase: Phase) -> bool:
    """Delegates watch the stage in the Q&A phase; speakers and organisers get ready earlier."""
    if not principal.may_enter(session_id) or phase not in (Phase.SCREENING, Phase.QA):
        return False
    return phase is Phase.QA or principal.role is not Role.DELEGATE


def may_publish(role: Role, mission_id: int | None, floor: Floor | None, *, on_panel: bool) -> bool:
    """Speakers of the session and organisers always; a delegate only while given the floor."""
    if role in (Role.ADMIN, Role.MODERATOR):
        return True
    if role is Role.SPEAKER:
        return on_panel
    return floor is not None and mission_id is not None and floor.mission_id == mission_id


def may_record(role: Role, phase: Phase, *, recorded: bool, consents: bool) -> bool:
    """Whether what a person publishes now goes into the Q&A recording: only in the Q&A phase
    of a recorded stage; a speaker only with their consent (`record_live` on each of their
    statements in the session); organisers and delegates given the floor always (every page
    says that the stage is recorded)."""
    if not recorded or phase is not Phase.QA:
        return False
    return consents if role is Role.SPEAKER else True


def turn_credentials(
    secret: str, person_id: int, lifetime_s: int, now: float | None = None
) -> tuple[str, str]:
    """Time-limited TURN credentials (the TURN REST scheme coturn's `use-auth-secret` reads)."""
    expiry = int((time.time() if now is None else now) + lifetime_s)
    username = f"{expiry}:presession-{person_id}"
    password = base64.b64encode(
        hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    ).decode()
    return username, password


# -- the browser's requests -----------------------------------------------------------------

JANUS_VERBS = frozenset(
    {"create", "attach", "message", "trickle", "keepalive", "detach", "hangup", "destroy"}
)
PARTICIPANT = "publisher"  # Janus's ptype for someone in the room, publishing or not
SUBSCRIBER = "subscriber"
_ON_SUBSCRIBER = frozenset(
    {"start", "pause", "configure", "switch", "subscribe", "unsubscribe", "update", "leave"}
)
_PUBLISHING = frozenset({"publish", "configure"})
# Fields a browser may not set: recording is the server's, and a joined handle's identity and
# room are fixed by its join.
_NEVER = ("record", "filename", "secret", "admin_key", "allowed")
_FIXED_BY_JOIN = ("ptype", "id", "token", "private_id", "display")
_ON_PARTICIPANT = frozenset({"leave", "unpublish"})


class Refused(Exception):
    """A browser request to Janus that the person's rights do not allow; the message says why."""


@dataclass(frozen=True)
class Seat:
    """What one person may do in one room, decided by the server for this request."""

    person_id: int
    room: int
    token: str
    participants: tuple[int, ...]
    may_publish: bool
    video: bool = True  # a delegate's floor may be sound only
    record: bool = False  # what they publish now goes into the Q&A recording


@dataclass(frozen=True)
class Handle:
    """What a browser's VideoRoom handle became when it joined: its kind and its room."""

    kind: str  # PARTICIPANT or SUBSCRIBER
    room: int
    participant: int | None = None  # a participant's Janus id (its feed when publishing)


def offers_video(jsep: object) -> bool:
    """Whether an SDP offer sends video (an `m=video` section whose port is not 0)."""
    if not isinstance(jsep, Mapping) or not isinstance(jsep.get("sdp"), str):
        return False
    return any(
        line.startswith("m=video ") and not line.startswith("m=video 0 ")
        for line in jsep["sdp"].splitlines()
    )


def audio_outside_mid_zero(jsep: object) -> bool:
    """Whether an SDP offer sends audio in a section whose `mid` is not "0": a moderator's
    mute tells Janus to drop the audio of mid "0", so sound anywhere else would go unmuted."""
    if not isinstance(jsep, Mapping) or not isinstance(jsep.get("sdp"), str):
        return False
    sections = jsep["sdp"].replace("\r\n", "\n").split("\nm=")[1:]
    for section in sections:
        lines = section.split("\n")
        if not lines[0].startswith("audio ") or lines[0].startswith("audio 0 "):
            continue
        if "a=mid:0" not in (line.strip() for line in lines[1:]):
            return True
    return False


def check_message(
    body: Mapping[str, Any], handle: Handle | None, seat: Seat
) -> tuple[dict[str, Any], Handle | None]:
    """Check one VideoRoom request from a browser: the body to send on, and what the handle
    becomes when the request is its `join`. `seat` is the person's rights in the room the
    request is about (the handle's room once joined; the body's `room` for a join).
    """
    request = body.get("request")
    if not isinstance(request, str):
        raise Refused("A VideoRoom request names its 'request'.")
    checked = {key: value for key, value in body.items() if key not in _NEVER}
    if handle is None:
        if request not in ("join", "joinandconfigure"):
            raise Refused("Join the stage's room first.")
        ptype = body.get("ptype")
        if ptype == SUBSCRIBER and request == "join":
            private_id = body.get("private_id")
            if not isinstance(private_id, int) or isinstance(private_id, bool):
                raise Refused("Subscribing needs the private_id of your own participant.")
            return checked, Handle(SUBSCRIBER, seat.room)
        if ptype != PARTICIPANT:
            raise Refused("Join as a participant or a subscriber.")
        if body.get("id") not in seat.participants:
            raise Refused("Join with the participant id of your stage pass.")
        if body.get("token") != seat.token:
            raise Refused("Join with the room token of your stage pass.")
        if request == "joinandconfigure" and not seat.may_publish:
            raise Refused("You may not speak on the stage now.")
        checked["display"] = display_of(seat.person_id)
        return checked, Handle(PARTICIPANT, seat.room, participant=body["id"])
    for key in _FIXED_BY_JOIN:
        checked.pop(key, None)
    if "room" in checked:
        checked["room"] = handle.room
    if handle.kind == SUBSCRIBER and request in _ON_SUBSCRIBER:
        return checked, None
    if handle.kind == PARTICIPANT and request in _ON_PARTICIPANT:
        return checked, None
    if handle.kind == PARTICIPANT and request in _PUBLISHING:
        if not seat.may_publish:
            raise Refused("You may not speak on the stage now.")
        return checked, None
    raise Refused(f"The request {request!r} is not open to participants.")
