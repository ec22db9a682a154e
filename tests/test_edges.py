r"""The rough edges users of ollama and llm notice: the wait before the first token, typed
keys echoed into the answer, a line shown twice after Ctrl-C, \retry at temperature 0,
\system default, ollama's aliases and close-only suggestions, what .md transcripts keep,
``ask --answer-only``, and completion (REPL and shell). Fake engine and in-memory streams;
a real pseudo-terminal only for what the tty itself does."""

from __future__ import annotations

import dataclasses
import io
import os
import select
import termios
import time
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from rich.console import Console
from screen import Screen

from gruchat import cli
from gruchat.all_commands import build_table
from gruchat.cli_main import ending_status
from gruchat.command_table import CommandError, completions, help_text, parse
from gruchat.config import Settings
from gruchat.engine.base import AnswerDelta, Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.environment import Environment
from gruchat.errors import ContextOverflowError, ExitStatus
from gruchat.one_question import answer_one
from gruchat.render import StreamRenderer
from gruchat.repl import CommandCompleter
from gruchat.session import Session
from gruchat.shell import Shell
from gruchat.terminal import echo_off
from gruchat.transcript import to_markdown
from gruchat.turn_runner import run_turn
from gruchat.tutor.grounding import make_grounder
from gruchat.tutor.notes import load_notes

TABLE = build_table()

PARAGRAPH = (
    "RNNs process sequences one step at a time and they keep a hidden state that carries "
    "the context forward from step to step."
)


def make_shell(engine=None, system="You are a GRU tutor.", temperature=0.0, grounder=None):
    env = Environment.in_memory()
    session = Session.start(system, Sampling(temperature=temperature, max_tokens=64))
    return Shell(engine or FakeEngine(), session, env, grounder)


def output(shell: Shell) -> str:
    text = shell.env.stdout.getvalue()
    shell.env.stdout.seek(0)
    shell.env.stdout.truncate()
    return text


def terminal(width: int = 60) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=width, height=30, color_system=None)
    return console, buffer


# -- ollama's aliases, in the one table -----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        ("/set parameter temperature 0.7", "temperature", 0.7),
        ("/set parameter top_k 5", "top_k", 5),
        ("/set parameter top_p 0.5", "top_p", 0.5),
        ("/set parameter num_predict 100", "max_tokens", 100),
        ("/set   parameter  top_k   7", "top_k", 7),
    ],
)
def test_ollama_set_parameter_uses_the_same_handlers(line, key, value):
    shell = make_shell()
    reply = shell.handle(line).reply
    assert getattr(shell.session.sampling, key) == value
    assert not reply.error


def test_ollama_bye_show_info_and_set_system():
    shell = make_shell()
    assert shell.handle("/show info").going
    assert "Model: fake" in output(shell)
    assert shell.handle("/show parameters").going
    assert "temperature 0.0" in output(shell)
    shell.handle("/set system Be brief.")
    assert shell.session.system_prompt == "Be brief."
    assert not shell.handle("/bye").going
    assert shell.engine.requests == []


def test_bad_values_through_aliases_are_refused_like_the_command():
    shell = make_shell()
    shell.handle("/set parameter temperature hot")
    assert "temperature must be a number" in output(shell)
    assert shell.session.sampling.temperature == 0.0


def test_help_shows_the_aliases_with_their_prefix():
    text = help_text(TABLE)
    for alias in ("/bye", "/set parameter temperature", "/set parameter num_predict", "/show info"):
        assert alias in text
    assert "\\bye" not in text


# -- suggestions: close ones only, never a destructive command ------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("\\expect x", "unknown command \\expect; type \\help for the list"),  # prompt files only
        (
            "/set parameter seed 3",
            "unknown command /set; /set takes: parameter min_p, parameter num_predict",
        ),
        ("/byee", "unknown command /byee; type \\help for the list"),
        ("/bye now", "/bye takes no arguments"),
        ("\\exti", "unknown command \\exti; type \\help for the list"),
        ("\\EXIT", "unknown command \\EXIT; type \\help for the list"),
        ("\\claer", "unknown command \\claer; type \\help for the list"),
        ("\\rest", "unknown command \\rest; type \\help for the list"),
        ("\\udno", "unknown command \\udno; type \\help for the list"),
        ("\\temprature 1", "unknown command \\temprature; did you mean \\temperature?"),
        ("/temprature 1", "unknown command /temprature; did you mean /temperature?"),
        ("\\hepl", "did you mean \\help?"),
        ("/stat", "did you mean /stats?"),
        ("\\zz", "unknown command \\zz; type \\help for the list"),
        ("\\frobnicate", "unknown command \\frobnicate; type \\help for the list"),
    ],
)
def test_suggestions_are_close_and_quote_what_was_typed(line, message):
    with pytest.raises(CommandError) as caught:
        parse(line, TABLE)
    assert message in str(caught.value)
    for dangerous in ("exit", "clear", "reset", "undo"):
        assert f"mean \\{dangerous}" not in str(caught.value)
        assert f"mean /{dangerous}" not in str(caught.value)


