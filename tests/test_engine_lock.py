"""Case 61: the engine race after a cancel ("RuntimeError: Already borrowed").

The mistral.rs Runner is one PyO3 object: while a stream's iterator is alive (a cancelled
turn still prefilling) any other call on it fails. The runner below enforces exactly that
borrow rule, so these tests fail on an engine that lets two calls overlap.
"""

from __future__ import annotations

import _thread
import contextlib
import threading
import time
from types import SimpleNamespace

import pytest

from gruchat.engine import mistral
from gruchat.engine.base import AnswerDelta, Finished, Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.errors import EngineError
from gruchat.session import Session
from gruchat.shell import Shell


def _chunk(text: str, finish: str | None = None) -> SimpleNamespace:
    delta = SimpleNamespace(content=text, reasoning_content=None)
    return SimpleNamespace(usage=None, choices=[SimpleNamespace(finish_reason=finish, delta=delta)])


class BorrowingRunner:
    """Like PyO3's RefCell borrow: a call while a stream is alive raises RuntimeError."""

    def __init__(self, prefill: float = 0.4) -> None:
        self.prefill = prefill
        self.borrowed = threading.Lock()
        self.overlaps: list[str] = []
        self.calls: list[str] = []

    def _borrow(self, what: str) -> None:
        if not self.borrowed.acquire(blocking=False):
            self.overlaps.append(what)
            raise RuntimeError("Already borrowed")
        self.calls.append(what)

    def send_chat_completion_request(self, request):
        self._borrow("stream")
        runner = self

        class _Stream:
            def __init__(self) -> None:
                self.texts = ["Hel", "lo"]
                self.first = True

            def __iter__(self):
                return self

            def __next__(self):
                if self.first:  # prompt processing blocks in "Rust"
                    self.first = False
                    time.sleep(runner.prefill)
                if not self.texts:
                    runner.borrowed.release()
                    raise StopIteration
                return _chunk(self.texts.pop(0), "stop" if len(self.texts) == 0 else None)

            def __del__(self) -> None:
                if runner.borrowed.locked() and self.texts:
                    runner.borrowed.release()  # dropping the iterator cancels and unborrows

        return _Stream()

    def tokenize_text(self, text, add_special, template):
        self._borrow("tokenize")
        try:
            return text.split()
        finally:
            self.borrowed.release()


def _engine(runner: BorrowingRunner) -> mistral.MistralEngine:
    module = SimpleNamespace(ChatCompletionRequest=lambda **kwargs: kwargs)
    return mistral.MistralEngine(runner, module, FakeEngine().info)


MESSAGES = [{"role": "user", "content": "what does the reset gate do"}]


def test_case61_cancel_during_prefill_then_ask_at_once_never_overlaps():
    runner = BorrowingRunner(prefill=0.6)
    engine = _engine(runner)
    threading.Timer(0.15, _thread.interrupt_main).start()  # Ctrl-C while it prefills
    cancelled = False
    try:
        for _ in engine.stream(MESSAGES, Sampling()):
            pass
    except KeyboardInterrupt:
        cancelled = True
    assert cancelled
    # the very next question, at once: a token count and a new stream
    assert engine.count_tokens(MESSAGES) is not None
    events = list(engine.stream(MESSAGES, Sampling()))
    assert runner.overlaps == []
    assert "".join(e.text for e in events if isinstance(e, AnswerDelta)) == "Hello"
    assert isinstance(events[-1], Finished)


def test_case61_abandoned_stream_is_drained_before_the_next_request():
    runner = BorrowingRunner(prefill=0.3)
    engine = _engine(runner)
    first = engine.stream(MESSAGES, Sampling())
    next(first)  # one chunk read, the rest abandoned (as after Ctrl-C)
    first.close()
    for _ in range(3):
        events = list(engine.stream(MESSAGES, Sampling()))
        assert isinstance(events[-1], Finished)
    assert runner.overlaps == []
    assert runner.calls.count("stream") == 4


def test_case61_token_count_while_a_stream_drains_estimates_instead_of_racing():
    runner = BorrowingRunner(prefill=1.5)
    engine = _engine(runner)
    first = engine.stream(MESSAGES, Sampling())
    worker = threading.Thread(target=lambda: list(first))
    worker.start()
    time.sleep(0.2)
    counted = engine.count_tokens(MESSAGES)  # the lock is held: falls back to the estimate
    assert counted is not None and counted > 0
    worker.join(timeout=10)
    assert runner.overlaps == []


class RaisingRunner(BorrowingRunner):
    def send_chat_completion_request(self, request):
        raise RuntimeError("Already borrowed")


def test_case61_unexpected_engine_exception_is_a_turn_error_and_the_repl_lives(env):
    engine = _engine(RaisingRunner())
    session = Session.start("", Sampling())
    environment = env()
    shell = Shell(engine, session, environment)
    assert shell.handle("first question").going
    assert shell.handle("\\temperature 0.5").going
    out = environment.out.file.getvalue()
    assert "engine error: RuntimeError: Already borrowed" in out
    assert session.sampling.temperature == 0.5


def test_case61_unexpected_exception_maps_to_engine_error():
    engine = _engine(RaisingRunner())
    try:
        list(engine.stream(MESSAGES, Sampling()))
    except EngineError as exc:
        assert "Already borrowed" in exc.message
    else:
        raise AssertionError("no EngineError")


def test_case61_a_bug_in_one_line_does_not_end_the_repl(monkeypatch, env, tmp_path):
    from gruchat import repl
    from gruchat.config import load_settings

    engine = FakeEngine().enqueue("second answer")
    monkeypatch.setattr(repl, "open_engine", lambda settings, console, verbose=False: engine)
    monkeypatch.setattr(repl, "grounder_for", lambda settings: None)
    calls = {"n": 0}
    original = Shell.handle

    def flaky(self, line):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("Already borrowed")
        return original(self, line)

    monkeypatch.setattr(Shell, "handle", flaky)
    environment = env("first question\nsecond question\n")
    settings = load_settings({}, env={"XDG_CONFIG_HOME": str(tmp_path)})
    status = repl.run_repl(settings, environment)
    assert int(status) == 0
    assert "internal error: RuntimeError: Already borrowed" in environment.err.file.getvalue()
    assert "second answer" in environment.out.file.getvalue()


@pytest.mark.integration
def test_case61_real_engine_cancel_during_prefill_then_ask_at_once(real_engine):
    long_prompt = [{"role": "user", "content": "Explain the GRU update gate. " * 80}]
    for delay in (0.05, 0.3):
        threading.Timer(delay, _thread.interrupt_main).start()
        with contextlib.suppress(KeyboardInterrupt):
            for _ in real_engine.stream(long_prompt, Sampling(max_tokens=64)):
                pass
            time.sleep(5)  # the answer beat the timer: let the interrupt land here
        assert real_engine.count_tokens(MESSAGES) is not None
        events = list(real_engine.stream(MESSAGES, Sampling(max_tokens=4)))
        assert isinstance(events[-1], Finished)
        assert events[-1].usage.completion_tokens > 0


@pytest.mark.integration
def test_case61_real_engine_long_token_count_then_stream_at_once(real_engine):
    """A refused over-long prompt left its token count running; the next turn raced it."""
    huge = [{"role": "user", "content": "gate " * 40000}]
    real_engine.count_tokens(huge)  # may fall back to the estimate after a second
    events = list(real_engine.stream(MESSAGES, Sampling(max_tokens=4)))
    assert isinstance(events[-1], Finished)
