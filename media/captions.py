"""Captions: WebVTT or SRT in, validated WebVTT out (pure text, no tools needed)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from media.errors import MediaRejected

_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*"
    r"(?P<end>(?:\d{1,2}:)?\d{1,2}:\d{2}[.,]\d{1,3})(?P<settings>[^\n]*)$"
)
MAX_CUES = 5000


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str


def to_webvtt(raw: bytes) -> str:
    """Parse WebVTT or SRT and write clean WebVTT; refuse anything else with a message."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MediaRejected("bad_captions", "Captions must be UTF-8 text.") from error
    cues = parse_cues(text)
    lines = ["WEBVTT", ""]
    for cue in cues:
        lines += [f"{_stamp(cue.start_s)} --> {_stamp(cue.end_s)}", cue.text, ""]
    return "\n".join(lines)


def parse_cues(text: str) -> list[Cue]:
    blocks = re.split(r"\r?\n\s*\r?\n", text.replace("\r\n", "\n").strip())
    if blocks and blocks[0].startswith("WEBVTT"):
        blocks = blocks[1:]
    cues = []
    for block in blocks:
        lines = [line for line in block.split("\n") if line.strip() or line]
        timing_index = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing_index is None:
            if block.startswith(("NOTE", "STYLE", "REGION")):
                continue
            raise MediaRejected("bad_captions", f"This caption block has no timing: {block[:60]!r}")
        match = _TIMING.match(lines[timing_index])
        if match is None:
            raise MediaRejected("bad_captions", f"Bad caption timing: {lines[timing_index][:60]!r}")
        start, end = _seconds(match["start"]), _seconds(match["end"])
        if end <= start:
            raise MediaRejected("bad_captions", f"A caption ends before it starts: {start:.3f} s")
        body = "\n".join(lines[timing_index + 1 :]).strip()
        cues.append(Cue(start, end, _plain(body)))
    if not cues:
        raise MediaRejected("bad_captions", "The captions file has no cues.")
    if len(cues) > MAX_CUES:
        raise MediaRejected("bad_captions", f"More than {MAX_CUES} captions.")
    return cues


def _plain(body: str) -> str:
    # Keep only text: no markup reaches a player; an empty line would end the cue.
    cleaned = re.sub(r"<[^>]*>", "", body).replace("-->", "→")
    return "\n".join(line for line in cleaned.split("\n") if line.strip()) or " "


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2])
    hours = int(parts[-3]) if len(parts) == 3 else 0
    return hours * 3600 + minutes * 60 + seconds


def _stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"