def test_no_misspelling_of_any_name_suggests_a_destructive_command():
    for command in TABLE.commands.values():
        for name in (command.name, *command.aliases):
            word = name.lstrip("\\/").split()[0]
            for typo in (word[:-1], word + "x", word[1:] + word[0]):
                if typo in TABLE.lookup:
                    continue
                hint = TABLE.suggest(typo)
                assert hint is None or TABLE.lookup[hint].suggest, (typo, hint)


# -- \system default | none, \retry at temperature 0 ------------------------------------------


def test_system_default_and_none_and_show():
    shell = make_shell(system="You are a GRU tutor.")
    shell.handle("\\system Always respond as a pirate.")
    assert shell.session.system_prompt == "Always respond as a pirate."
    output(shell)
    shell.handle("\\system")
    assert "Always respond as a pirate." in output(shell)
    shell.handle("\\system default")
    assert shell.session.system_prompt == "You are a GRU tutor."
    assert "back to the default" in output(shell)
    shell.handle("\\system none")
    assert shell.session.system_prompt == ""
    shell.handle("what is a GRU?")
    assert shell.engine.requests[-1][0][0]["role"] == "user"  # no system message sent
    shell.handle("\\system DEFAULT")
    assert shell.session.system_prompt == "You are a GRU tutor."


@pytest.mark.parametrize(("temperature", "hinted"), [(0.0, True), (0.7, False)])
def test_retry_says_why_greedy_repeats(temperature, hinted):
    engine = FakeEngine().enqueue("same").enqueue("same")
    shell = make_shell(engine, temperature=temperature)
    shell.handle("what is z?")
    output(shell)
    shell.handle("\\retry")
    text = output(shell)
    note = "(temperature 0 is greedy: the same answer is expected; \\temperature 0.7"
    assert (note in text) is hinted
    assert len(engine.requests) == 2 and "same" in text


# -- .md transcripts keep what was on screen ------------------------------------------------


def test_markdown_transcript_has_the_note_computed_block_and_flags(tmp_path):
    grounder = make_grounder(True)
    engine = FakeEngine()
    engine.enqueue("It has 1,920 parameters.").enqueue("A GRU has three gates.")
    engine.enqueue("Still two gates.")
    shell = make_shell(engine, grounder=grounder)
    shell.handle("How many trainable parameters does nn.GRU(10, 20) have?")
    shell.handle("How many gates does a GRU have?")
    shell.handle("And how many gates again?")
    text = to_markdown(shell.session)
    first, second, third = shell.session.turns
    assert first.computed.startswith("nn.GRU(10, 20): trainable parameters")
    assert "> **computed: nn.GRU(10, 20): trainable parameters**" in text
    assert "> 3·20·(10+20) + 2·3·20 = 1,920" in text
    name = second.sources[0]
    assert f"> **verified note: {name}** (from gruchat's notes)" in text
    assert f"> {second.note.splitlines()[0]}".rstrip() in text
    assert second.flags and f"- ⚠ not right: {second.flags[0]}" in text
    assert third.sources[0] == name and f"> (verified note {name} shown above)" in text
    assert f"Sources: {', '.join(second.sources)}" in text
    assert text.index("**The model's answer:**") < text.index("It has 1,920 parameters.")
    shell.handle(f"\\save {tmp_path / 't.md'}")
    assert (tmp_path / "t.md").read_text() == text


def test_markdown_transcript_skips_undone_turns():
    engine = FakeEngine().enqueue("first").enqueue("second").enqueue("third")
    shell = make_shell(engine)
    shell.handle("one")
    shell.handle("two")
    shell.handle("\\undo")
    shell.handle("two")
    text = to_markdown(shell.session)
    assert "second" not in text and "third" in text and text.count("## You") == 2


