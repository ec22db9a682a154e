"""Reliability cases that need no real model: the Shell, the turn, history, transcripts.

Each test is named after the case it checks (``test_caseNN_…``); docs/reliability.md maps
case numbers to behaviour and tests. Subprocess cases are in test_reliability_cli.py and
the pseudo-terminal ones in test_reliability_pty.py.
"""

from __future__ import annotations

import copy
import errno
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import word_count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from gruchat import command_table, repl, transcript
from gruchat.all_commands import build_table
from gruchat.command_table import Call, CommandError, Empty, Prompt, parse
from gruchat.config import load_settings
from gruchat.engine import mistral
from gruchat.engine.base import AnswerDelta, Finished, Sampling, Usage
from gruchat.engine.fake import FakeEngine, fake_info
from gruchat.environment import Environment, make_streams_safe
from gruchat.errors import ContextOverflowError, EngineDeadError, EngineError, ExitStatus
from gruchat.inputs import clean_text
from gruchat.markdown_stream import MarkdownStream
from gruchat.one_question import read_prompt
from gruchat.render import StreamRenderer
from gruchat.repl import SafeFileHistory, piped_lines, run_repl
from gruchat.session import Session
from gruchat.shell import Outcome, Shell
from gruchat.turn_runner import run_turn

TABLE = build_table()

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def plain(text: str) -> str:
    """Terminal output without escape sequences or carriage returns."""
    return ANSI.sub("", text)


def make_shell(engine, env, *, tty: bool = False, **sampling):
    """A Shell over StringIO streams (markdown rendering when ``tty``) and a fresh session."""
    # wide: messages with long paths stay on one line
    environment = Environment.in_memory(stdout_isatty=True, width=400) if tty else env(width=400)
    session = Session.start("You are a tutor.", Sampling(**sampling))
    return Shell(engine, session, environment), session, environment


def out_of(environment: Environment) -> str:
    return environment.stdout.getvalue()


def small_context_engine(context: int) -> FakeEngine:
    """A fake with a small context whose prompts are counted by the test (word_count)."""
    return FakeEngine(info=fake_info(context_length=context), token_count=word_count)


def user_texts(engine: FakeEngine) -> list[str]:
    """The last user message of every request the engine received."""
    return [messages[-1]["content"] for messages, _ in engine.requests]


# -- case 5: \temperature refuses bad values and keeps the state ------------------------------


@pytest.mark.parametrize("value", ["abc", "-1", "2.1", "nan", "inf", "1e309", "-inf", "NaN"])
def test_case05_bad_temperature_refused_state_unchanged(fake_engine, env, value):
    shell, session, environment = make_shell(fake_engine, env, temperature=0.7)
    before = session.sampling
    outcome = shell.handle(f"\\temperature {value}")
    assert outcome.going
    assert session.sampling == before
    assert outcome.reply is not None and outcome.reply.error
    assert "error: temperature must be a number from 0.0 to 2.0" in out_of(environment)
    assert fake_engine.requests == []


def test_case05_control_valid_temperature_is_accepted(fake_engine, env):
    """The refusals above are not vacuous: an in-range value does change the state."""
    shell, session, _ = make_shell(fake_engine, env, temperature=0.7)
    reply = shell.handle("\\temperature 1.5").reply
    assert session.sampling.temperature == 1.5
    assert not reply.error


# -- case 6: \topk and \topp refuse bad values and keep the state -----------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("\\topk 0", "top-k must be a whole number greater than 0"),
        ("\\topk -5", "top-k must be a whole number greater than 0"),
        ("\\topk 1.5", "top-k must be a whole number greater than 0"),
        ("\\topk " + "9" * 30, "top-k must be a whole number greater than 0"),
        ("\\topp 0", "top-p must be a number greater than 0.0 and at most 1.0"),
        ("\\topp 1.01", "top-p must be a number greater than 0.0 and at most 1.0"),
        ("\\topp nan", "top-p must be a number greater than 0.0 and at most 1.0"),
    ],
)
def test_case06_bad_topk_topp_refused_state_unchanged(fake_engine, env, line, message):
    shell, session, environment = make_shell(fake_engine, env, top_k=40, top_p=0.9)
    before = session.sampling
    outcome = shell.handle(line)
    assert outcome.going
    assert session.sampling == before
    assert outcome.reply.error
    assert f"error: {message}" in out_of(environment)
    assert fake_engine.requests == []


