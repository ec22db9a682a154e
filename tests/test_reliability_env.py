"""Reliability 2 (docs/reliability.md, cases 46–60): signals and interrupts, broken
environments, input edge cases, and tests that never touch the user's own files.

Units use the FakeEngine (state and parsing only); child-process tests run
``python -m gruchat`` without loading a model; the tests that need the real model are
marked ``integration`` (and ``pty`` when they drive the REPL in a pseudo-terminal).
"""

from __future__ import annotations

import dataclasses
import errno
import io
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import helpers
import pexpect
import pytest
from conftest import USER_STATE
from helpers import expect_answer_word, spawn_gruchat

from gruchat import command_table, models, params, transcript
from gruchat.all_commands import build_table
from gruchat.command_table import Empty
from gruchat.config import load_settings
from gruchat.engine.base import Sampling, Usage
from gruchat.engine.fake import FakeEngine, fake_info
from gruchat.environment import Environment, write_out
from gruchat.errors import ExitStatus, GruchatError, UsageError
from gruchat.repl import history_path, make_history, piped_lines
from gruchat.session import Session, Turn
from gruchat.shell import Shell
from gruchat.turn_runner import context_warning

integration = pytest.mark.integration
pty = pytest.mark.pty
TINY = ["--max-tokens", "4", "--temperature", "0", "--no-grounding", "--system", "Be brief."]
ARGS = ["--max-tokens", "16", "--temperature", "0", "--no-grounding", "--system", "Be brief."]
READY = "\x1b[?2004h"  # prompt_toolkit turns bracketed paste on when the prompt is up
ACCEPTED = "\x1b[?2004l"  # ... and off when the line is accepted (or the prompt torn down)
HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"


def make_shell(engine, *, context: int | None = None, **sampling):
    if context is not None:
        engine.context_length = context
        engine.info = dataclasses.replace(engine.info, context_length=context)
    environment = Environment.in_memory(width=400)
    session = Session.start("You are a tutor.", Sampling(**sampling))
    return Shell(engine, session, environment), session, environment


def out_of(environment: Environment) -> str:
    return environment.stdout.getvalue()


def child(subprocess_env: dict, *args: str, **options) -> subprocess.CompletedProcess:
    return helpers.run_gruchat(subprocess_env, *args, **options)


def assert_one_error_line(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def run_with_fds(subprocess_env: dict, args: list[str], redirect: str):
    """``python -m gruchat ARGS REDIRECT`` under ``sh -c`` (``>&-``, ``>/dev/full``, …)."""
    command = shlex.join([sys.executable, "-m", "gruchat", *args]) + " " + redirect
    return subprocess.run(
        ["sh", "-c", command], capture_output=True, stdin=subprocess.DEVNULL, text=True,
        env=subprocess_env, timeout=120, check=False,
    )  # fmt: skip


# == case 46: SIGTERM / SIGHUP end gruchat with the terminal restored ==========================


def test_case46_terminated_during_stream_closes_stream_and_live_region():
    """A terminating signal mid-answer: the engine's stream is closed, the live region is
    stopped (rich shows the cursor again), and the signal is passed on, not swallowed."""
    from rich.console import Console

    from gruchat import signals
    from gruchat.engine.base import AnswerDelta
    from gruchat.render import StreamRenderer
    from gruchat.turn_runner import run_turn

    closed = []

    def stream(messages, sampling):
        try:
            yield AnswerDelta("Some **bold** words")
            raise signals.Terminated(signal.SIGTERM)
        finally:
            closed.append(True)

    engine = FakeEngine()
    engine.stream = stream
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=80)
    session = Session.start("", Sampling())
    with pytest.raises(signals.Terminated):
        run_turn(engine, session, "hi", StreamRenderer(console, console, markdown=True))
    assert closed == [True]
    out = buffer.getvalue()
    assert HIDE_CURSOR in out  # the live region did hide it ...
    assert out.rindex(SHOW_CURSOR) > out.rindex(HIDE_CURSOR)  # ... and gave it back
    assert "bold" in out


