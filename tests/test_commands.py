"""Every REPL command through the Shell with the fake engine: valid values, each bad
value, and the session left exactly as it was after a refusal."""

from __future__ import annotations

import copy
import json

import pytest

from gruchat.all_commands import build_table
from gruchat.command_table import CommandError, completions, help_text, parse
from gruchat.engine.base import Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.environment import Environment
from gruchat.session import Session
from gruchat.shell import Shell

TABLE = build_table()


@pytest.fixture
def shell():
    env = Environment.in_memory()
    session = Session.start("You are a GRU tutor.", Sampling(temperature=0.0, max_tokens=64))
    return Shell(FakeEngine(), session, env)


def state(shell: Shell) -> dict:
    s = shell.session
    return copy.deepcopy(
        {
            "system": s.system_prompt,
            "sampling": s.sampling,
            "messages": s.messages,
            "reasoning": shell.display_state.reasoning_mode,
            "grounding": s.grounding,
        }
    )


def run(shell: Shell, line: str) -> str:
    out = shell.env.stdout
    start = out.tell()
    assert shell.handle(line).going
    return out.getvalue()[start:]


GOOD = [
    ("\\temperature 0.7", lambda s: s.sampling.temperature == 0.7),
    ("\\temperature 0", lambda s: s.sampling.temperature == 0.0),
    ("\\temperature 2.0", lambda s: s.sampling.temperature == 2.0),
    ("\\topk 1", lambda s: s.sampling.top_k == 1),
    ("\\topk 50", lambda s: s.sampling.top_k == 50),
    ("\\topp 1", lambda s: s.sampling.top_p == 1.0),
    ("\\topp 0.05", lambda s: s.sampling.top_p == 0.05),
    ("\\maxtokens 7", lambda s: s.sampling.max_tokens == 7),
    ("\\think on", lambda s: s.sampling.think is True),
    ("\\think OFF", lambda s: s.sampling.think is False),
    ("\\grounding off", lambda s: s.grounding is False),
    ("\\system Answer like a pirate.", lambda s: s.system_prompt == "Answer like a pirate."),
    ("/temperature 1.5", lambda s: s.sampling.temperature == 1.5),
]


@pytest.mark.parametrize("mode", ["collapse", "hide", "show"])
def test_reasoning_changes_the_display_not_the_session(shell, mode):
    before = copy.deepcopy(shell.session)
    assert f"Reasoning: {mode}." in run(shell, f"\\reasoning {mode.upper()}")
    assert shell.display_state.reasoning_mode == mode
    assert shell.session == before


@pytest.mark.parametrize(("line", "holds"), GOOD)
def test_accepted_values_change_the_session(shell, line, holds):
    output = run(shell, line)
    assert "error" not in output
    assert holds(shell.session)
    assert shell.engine.requests == []  # commands never reach the model


BAD = [
    ("\\temperature abc", "temperature must be a number from 0.0 to 2.0"),
    ("\\temperature -1", "temperature must be a number from 0.0 to 2.0"),
    ("\\temperature 2.1", "temperature must be a number from 0.0 to 2.0"),
    ("\\temperature nan", "temperature must be a number from 0.0 to 2.0"),
    ("\\temperature", "\\temperature needs an argument"),
    ("\\topk 0", "top-k must be a whole number greater than 0"),
    ("\\topk 1.5", "top-k must be a whole number greater than 0"),
    ("\\topp 0", "top-p must be a number greater than 0.0 and at most 1.0"),
    ("\\topp 1.01", "top-p must be a number greater than 0.0 and at most 1.0"),
    ("\\maxtokens 0", "max tokens must be a whole number"),
    ("\\maxtokens lots", "max tokens must be a whole number"),
    ("\\think maybe", "think must be one of: on, off"),
    ("\\reasoning loud", "reasoning must be one of: show, hide, collapse"),
    ("\\grounding sometimes", "grounding must be one of: on, off"),
    ("\\clear now", "\\clear takes no arguments"),
    ("\\exit please", "\\exit takes no arguments"),
    ("\\retry", "nothing to retry yet"),
    ("\\undo", "nothing to undo"),
    ("\\save notes.txt", "save needs a file name ending in .md or .json"),
    ("\\load missing.json", "could not load missing.json"),
    ("\\load notes.md", "load needs a .json transcript"),
    ("\\notes nosuchnote", "no note named 'nosuchnote'"),
    ("\\gru flowchart", "gru must be one of: step"),
    ("\\frobnicate", "unknown command \\frobnicate"),
]


