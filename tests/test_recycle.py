"""Cases 66-70: a long session stays bounded. The engine is reloaded while the REPL is
idle once its prefix cache has grown past the budget, the current conversation is
re-warmed, and a question asked meanwhile waits for it (fake engine and a fake Runner;
the real reload and its cache hit are the integration test at the end)."""

from __future__ import annotations

import _thread
import dataclasses
import threading
import time

import pytest
from test_engine_lock import MESSAGES, BorrowingRunner, _engine

from gruchat.config import load_settings
from gruchat.engine.base import Finished, Sampling
from gruchat.engine.fake import FakeEngine, Scripted
from gruchat.engine.prompted_think import PromptedThinking, with_prompted_thinking
from gruchat.engine.recycle import RecyclingEngine
from gruchat.errors import EngineError
from gruchat.render import StreamRenderer
from gruchat.session import Session
from gruchat.shell import Shell
from gruchat.turn_runner import run_turn
from gruchat.warmup import PLACEHOLDER, conversation_messages
from tests.test_render import plain_consoles

SYSTEM = "You are a GRU tutor."


class ReloadableFake(FakeEngine):
    """A FakeEngine that can be reloaded; logs streams and reloads in order."""

    def __init__(self, reload_seconds: float = 0.0) -> None:
        super().__init__()
        self.reload_seconds = reload_seconds
        self.log: list[tuple[str, float]] = []
        self.streaming = 0
        self.reloads_during_stream = 0

    def recycle(self) -> None:
        if self.streaming:
            self.reloads_during_stream += 1
        self.log.append(("reload", time.perf_counter()))
        time.sleep(self.reload_seconds)
        self.log.append(("reloaded", time.perf_counter()))

    def stream(self, messages, sampling):
        if sampling.max_tokens == 1:  # a warm-up: leave the scripted answers to the turns
            self.queue.appendleft(Scripted(answer="warm"))
        self.streaming += 1
        self.log.append(("stream", time.perf_counter()))
        try:
            yield from super().stream(messages, sampling)
        finally:
            self.streaming -= 1


def _turn(engine, session: Session, question: str):
    out, meta = plain_consoles()
    return run_turn(engine, session, question, StreamRenderer(out, meta, markdown=False))


def _recycler(fake: ReloadableFake, session: Session, budget: int) -> RecyclingEngine:
    return RecyclingEngine(fake, budget, lambda: conversation_messages(session))


def test_case66_reload_starts_only_when_idle_and_over_budget():
    fake = ReloadableFake()
    session = Session.start(SYSTEM, Sampling())
    engine = _recycler(fake, session, budget=20)
    fake.enqueue("A GRU has two gates: the update gate and the reset gate.")
    stream = engine.stream(session.request_messages("one " * 30), session.sampling)
    next(stream)  # a stream in progress: never reload now
    assert engine.idle() is False
    for _ in stream:
        pass
    assert engine.freeable_tokens == 0  # the only sequence is the one a re-warm re-caches
    assert engine.idle() is False
    _turn(engine, session, "two " * 30)
    assert engine.freeable_tokens > 20
    assert engine.idle() is True
    engine.wait()
    assert engine.recycles == 1 and fake.reloads_during_stream == 0
    assert engine.idle() is False  # the re-warm alone frees nothing
    assert engine.cached_tokens > 0  # ... but it is cached and counted


def test_case66_budget_zero_never_reloads():
    fake = ReloadableFake()
    session = Session.start(SYSTEM, Sampling())
    engine = _recycler(fake, session, budget=0)
    for i in range(8):
        _turn(engine, session, f"question {i} " * 20)
        assert engine.idle() is False
    assert engine.recycles == 0 and not any(kind == "reload" for kind, _ in fake.log)


def test_case66_the_rewarm_sends_the_current_conversation():
    fake = ReloadableFake()
    session = Session.start(SYSTEM, Sampling(max_tokens=64))
    engine = _recycler(fake, session, budget=10)
    fake.enqueue("The update gate z.").enqueue("The reset gate r.")
    _turn(engine, session, "what does z do " * 5)
    _turn(engine, session, "what does r do " * 5)
    assert engine.idle() is True
    engine.wait()
    messages, sampling = fake.requests[-1]
    assert messages == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": ("what does z do " * 5)},
        {"role": "assistant", "content": "The update gate z."},
        {"role": "user", "content": ("what does r do " * 5)},
        {"role": "assistant", "content": "The reset gate r."},
        {"role": "user", "content": PLACEHOLDER},
    ]
    assert (sampling.max_tokens, sampling.temperature) == (1, 0.0)
    assert session.turn_count == 2  # the re-warm is not a turn
    assert [kind for kind, _ in fake.log][-3:] == ["reload", "reloaded", "stream"]