def test_case46_signal_handler_raises_once_then_status_is_kept():
    """The handler raises Terminated once; a second signal during clean-up is absorbed."""
    from gruchat import signals

    saved = {s: signal.getsignal(s) for s in signals.EXIT_SIGNALS}
    signals._received.clear()
    try:
        signals.install()
        with pytest.raises(signals.Terminated):
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)  # absorbed: the first one decides
        time.sleep(0.1)
        assert signals.received() == (ExitStatus.HANGUP, "SIGHUP")
    finally:
        signals._received.clear()
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@pytest.fixture
def exit_signals():
    """gruchat's SIGTERM/SIGHUP handlers for one test, the test runner's put back after."""
    from gruchat import signals

    saved = {s: signal.getsignal(s) for s in signals.EXIT_SIGNALS}
    signals._received.clear()
    signals._deferred.clear()
    signals.install()
    try:
        yield signals
    finally:
        signals._received.clear()
        signals._deferred.clear()
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def _prompt_with_callback(callback) -> str:
    """A real prompt_toolkit prompt on pipe input that runs ``callback`` from its own
    event loop, as a redraw or a completion would, and never gets a line."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as pipe:
        session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
        return session.prompt("> ", pre_run=lambda: session.app.loop.call_soon(callback))


PROMPT_GETS_SIGTERM = """
import os, signal
from gruchat import signals
signals.install()
from test_reliability_env import _prompt_with_callback
try:
    _prompt_with_callback(lambda: os.kill(os.getpid(), signal.SIGTERM))
except signals.Terminated as exc:
    print("ended by", exc, signals.received()[0].value, signals._deferred)