# -- case 7: malformed commands get a clear message and never reach the model -----------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("\\foo", r"unknown command \foo"),
        ("/foo", r"unknown command /foo"),  # quoted as typed
        ("\\", "empty command: type \\help"),
        ("  \\   ", "empty command: type \\help"),
        ("\\exit extra", r"\exit takes no arguments"),
        ("\\TEMPERATURE 1", r"unknown command \TEMPERATURE; did you mean \temperature?"),
    ],
)
def test_case07_bad_command_clear_message_never_sent(fake_engine, env, line, message):
    shell, session, environment = make_shell(fake_engine, env)
    before = session.sampling
    assert shell.handle(line).going  # `\exit extra` is refused, not obeyed
    output = out_of(environment)
    assert output.startswith("error: ")
    assert message in output
    assert len(output.strip().splitlines()) == 1
    assert fake_engine.requests == []
    assert session.messages == []
    assert session.sampling == before


# -- case 8: empty input is ignored ------------------------------------------------------------


@pytest.mark.parametrize("line", ["", " ", "\t", "   \t  ", "\u3000", "\n"])
def test_case08_blank_line_ignored_never_sent(fake_engine, env, line):
    shell, session, environment = make_shell(fake_engine, env)
    assert shell.handle(line).going
    assert fake_engine.requests == []
    assert session.messages == []
    assert out_of(environment) == ""


def test_case08_blank_piped_lines_and_empty_block_never_sent(fake_engine, env):
    """Blank lines and an empty triple-quoted block from a pipe: nothing is sent."""
    environment = env('\n   \n\t\n"""\n\n   \n"""\n""""""\n')
    shell = Shell(fake_engine, Session.start("", Sampling()), environment)
    for line in piped_lines(environment):
        assert shell.handle(line).going
    assert fake_engine.requests == []
    assert out_of(environment) == ""


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_case08_ask_blank_question_is_usage_error(env, text):
    from gruchat.errors import UsageError

    with pytest.raises(UsageError, match="empty question"):
        read_prompt("-", env(text))


# -- case 10 (unit): Ctrl-C mid-stream keeps the partial answer, marked ------------------------


def test_case10_ctrl_c_mid_stream_keeps_partial_marked_cancelled(fake_engine, env):
    fake_engine.enqueue(
        "The update gate decides how much to keep.", error=KeyboardInterrupt(), error_after=2
    )
    fake_engine.enqueue("Fine.")
    shell, session, environment = make_shell(fake_engine, env)
    assert shell.handle("What does the update gate do?").going
    output = out_of(environment)
    assert "The upda" in output
    assert "[cancelled]" in output
    assert session.last_turn.finish_reason == "cancelled"
    assert session.messages[-2]["content"] == "What does the update gate do?"
    assert session.messages[-1]["role"] == "assistant"
    assert session.messages[-1]["content"] == "The upda [cancelled]"
    # the next prompt works; the cancelled exchange stays in the transcript, not in the request
    assert shell.handle("And the reset gate?").going
    sent, _ = fake_engine.requests[-1]
    assert [m["role"] for m in sent] == ["system", "user"]
    assert session.messages[-1] == {"role": "assistant", "content": "Fine."}


class _InterruptOnce:
    """Raises KeyboardInterrupt the first time it is called: Ctrl-C landing right there."""

    def __init__(self, then=None):
        self.fired = False
        self.then = then

    def __call__(self, *args):
        if not self.fired:
            self.fired = True
            raise KeyboardInterrupt
        return self.then(*args) if self.then else None


class _InterruptingGrounder:
    def __init__(self):
        self.ground = _InterruptOnce(lambda question, previous=(), context=(): (question, []))

    def note(self, name):
        return None

    def verify(self, answer, question="", known_numbers=None):
        return []


@pytest.mark.parametrize("where", ["count_tokens", "grounding"])
def test_case10_ctrl_c_during_prompt_processing_keeps_repl(monkeypatch, env, tmp_path, where):
    """Ctrl-C while the prompt is being prepared (BM25 grounding, or the engine counting
    tokens, which blocks in Rust while the engine is still busy) cancels that turn only: the
    REPL goes on to the next line."""
    engine = FakeEngine()
    engine.enqueue("Second answer.")
    grounder = None
    if where == "count_tokens":
        engine.count_tokens = _InterruptOnce(FakeEngine.count_tokens.__get__(engine))
    else:
        grounder = _InterruptingGrounder()
    monkeypatch.setattr(repl, "open_engine", lambda settings, console, verbose=False: engine)
    monkeypatch.setattr(repl, "grounder_for", lambda settings: grounder)
    environment = env("First question?\nSecond question?\n")
    settings = load_settings({}, env={"XDG_CONFIG_HOME": str(tmp_path)})
    try:
        status = run_repl(settings, environment)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C before the first token escaped run_repl: the REPL would exit")
    assert status == ExitStatus.OK
    assert "cancelled" in out_of(environment) + environment.stderr.getvalue()
    assert user_texts(engine)[-1] == "Second question?"


