"""Text entering gruchat from outside: lone surrogates cleaned, files regular and bounded.

Python decodes bad bytes in argv and typed input (prompt_toolkit) as lone surrogates, and
JSON's ``\\ud800`` escapes make them too; no UTF-8 writer accepts them, so each is replaced
by ``?`` where the text comes in. A file the user names may be a FIFO (opening it for
reading blocks until a writer comes), a device that never ends (``/dev/zero``) or simply
huge: files are opened without blocking, must be regular, and are read up to a limit.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TextIO

MIB = 1 << 20
TEXT_LIMIT = MIB  # a question on stdin, a system prompt file, a .gru file, a config file
TRANSCRIPT_LIMIT = 16 * MIB  # a \load transcript or a golden file
HISTORY_LIMIT = 16 * MIB  # the newest part of the REPL history file that is loaded


class InputError(ValueError):
    """A file or stream that gruchat refuses to read: ``cannot read WHAT PATH: REASON``."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"cannot read {what}: {reason}")


def clean_text(text: str) -> str:
    """``text`` as valid Unicode: every lone surrogate becomes ``?``."""
    return text.encode("utf-8", "replace").decode("utf-8")


def size_text(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit} bytes"


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def not_regular(path: str | Path) -> str | None:
    """None when ``path`` (followed through links) is a regular file or does not exist;
    otherwise what it is, in words. Never opens it."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return None if stat.S_ISREG(mode) else kind_of(mode)


def _open_regular(path: str | Path, what: str) -> tuple[int, int]:
    """(fd, size) of a regular file opened for reading without ever blocking on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{what} {path}", f"it is {kind_of(info.st_mode)}, not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def _read_fd(fd: int, limit: int) -> bytes:
    chunks, total = [], 0
    while total <= limit:
        block = os.read(fd, min(MIB, limit + 1 - total))
        if not block:
            break
        chunks.append(block)
        total += len(block)
    return b"".join(chunks)


def read_bytes(path: str | Path, limit: int, what: str) -> bytes:
    """The whole of a regular file of at most ``limit`` bytes. InputError when it is not
    a regular file or is larger; OSError when it cannot be opened."""
    fd, size = _open_regular(path, what)
    try:
        data = b"" if size > limit else _read_fd(fd, limit)
    finally:
        os.close(fd)
    if size > limit or len(data) > limit:
        raise InputError(f"{what} {path}", f"it is larger than the {size_text(limit)} limit")
    return data


def read_tail(path: str | Path, limit: int, what: str) -> tuple[bytes, bool]:
    """The last ``limit`` bytes of a regular file, and whether the start was cut off."""
    fd, size = _open_regular(path, what)
    try:
        cut = size > limit
        if cut:
            os.lseek(fd, size - limit, os.SEEK_SET)
        data = _read_fd(fd, limit)
    finally:
        os.close(fd)
    return data[-limit:], cut or len(data) > limit


def read_text(path: str | Path, limit: int, what: str) -> str:
    """A regular UTF-8 file of at most ``limit`` bytes; InputError names the first bad byte."""
    data = read_bytes(path, limit, what)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} {path}", f"not UTF-8 text (byte {exc.start})") from None


def read_stream(stream: TextIO, limit: int, what: str) -> str:
    """All of a text stream (a pipe, a file, a device), refused past ``limit`` characters."""
    text = stream.read(limit + 1)
    if len(text) > limit:
        raise InputError(what, f"it is longer than the {size_text(limit)} limit")
    return clean_text(text)