"""


def test_case46_sigterm_inside_the_prompts_event_loop_ends_the_prompt():
    """CI saw it: a SIGTERM that lands while the idle prompt's loop runs a callback was
    caught by asyncio's exception handler, and prompt_toolkit waited for "Press ENTER to
    continue..." for ever instead of exiting. Now the prompt ends with Terminated (in a
    child process, so that a return of the bug fails instead of hanging the suite)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), *sys.path]))
    done = subprocess.run(
        [sys.executable, "-c", PROMPT_GETS_SIGTERM],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    assert "Press ENTER" not in done.stdout + done.stderr
    assert done.stdout.strip() == "ended by SIGTERM 143 []", done.stderr


def test_case46_a_signal_the_prompt_could_not_end_is_raised_after_it(exit_signals):
    """If the line is already on its way back when the signal lands, the prompt returns
    it and ``raise_pending`` (called after every prompt) raises instead."""
    from prompt_toolkit.application.current import get_app

    def line_then_signal() -> None:
        get_app().exit(result="typed")
        os.kill(os.getpid(), signal.SIGTERM)

    assert _prompt_with_callback(line_then_signal) == "typed"
    with pytest.raises(exit_signals.Terminated):
        exit_signals.raise_pending()
    exit_signals.raise_pending()  # once only


def _spawn_repl(subprocess_env: dict, home: Path, args: list[str] = ARGS) -> pexpect.spawn:
    env = dict(subprocess_env)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env.update(PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", GRUCHAT_HOME=str(_home_with_store(home)))
    repl = spawn_gruchat(args, env, home, codec_errors="replace")
    repl.expect("your GRU tutor")
    repl.expect_exact(READY)
    return repl


def _home_with_store(home: Path) -> Path:
    gruchat_home = home / "gruchat-home"
    if not gruchat_home.exists():
        gruchat_home.mkdir()
        (gruchat_home / "models").symlink_to(models.store_dir(), target_is_directory=True)
    return gruchat_home


def _ends_by_signal(repl: pexpect.spawn, status: int) -> str:
    repl.expect(pexpect.EOF, timeout=60)
    rest = repl.before
    repl.close()
    assert repl.signalstatus is None
    assert repl.exitstatus == status
    for marker in ("Traceback", "Unhandled exception", "Press ENTER to continue"):
        assert marker not in rest
    return rest


@integration
@pty
@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["term", "hup"]
)
def test_case46_signal_while_streaming_restores_terminal_keeps_history_pty(
    tmp_path, subprocess_env, default_model_path, signum, status
):
    repl = _spawn_repl(subprocess_env, tmp_path)
    try:
        repl.sendline("\\maxtokens 200")
        repl.expect_exact(READY)
        repl.sendline("Tell a long story.")
        repl.expect_exact(ACCEPTED)
        seen = expect_answer_word(repl)
        time.sleep(0.3)
        repl.kill(signum)
        rest = _ends_by_signal(repl, status)
    finally:
        if repl.isalive():
            repl.terminate(force=True)
    screen = seen + rest
    assert HIDE_CURSOR in screen  # the Markdown live region was up ...
    assert screen.rindex(SHOW_CURSOR) > screen.rindex(HIDE_CURSOR)  # ... the cursor is back
    assert f"terminated ({signal.Signals(signum).name})" in rest
    history = (tmp_path / "gruchat-home" / "history").read_text(encoding="utf-8")
    assert "+\\maxtokens 200" in history and "+Tell a long story." in history


@integration
@pty
def test_case46_sigterm_at_the_idle_prompt_leaves_raw_mode_pty(
    tmp_path, subprocess_env, default_model_path
):
    repl = _spawn_repl(subprocess_env, tmp_path)
    try:
        repl.sendline("\\params")
        repl.expect("temperature 0.0")
        repl.expect_exact(READY)
        repl.kill(signal.SIGTERM)
        rest = _ends_by_signal(repl, 143)
    finally:
        if repl.isalive():
            repl.terminate(force=True)
    assert ACCEPTED in rest  # bracketed paste is off again (the prompt had it on)
    assert rest.rindex(SHOW_CURSOR) > rest.rindex(HIDE_CURSOR)
    assert "+\\params" in (tmp_path / "gruchat-home" / "history").read_text(encoding="utf-8")


# == case 47: Ctrl-C during a blocking command cancels it; the REPL lives ======================


def _interrupt_main_thread_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def _blocking_load(monkeypatch) -> None:
    """A \\load that blocks like a slow network disk (a FIFO is refused at once: case 35)."""

    def slow(session, path):
        time.sleep(30)

    monkeypatch.setattr(transcript, "load", slow)


def test_case47_ctrl_c_during_a_blocking_load_cancels_and_repl_lives(tmp_path, monkeypatch):
    engine = FakeEngine().enqueue("after the interrupt")
    shell, session, environment = make_shell(engine)
    _blocking_load(monkeypatch)
    before = session.to_json()
    timer = _interrupt_main_thread_after(0.5)
    try:
        assert shell.handle(f"\\load {tmp_path / 'slow.json'}").going
    finally:
        timer.cancel()
    assert "error: \\load cancelled; nothing was changed" in out_of(environment)
    assert session.to_json() == before
    shell.handle("next question")  # the REPL goes on
    assert "after the interrupt" in out_of(environment)


def test_case47_ctrl_c_during_a_slow_save_keeps_the_old_file(tmp_path, monkeypatch):
    shell, _, environment = make_shell(FakeEngine())
    target = tmp_path / "chat.json"
    target.write_text("the previous transcript\n", encoding="utf-8")

    def interrupted_fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(transcript.os, "fsync", interrupted_fsync)
    assert shell.handle(f"\\save {target} --force").going
    assert "error: \\save cancelled; nothing was changed" in out_of(environment)
    assert target.read_text(encoding="utf-8") == "the previous transcript\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.json"]  # no temp file