def test_case10_cancel_before_sending_is_kept_like_one_after(env):
    """Whether a Ctrl-C lands before the request reaches the engine or just after is a race
    (under CPU load the engine's token count can still be waiting): the question is kept,
    marked cancelled, and never sent again, either way."""
    engine = FakeEngine().enqueue("Fine.")
    engine.count_tokens = _InterruptOnce(FakeEngine.count_tokens.__get__(engine))
    environment = env()
    session = Session.start("Be brief.", Sampling())
    renderer = StreamRenderer(environment.out, environment.err, markdown=False)
    turn = run_turn(engine, session, "What does the update gate do?", renderer)
    assert turn.finish_reason == "cancelled"
    assert engine.requests == []  # nothing reached the engine
    assert session.messages == [
        {"role": "user", "content": "What does the update gate do?", "sent": ""},
        {"role": "assistant", "content": "[cancelled]", "sent": ""},
    ]
    run_turn(engine, session, "And the reset gate?", renderer)
    sent, _ = engine.requests[-1]
    assert [m["content"] for m in sent] == ["Be brief.", "And the reset gate?"]


# -- case 15 (unit): lone surrogates are replaced before anything is sent ----------------------


def test_case15_lone_surrogate_replaced_before_sending(fake_engine, env):
    fake_engine.enqueue("ok")
    environment = env()
    session = Session.start("", Sampling())
    renderer = StreamRenderer(environment.out, environment.err, markdown=False)
    turn = run_turn(fake_engine, session, "bad \ud800 and \udcff here", renderer)
    sent = fake_engine.requests[0][0][-1]["content"]
    sent.encode("utf-8")  # strict: no surrogate reaches the engine
    assert sent == "bad ? and ? here"
    assert turn.prompt == sent
    assert session.messages[0]["content"] == sent
    json.dumps(session.to_json(), ensure_ascii=False).encode("utf-8")  # \save still works


# -- case 16: emoji and CJK come out intact ----------------------------------------------------

WIDE = "GRU 门控 🚀"


@pytest.mark.parametrize("chunk", [1, 3, 64])
@pytest.mark.parametrize("markdown", [False, True], ids=["plain", "markdown"])
def test_case16_emoji_and_cjk_printed_intact(env, markdown, chunk):
    engine = FakeEngine().enqueue(WIDE, chunk=chunk)
    shell, session, environment = make_shell(engine, env, tty=markdown)
    shell.handle("Say it in Chinese")
    output = plain(out_of(environment))
    assert WIDE in output
    assert "\ufffd" not in output
    assert session.messages[-1]["content"] == WIDE


def test_case16_emoji_and_cjk_through_ask_renderer(env):
    engine = FakeEngine().enqueue(f"{WIDE}\n第二行 ✅", chunk=2)
    environment = env()
    renderer = StreamRenderer(environment.out, environment.err, markdown=False)
    run_turn(engine, Session.start("", Sampling()), "q", renderer)
    assert out_of(environment) == f"{WIDE}\n第二行 ✅\n"


# -- case 17: a prompt longer than the context is refused, not truncated -----------------------


def test_case17_prompt_longer_than_context_refused_history_kept(env):
    engine = small_context_engine(80)
    engine.enqueue("A GRU is a gated recurrent unit.")
    shell, session, environment = make_shell(engine, env)
    shell.handle("What is a GRU?")
    before = [dict(m) for m in session.messages]
    long_prompt = "gate " * 200
    expected = engine.count_tokens(session.request_messages(long_prompt.strip()))
    assert shell.handle(long_prompt).going
    output = out_of(environment)
    assert f"error: prompt is {expected} tokens, the context holds 80; use \\clear" in output
    assert session.messages == before  # the conversation is kept
    assert len(engine.requests) == 1  # nothing was sent
    # \clear frees the context and a normal prompt works again
    shell.handle("\\clear")
    engine.enqueue("Yes.")
    shell.handle("Still there?")
    assert session.messages[-1] == {"role": "assistant", "content": "Yes."}


def test_case17_prompt_that_fits_is_sent_whole(env):
    """No silent truncation: a long prompt that fits goes to the engine unchanged."""
    engine = small_context_engine(400)
    shell, _, _ = make_shell(engine, env)
    prompt = " ".join(f"word{i}" for i in range(300))
    shell.handle(prompt)
    assert user_texts(engine) == [prompt]