# -- ask --answer-only -------------------------------------------------------------------------


def test_ask_answer_only_writes_only_the_answer_on_stdout():
    grounder = make_grounder(True)
    env = Environment.in_memory()
    engine = FakeEngine().enqueue("It has 1,920 parameters.")
    question = "How many trainable parameters does nn.GRU(10, 20) have?"
    answer_one(engine, Settings(), question, env, grounder=grounder, answer_only=True)
    assert env.stdout.getvalue() == "It has 1,920 parameters.\n"
    assert "Stats:" in env.stderr.getvalue()

    env = Environment.in_memory()
    engine.enqueue("It has 1,920 parameters.")
    answer_one(engine, Settings(), question, env, grounder=grounder)
    assert "[computed: nn.GRU(10, 20)" in env.stdout.getvalue()


def test_ask_help_says_what_goes_where(capsys):
    with pytest.raises(SystemExit):
        cli.app(["ask", "--help"], prog_name="gruchat")
    text = " ".join(capsys.readouterr().out.split())
    assert "--answer-only" in text
    assert "stdout: the verified note and any computed block, then the model's answer" in text
    assert "stderr: sources, flagged sentences, reasoning, stats" in text


# -- completion ---------------------------------------------------------------------------------


def complete(text: str) -> list[str]:
    found = CommandCompleter(TABLE).get_completions(Document(text, len(text)), CompleteEvent())
    return [c.text for c in found]


def test_tab_completes_note_names_paths_and_alias_words(tmp_path, monkeypatch):
    names = [note.name for note in load_notes()]
    assert completions("\\notes ", TABLE) == names
    assert complete("\\notes ga") == [n for n in names if n.startswith("ga")] == ["gates"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chat.json").write_text("{}")
    (tmp_path / "sub").mkdir()
    assert complete("\\save ch") == ["at.json"]
    assert sorted(complete("\\load ")) == ["chat.json", "sub"]
    assert complete("/set parameter to") == ["top_k", "top_p"]
    assert complete("\\system d") == ["default"]
    assert TABLE.lookup["save"].complete == TABLE.lookup["load"].complete == "path"


@pytest.mark.parametrize("shell_name", ["bash", "zsh", "fish"])
def test_shell_completion_script_is_printed(shell_name, env):
    streams = env()
    assert cli.main(["completion", shell_name], streams) == 0
    script = streams.stdout.getvalue()
    assert "_GRUCHAT_COMPLETE=complete_" + shell_name in script


def test_shell_completion_completes_subcommands_and_options(subprocess_env):
    from helpers import run_gruchat

    words = {"COMP_WORDS": "gruchat ask --an", "COMP_CWORD": "2"}
    proc = run_gruchat(subprocess_env, env={"_GRUCHAT_COMPLETE": "complete_bash", **words})
    assert proc.returncode == 0 and proc.stdout.split() == ["--answer-only"]
    proc = run_gruchat(subprocess_env, "completion", "tcsh")
    assert proc.returncode == 2 and "shell must be one of: bash, zsh, fish" in proc.stderr


def test_default_command_still_chat_with_completion_options():
    assert cli._with_default_command(["--show-completion"]) == ["--show-completion"]
    assert cli._with_default_command(["--model", "x"]) == ["chat", "--model", "x"]
    assert cli._with_default_command(["completion", "bash"]) == ["completion", "bash"]


# -- the wait line ------------------------------------------------------------------------------


class SlowEngine(FakeEngine):
    """Answers after a pause, so the refresh thread draws the wait line."""

    def __init__(self, text: str, pause: float = 0.4, interrupt: str | None = None) -> None:
        super().__init__()
        self.text, self.pause, self.interrupt = text, pause, interrupt
        self.echo: io.StringIO | None = None

    def stream(self, messages, sampling):
        time.sleep(self.pause)
        for i in range(0, len(self.text), 3):
            yield AnswerDelta(self.text[i : i + 3])
        if self.interrupt is not None:
            self._until_drawn()
            if self.echo is not None:
                self.echo.write(self.interrupt)  # what a tty with ECHO on writes for Ctrl-C
            raise KeyboardInterrupt
        yield from super().stream(messages, sampling)

    def _until_drawn(self) -> None:
        """Wait for the answer's Live region to show the whole text; a fixed sleep raced the
        refresh thread on a loaded machine (CI once saw the echo land before the redraw)."""
        if self.echo is None:
            time.sleep(0.3)
            return
        tail = self.text.split()[-1]
        deadline = time.monotonic() + 30
        while tail not in self.echo.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05)