def test_case47_ctrl_c_in_a_script_command_still_stops_the_run(tmp_path, monkeypatch):
    """In ``gruchat run`` (scope script) a Ctrl-C is the user stopping the run."""
    shell, _, _ = make_shell(FakeEngine())
    shell.ctx.scope = "script"
    _blocking_load(monkeypatch)
    timer = _interrupt_main_thread_after(0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            shell.handle(f"\\load {tmp_path / 'slow.json'}")
    finally:
        timer.cancel()


@integration
@pty
def test_case47_load_of_a_fifo_never_blocks_the_repl_pty(
    tmp_path, subprocess_env, default_model_path
):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    repl = _spawn_repl(subprocess_env, tmp_path)
    try:
        repl.sendline(f"\\load {fifo}")
        repl.expect(r"nothing was changed", timeout=30)  # at once: the FIFO is never opened
        assert "FIFO (named" in repl.before  # the line wraps (with colour codes) after it
        repl.expect_exact(READY)
        repl.sendline("\\params")
        repl.expect("temperature 0.0")
        repl.expect_exact(READY)
        repl.sendline("\\exit")
        repl.expect(pexpect.EOF, timeout=60)
        assert "Traceback" not in repl.before
        repl.close()
        assert repl.exitstatus == 0
    finally:
        if repl.isalive():
            repl.terminate(force=True)


# == case 48: Ctrl-Z at the prompt suspends; fg resumes ========================================


def _proc_state(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rpartition(")")[2].split()[0]


@integration
@pty
def test_case48_ctrl_z_at_the_prompt_suspends_and_fg_resumes_pty(
    tmp_path, subprocess_env, default_model_path
):
    """Under a job-control shell (as a user runs it): Ctrl-Z stops the process (state T,
    bash reports it stopped), ``fg`` brings the prompt back and it answers commands."""
    env = dict(subprocess_env)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env.update(
        PROMPT_TOOLKIT_NO_CPR="1",
        TERM="xterm",
        PS1="$ ",
        GRUCHAT_HOME=str(_home_with_store(tmp_path)),
    )
    shell = pexpect.spawn(
        "bash", ["--norc", "--noprofile", "-i"], env=env, cwd=str(tmp_path),
        encoding="utf-8", codec_errors="replace", dimensions=(40, 100), timeout=120,
    )  # fmt: skip
    try:
        shell.expect_exact("$ ")
        shell.sendline(shlex.join([sys.executable, "-m", "gruchat", *ARGS]))
        shell.expect("your GRU tutor")
        shell.expect_exact(READY)
        shell.sendcontrol("z")
        shell.expect("Stopped", timeout=30)
        shell.expect_exact("$ ")
        shell.sendline("jobs -p")
        shell.expect(r"(\d+)\r?\n")
        pid = int(shell.match.group(1))
        shell.expect_exact("$ ")
        assert _proc_state(pid) == "T"
        shell.sendline("fg")
        shell.expect_exact(READY, timeout=30)
        assert _proc_state(pid) in ("S", "R")
        shell.sendline("\\params")
        shell.expect("temperature 0.0")
        shell.expect_exact(READY)
        shell.sendline("\\exit")
        shell.expect_exact("$ ", timeout=60)
        shell.sendline("echo status=$?")
        shell.expect(r"status=(\d+)")
        assert shell.match.group(1) == "0"
    finally:
        shell.terminate(force=True)


def test_case48_prompt_session_enables_suspend(monkeypatch):
    """The REPL's PromptSession is built with suspend on (Ctrl-Z no longer types ^Z)."""
    from gruchat import repl

    seen = {}

    class Recorder:
        def __init__(self, **options):
            seen.update(options)

        def prompt(self, text):
            raise EOFError

    monkeypatch.setattr(repl, "PromptSession", Recorder)
    assert list(repl.terminal_lines(Environment.in_memory(), build_table())) == []
    assert seen["enable_suspend"] is True


# == case 49: GRUCHAT_HOME that is a file or cannot be written =================================


@pytest.fixture
def home_is_a_file(tmp_path):
    path = tmp_path / "not-a-folder"
    path.write_text("x")
    return path


def test_case49_pull_into_a_file_home_exit_3(subprocess_env, home_is_a_file):
    proc = child(subprocess_env, "pull", env={"GRUCHAT_HOME": str(home_is_a_file)})
    assert proc.returncode == 3
    assert_one_error_line(
        proc, f"model store {home_is_a_file}/models cannot be used", "GRUCHAT_HOME"
    )


def test_case49_ask_needing_the_store_exit_3_before_fetching(subprocess_env, home_is_a_file):
    proc = child(subprocess_env, "ask", "hi", env={"GRUCHAT_HOME": str(home_is_a_file)})
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    # the conversation log lives under GRUCHAT_HOME too: one warning about it comes first
    assert all(line.startswith("warning: conversation log") for line in lines[:-1])
    assert len(lines) <= 2
    assert lines[-1].startswith("error:") and "cannot be used" in lines[-1]
    assert "not a folder" in lines[-1] and "Traceback" not in proc.stderr


def test_case49_pull_into_an_uncreatable_store_exit_3(subprocess_env):
    """/proc refuses new folders even to root: the mkdir inside pull fails."""
    proc = child(subprocess_env, "pull", env={"GRUCHAT_HOME": "/proc/self/gruchat"})
    assert proc.returncode == 3
    assert_one_error_line(proc, "cannot write to the model store /proc/self/gruchat/models")


def test_case49_models_with_a_file_home_warns_and_lists(subprocess_env, home_is_a_file):
    proc = child(subprocess_env, "models", env={"GRUCHAT_HOME": str(home_is_a_file)})
    assert proc.returncode == 0
    assert proc.stderr.strip() == (
        f"warning: model store {home_is_a_file}/models cannot be used: "
        f"{home_is_a_file} is not a folder"
    )
    assert "smollm2-135m" in proc.stdout


def test_case49_history_under_a_file_home_is_a_warning(home_is_a_file, monkeypatch):
    """Work can go on without history: one warning, an in-memory history."""
    from prompt_toolkit.history import InMemoryHistory

    monkeypatch.setenv("GRUCHAT_HOME", str(home_is_a_file))
    environment = Environment.in_memory(width=400)
    history = make_history(environment.err)
    assert isinstance(history, InMemoryHistory)
    warning = environment.stderr.getvalue().strip()
    assert warning.startswith("warning: no history") and len(warning.splitlines()) == 1


# == case 50: broken links in the model store ==================================================


def test_case50_broken_links_in_the_store_listed_not_a_traceback(subprocess_env, tmp_path):
    store = tmp_path / "models"
    store.mkdir()
    (store / "gone.gguf").symlink_to(tmp_path / "deleted.gguf")
    (store / "loop.gguf").symlink_to(store / "loop.gguf")
    preset = models.presets()["smollm2-135m"]
    (store / preset.file).symlink_to(tmp_path / "moved-away.gguf")
    proc = child(subprocess_env, "models", env={"GRUCHAT_HOME": str(tmp_path), "COLUMNS": "300"})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    rows = {line.split("│")[1].strip(): line for line in proc.stdout.splitlines() if "│" in line}
    for name in ("gone.gguf", "loop.gguf", "smollm2-135m"):
        assert "broken link" in rows[name], rows.get(name)


def test_case50_file_state_kinds(tmp_path):
    good = tmp_path / "good.gguf"
    good.write_bytes(b"GGUF1234")
    (tmp_path / "dangling.gguf").symlink_to(tmp_path / "nowhere")
    (tmp_path / "folder.gguf").mkdir()
    assert models.file_state(good) == (8, "yes")
    assert models.file_state(tmp_path / "missing.gguf") == (None, "no")
    assert models.file_state(tmp_path / "dangling.gguf") == (None, "broken link")
    assert models.file_state(tmp_path / "folder.gguf") == (None, "unreadable (not a file)")
    assert models.file_state(good / "under-a-file.gguf")[1].startswith("unreadable")
    preset = models.presets()["smollm2-135m"]
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / preset.file).symlink_to(tmp_path / "nowhere")
    assert not models.is_installed(preset, {"GRUCHAT_HOME": str(tmp_path)})


# == case 51: stdout (or stdin) closed by the caller ===========================================

NO_MODEL_COMMANDS = [
    ["gru"], ["gru", "step"], ["models"], ["config"], ["ask", "--help"], ["--help"], ["--version"],
]  # fmt: skip


@pytest.mark.parametrize("args", NO_MODEL_COMMANDS, ids=" ".join)
def test_case51_stdout_closed_exit_0_silently(subprocess_env, args):
    proc = run_with_fds(subprocess_env, args, ">&-")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


def test_case51_closed_stdout_descriptor_is_not_reused(subprocess_env, tmp_path):
    """With fd 1 closed, the next file opened would take number 1 and receive prints; it
    is opened on /dev/null first, so files gruchat opens never get the output."""
    probe = tmp_path / "probe.txt"
    code = (
        "import os, sys\n"
        "from gruchat.environment import make_streams_safe\n"
        "make_streams_safe()\n"
        f"fd = os.open({str(probe)!r}, os.O_WRONLY | os.O_CREAT)\n"
        "print('printed text'); sys.stdout.flush(); os.write(fd, b'file text'); os.close(fd)\n"
        "sys.stderr.write(f'fd={fd}')\n"
    )
    proc = subprocess.run(
        ["sh", "-c", f'{sys.executable} -c "$0" >&-', code],
        capture_output=True, text=True, env=subprocess_env,
        timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr != "fd=1"
    assert probe.read_text() == "file text"


def test_case51_stdin_closed_ask_is_an_empty_question(subprocess_env):
    proc = run_with_fds(subprocess_env, ["ask", "-"], "<&-")
    assert proc.returncode == 2
    assert_one_error_line(proc, "empty question")


# == case 52: stdout full or failing ===========================================================


@pytest.mark.parametrize("args", NO_MODEL_COMMANDS, ids=" ".join)
def test_case52_stdout_full_one_line_exit_1(subprocess_env, args):
    proc = run_with_fds(subprocess_env, args, ">/dev/full")
    assert proc.returncode == 1
    assert_one_error_line(proc, "cannot write to stdout: No space left on device")


class FullStream(io.StringIO):
    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        pass

    def fileno(self):
        raise io.UnsupportedOperation


def test_case52_console_and_plain_writes_raise_one_gruchat_error():
    environment = Environment(stdin=io.StringIO(), stdout=FullStream(), stderr=io.StringIO())
    with pytest.raises(GruchatError, match="cannot write to stdout: No space left on device"):
        environment.out.print("the card")
    with pytest.raises(GruchatError, match="No space left on device"):
        write_out(environment.stdout, "an answer line\n")


@integration
def test_case52_ask_into_a_full_stdout_exit_1(subprocess_env, default_model_path):
    proc = run_with_fds(subprocess_env, ["ask", *TINY, "hi"], ">/dev/full")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: cannot write to stdout: No space left on device"]


# == case 53: GRUCHAT_CONFIG names a file that is not there ====================================


def test_case53_explicit_config_missing_exit_2_naming_it(subprocess_env, tmp_path):
    missing = tmp_path / "typo.toml"
    proc = child(subprocess_env, "config", env={"GRUCHAT_CONFIG": str(missing)})
    assert proc.returncode == 2
    assert_one_error_line(proc, f"config file not found: {missing}", "GRUCHAT_CONFIG")


@pytest.mark.parametrize("kind", ["directory", "dangling link"])
def test_case53_explicit_config_unreadable_exit_2(tmp_path, kind):
    path = tmp_path / "config.toml"
    if kind == "directory":
        path.mkdir()
    else:
        path.symlink_to(tmp_path / "gone.toml")
    with pytest.raises(UsageError, match=f"cannot read config file {re.escape(str(path))}"):
        load_settings({}, env={"GRUCHAT_CONFIG": str(path)})


def test_case53_missing_default_config_is_silent(tmp_path):
    settings = load_settings({}, env={"XDG_CONFIG_HOME": str(tmp_path / "nothing-here")})
    assert settings.sources["model"] == "default"


# == case 54: a config saved with a UTF-8 BOM ==================================================


def test_case54_config_with_bom_loads(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbftemperature = 0.5\nmodel = 'smollm2-135m'\n")
    settings = load_settings({}, env={"GRUCHAT_CONFIG": str(path)})
    assert settings.temperature == 0.5
    assert settings.sources["temperature"] == str(path)


# == case 55: empty and wrongly typed values ===================================================


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('model = ""', "model must not be empty"),
        ('model = "   "', "model must not be empty"),
        ("model = 3", "model must be text"),
        ('device = ""', "device must be one of: auto, cpu, cuda"),
        ("isq = 5", "isq must be text"),
        ("temperature = true", "temperature must be a number"),
        ('max_tokens = "lots"', "max_tokens must be a whole number"),
        ("think = 3", "think: expected on or off"),
        ("[model]\nname = 'x'", "model must be text"),
        ("[colours]\nprompt = 'red'", "unknown setting 'colours'"),
    ],
)
def test_case55_bad_config_values_name_key_and_file(tmp_path, toml, message):
    path = tmp_path / "config.toml"
    path.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_settings({}, env={"GRUCHAT_CONFIG": str(path)})
    assert caught.value.message.startswith(f"{path}: ")
    assert message in caught.value.message
    assert "\n" not in caught.value.message


def test_case55_empty_model_from_env_and_flag_name_the_layer(subprocess_env):
    proc = child(subprocess_env, "ask", "hi", env={"GRUCHAT_MODEL": ""})
    assert proc.returncode == 2
    assert_one_error_line(proc, "env GRUCHAT_MODEL must not be empty")
    proc = child(subprocess_env, "ask", "--model", "", "hi")
    assert proc.returncode == 2
    assert_one_error_line(proc, "flag --model must not be empty")


# == case 56: an unterminated """ block in piped input =========================================


def test_case56_unterminated_block_in_piped_input_is_an_error():
    environment = Environment.in_memory('\\params\n\n"""\nan open\nblock\n')
    lines = piped_lines(environment)
    assert next(lines) == "\\params"
    assert next(lines) == ""
    with pytest.raises(UsageError) as caught:
        next(lines)
    assert caught.value.status == ExitStatus.USAGE
    assert caught.value.message.startswith('stdin line 3: unterminated """ block')


def test_case56_closed_block_still_joined():
    environment = Environment.in_memory('"""\nline one\nline two\n"""\nafter\n')
    assert list(piped_lines(environment)) == ["line one\nline two", "after"]


@integration
def test_case56_unterminated_block_piped_to_the_repl_exit_2(subprocess_env, default_model_path):
    proc = child(subprocess_env, *TINY, input='\\params\n"""\nnever closed\n')
    assert proc.returncode == 2
    assert "temperature 0.0" in proc.stdout  # the lines before it ran
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        'error: stdin line 2: unterminated """ block: expected a closing """; '
        "the block was not sent"
    ]