# -- case 18: a filling context warns before it overflows; length stops are shown -------------


def test_case18_context_warning_before_overflow(env):
    engine = small_context_engine(160)
    shell, session, environment = make_shell(engine, env, max_tokens=20)
    outputs = []
    answer = "one two three four five six seven eight"
    for i in range(40):
        question = f"question {i} about the update gate"
        prompt_tokens = word_count(session.request_messages(question))
        engine.enqueue(answer, usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=8))
        start = len(out_of(environment))
        shell.handle(question)
        outputs.append(out_of(environment)[start:])
        if "error: prompt is" in outputs[-1]:
            break
    overflow = next(i for i, o in enumerate(outputs) if "error: prompt is" in o)
    warned = [i for i, o in enumerate(outputs) if "warning: context nearly full" in o]
    assert warned, "no warning before the context overflowed"
    assert warned[0] < overflow
    assert "use \\clear or \\undo" in outputs[warned[0]]


def test_case18_length_finish_is_shown(fake_engine, env):
    fake_engine.enqueue("one two three", finish_reason="length")  # as the engine reports it
    shell, session, environment = make_shell(fake_engine, env, max_tokens=3)
    shell.handle("Count")
    assert session.last_turn.finish_reason == "length"
    assert "[stopped: reached max tokens]" in out_of(environment)


# -- case 19: an engine error mid-stream keeps the partial answer and the REPL -----------------


def test_case19_engine_error_mid_stream_partial_plus_error_repl_lives(fake_engine, env):
    fake_engine.enqueue(
        "The update gate blends old and new state.",
        error=EngineError("engine error: boom"),
        error_after=3,
    )
    fake_engine.enqueue("Second answer.")
    shell, session, environment = make_shell(fake_engine, env)
    assert shell.handle("What does the update gate do?").going
    output = out_of(environment)
    assert "The update g" in output
    assert "error: engine error: boom" in output
    assert output.index("The update g") < output.index("error: engine error: boom")
    assert session.last_turn.finish_reason == "error"
    assert session.messages[-1]["content"] == "The update g [error]"
    assert shell.handle("\\params").going
    assert "temperature" in out_of(environment)
    assert shell.handle("Next question?").going
    assert session.messages[-1] == {"role": "assistant", "content": "Second answer."}


def test_case19_engine_error_before_any_text_repl_lives(fake_engine, env):
    fake_engine.enqueue("never", error=EngineError("engine error: bad request"), error_after=0)
    fake_engine.enqueue("Works.")
    shell, session, environment = make_shell(fake_engine, env)
    shell.handle("First?")
    assert "error: engine error: bad request" in out_of(environment)
    assert session.messages == []  # a failed turn with no text is not recorded
    shell.handle("Second?")
    assert session.messages[-1] == {"role": "assistant", "content": "Works."}


class _Chunk(SimpleNamespace):
    pass


def _chunk(text: str, finish: str | None = None) -> _Chunk:
    delta = SimpleNamespace(content=text, reasoning_content=None)
    return _Chunk(usage=None, choices=[SimpleNamespace(finish_reason=finish, delta=delta)])


class _FakeRunner:
    """Stands in for mistralrs.Runner: yields chunks, then raises ``error``."""

    def __init__(self, texts: list[str], error: BaseException | None):
        self.texts = texts
        self.error = error

    def send_chat_completion_request(self, request):
        for text in self.texts:
            yield _chunk(text)
        if self.error is not None:
            raise self.error

    def tokenize_text(self, text, add_special, template):
        return text.split()


def _mistral_engine(runner: _FakeRunner) -> mistral.MistralEngine:
    module = SimpleNamespace(ChatCompletionRequest=lambda **kwargs: kwargs)
    return mistral.MistralEngine(runner, module, FakeEngine().info)


def _drain(engine, box: dict) -> None:
    try:
        for event in engine.stream([{"role": "user", "content": "q"}], Sampling()):
            box.setdefault("events", []).append(event)
    except BaseException as exc:
        box["error"] = exc


def _stream_in_thread(engine) -> dict:
    box: dict = {}
    worker = threading.Thread(target=_drain, args=(engine, box), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the stream hung"
    return box


class PanicException(BaseException):
    """Named like pyo3's panic exception, which is what mistral.py looks for."""


def test_case19_engine_panic_mid_stream_is_an_engine_error():
    box = _stream_in_thread(_mistral_engine(_FakeRunner(["Hel", "lo"], PanicException("oops"))))
    assert [e.text for e in box["events"] if isinstance(e, AnswerDelta)] == ["Hel", "lo"]
    assert type(box["error"]) is EngineError
    assert "the engine panicked" in box["error"].message


# -- case 20: a dead engine is fatal, exit 1, no hang ------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "Received none of the expected response",
        "channel closed",
        "Response channel closed unexpectedly",
    ],
)
def test_case20_dead_engine_messages_map_to_engine_dead_error(message):
    error = mistral._engine_error(message)
    assert isinstance(error, EngineDeadError)
    assert message in error.message


