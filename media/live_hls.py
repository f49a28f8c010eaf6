"""Live RTP into low-latency HLS: the SDP that describes forwarded streams, and the ffmpeg
command that mixes their sound, transcodes one picture and writes two rolling playlists.

Pure: dataclasses in, text and argv out. Who sends the RTP (a Janus forwarder) and who runs
the command are the caller's business. The argv is written by hand rather than through
ffmpeg-python: an SDP input with its protocol allow-list and a `filter_complex` feeding two
HLS outputs read more plainly as the command line itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SEGMENT_SECONDS = 1
LIST_SIZE = 6  # segments in the rolling playlist: a late joiner starts a few seconds back
FRAME_RATE = 25  # VP8 over RTP has no frame rate: without one ffmpeg assumes 90,000
PICTURE = "av"  # the rendition with the picture and the sound
SOUND = "audio"  # the sound only (the *Sound only* choice)
RENDITIONS = (PICTURE, SOUND)
PLAYLIST = "index.m3u8"
SEGMENT_PATTERN = "seg_%06d.ts"

# What a forwarder sends: the RTP payload type, and the SDP rtpmap for it.
RTPMAP = {"opus": "opus/48000/2", "vp8": "VP8/90000", "h264": "H264/90000", "vp9": "VP9/90000"}


@dataclass(frozen=True)
class RtpStream:
    kind: str  # "audio" | "video"
    codec: str  # a key of RTPMAP
    port: int  # even; ffmpeg takes port + 1 for RTCP
    payload_type: int


@dataclass(frozen=True)
class LiveHls:
    sdp: Path
    out_dir: Path  # PICTURE/ and SOUND/ are written under it
    streams: tuple[RtpStream, ...]  # any number of audio streams, at most one video
    bitrate_kbps: int = 800
    max_height: int = 480


def sdp(streams: tuple[RtpStream, ...], host: str = "127.0.0.1") -> str:
    """An SDP describing every stream as one input, one m-line each, in order."""
    lines = ["v=0", f"o=- 0 0 IN IP4 {host}", "s=Presession stage", f"c=IN IP4 {host}", "t=0 0"]
    for stream in streams:
        lines.append(f"m={stream.kind} {stream.port} RTP/AVP {stream.payload_type}")
        lines.append(f"a=rtpmap:{stream.payload_type} {RTPMAP[stream.codec]}")
        lines.append("a=recvonly")
    return "\r\n".join(lines) + "\r\n"


def live_hls_command(spec: LiveHls) -> list[str]:
    """ffmpeg: the sound of every audio stream mixed, the picture transcoded to H.264 at
    FRAME_RATE, two HLS outputs with 1 s segments that continue an existing playlist (with a
    discontinuity) when ffmpeg starts again."""
    audio = [stream for stream in spec.streams if stream.kind == "audio"]
    video = [stream for stream in spec.streams if stream.kind == "video"]
    if not audio and not video:
        raise ValueError("nothing to stream")
    if len(video) > 1:
        raise ValueError("one picture at most")
    argv = ["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error"]
    argv += ["-protocol_whitelist", "file,udp,rtp", "-fflags", "+genpts+discardcorrupt"]
    argv += ["-analyzeduration", "3000000", "-probesize", "5000000", "-reorder_queue_size", "64"]
    argv += ["-thread_queue_size", "1024", "-i", f"file:{spec.sdp}"]
    filters, picture_out, sound_outs = [], [], []
    if audio:
        inputs = "".join(f"[0:a:{index}]" for index in range(len(audio)))
        mixed = (
            f"{inputs}amix=inputs={len(audio)}:duration=longest:normalize=0,"
            if len(audio) > 1
            else f"{inputs}"
        )
        filters.append(f"{mixed}aresample=48000:async=1,asplit=2[sound1][sound2]")
        picture_out, sound_outs = ["-map", "[sound1]"], ["-map", "[sound2]"]
    if video:
        filters.append(
            f"[0:v:0]fps={FRAME_RATE},scale=-2:'min({spec.max_height},ih)',format=yuv420p[picture]"
        )
        picture_out = ["-map", "[picture]", *picture_out]
    if filters:
        argv += ["-filter_complex", ";".join(filters)]
    argv += picture_out + _codecs(spec, video=bool(video), audio=bool(audio))
    argv += _hls(spec.out_dir / PICTURE)
    if audio:
        argv += sound_outs + _codecs(spec, video=False, audio=True) + _hls(spec.out_dir / SOUND)
    return argv


def _codecs(spec: LiveHls, *, video: bool, audio: bool) -> list[str]:
    codecs: list[str] = []
    if video:
        gop = str(FRAME_RATE * SEGMENT_SECONDS)
        codecs += ["-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency"]
        codecs += ["-profile:v", "main", "-g", gop, "-keyint_min", gop, "-sc_threshold", "0"]
        rate = f"{spec.bitrate_kbps}k"
        codecs += ["-b:v", rate, "-maxrate", rate, "-bufsize", f"{spec.bitrate_kbps * 2}k"]
    if audio:
        codecs += ["-c:a", "aac", "-b:a", "96k", "-ac", "2", "-ar", "48000"]
    return codecs


def _hls(folder: Path) -> list[str]:
    return [
        "-f", "hls",
        "-hls_time", str(SEGMENT_SECONDS),
        "-hls_list_size", str(LIST_SIZE),
        "-hls_delete_threshold", "2",
        "-hls_flags",
        "delete_segments+append_list+discont_start+omit_endlist+independent_segments+temp_file",
        "-hls_segment_filename", str(folder / SEGMENT_PATTERN),
        str(folder / PLAYLIST),
    ]  # fmt: skip