# == case 57: prompts of only control or invisible characters ==================================

INVISIBLE = [
    "\x01\x02", "\x1b", "\u200b\u200b", "\ufeff", "\u2060\u200d", "\u3164", " \x7f\t", "\u2800",
]  # fmt: skip


@pytest.mark.parametrize("text", INVISIBLE, ids=ascii)
def test_case57_invisible_prompt_is_empty_never_sent(text):
    engine = FakeEngine()
    shell, session, environment = make_shell(engine)
    assert isinstance(command_table.parse(text, build_table()), Empty)
    assert shell.handle(text).going
    assert engine.requests == [] and session.turns == []
    assert out_of(environment) == ""  # like a blank line (case 8): nothing printed


def test_case57_visible_text_with_control_characters_is_still_a_prompt():
    assert not command_table.is_blank("\x01a")
    assert not command_table.is_blank("日本")
    assert not command_table.is_blank("\u0301e")


@pytest.mark.parametrize("text", ["\x01\x02", "\u200b"], ids=ascii)
def test_case57_ask_with_an_invisible_question_is_usage_error(subprocess_env, text):
    proc = child(subprocess_env, "ask", "-", input=text)
    assert proc.returncode == 2
    assert_one_error_line(proc, "empty question")


# == case 58: ask with an over-long prompt, and ask --json on errors ===========================


