"""Terminal modes the REPL changes while it works, always put back.

While an answer streams, keys typed ahead are not echoed into the answer area (the tty
would print them raw among the model's words). They are kept: the line discipline holds
them and the next prompt reads them, so they show up in the input line as typed (a typed
Enter submits that line, as in a shell). Ctrl-C still interrupts (ISIG stays on); the
terminal itself then discards what was typed ahead, as it always does on an interrupt."""

from __future__ import annotations

import contextlib
import termios
from collections.abc import Iterator
from typing import TextIO


@contextlib.contextmanager
def echo_off(stream: TextIO) -> Iterator[bool]:
    """Turn the terminal's echo off for the block; yields whether it was switched. The
    previous mode comes back on every way out of the block (return, error, Ctrl-C)."""
    try:
        fd = stream.fileno()
        saved = termios.tcgetattr(fd)
    except (AttributeError, ValueError, OSError, termios.error):
        saved = None
    if saved is None or not saved[3] & termios.ECHO:
        yield False
        return
    quiet = list(saved)
    quiet[3] = saved[3] & ~termios.ECHO
    try:  # TCSANOW: type-ahead is kept
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    except termios.error:  # the terminal is no longer ours (hung up, or a parent's shell
        yield False  # took it back): answer anyway; reading the next line says so
        return
    try:
        yield True
    finally:
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)
