"""Captions: SRT and WebVTT in, clean WebVTT out, nonsense refused."""

from __future__ import annotations

import pytest

from media.captions import to_webvtt
from media.errors import MediaRejected

SRT = b"""1
00:00:01,000 --> 00:00:03,500
Good morning, <b>excellencies</b>.

2
00:00:04,000 --> 00:00:06,000
We speak for 14 organisations.
"""


def test_srt_becomes_webvtt() -> None:
    assert to_webvtt(SRT) == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.500\nGood morning, excellencies.\n\n"
        "00:00:04.000 --> 00:00:06.000\nWe speak for 14 organisations.\n"
    )


def test_webvtt_is_kept() -> None:
    vtt = b"WEBVTT\n\nNOTE a note\n\n00:01.000 --> 00:02.000 align:start\nHello\n"
    assert "00:00:01.000 --> 00:00:02.000\nHello" in to_webvtt(vtt)


@pytest.mark.parametrize(
    "raw",
    [b"", b"just some text", b"1\n00:00:05,000 --> 00:00:01,000\nbackwards\n", b"\xff\xfe\x00"],
)
def test_nonsense_is_refused(raw: bytes) -> None:
    with pytest.raises(MediaRejected) as refused:
        to_webvtt(raw)
    assert refused.value.message