def test_case20_other_engine_messages_are_not_fatal():
    assert type(mistral._engine_error("sampler failed")) is EngineError
    overflow = mistral._engine_error("Prompt sequence length is greater than 8192")
    assert isinstance(overflow, ContextOverflowError)
    assert overflow.context == 8192


def test_case20_dead_engine_mid_stream_raises_without_hanging():
    runner = _FakeRunner(["par", "tial"], ValueError("Received none of the response"))
    box = _stream_in_thread(_mistral_engine(runner))
    assert isinstance(box["error"], EngineDeadError)


def test_case20_run_repl_dead_engine_is_fatal_exit_1(monkeypatch, env, tmp_path):
    engine = FakeEngine().enqueue(
        "partial answer",
        error=EngineDeadError("the engine stopped responding: Received none"),
        error_after=1,
    )
    monkeypatch.setattr(repl, "open_engine", lambda settings, console, verbose=False: engine)
    monkeypatch.setattr(repl, "grounder_for", lambda settings: None)
    environment = env("First question?\nSecond question?\n")
    settings = load_settings({}, env={"XDG_CONFIG_HOME": str(tmp_path)})
    box: dict = {}
    worker = threading.Thread(
        target=lambda: box.update(status=run_repl(settings, environment)), daemon=True
    )
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "run_repl hung on a dead engine"
    assert box["status"] == ExitStatus.FAILURE
    assert int(box["status"]) == 1
    assert "fatal: the engine stopped responding: Received none" in environment.stderr.getvalue()
    assert user_texts(engine) == ["First question?"]  # nothing more is asked of a dead engine


# -- case 21: a broken history file is a warning, never a crash --------------------------------


def _console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=False, width=200), buffer


def test_case21_corrupt_history_bytes_load_with_replacement(tmp_path):
    path = tmp_path / "history"
    path.write_bytes(
        b"\n# 2024-01-01\n+good entry\n\n# x\n+\xff\xfe broken \xc3\n\x00\x00\n+\xed\xa0\x80\n"
        b"\n# 2024-01-02\n+last good\n"
    )
    console, _buffer = _console()
    history = SafeFileHistory(str(path), console)
    strings = list(history.load_history_strings())
    assert strings[0] == "last good"
    assert "good entry" in strings
    assert any("\ufffd" in s for s in strings)
    history.store_string("new entry")  # and it still appends
    assert next(iter(SafeFileHistory(str(path), console).load_history_strings())) == "new entry"


def test_case21_history_path_is_a_directory_warns_once(tmp_path):
    path = tmp_path / "history"
    path.mkdir()
    console, buffer = _console()
    history = SafeFileHistory(str(path), console)
    assert list(history.load_history_strings()) == []
    history.store_string("first")
    history.store_string("second")
    warning = buffer.getvalue()
    assert f"warning: history file {path} could not be read" in warning
    assert "continuing without it" in warning
    assert warning.count("warning:") == 1


def test_case21_history_directory_missing_warns_on_write(tmp_path):
    path = tmp_path / "gone" / "history"
    console, buffer = _console()
    history = SafeFileHistory(str(path), console)
    assert list(history.load_history_strings()) == []
    history.store_string("entry")
    assert f"warning: history file {path} could not be written" in buffer.getvalue()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_case21_history_unwritable_full_disk_warns():
    """/dev/full refuses every write with ENOSPC, even for root."""
    console, buffer = _console()
    history = SafeFileHistory("/dev/full", console)
    history.store_string("first")
    history.store_string("second")
    warning = buffer.getvalue()
    assert "warning: history file /dev/full could not be written" in warning
    assert "No space left on device" in warning
    assert warning.count("warning:") == 1


def test_case21_history_entry_with_lone_surrogates_is_stored_replaced(tmp_path):
    """prompt_toolkit decodes typed bytes with surrogateescape: b'\\xff' arrives as '\\udcff'."""
    path = tmp_path / "history"
    console, _buffer = _console()
    history = SafeFileHistory(str(path), console)
    history.store_string("Say \udcff\udcfe ok")
    history.store_string("next")
    stored = list(SafeFileHistory(str(path), console).load_history_strings())
    assert stored[0] == "next"
    assert stored[1] in ("Say ?? ok", "Say \ufffd\ufffd ok")