def test_wait_line_shows_phase_and_time_then_is_gone():
    console, buffer = terminal()
    renderer = StreamRenderer(console, console, markdown=True, wait_console=console)
    engine = SlowEngine("A GRU has two gates.")
    engine.token_count = 17  # what the engine says the prompt takes
    engine.enqueue("")
    run_turn(engine, Session.start("sys", Sampling()), "what is a GRU?", renderer)
    raw = buffer.getvalue()
    assert "reading 17 prompt tokens · 0." in raw  # phase and elapsed seconds
    assert raw.rindex("prompt tokens") < raw.index("A GRU")  # gone before the first token
    screen = Screen(60).feed(raw).text()
    assert "prompt tokens" not in screen and "A GRU has two gates." in screen


def test_no_wait_line_in_pipes_or_prompt_files():
    for scope in ("repl", "script"):
        env = Environment.in_memory()
        shell = Shell(SlowEngine("ok", pause=0.3), Session.start("", Sampling()), env, scope=scope)
        shell.handle("hi")
        assert "prompt tokens" not in env.stdout.getvalue() + env.stderr.getvalue()
    env = Environment.in_memory(stdout_isatty=True)
    shell = Shell(SlowEngine("ok", pause=0.3), Session.start("", Sampling()), env, scope="script")
    shell.handle("hi")
    assert "prompt tokens" not in env.stdout.getvalue()


def test_wait_line_is_removed_on_refusal_and_cancel():
    console, buffer = terminal()
    renderer = StreamRenderer(console, console, markdown=True, wait_console=console)
    engine = FakeEngine(token_count=9)
    engine.info = dataclasses.replace(engine.info, context_length=5)
    with pytest.raises(ContextOverflowError):
        run_turn(engine, Session.start("", Sampling()), "a long question here", renderer)
    assert renderer._wait is not None and not renderer._wait.active
    renderer = StreamRenderer(console, console, markdown=True, wait_console=console)
    engine = SlowEngine("partial answer", interrupt="")
    turn = run_turn(engine, Session.start("", Sampling()), "q", renderer)
    assert turn.finish_reason == "cancelled" and not renderer._wait.active
    assert "partial answer" in Screen(60).feed(buffer.getvalue()).text()


# -- Ctrl-C: the first line twice, and keys typed while an answer streams -----------------------


def test_an_echoed_ctrl_c_is_what_printed_the_first_line_twice():
    """The answer's live region pads its last row to the full width; a tty with ECHO on
    writes ``^C`` there, the cursor wraps to a new row, and the region's redraw starts one
    row low: the first line stays and is printed again. With echo off (the REPL turns it
    off while it answers, test below) nothing is written and the line is shown once."""
    shown = {}
    for echoed in ("^C", ""):
        console, buffer = terminal()
        engine = SlowEngine(PARAGRAPH, pause=0, interrupt=echoed)
        engine.echo = buffer
        renderer = StreamRenderer(console, console, markdown=True)
        run_turn(engine, Session.start("", Sampling()), "q", renderer)
        shown[echoed] = Screen(60).feed(buffer.getvalue()).text()
    first = "RNNs process sequences one step at a time and they keep a"
    assert shown["^C"].count(first) == 2  # the bug, as the tty made it
    assert shown[""].count(first) == 1
    assert shown[""].endswith("step.\n[cancelled]")


def _read_all(fd: int) -> bytes:
    data = b""
    while select.select([fd], [], [], 0.2)[0]:
        data += os.read(fd, 1024)
    return data


def test_echo_off_stops_the_tty_echo_keeps_type_ahead_and_restores():
    master, slave = os.openpty()
    try:
        with open(slave, closefd=False) as stream:
            before = termios.tcgetattr(slave)
            assert before[3] & termios.ECHO
            with echo_off(stream) as switched:
                assert switched and not termios.tcgetattr(slave)[3] & termios.ECHO
                os.write(master, b"typed ahead")
                assert _read_all(master) == b""  # nothing written back to the screen
            assert termios.tcgetattr(slave) == before
            raw = list(before)
            raw[3] &= ~(termios.ICANON | termios.ECHO)
            termios.tcsetattr(slave, termios.TCSANOW, raw)  # as the next prompt does
            assert _read_all(slave) == b"typed ahead"  # kept for the next prompt
            termios.tcsetattr(slave, termios.TCSANOW, before)
            with pytest.raises(KeyboardInterrupt), echo_off(stream):
                raise KeyboardInterrupt
            assert termios.tcgetattr(slave) == before
            os.write(master, b"x")
            assert _read_all(master) == b"x"  # echo is back
    finally:
        os.close(master)
        os.close(slave)


