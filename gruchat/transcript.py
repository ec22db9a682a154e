"""Saving and loading transcripts: Markdown or JSON by extension, written atomically."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from gruchat.session import Session


def to_markdown(session: Session) -> str:
    parts = ["# gruchat transcript", ""]
    if session.system_prompt:
        parts += ["## System", "", session.system_prompt, ""]
    for message in session.messages:
        title = "You" if message["role"] == "user" else "gruchat"
        parts += [f"## {title}", "", message["content"], ""]
    return "\n".join(parts)


def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename over it."""
    path = path.expanduser()
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


def save(session: Session, path: Path) -> str:
    """Save as .json or .md; return the format used. Raises ValueError or OSError."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        atomic_write(path, json.dumps(session.to_json(), ensure_ascii=False, indent=2) + "\n")
        return "json"
    if suffix in (".md", ".markdown"):
        atomic_write(path, to_markdown(session))
        return "markdown"
    raise ValueError("save needs a file name ending in .md or .json")


def load(session: Session, path: Path) -> None:
    """Replace the session's state from a .json transcript. Raises ValueError or OSError."""
    if path.suffix.lower() != ".json":
        raise ValueError("load needs a .json transcript (saved with \\save FILE.json)")
    try:
        data = json.loads(path.expanduser().read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON (line {exc.lineno})") from None
    session.load_json(data)