@pytest.mark.parametrize(("line", "message"), BAD)
def test_refused_values_name_the_accepted_form_and_change_nothing(shell, line, message, tmp_path,
                                                                  monkeypatch):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    before = state(shell)
    output = run(shell, line)
    assert output.startswith("error: ")
    assert message in output
    assert output.count("\n") == 1  # one line
    assert state(shell) == before
    assert shell.engine.requests == []


def test_help_lists_every_repl_command_from_the_table(shell):
    output = run(shell, "\\help")
    for command in TABLE.visible():
        assert f"`{command.form}`" in output
    assert "\\expect" not in output  # script-only
    assert help_text(TABLE).splitlines()[1] in output


def test_exit_ends_the_loop(shell):
    assert not shell.handle("\\exit").going
    assert not shell.handle("/quit").going


def test_system_without_text_shows_it_and_clear_keeps_it(shell):
    assert "You are a GRU tutor." in run(shell, "\\system")
    shell.engine.enqueue("A GRU has two gates.")
    run(shell, "How many gates?")
    assert len(shell.session.messages) == 2
    assert "system prompt is kept" in run(shell, "\\clear")
    assert shell.session.messages == []
    assert shell.session.system_prompt == "You are a GRU tutor."


def test_params_and_reset(shell):
    run(shell, "\\temperature 1.2")
    run(shell, "\\topk 3")
    assert "temperature 1.2, top-k 3" in run(shell, "\\params")
    run(shell, "\\reset")
    assert shell.session.sampling == Sampling(temperature=0.0, max_tokens=64)


def test_stats_info_retry_and_undo(shell):
    assert "No turns yet." in run(shell, "\\stats")
    shell.engine.enqueue("first answer").enqueue("second answer")
    run(shell, "What is a GRU?")
    assert "Time to first token" in run(shell, "\\stats")
    info = run(shell, "\\info")
    assert "Model: fake" in info and "Device: cpu" in info and "Context length: 2048" in info
    retried = run(shell, "\\retry")
    assert "second answer" in retried
    assert shell.session.messages[-1]["content"] == "second answer"
    assert len(shell.session.messages) == 2  # replaced, not appended
    sent = [m[-1]["content"] for m, _ in shell.engine.requests]
    assert sent == ["What is a GRU?", "What is a GRU?"]
    assert "Dropped the last exchange" in run(shell, "\\undo")
    assert shell.session.messages == []


def test_save_and_load_round_trip(shell, tmp_path):
    shell.engine.enqueue("Two gates: update and reset.")
    run(shell, "\\temperature 0.3")
    run(shell, "How many gates?")
    saved = tmp_path / "chat.json"
    assert "Saved the transcript (json)" in run(shell, f"\\save {saved}")
    markdown = tmp_path / "chat.md"
    run(shell, f"\\save {markdown}")
    assert "## You" in markdown.read_text() and "Two gates" in markdown.read_text()
    data = json.loads(saved.read_text())
    run(shell, "\\clear")
    run(shell, "\\system Something else.")
    run(shell, "\\temperature 1.0")
    assert "Loaded 1 exchanges" in run(shell, f"\\load {saved}")
    assert shell.session.messages == data["messages"]
    assert shell.session.system_prompt == "You are a GRU tutor."
    assert shell.session.sampling.temperature == 0.3


def test_notes_and_gru_render(shell):
    listing = run(shell, "\\notes")
    assert "gates" in listing and "what-is-a-gru" in listing
    assert "verified note: gates" in run(shell, "\\notes gates")
    assert "(1 − z) ⊙ n + z ⊙ hₜ₋₁" in run(shell, "\\gru")
    assert "One GRU step" in run(shell, "\\gru step")


def test_empty_lines_and_unknown_commands_are_never_sent(shell):
    for line in ("", "   ", "\\", "\\TEMPERATURE 1", "\\foo bar"):
        run(shell, line)
    assert shell.engine.requests == []


def test_parse_and_completion_come_from_the_table():
    assert completions("\\tem", TABLE) == ["\\temperature"]
    assert completions("/reas", TABLE) == ["/reasoning"]
    assert completions("\\reasoning c", TABLE) == ["collapse"]
    assert completions("what is", TABLE) == []
    with pytest.raises(CommandError, match="did you mean \\\\temperature"):
        parse("\\temprature 1", TABLE)
    assert parse("/usr/bin is a path?", TABLE).text == "/usr/bin is a path?"