def test_case67_a_question_during_the_reload_waits_and_counts_the_wait():
    fake = ReloadableFake(reload_seconds=0.4)
    session = Session.start(SYSTEM, Sampling())
    engine = _recycler(fake, session, budget=10)
    fake.enqueue("first answer " * 3).enqueue("second answer " * 3)
    _turn(engine, session, "first question " * 10)
    _turn(engine, session, "second question " * 10)
    assert engine.idle() is True
    fake.enqueue("third answer")
    turn = _turn(engine, session, "third question")
    reloaded_at = next(t for kind, t in fake.log if kind == "reloaded")
    streams = [t for kind, t in fake.log if kind == "stream"]
    assert all(t >= reloaded_at for t in streams[2:])  # re-warm and question after it
    assert fake.requests[-1][0][-1]["content"] == "third question"
    assert turn.answer == "third answer"
    assert turn.ttft > 0.25  # most of the 0.4 s reload was waited for inside this turn


def test_case67_ctrl_c_while_waiting_for_the_reload_cancels_cleanly():
    fake = ReloadableFake(reload_seconds=0.8)
    session = Session.start(SYSTEM, Sampling())
    engine = _recycler(fake, session, budget=10)
    fake.enqueue("first answer " * 3).enqueue("second answer " * 3)
    _turn(engine, session, "first question " * 10)
    _turn(engine, session, "second question " * 10)
    sent = len(fake.requests)
    assert engine.idle() is True
    threading.Timer(0.2, _thread.interrupt_main).start()
    turn = _turn(engine, session, "asked during the reload")
    assert turn.finish_reason == "cancelled"
    assert len(fake.requests) == sent  # nothing was sent for it
    assert session.messages[4:] == [  # kept, marked, never sent to the model
        {"role": "user", "content": "asked during the reload", "sent": ""},
        {"role": "assistant", "content": "[cancelled]", "sent": ""},
    ]
    engine.wait()  # the reload itself was not interrupted
    assert engine.recycles == 1 and engine.recycle_error is None
    fake.enqueue("answered after all")
    assert _turn(engine, session, "again").answer == "answered after all"
    assert "asked during the reload" not in str(fake.requests[-1][0])


def test_case68_real_engine_reload_waits_for_a_stream_in_progress():
    runner = BorrowingRunner(prefill=0.5)
    built: list[BorrowingRunner] = []

    def reload() -> BorrowingRunner:
        assert not runner.borrowed.locked()  # the old Runner is idle when it is dropped
        built.append(BorrowingRunner(prefill=0.0))
        return built[-1]

    engine = _engine(runner)
    engine._reload = reload
    first = engine.stream(MESSAGES, Sampling())
    worker = threading.Thread(target=lambda: list(first))
    worker.start()
    time.sleep(0.1)
    engine.recycle()  # blocks on the engine lock until the stream is drained
    worker.join(timeout=10)
    assert runner.overlaps == [] and runner.calls == ["stream"]
    events = list(engine.stream(MESSAGES, Sampling()))
    assert isinstance(events[-1], Finished)
    assert built and built[0].calls == ["stream"]  # the new Runner answered


def test_case69_a_failed_reload_is_a_turn_error_and_retried_at_the_next_idle(env):
    attempts = {"n": 0}

    def reload() -> BorrowingRunner:
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise ValueError("model file not found")
        return BorrowingRunner(prefill=0.0)

    engine = _engine(BorrowingRunner(prefill=0.0))
    engine._reload = reload
    session = Session.start(SYSTEM, Sampling())
    recycler = RecyclingEngine(engine, 1, lambda: conversation_messages(session))
    environment = env()
    shell = Shell(recycler, session, environment)
    shell.handle("first question about the update gate")
    shell.handle("second question about the reset gate")
    assert recycler.idle() is True
    recycler.wait()
    assert "could not reload the model: model file not found" in (recycler.recycle_error or "")
    history = list(session.messages)
    shell.handle("third question")
    out = environment.out.file.getvalue()
    assert "the model could not be reloaded; your conversation is kept" in out
    assert session.messages == history  # the failed turn adds nothing, loses nothing
    assert recycler.idle() is True  # still over budget: tried again
    recycler.wait()
    assert recycler.recycles == 1 and recycler.recycle_error is None
    shell.handle("fourth question")
    assert session.messages[-1]["content"] == "Hello"  # BorrowingRunner's answer


