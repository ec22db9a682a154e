"""Where gruchat keeps files on disk (model store, partial pulls, state) and the checks on them."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

import platformdirs

from gruchat.errors import ModelError
from gruchat.inputs import not_regular
from gruchat.presets import Preset, presets

GGUF_MAGIC = b"GGUF"
CHUNK = 1 << 20
PARTIAL = ".partial"  # unfinished pulls live here, never under a model's final name


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def store_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where pulled models live: ``$GRUCHAT_HOME/models`` or the user cache dir."""
    home = _env(env).get("GRUCHAT_HOME")
    base = Path(home).expanduser() if home else Path(platformdirs.user_cache_dir("gruchat"))
    return base / "models"


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """Small per-user state (history, seen models): ``$GRUCHAT_HOME`` or the user state dir."""
    values = _env(env)
    home = values.get("GRUCHAT_HOME")
    if home:
        return Path(home).expanduser()
    state = values.get("XDG_STATE_HOME")  # read from ``env``, not only from os.environ
    return Path(state) / "gruchat" if state else Path(platformdirs.user_state_dir("gruchat"))


def preset_path(preset: Preset, env: Mapping[str, str] | None = None) -> Path:
    return store_dir(env) / preset.file


def partial_dir(preset: Preset, env: Mapping[str, str] | None = None) -> Path:
    """The work folder of an unfinished pull: inside the store, so the final move is atomic."""
    return store_dir(env) / PARTIAL / preset.name


def is_installed(preset: Preset, env: Mapping[str, str] | None = None) -> bool:
    """Cheap check used before every load: present with the expected size."""
    size, state = file_state(preset_path(preset, env))
    return state == "yes" and (not preset.size or size == preset.size)


def file_state(path: Path) -> tuple[int | None, str]:
    """(size, state) of a store file; state is yes, no, broken link or unreadable."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None, "broken link" if path.is_symlink() else "no"
    except OSError as exc:  # a symlink loop, a parent that is a file, no permission
        return None, "broken link" if path.is_symlink() else f"unreadable ({exc.strerror})"
    if not path.is_file():
        return None, "unreadable (not a file)"
    return info.st_size, "yes"


def store_problem(env: Mapping[str, str] | None = None) -> str | None:
    """Why the store cannot hold models (a file in its place), or None."""
    folder = store_dir(env)
    for part in (folder, *folder.parents):
        if part.exists() or part.is_symlink():
            if part.is_dir():
                return None
            what = "a broken link" if not part.exists() else "not a folder"
            return f"model store {folder} cannot be used: {part} is {what}"
    return None


def check_store(env: Mapping[str, str] | None = None) -> None:
    """Fail before fetching when the store cannot exist (GRUCHAT_HOME names a file)."""
    problem = store_problem(env)
    if problem:
        raise ModelError(f"{problem} (set GRUCHAT_HOME to a writable folder)")


def local_files(env: Mapping[str, str] | None = None) -> list[Path]:
    """GGUF files in the store that no preset names."""
    known = {p.file for p in presets().values()}
    folder = store_dir(env)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.gguf") if p.name not in known)


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            if progress:
                progress(len(block))
    return digest.hexdigest()


def check_gguf(path: Path) -> None:
    """Fail with a message saying which check failed: exists, a regular file, readable,
    GGUF magic. A FIFO or device is refused from its stat, never opened (that blocks)."""
    if not path.exists():
        raise ModelError(f"model file not found: {path}")
    kind = not_regular(path)
    if kind:
        raise ModelError(f"model path is {kind}, not a GGUF file: {path}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            head = os.read(fd, 4) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
        finally:
            os.close(fd)
    except PermissionError:
        raise ModelError(f"model file is not readable (permission denied): {path}") from None
    except OSError as exc:
        raise ModelError(f"model file is not readable: {path}: {exc.strerror}") from None
    if head != GGUF_MAGIC:
        what = "empty file" if not head else f"starts with {head!r}"
        raise ModelError(f"not a GGUF file ({what}): {path}")
