"""The overflow's SDP and ffmpeg command, built purely."""

from __future__ import annotations

from pathlib import Path

import pytest

from media import live_hls
from media.live_hls import LiveHls, RtpStream

SOUND_A = RtpStream("audio", "opus", 40000, 111)
SOUND_B = RtpStream("audio", "opus", 40002, 111)
PICTURE = RtpStream("video", "vp8", 40004, 96)


def test_the_sdp_has_one_m_line_per_stream_in_order() -> None:
    text = live_hls.sdp((SOUND_A, SOUND_B, PICTURE))
    lines = text.split("\r\n")
    assert [line for line in lines if line.startswith("m=")] == [
        "m=audio 40000 RTP/AVP 111",
        "m=audio 40002 RTP/AVP 111",
        "m=video 40004 RTP/AVP 96",
    ]
    assert "a=rtpmap:96 VP8/90000" in lines
    assert "c=IN IP4 127.0.0.1" in lines


def test_the_command_mixes_every_sound_and_writes_two_rolling_playlists() -> None:
    spec = LiveHls(Path("/d/stage.sdp"), Path("/d"), (SOUND_A, SOUND_B, PICTURE))
    argv = live_hls.live_hls_command(spec)
    joined = " ".join(argv)
    assert argv[argv.index("-protocol_whitelist") + 1] == "file,udp,rtp"
    graph = argv[argv.index("-filter_complex") + 1]
    assert "[0:a:0][0:a:1]amix=inputs=2" in graph
    assert "fps=25" in graph  # VP8 has no frame rate of its own
    assert "libx264" in joined
    assert "zerolatency" in joined
    assert argv.count("-f") == 2
    assert argv.count("hls") == 2
    assert argv[-1] == "/d/audio/index.m3u8"
    assert "/d/av/index.m3u8" in argv
    flags = argv[argv.index("-hls_flags") + 1]
    assert "discont_start" in flags
    assert "append_list" in flags
    assert "delete_segments" in flags
    assert argv[argv.index("-hls_time") + 1] == "1"


def test_sound_alone_and_no_streams() -> None:
    argv = live_hls.live_hls_command(LiveHls(Path("/d/s.sdp"), Path("/d"), (SOUND_A,)))
    assert "amix" not in " ".join(argv)
    assert "libx264" not in argv
    with pytest.raises(ValueError, match="nothing"):
        live_hls.live_hls_command(LiveHls(Path("/d/s.sdp"), Path("/d"), ()))
    with pytest.raises(ValueError, match="one picture"):
        live_hls.live_hls_command(LiveHls(Path("/d/s.sdp"), Path("/d"), (PICTURE, PICTURE)))