def test_case58_ask_overlong_prompt_says_shorten_not_clear(monkeypatch):
    from gruchat import one_question as ask_mod

    engine = FakeEngine(info=fake_info(context_length=50), token_count=210)
    settings = load_settings({"system_prompt": "Be brief.", "grounding": False}, env={})
    environment = Environment.in_memory()
    with pytest.raises(UsageError) as caught:
        ask_mod.answer_one(engine, settings, "gate " * 200, environment)
    message = caught.value.message
    assert "shorten the question" in message and "the context holds 50" in message
    assert "\\clear" not in message
    assert engine.requests == []


@pytest.mark.parametrize(
    ("args", "env", "status", "fragment"),
    [
        (["ask", "--json", "-"], {}, 2, "empty question"),
        (["ask", "--json", "--model", "/no/such.gguf", "hi"], {}, 3, "model file not found"),
        (["ask", "--json", "hi"], {"GRUCHAT_CONFIG": "/no/such.toml"}, 2, "config file not found"),
    ],
)
def test_case58_ask_json_error_prints_one_object(subprocess_env, args, env, status, fragment):
    proc = child(subprocess_env, *args, env=env, input="")
    assert proc.returncode == status
    obj = json.loads(proc.stdout)  # exactly one JSON document on stdout
    assert fragment in obj["error"] and obj["exit_code"] == status
    assert_one_error_line(proc, fragment)  # and the usual line for a person


