r"""One display path: the REPL, ``gruchat ask`` and ``gruchat run`` show a turn the same way
(sources, the stats block with its prefix-cache and context lines, the context warning);
command replies are data the renderer draws (``\notes NAME`` keeps its lines); the Shell
says what a line did with an Outcome; and the command table is built, not registered."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys

import pytest

from gruchat.all_commands import build_table
from gruchat.command_table import (
    INFO,
    NOTE,
    Command,
    CommandError,
    Reply,
    completions,
    help_text,
    parse,
)
from gruchat.config import Settings
from gruchat.engine.base import Usage
from gruchat.engine.fake import FakeEngine, fake_info
from gruchat.environment import Environment
from gruchat.one_question import ASK_REMEDY, answer_one
from gruchat.repl import CommandCompleter
from gruchat.runtime import new_session
from gruchat.script.parser import ScriptSyntaxError, parse_text
from gruchat.script.runner import run_script
from gruchat.shell import Outcome, Shell
from gruchat.tutor.grounding import make_grounder
from gruchat.tutor.notes import get_note

QUESTION = "What does the update gate of a GRU do?"
ANSWER = "It decides how much of the old state is kept."
WIDE = 300  # no line of the turn wraps
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SETTINGS = Settings(max_tokens=64, system_prompt="You are a GRU tutor.")


def turn_lines(text: str) -> list[str]:
    """What is shown about a turn: the sources, the stats block, a context warning."""
    lines = text.splitlines()
    shown = [line for line in lines if line.startswith(("Sources:", "warning: context"))]
    if "Stats:" in lines:
        start = lines.index("Stats:")
        block = lines[start : start + 6]  # the time to first token is measured: left out
        shown += [line for line in block if not line.startswith("Time to first token:")]
    return shown


USAGE = Usage(
    prompt_tokens=300,
    completion_tokens=12,
    cached_tokens=0,
    prompt_seconds=0.5,
    decode_seconds=1.0,
    prompt_tps=600.0,
    decode_tps=12.0,
)


def fitted_engine() -> FakeEngine:
    """A fake engine whose context the turn nearly fills (the usage it reports leaves fewer
    than max tokens), so the context warning must show."""
    engine = FakeEngine().enqueue(ANSWER, usage=USAGE)
    used = USAGE.prompt_tokens + USAGE.completion_tokens
    engine.info = dataclasses.replace(engine.info, context_length=used + 10)
    return engine


def repl_output() -> str:
    environment = Environment.in_memory(width=WIDE)
    shell = Shell(fitted_engine(), new_session(SETTINGS), environment, make_grounder())
    assert shell.handle(QUESTION).turn.answer == ANSWER
    return environment.stdout.getvalue()


def run_output() -> str:
    environment = Environment.in_memory(width=WIDE)
    script = parse_text(f"{QUESTION}\n", "same.gru")
    _, turns = run_script(script, fitted_engine(), SETTINGS, make_grounder(), environment)
    assert [t.answer for _, t in turns] == [ANSWER]
    return environment.stdout.getvalue()


def ask_streams(**options: bool) -> tuple[str, str]:
    environment = Environment.in_memory(width=WIDE)
    answer_one(
        fitted_engine(), SETTINGS, QUESTION, environment, grounder=make_grounder(), **options
    )
    return environment.stdout.getvalue(), environment.stderr.getvalue()


# -- one display path ---------------------------------------------------------------------------
def test_repl_run_and_ask_show_the_same_turn_lines():
    repl = turn_lines(repl_output())
    run = turn_lines(run_output())
    _, err = ask_streams()
    asked = turn_lines(err)
    assert repl == run
    sources = [line for line in repl if line.startswith("Sources: ")]
    assert sources and "gates" in sources[0]  # the grounded question's notes were named
    assert "Prefix cache: 0 hits / 1 turns" in repl
    assert any(line.startswith("Context: ") for line in repl)
    [warning] = [line for line in repl if line.startswith("warning: ")]
    assert warning.endswith("; use \\clear or \\undo")
    # ask: the same lines on stderr; only the warning's advice differs (no \clear there)
    head = warning.partition(";")[0]
    assert [line for line in asked if not line.startswith("warning: ")] == [
        line for line in repl if not line.startswith("warning: ")
    ]
    assert f"{head}; {ASK_REMEDY}" in asked


def test_ask_now_shows_the_prefix_cache_and_context_lines():
    """The fix: ask printed only the first four stats lines and no context warning."""
    out, err = ask_streams()
    lines = err.splitlines()
    assert "Prefix cache: 0 hits / 1 turns" in lines
    assert any(line.startswith("Context: ") and line.endswith("%)") for line in lines)
    assert any(line.startswith("warning: context nearly full") for line in lines)
    assert out.strip().endswith(ANSWER)
    assert "Stats:" not in out and "warning" not in out


def test_ask_json_keeps_stdout_to_one_object_and_warns_on_stderr():
    out, err = ask_streams(as_json=True)
    [line] = out.splitlines()
    assert json.loads(line)["answer"] == ANSWER
    assert "Stats:" not in err and "Sources:" not in err
    assert "warning: context nearly full" in err


def test_ask_answer_only_keeps_stdout_to_the_answer():
    out, err = ask_streams(answer_only=True)
    assert out == ANSWER + "\n"
    assert "Prefix cache: 0 hits / 1 turns" in err
    assert "warning: context nearly full" in err


def test_no_warning_when_the_context_has_room():
    engine = FakeEngine().enqueue(ANSWER, usage=USAGE)  # 312 of the fake's 2048 tokens
    environment = Environment.in_memory()
    Shell(engine, new_session(SETTINGS), environment).handle(QUESTION)
    assert "warning" not in environment.stdout.getvalue()
    assert "Context: " in environment.stdout.getvalue()


# -- replies are data ---------------------------------------------------------------------------
@pytest.mark.parametrize("tty", [False, True], ids=["pipe", "terminal"])
def test_notes_name_keeps_the_notes_line_breaks(tty):
    body_lines = [line.strip() for line in get_note("gates").body.splitlines() if line.strip()]
    environment = Environment.in_memory(stdout_isatty=tty, width=240)
    shell = Shell(FakeEngine(), new_session(SETTINGS), environment)
    outcome = shell.handle("\\notes gates")
    assert outcome.reply.kind == NOTE and outcome.reply.title == "verified note: gates"
    text = ANSI.sub("", environment.stdout.getvalue())
    shown = [line.strip(" │") for line in text.splitlines()]
    assert "verified note: gates" in text
    for line in body_lines:  # each of the note's lines is a line of its own, as written
        assert line in shown, line


# -- outcomes -----------------------------------------------------------------------------------
def test_handle_returns_what_the_line_did():
    engine = FakeEngine().enqueue("Two gates.").enqueue("Two gates, again.")
    shell = Shell(engine, new_session(SETTINGS), Environment.in_memory())
    command = shell.handle("\\temperature 0.5")
    assert command == Outcome(reply=Reply("Temperature set to 0.5.", kind=INFO))
    prompt = shell.handle("How many gates?")
    assert prompt.reply is None and prompt.going and prompt.turn.answer == "Two gates."
    retried = shell.handle("\\retry")
    assert retried.turn.answer == "Two gates, again." and retried.reply.kind == INFO
    refused = shell.handle("\\temperature hot")
    assert refused.reply.error and refused.turn is None and refused.going
    assert shell.handle("   ") == Outcome()
    stop = shell.handle("\\exit")
    assert stop.going is False and stop.reply.action == "exit" and stop.turn is None


def test_a_prompt_that_cannot_fit_is_a_refusal_not_a_turn():
    engine = FakeEngine(info=fake_info(context_length=5), token_count=40)
    outcome = Shell(engine, new_session(SETTINGS), Environment.in_memory()).handle(QUESTION)
    assert outcome.turn is None and outcome.reply.error and "context holds 5" in outcome.reply.text


# -- the explicit table -------------------------------------------------------------------------
def _ping(ctx, arg: str) -> Reply:
    return Reply(f"pong {arg}".strip())


PING = Command("ping", _ping, "Answer pong.", arg="optional", choices=("loud",))


def test_building_the_table_twice_gives_equal_tables():
    first, second = build_table(), build_table()
    assert first == second and first is not second
    assert first.commands is not second.commands
    assert list(first.commands)[:2] == ["help", "exit"]  # \help's order: the listed order


def test_the_table_does_not_depend_on_what_was_imported():
    """Importing the REPL, the runner and ask registers nothing: the table is the same."""
    code = (
        "from gruchat.all_commands import build_table\n"
        "before = sorted(build_table().lookup)\n"
        "import gruchat.repl, gruchat.script.runner, gruchat.one_question, gruchat.cli\n"
        "print(before == sorted(build_table().lookup), 'expect' in before)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]


def test_a_name_taken_twice_is_refused():
    with pytest.raises(ValueError, match="help already in the table"):
        build_table([dataclasses.replace(PING, name="help")])


def test_help_completion_parser_and_shell_all_use_the_table_given():
    table = build_table([PING])
    default = build_table()
    assert "`\\ping`" in help_text(table) and "`\\ping`" not in help_text(default)
    assert completions("\\pi", table) == ["\\ping"] and completions("\\pi", default) == []
    assert completions("\\ping l", table) == ["loud"]
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    offered = CommandCompleter(table).get_completions(Document("\\pi", 3), CompleteEvent())
    assert [c.text for c in offered] == ["\\ping"]
    assert parse("\\ping loud", table).command is PING
    with pytest.raises(CommandError, match="unknown command \\\\ping"):
        parse("\\ping", default)
    assert parse_text("\\ping\n", "p.gru", table).steps[0].kind == "command"
    with pytest.raises(ScriptSyntaxError, match="unknown command \\\\ping"):
        parse_text("\\ping\n", "p.gru", default)
    environment = Environment.in_memory()
    shell = Shell(FakeEngine(), new_session(SETTINGS), environment, table=table)
    assert shell.handle("\\ping loud").reply.text == "pong loud"
    shell.handle("\\help")
    assert "`\\ping`" in environment.stdout.getvalue()  # \help lists the Shell's own table
