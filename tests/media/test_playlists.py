"""Playlists: the master's attributes and the stitched session playlist."""

from __future__ import annotations

from media.playlists import (
    Segment,
    Variant,
    master_playlist,
    parse_media_playlist,
    stitched_playlist,
)


def test_master_lists_bandwidth_resolution_codecs() -> None:
    text = master_playlist(
        [
            Variant(
                "720p", "720p/index.m3u8", 3_000_000, 2_600_000, "avc1.4d401f,mp4a.40.2", 1280, 720
            ),
            Variant("audio", "audio/index.m3u8", 70_000, 66_000, "mp4a.40.2"),
        ]
    )
    assert text.startswith("#EXTM3U\n")
    assert (
        "#EXT-X-STREAM-INF:BANDWIDTH=3000000,AVERAGE-BANDWIDTH=2600000,"
        'CODECS="avc1.4d401f,mp4a.40.2",RESOLUTION=1280x720\n720p/index.m3u8'
    ) in text
    assert '#EXT-X-STREAM-INF:BANDWIDTH=70000,AVERAGE-BANDWIDTH=66000,CODECS="mp4a.40.2"\n' in text


def test_stitched_playlist_separates_statements() -> None:
    first = [Segment(6.0, "/m/1/a.ts"), Segment(2.5, "/m/1/b.ts")]
    second = [Segment(4.0, "/m/2/a.ts")]
    text = stitched_playlist([first, second])
    assert "#EXT-X-TARGETDURATION:6" in text
    assert text.count("#EXT-X-DISCONTINUITY") == 1
    assert text.index("/m/1/b.ts") < text.index("#EXT-X-DISCONTINUITY") < text.index("/m/2/a.ts")
    assert text.endswith("#EXT-X-ENDLIST\n")
    assert [s.uri for s in parse_media_playlist(text)] == ["/m/1/a.ts", "/m/1/b.ts", "/m/2/a.ts"]