def test_case58_json_error_of_an_interrupt():
    from gruchat.one_question import json_error

    assert json.loads(json_error(KeyboardInterrupt())) == {"error": "interrupted", "exit_code": 130}


# == case 59: \maxtokens against the context, and when the context warning fires ===============


def test_case59_maxtokens_at_or_above_context_refused_naming_it():
    shell, session, environment = make_shell(FakeEngine(), context=2048, max_tokens=64)
    for value in ("2048", "5000", "1000000"):
        shell.handle(f"\\maxtokens {value}")
        assert session.sampling.max_tokens == 64
    assert out_of(environment).count("context of 2048 tokens (at most 2047)") == 3
    shell.handle("\\maxtokens 2047")
    assert session.sampling.max_tokens == 2047


def test_case59_maxtokens_without_a_known_context_keeps_the_plain_limit():
    assert params.max_tokens("999999") == 999999
    with pytest.raises(ValueError, match="at most 99"):
        params.max_tokens("100", 100)


def _warning_at(used: int, context: int, max_tokens: int) -> str | None:
    engine = FakeEngine(info=fake_info(context_length=context))
    session = Session.start("", Sampling(max_tokens=max_tokens))
    session.record(Turn(prompt="q", usage=Usage(prompt_tokens=used, completion_tokens=0)))
    return context_warning(engine, session)