def test_case69_an_engine_without_a_reload_refuses_plainly():
    engine = _engine(BorrowingRunner())
    with pytest.raises(EngineError, match="cannot be reloaded"):
        engine.recycle()


@pytest.mark.parametrize("thinking", ["native", "prompted"])
def test_case66_repl_reloads_between_lines_and_budget_zero_does_not(
    monkeypatch, env, tmp_path, thinking
):
    """With the wrapper open_engine really applies: a model without native reasoning is
    wrapped for prompted thinking, and that wrapper once hid ``recycle``, so the REPL never
    bounded its memory (bench/soak.py: 0 reloads, peak RSS 5.8x after 60 questions)."""
    from gruchat import repl

    lines = "".join(f"question {i} about the update gate\n" for i in range(6))
    for budget, expected in (("40", True), ("0", False)):
        fake = ReloadableFake()
        fake.info = dataclasses.replace(fake.info, thinking=thinking)
        for i in range(6):
            fake.enqueue(f"answer {i} " * 4)
        wrapped = with_prompted_thinking(fake)
        assert isinstance(wrapped, PromptedThinking) is (thinking == "prompted")
        monkeypatch.setattr(
            repl, "open_engine", lambda settings, console, verbose=False, f=wrapped: f
        )
        monkeypatch.setattr(repl, "grounder_for", lambda settings: None)
        environment = env(lines)
        settings = load_settings(
            {"cache_budget_tokens": budget, "system_prompt": SYSTEM},
            env={"XDG_CONFIG_HOME": str(tmp_path)},
        )
        assert int(repl.run_repl(settings, environment)) == 0
        out = environment.out.file.getvalue()
        assert all(f"answer {i}" in out for i in range(6))
        assert any(kind == "reload" for kind, _ in fake.log) is expected
        assert fake.reloads_during_stream == 0


@pytest.mark.integration
def test_case70_real_engine_reload_then_a_correct_answer_with_a_cache_hit(real_engine):
    session = Session.start(SYSTEM, Sampling(temperature=0.0, max_tokens=12))
    engine = RecyclingEngine(real_engine, 1, lambda: conversation_messages(session))
    first = _turn(engine, session, "How many gates does a GRU have? Answer: two.")
    second = _turn(engine, session, "Name the two gates of a GRU.")
    assert first.usage and second.usage
    assert engine.idle() is True
    engine.wait()
    assert engine.recycles == 1 and engine.recycle_error is None
    third = _turn(engine, session, "Repeat the number of GRU gates: two. How many?")
    assert third.usage is not None and third.finish_reason in ("stop", "length")
    assert third.usage.cached_tokens > 0  # the re-warm put the conversation in the cache
    assert "two" in third.answer.lower() or "2" in third.answer


def test_idle_trims_the_heap_once_after_each_finished_turn_and_not_while_a_reload_is_due():
    fake = ReloadableFake()
    session = Session.start(SYSTEM, Sampling())
    trims: list[int] = []
    engine = RecyclingEngine(
        fake, 10_000, lambda: conversation_messages(session), trim=lambda: trims.append(1) or True
    )
    assert engine.idle() is False and trims == []  # nothing has run yet: nothing freed
    fake.enqueue("first answer")
    _turn(engine, session, "first question")
    assert engine.idle() is False and trims == [1]
    assert engine.idle() is False and trims == [1]  # once per finished sequence, not per line
    engine.budget_tokens = 1  # now a reload is due: it frees (and trims) instead
    fake.enqueue("second answer " * 5)
    _turn(engine, session, "second question " * 5)
    assert engine.idle() is True
    engine.wait()
    assert trims == [1] and engine.recycles == 1
