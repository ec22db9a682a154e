"""The streams and terminal facts a run uses, injected so tests never touch the real TTY."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn, TextIO

from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from gruchat.errors import GruchatError
from gruchat.safe_text import safe


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass
class Environment:
    """stdin/stdout/stderr plus whether each is a terminal; consoles are built from them."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin_isatty: bool | None = None
    stdout_isatty: bool | None = None
    stderr_isatty: bool | None = None
    width: int | None = None
    debug: bool = False  # --debug: errors show their traceback

    @classmethod
    def in_memory(
        cls, stdin: str = "", *, stdout_isatty: bool = False, width: int | None = 100
    ) -> Environment:
        """Streams in StringIO, no terminal anywhere unless asked (tests, captured runs)."""
        return cls(
            stdin=io.StringIO(stdin),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stdin_isatty=False,
            stdout_isatty=stdout_isatty,
            stderr_isatty=False,
            width=width,
        )

    def __post_init__(self) -> None:
        if self.stdin_isatty is None:
            self.stdin_isatty = _isatty(self.stdin)
        if self.stdout_isatty is None:
            self.stdout_isatty = _isatty(self.stdout)
        if self.stderr_isatty is None:
            self.stderr_isatty = _isatty(self.stderr)
        self.out = self._console(self.stdout, bool(self.stdout_isatty))
        self.err = self._console(self.stderr, bool(self.stderr_isatty))

    def _console(self, stream: TextIO, tty: bool) -> Console:
        no_color = "NO_COLOR" in os.environ
        return _Console(
            file=stream,
            force_terminal=tty,
            no_color=no_color or not tty,
            highlight=False,
            width=self.width if self.width else (None if tty else 100),
            emoji=False,
            markup=False,
        )


class _Console(Console):
    """A console for text gruchat did not all write: strings are literal (no markup unless
    a call asks for it), control characters are shown visibly (``safe_text.safe``) before
    layout, and any that reach the output inside a Text are made safe there. A closed
    stdout (`| head`) is a quiet, successful end, and a stream that cannot take more
    (`>/dev/full`) one error line."""

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Text:
        return super().render_str(safe(text), *args, **kwargs)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        # The last step before the terminal; rich's own control segments pass untouched.
        return super()._render_buffer(
            segment if segment.control else Segment(safe(segment.text), segment.style)
            for segment in buffer
        )

    def on_broken_pipe(self) -> None:
        stdout_closed()

    def _check_buffer(self) -> None:
        try:
            super()._check_buffer()
        except OSError as exc:  # BrokenPipeError is handled by rich (on_broken_pipe)
            output_failed(self.file, exc)


def _silence(stream: TextIO) -> None:
    """Point the stream's descriptor at /dev/null, so buffered text cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)


def stdout_closed() -> None:
    """The reader went away: silence stdout for the rest of the process and exit 0."""
    _silence(sys.stdout)
    raise SystemExit(0)


def output_failed(stream: TextIO, exc: OSError) -> NoReturn:
    """A stream that refuses writes (full disk, I/O error): one error line, exit 1."""
    name = "stderr" if stream is sys.stderr else "stdout"
    _silence(stream)
    raise GruchatError(f"cannot write to {name}: {exc.strerror or exc}")


OUTPUT_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EBADF}


def is_output_error(exc: BaseException) -> bool:
    """Whether an exception that escaped to ``main`` came from writing to stdout: an
    OSError of a full or failing stream, with no file name (so not a file gruchat opened),
    or any OSError while stdout still refuses its buffered text (click's own echo)."""
    if not isinstance(exc, OSError) or isinstance(exc, BrokenPipeError):
        return False
    if exc.errno in OUTPUT_ERRNOS and exc.filename is None:
        return True
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError:
        return True
    return False


def write_out(stream: TextIO, text: str) -> None:
    """Write with control characters shown visibly, and flush; end the process quietly
    if the reader has gone."""
    try:
        stream.write(safe(text))
        stream.flush()
    except BrokenPipeError:
        stdout_closed()
    except OSError as exc:
        output_failed(stream, exc)


def _reopen_closed_descriptors() -> None:
    """A standard descriptor closed by the caller (`gruchat >&-`) is opened on /dev/null:
    otherwise the next file opened (the model, a transcript) would take its number and
    receive the output. Output to a closed stdout is discarded like a reader gone."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        devnull = os.open(os.devnull, os.O_RDWR)
        if devnull != fd:
            os.dup2(devnull, fd)
            os.close(devnull)
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, mode, encoding="utf-8", closefd=False))  # noqa: SIM115


def make_streams_safe() -> None:
    """Replace what cannot be encoded (LANG=C output) or decoded (bad bytes piped in)
    instead of crashing."""
    _reopen_closed_descriptors()
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")