def test_case59_context_warning_not_at_5_percent_with_a_large_max_tokens():
    assert _warning_at(used=410, context=8192, max_tokens=8191) is None  # 5 %: room enough
    assert _warning_at(used=6000, context=8192, max_tokens=8191) is None  # 2192 left > 25 %
    warning = _warning_at(used=6200, context=8192, max_tokens=8191)  # 1992 left < 2048
    assert warning and "6200 of 8192 tokens used, 1992 left" in warning


def test_case59_context_warning_with_a_small_max_tokens_unchanged():
    """The usual case keeps the old rule: warn once an answer of max tokens may not fit."""
    assert _warning_at(used=7680, context=8192, max_tokens=512) is None  # exactly 512 left
    assert _warning_at(used=7681, context=8192, max_tokens=512) is not None


# == case 60: the tests never touch the user's own state =======================================


def test_case60_tests_run_with_temporary_state_dirs():
    home = Path(os.environ["GRUCHAT_HOME"])
    assert home == USER_STATE.home and home.name == "gruchat-home"
    for name in helpers.STATE_VARIABLES:
        assert Path(os.environ[name]).parent == home.parent
    assert history_path() == home / "history" != USER_STATE.history
    assert "GRUCHAT_CONFIG" not in os.environ
    # the model store is the user's (so the real model is found), reached through the link;
    # with no store yet (a fresh machine) there is none, not a broken link
    if USER_STATE.store.is_dir():
        assert (home / "models").resolve() == USER_STATE.store.resolve()
    else:
        assert not (home / "models").exists() and not (home / "models").is_symlink()


def _stat_or_none(path: Path):
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns)


@integration
@pty
def test_case60_repl_turn_in_a_child_leaves_the_real_history_untouched(
    subprocess_env, default_model_path
):
    """A REPL in a child process with the tests' own environment (nothing overridden):
    its history goes to the temporary GRUCHAT_HOME, the user's history file is as before."""
    before = _stat_or_none(USER_STATE.history)
    marker = f"\\system history probe {os.getpid()}"
    env = dict(subprocess_env)
    env.update(PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm")
    repl = spawn_gruchat(TINY, env, codec_errors="replace")
    try:
        repl.expect_exact(READY)
        repl.sendline(marker)
        repl.expect("System prompt set")
        repl.expect_exact(READY)
        repl.sendline("Say hi.")
        repl.expect("Stats:", timeout=180)
        repl.expect_exact(READY)
        repl.sendcontrol("d")
        repl.expect(pexpect.EOF, timeout=60)
        repl.close()
        assert repl.exitstatus == 0
    finally:
        if repl.isalive():
            repl.terminate(force=True)
    written = (Path(subprocess_env["GRUCHAT_HOME"]) / "history").read_text(encoding="utf-8")
    assert f"+{marker}" in written and "+Say hi." in written
    assert _stat_or_none(USER_STATE.history) == before
    if USER_STATE.history.exists():
        assert marker not in USER_STATE.history.read_text(encoding="utf-8", errors="replace")
