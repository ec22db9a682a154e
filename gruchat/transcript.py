"""Saving and loading transcripts: Markdown or JSON by extension, written atomically.

Nothing is replaced silently. ``\\save`` writes over an existing file only when it is a
transcript this session saved or loaded, or when forced; a symbolic link is refused unless
forced, and then written through (the link stays a link). No write ever replaces a
directory, a FIFO or a device. ``\\load`` reads a bounded regular file and checks all of it
(``transcript_schema``) before the session changes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from collections.abc import Collection
from pathlib import Path

from gruchat.inputs import TRANSCRIPT_LIMIT, InputError, not_regular, read_bytes, read_text
from gruchat.session import Session, Turn, flag_mark
from gruchat.transcript_schema import parse

MARKDOWN_HEAD = "# gruchat transcript"


def to_markdown(session: Session) -> str:
    """The conversation as Markdown, with what was on screen beside each answer: the
    computed block and the verified note (quoted, labelled as gruchat's, not the
    model's), the flagged sentences and the sources."""
    parts = [MARKDOWN_HEAD, ""]
    if session.system_prompt:
        parts += ["## System", "", session.system_prompt, ""]
    shown: set[str] = set()
    for exchange in session.exchanges:
        if not exchange.messages:  # a failure with no text: nothing was on screen to keep
            continue
        question, answer = exchange.messages
        turn = exchange.turn
        parts += ["## You", "", question["content"], "", "## gruchat", ""]
        parts += _shown_before(turn, shown)
        parts += [answer["content"], ""]
        parts += [f"- ⚠ {flag_mark(flag)}" for flag in turn.flags]
        parts += [""] if turn.flags else []
        parts += [f"Sources: {', '.join(turn.sources)}", ""] if turn.sources else []
    return "\n".join(parts)


def _quote(text: str) -> list[str]:
    return [f"> {line}".rstrip() for line in text.splitlines()]


def _shown_before(turn: Turn, shown: set[str]) -> list[str]:
    """The computed block and the verified note, as they were shown ahead of the answer."""
    lines: list[str] = []
    if turn.computed:
        title, _, body = turn.computed.partition("\n")
        lines += [f"> **computed: {title}** (exact, worked out by gruchat)", ">", *_quote(body), ""]
    if turn.note and turn.sources:
        name = turn.sources[0]
        if name in shown:
            lines += [f"> (verified note {name} shown above)", ""]
        else:
            shown.add(name)
            lines += [f"> **verified note: {name}** (from gruchat's notes)", ">"]
            lines += [*_quote(turn.note), ""]
    if lines:
        lines += ["**The model's answer:**", ""]
    return lines


def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename over it.

    A symbolic link is written through to its target; a directory, FIFO or device at
    ``path`` is an OSError and stays as it is."""
    path = path.expanduser()
    if path.is_symlink():
        try:
            path = Path(os.path.realpath(path, strict=True))
        except FileNotFoundError:  # a dangling link: create its target
            path = Path(os.path.realpath(path))
    kind = not_regular(path)
    if kind:
        code = errno.EISDIR if kind == "a directory" else errno.EINVAL
        raise OSError(code, f"it is {kind}, not a regular file")
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_for(path: Path) -> int:
    """Keep an existing file's mode; a new file gets the usual 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def format_of(path: Path) -> str:
    """The format a file name asks for, json or markdown; ValueError for any other."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".md", ".markdown"):
        return "markdown"
    raise ValueError("save needs a file name ending in .md or .json")


def save(session: Session, path: Path) -> str:
    """Save as .json or .md; return the format used. Raises ValueError or OSError."""
    kind = format_of(path)
    if kind == "json":
        atomic_write(path, json.dumps(session.to_json(), ensure_ascii=False, indent=2) + "\n")
    else:
        atomic_write(path, to_markdown(session))
    return kind


def identity(path: Path) -> str:
    """The file a path names, for "did this session write it?" (links and ``..`` resolved)."""
    return os.path.realpath(path.expanduser())


def is_transcript(path: Path) -> bool:
    """Whether ``path`` holds a transcript in a format gruchat writes."""
    try:
        data = read_bytes(path, TRANSCRIPT_LIMIT, "transcript")
        if path.suffix.lower() == ".json":
            doc = parse(data.decode("utf-8"))
            return isinstance(doc, dict) and "version" in doc and "messages" in doc
        return data.startswith(MARKDOWN_HEAD.encode() + b"\n")
    except (OSError, ValueError):
        return False


def overwrite_refusal(path: Path, own: Collection[str], force: bool = False) -> str | None:
    """Why ``\\save`` must not write ``path``; None when it may.

    ``own`` holds the identity of every file this session saved or loaded: those may be
    saved over (still only while they hold a gruchat transcript). Anything else that
    exists needs ``force``; a non-regular file is refused even then."""
    path = path.expanduser()
    forced = f"\\save {path} --force"
    if path.is_symlink():
        if force:
            return None
        target = identity(path)
        return (
            f"{path} is a symbolic link to {target}; nothing was changed "
            f"({forced} writes to {target} and keeps the link)"
        )
    if not path.exists():
        return None
    kind = not_regular(path)
    if kind:
        return f"could not save {path}: it is {kind}, not a regular file; nothing was changed"
    if force or (identity(path) in own and is_transcript(path)):
        return None
    return (
        f"{path} already exists and is not a transcript saved in this session; "
        f"nothing was changed ({forced} replaces it)"
    )


def load(session: Session, path: Path) -> None:
    """Replace the session's state from a .json transcript, all checked first.

    Raises ValueError (the reason, with the JSON path of a bad field) or OSError; on
    either the session is unchanged."""
    if path.suffix.lower() != ".json":
        raise ValueError("load needs a .json transcript (saved with \\save FILE.json)")
    try:
        data = parse(read_text(path.expanduser(), TRANSCRIPT_LIMIT, "transcript"))
        session.load_json(data)
    except InputError as exc:
        raise ValueError(f"{exc}; nothing was changed") from None
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}; nothing was changed") from None