def test_case21_state_directory_cannot_be_created_falls_back_to_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the state directory should be")
    monkeypatch.delenv("GRUCHAT_HOME", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker / "state"))
    console, buffer = _console()
    history = repl.make_history(console)
    assert "warning: no history" in buffer.getvalue()
    history.append_string("works in memory")
    assert list(history.get_strings()) == ["works in memory"]


# -- case 22: concurrent writers neither lose nor interleave -----------------------------------


def test_case22_atomic_write_from_threads_never_interleaves(tmp_path):
    path = tmp_path / "chat.md"
    texts = ["A" * 1_000_000 + "\n", "B" * 1_500_000 + "\n"]
    transcript.atomic_write(path, texts[0])
    seen: list[str] = []
    stop = threading.Event()

    def writer(text: str) -> None:
        for _ in range(15):
            transcript.atomic_write(path, text)

    def reader() -> None:
        while not stop.is_set():
            seen.append(path.read_text())

    threads = [threading.Thread(target=writer, args=(t,)) for t in texts]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    watcher.join()
    assert path.read_text() in texts
    assert seen and all(text in texts for text in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.md"]  # no temp files left


_ATOMIC_WRITER = """
import sys, time
from pathlib import Path
from gruchat.transcript import atomic_write
path, letter, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
while not go.exists():
    time.sleep(0.01)
text = letter * 800_000 + "\\n"
for _ in range(25):
    atomic_write(path, text)
"""


def test_case22_atomic_write_from_two_processes(tmp_path):
    path = tmp_path / "chat.json"
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", _ATOMIC_WRITER, str(path), letter, str(go)])
        for letter in "XY"
    ]
    go.touch()
    seen = []
    while any(p.poll() is None for p in procs):
        if path.exists():
            seen.append(path.read_text())
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    texts = {letter * 800_000 + "\n" for letter in "XY"}
    assert path.read_text() in texts
    assert all(text in texts for text in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.json", "go"]


_HISTORY_WRITER = """
import io, sys, time
from pathlib import Path
from rich.console import Console
from gruchat.repl import SafeFileHistory
path, tag, go, count, lines = sys.argv[1], sys.argv[2], Path(sys.argv[3]), *map(int, sys.argv[4:])
history = SafeFileHistory(path, Console(file=io.StringIO()))
while not go.exists():
    time.sleep(0.01)
for i in range(count):
    history.store_string("\\n".join(f"{tag}:{i}:{j}:" + tag * 24 for j in range(lines)))
"""


def _two_history_writers(tmp_path: Path, count: int, lines: int) -> list[str]:
    path = tmp_path / "history"
    go = tmp_path / "go"
    args = [str(path), "", str(go), str(count), str(lines)]
    procs = []
    for tag in "PQ":
        args[1] = tag
        procs.append(subprocess.Popen([sys.executable, "-c", _HISTORY_WRITER, *args]))
    time.sleep(0.5)  # both started and waiting
    go.touch()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    console, buffer = _console()
    strings = list(SafeFileHistory(str(path), console).load_history_strings())
    assert buffer.getvalue() == ""
    return strings


def _check_history_entries(strings: list[str], count: int, lines: int) -> None:
    expected = {
        "\n".join(f"{tag}:{i}:{j}:" + tag * 24 for j in range(lines))
        for tag in "PQ"
        for i in range(count)
    }
    broken = [s for s in strings if s not in expected]
    assert not broken, f"{len(broken)} interleaved entries, e.g. {broken[0][:200]!r}"
    assert set(strings) == expected  # none lost
    assert len(strings) == len(expected)


def test_case22_history_from_two_processes_all_entries_none_interleaved(tmp_path):
    """Typical entries (a line or a short block) from two REPLs at once."""
    count, lines = 300, 3
    _check_history_entries(_two_history_writers(tmp_path, count, lines), count, lines)


def test_case22_history_long_entries_from_two_processes_not_interleaved(tmp_path):
    """A pasted block of ~16 KiB in two REPLs at once must not be spliced together."""
    count, lines = 150, 500
    _check_history_entries(_two_history_writers(tmp_path, count, lines), count, lines)


# -- case 23: resizing the terminal mid-stream -------------------------------------------------


def test_case23_markdown_stream_survives_resize_mid_stream():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, width=100, height=40)
    words = [f"word{i}" for i in range(400)]
    text = "First paragraph about gates.\n\n" + " ".join(words) + "\n\nLast paragraph."
    stream = MarkdownStream(console)
    sizes = [(100, 40), (30, 8), (200, 60), (20, 5), (80, 24)]
    for index in range(0, len(text), 7):
        if index % 350 == 0:
            console.size = sizes[(index // 350) % len(sizes)]
        stream.feed(text[index : index + 7])
    stream.close()
    shown = plain(buffer.getvalue()).split()
    expected = text.split()
    assert shown == expected, "words lost, doubled or reordered by the resizes"


def test_case23_markdown_stream_resize_on_a_terminal_console():
    """The same with a live (terminal) region: no exception, every word committed."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=80, height=24)
    stream = MarkdownStream(console)
    words = [f"w{i}" for i in range(300)]
    for index, word in enumerate(words):
        if index % 50 == 25:
            console.size = (40 + index % 90, 6 + index % 30)
        stream.feed(word + " ")
    stream.close()
    output = plain(buffer.getvalue())
    assert all(word in output for word in words)


# -- case 24: \save failures leave the previous file intact ------------------------------------


def _saved_session_shell(fake_engine, env):
    fake_engine.enqueue("A GRU has two gates.")
    shell, session, environment = make_shell(fake_engine, env)
    shell.handle("What is a GRU?")
    return shell, session, environment


def test_case24_save_into_missing_directory_is_an_error(fake_engine, env, tmp_path):
    shell, _, environment = _saved_session_shell(fake_engine, env)
    target = tmp_path / "missing" / "chat.json"
    outcome = shell.handle(f"\\save {target}")
    assert outcome.going
    assert outcome.reply.error
    assert f"error: could not save {target}" in out_of(environment)
    assert not target.parent.exists()


def test_case24_save_onto_a_directory_is_an_error_and_leaves_no_temp(fake_engine, env, tmp_path):
    shell, _, environment = _saved_session_shell(fake_engine, env)
    target = tmp_path / "chat.json"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    reply = shell.handle(f"\\save {target}").reply
    assert reply.error
    assert f"could not save {target}" in out_of(environment)
    assert (target / "keep.txt").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.json"]


@pytest.mark.parametrize("fail_at", ["write", "fsync"])
def test_case24_save_on_full_disk_keeps_previous_file(
    fake_engine, env, tmp_path, monkeypatch, fail_at
):
    shell, _session, environment = _saved_session_shell(fake_engine, env)
    target = tmp_path / "chat.json"
    shell.handle(f"\\save {target}")
    previous = target.read_bytes()
    assert json.loads(previous)["messages"][1]["content"] == "A GRU has two gates."
    fake_engine.enqueue("More text that would change the file.")
    shell.handle("Tell me more.")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    if fail_at == "fsync":
        monkeypatch.setattr(transcript.os, "fsync", full)
    else:
        real_fdopen = os.fdopen

        def fdopen(fd, *args, **kwargs):
            handle = real_fdopen(fd, *args, **kwargs)
            handle.write = full
            return handle

        monkeypatch.setattr(transcript.os, "fdopen", fdopen)
    reply = shell.handle(f"\\save {target}").reply
    monkeypatch.undo()
    assert reply.error
    output = out_of(environment)
    assert f"error: could not save {target}: No space left on device; nothing was changed" in (
        output
    )
    assert target.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.json"]  # no temp file left


# -- case 25: fuzzing the command parser -------------------------------------------------------

_NAMES = [*sorted(TABLE.lookup), "foo", "TEMPERATURE", "", "exit\t", "éxit", "٣"]
_command_lines = st.builds(
    lambda lead, prefix, name, sep, arg: f"{lead}{prefix}{name}{sep}{arg}",
    st.sampled_from(["", " ", "\t", "\u3000"]),
    st.sampled_from(["\\", "/", "\\\\", "//"]),
    st.sampled_from(_NAMES),
    st.sampled_from(["", " ", "  ", "\t", "\n", "\x00"]),
    st.text(max_size=40),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=80), _command_lines))
def test_case25_fuzzed_lines_parse_to_command_prompt_or_error(line):
    try:
        parsed = parse(line, TABLE)
    except CommandError as exc:
        assert str(exc)
        assert command_table.is_command(line)
        return
    assert isinstance(parsed, Call | Prompt | Empty)
    if isinstance(parsed, Empty):
        assert command_table.is_blank(line)  # whitespace, control or format characters only
    elif isinstance(parsed, Prompt):
        assert parsed.text == line.strip() and not command_table.is_blank(parsed.text)
        assert not command_table.is_command(line)
    else:
        assert parsed.command in TABLE.commands.values()


_SAFE = [
    name
    for name in sorted(TABLE.commands)
    if name not in ("save", "load", "exit", "gru", "notes", "help")
]


# Raw terminal controls, written out here (not taken from safe_text): C0 but \t and \n, DEL,
# C1, bidi embeddings/overrides/isolates. None may reach a console that is not a terminal.
_RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The model's answer carries an OSC 52 clipboard write, a screen clear and a bidi override.
_HOSTILE_ANSWER = "fine \x1b]52;c;aGk=\x07 and \x1b[2J\u202e done"


def _fuzz_shell() -> tuple[Shell, FakeEngine, Environment]:
    """A Shell one exchange in, so \\clear, \\undo and \\retry have something to change."""
    engine = FakeEngine().enqueue("an earlier answer")
    environment = Environment.in_memory(width=100)
    shell = Shell(engine, Session.start("tutor", Sampling()), environment, table=TABLE)
    assert shell.handle("an earlier question").turn is not None
    environment.stdout.seek(0)
    environment.stdout.truncate()
    return shell, engine, environment


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda n, a: f"\\{n} {a}", st.sampled_from([*_SAFE, "exit"]), st.text(max_size=30)
        ),
        st.builds(lambda n: f"/{n}", st.sampled_from(["bye", "byee", "set", "show info"])),
    )
)
def test_case25_fuzzed_lines_through_the_shell_keep_the_invariants(line):
    """The same lines through the whole Shell (commands that touch files excluded): no
    exception escapes; only an exit command ends the loop; a blank line does nothing; a
    refused command changes nothing and sends nothing; a command reaches the model only
    when it asks again (\\retry); a prompt is sent once and recorded; and nothing on the
    console holds a raw control character, the model's answer included."""
    shell, engine, environment = _fuzz_shell()
    engine.enqueue(_HOSTILE_ANSWER)
    before = copy.deepcopy(shell.session)
    sent = len(engine.requests)

    outcome = shell.handle(line)

    assert isinstance(outcome, Outcome)
    shown = environment.stdout.getvalue() + environment.stderr.getvalue()
    assert not _RAW_CONTROL.search(shown), shown
    reply = outcome.reply
    if not outcome.going:
        assert reply is not None and reply.action == "exit"
    text = clean_text(line)
    if command_table.is_blank(text):
        assert outcome == Outcome()
        assert (shown, shell.session, len(engine.requests)) == ("", before, sent)
    elif command_table.is_command(text):
        assert reply is not None
        if reply.error:
            assert shell.session == before
            assert shown.startswith("error: ")
        if outcome.turn is None:
            assert len(engine.requests) == sent
    else:
        prompt = parse(text, TABLE)
        assert isinstance(prompt, Prompt)
        assert outcome.turn is not None and outcome.turn.prompt == prompt.text
        assert len(engine.requests) == sent + 1
        assert prompt.text in engine.requests[-1][0][-1]["content"]
        assert shell.session.turns[-1] is outcome.turn
        assert "fine " in shown and "\u241b" in shown  # the answer, its ESC made visible


# -- case 14 (unit): streams that cannot encode do not crash ------------------------------------


def test_case14_make_streams_safe_replaces_unencodable(monkeypatch):
    raw = io.BytesIO()
    ascii_out = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setattr(sys, "stdout", ascii_out)
    make_streams_safe()
    sys.stdout.write("σ(x) ⊙ h 🚀\n")
    sys.stdout.flush()
    monkeypatch.undo()
    assert raw.getvalue() == b"?(x) ? h ?\n"


def test_case14_answer_to_ascii_console_is_replaced_not_crashing(monkeypatch):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setattr(sys, "stdout", stream)
    make_streams_safe()
    monkeypatch.undo()
    environment = Environment(
        stdin=io.StringIO(),
        stdout=stream,
        stderr=io.StringIO(),
        stdin_isatty=False,
        stdout_isatty=False,
        stderr_isatty=False,
    )
    engine = FakeEngine().enqueue(WIDE)
    Shell(engine, Session.start("", Sampling()), environment).handle("q")
    stream.flush()
    assert raw.getvalue().decode("ascii").startswith("GRU ?? ?")


# -- helpers used by the engine-error tests above ----------------------------------------------


def test_case19_events_of_a_fake_runner_are_well_formed():
    """Guard for the fake runner itself: a clean run ends with exactly one Finished."""
    box = _stream_in_thread(_mistral_engine(_FakeRunner(["a", "b"], None)))
    assert "error" not in box
    assert isinstance(box["events"][-1], Finished)
    assert [e.text for e in box["events"][:-1]] == ["a", "b"]