def test_echo_off_is_a_no_op_off_a_terminal():
    with echo_off(io.StringIO()) as switched:
        assert switched is False


def test_a_terminal_taken_back_is_one_line_not_an_internal_error(monkeypatch):
    """Seen in tmux (session 18): gruchat under ``flock``, Ctrl-C killed flock, the shell
    took the terminal back and tcsetattr failed with EIO: "internal error: error: (5, …)"."""
    master, slave = os.openpty()

    def taken_back(*_args):
        raise termios.error(5, "Input/output error")

    try:
        with open(slave, closefd=False) as stream:
            monkeypatch.setattr(termios, "tcsetattr", taken_back)
            with echo_off(stream) as switched:
                assert switched is False  # the answer still comes
    finally:
        os.close(master)
        os.close(slave)
    env = Environment.in_memory()
    status = ending_status(termios.error(5, "Input/output error"), env)
    assert status == ExitStatus.FAILURE
    assert env.stderr.getvalue() == "error: lost the terminal: Input/output error\n"


# -- in a real pseudo-terminal with the real model ----------------------------------------------

READY = "\x1b[?2004h"  # prompt_toolkit's bracketed paste on: the prompt is up
ACCEPTED = "\x1b[?2004l"


@pytest.mark.integration
@pytest.mark.pty
def test_pty_wait_line_no_echo_and_the_first_line_once_after_ctrl_c(
    subprocess_env, default_model_path, tmp_path
):
    """Enter: the wait line appears, then goes; keys typed while an answer streams are not
    echoed into it and come back in the next prompt; after Ctrl-C the screen shows the
    answer's first line once (the tty's own flush on Ctrl-C drops keys typed before it)."""
    from helpers import expect_answer_word, spawn_gruchat

    env = dict(subprocess_env)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env.update(
        PROMPT_TOOLKIT_NO_CPR="1",
        TERM="xterm",
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),  # this checkout's gruchat
    )
    args = ["--max-tokens", "200", "--temperature", "0", "--no-grounding", "--system", "Be brief."]
    question = "Write ten long sentences about recurrent neural networks."
    child = spawn_gruchat(args, env, tmp_path, codec_errors="replace")
    try:
        child.expect("your GRU tutor")
        child.expect_exact(READY)
        child.sendline(question)
        child.expect_exact(ACCEPTED)
        child.expect(r"prompt tokens · \d+\.\ds")  # the wait line, with the phase and time
        expect_answer_word(child, min_letters=4)
        child.send("zqx")  # typed while the answer streams
        child.expect_exact("Stats:", timeout=420)  # 200 tokens; beside a CPU hog > 120 s
        streamed = child.before
        child.expect_exact(READY)
        child.expect_exact("zqx")  # kept: the next prompt shows it in its input line
        child.send("\x15")  # Ctrl-U clears it
        child.sendline(question)
        child.expect_exact(ACCEPTED)
        start = expect_answer_word(child, min_letters=4)
        deadline = time.monotonic() + 180
        while len(_screen_lines(start)) < 2:  # more than the first line (a CPU hog slows it)
            child.expect(r"(?s).+", timeout=max(1.0, deadline - time.monotonic()))
            start += child.after
        child.sendintr()
        child.expect_exact("[cancelled]")
        cancelled = start + child.before
        child.expect_exact(READY)
        child.sendline("\\exit")
        child.expect(pexpect_eof())
    finally:
        child.close(force=True)
    assert "zqx" not in streamed and "^C" not in cancelled
    screen = Screen(100).feed(cancelled).text()
    lines = _screen_lines(cancelled)
    assert len(lines) >= 2 and "prompt tokens" not in screen
    assert lines.count(lines[0]) == 1, screen


def _screen_lines(raw: str) -> list[str]:
    """The non-empty lines a terminal shows after drawing ``raw``."""
    return [line for line in Screen(100).feed(raw).text().splitlines() if line.strip()]


def pexpect_eof():
    import pexpect

    return pexpect.EOF
