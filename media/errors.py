"""The media library's errors: a file we refuse, and a tool that failed."""

from __future__ import annotations

MESSAGES = {
    "unreadable": "This file is not a video we can read.",
    "empty": "The file is empty.",
    "damaged": "The recording is damaged (it may have been cut short); please export it again.",
    "no_audio": "The recording has no sound; a statement needs an audio track.",
}


class MediaError(Exception):
    """Base of the library's errors."""


class MediaRejected(MediaError):
    """The file is not a statement we accept; `message` says why, for a person."""

    def __init__(self, code: str, message: str | None = None, *, stderr: str = "") -> None:
        self.code = code
        self.message = message or MESSAGES.get(code, MESSAGES["unreadable"])
        self.stderr = stderr
        super().__init__(self.message)


class ToolFailed(MediaError):
    """ffmpeg or ffprobe exited badly; carries its command line and the end of its stderr."""

    def __init__(
        self, argv: list[str], returncode: int | None, stderr: str, *, reason: str
    ) -> None:
        self.argv = argv
        self.returncode = returncode
        self.stderr = stderr
        self.reason = reason
        super().__init__(f"{argv[0]} {reason} (exit {returncode}): {stderr[-500:]}")

    @property
    def fatal(self) -> bool:
        """Whether running it again cannot help (the input or the command is at fault)."""
        return self.input_at_fault or self._says(COMMAND_AT_FAULT)

    @property
    def input_at_fault(self) -> bool:
        """Whether ffmpeg's stderr shows that the source, not our command, is at fault."""
        return self._says(INPUT_AT_FAULT)

    def _says(self, markers: tuple[str, ...]) -> bool:
        return self.reason != "timed out" and any(marker in self.stderr for marker in markers)


class ToolTimedOut(ToolFailed):
    pass


# What ffmpeg says when the source, not our command, is at fault: no retry cures it.
INPUT_AT_FAULT = (
    "corrupt input packet",
    "Invalid data found when processing input",
    "Error while decoding",
    "partial file",
    "Invalid NAL unit",
    "moov atom not found",
    "does not contain any stream",
)
# What ffmpeg says when our command is at fault: no retry cures that either.
COMMAND_AT_FAULT = (
    "Invalid argument",
    "No such file or directory",
    "Option not found",
    "Unknown encoder",
    "Error initializing filter",
)
