"""The real REPL in a pseudo-terminal against the real default model (pexpect)."""

from __future__ import annotations

import json
import os
import time

import pexpect
import pytest
from helpers import spawn_gruchat

from gruchat.all_commands import build_table

TABLE = build_table()


pytestmark = [pytest.mark.integration, pytest.mark.pty]

READY = "\x1b[?2004h"  # prompt_toolkit turns bracketed paste on when the prompt is up


@pytest.fixture
def repl(tmp_path):
    child = spawn_repl(tmp_path)
    yield child
    if child.isalive():
        child.terminate(force=True)


def spawn_repl(tmp_path, **extra_env: str) -> pexpect.spawn:
    """The real REPL in a pty, at its first prompt."""
    env = dict(os.environ, **extra_env)
    env.update(
        PROMPT_TOOLKIT_NO_CPR="1",
        COLUMNS="100",
        LINES="40",
        PAGER="cat",
        TERM="xterm",
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    child = spawn_gruchat(["--max-tokens", "24"], env, tmp_path)
    child.expect("your GRU tutor")
    child.expect_exact(READY)
    return child


def send(child: pexpect.spawn, line: str) -> None:
    child.sendline(line)


def test_help_refusal_answers_stats_prefix_cache_save_load_and_exit(repl, tmp_path):
    """The whole tour the issue asks for, in one REPL process (one model load)."""
    send(repl, "\\help")
    repl.expect("Welcome to interactive mode")
    repl.expect("Ctrl-D or .exit quits")
    help_text = repl.before
    for command in TABLE.visible():
        assert f"\\{command.name}" in help_text, command.name

    send(repl, "\\temperature 5")
    repl.expect("temperature must be a number from 0.0 to 2.0")

    send(repl, "What is a GRU?")
    repl.expect("Stats:")
    repl.expect(r"Time to first token: \d+\.\d\ds")
    repl.expect(r"Prompt: \d+ tokens, [\d.]+ T/s")
    repl.expect(r"Decode: \d+ tokens, [\d.]+ T/s")
    # The warm-up prefilled the system prompt as the REPL opened, so even the first
    # question is partly served from the engine's prefix cache.
    repl.expect(r"Prefix cache: 1 hits / 1 turns")

    send(repl, "How many gates does it have?")
    repl.expect(r"Prefix cache: ([1-9]\d*) hits / 2 turns")

    saved = tmp_path / "chat.json"
    send(repl, f"\\save {saved}")
    repl.expect("Saved the transcript")
    data = json.loads(saved.read_text())
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"] * 2
    assert data["messages"][0]["content"] == "What is a GRU?"

    send(repl, "\\clear")
    repl.expect("system prompt is kept")
    send(repl, f"\\load {saved}")
    repl.expect("Loaded 2 exchanges")
    resaved = tmp_path / "again.json"
    send(repl, f"\\save {resaved}")
    repl.expect("Saved the transcript")
    assert json.loads(resaved.read_text())["messages"] == data["messages"]

    send(repl, "\\exit")
    repl.expect(pexpect.EOF)
    repl.close()
    assert repl.exitstatus == 0


def test_ctrl_c_during_an_answer_leaves_a_working_prompt(repl):
    """Ctrl-C stops the stream, marks it cancelled, and the next command works."""
    send(repl, "\\maxtokens 400")
    repl.expect("Max tokens set to 400")
    send(repl, "Write a long story about a recurrent network that learns to sing.")
    repl.expect_exact("learns to sing.")  # the echo of the line
    repl.expect(r"\w+ \w+ \w+", timeout=60)  # the answer has started streaming
    time.sleep(0.3)
    repl.sendintr()
    repl.expect(r"\[cancelled\]", timeout=30)
    repl.expect_exact(READY)
    send(repl, "\\params")
    repl.expect("max tokens 400")
    send(repl, "\\exit")
    repl.expect(pexpect.EOF)
    repl.close()
    assert repl.exitstatus == 0


def test_ctrl_c_at_an_idle_prompt_does_not_exit_and_ctrl_d_does(repl):
    """Ctrl-C idle gives a fresh prompt; Ctrl-D quits with status 0."""
    repl.sendintr()
    repl.expect("Ctrl-C again or Ctrl-D to quit")
    repl.expect_exact(READY)
    send(repl, "\\params")
    repl.expect("temperature")
    repl.expect_exact(READY)
    repl.sendcontrol("d")
    repl.expect(pexpect.EOF)
    repl.close()
    assert repl.exitstatus == 0


def test_warmup_off_means_the_first_question_starts_cold(tmp_path):
    """With `warmup = off` nothing is prefilled: the first turn has no cache hit."""
    child = spawn_repl(tmp_path, GRUCHAT_WARMUP="off")
    try:
        send(child, "What is a GRU?")
        child.expect(r"Prefix cache: 0 hits / 1 turns")
        send(child, "\\exit")
        child.expect(pexpect.EOF)
    finally:
        if child.isalive():
            child.terminate(force=True)
