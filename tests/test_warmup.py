"""The REPL's warm-up: one background request with the system prompt, which every real
request waits for (fake engine; the real prefix-cache effect is in test_repl_pty)."""

from __future__ import annotations

import threading
import time

from gruchat.engine.base import Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.render import StreamRenderer
from gruchat.session import Session
from gruchat.turn_runner import run_turn
from gruchat.warmup import PLACEHOLDER, WarmEngine, warm_messages
from tests.test_render import plain_consoles


class SlowFirstEngine(FakeEngine):
    """A fake whose first request (the warm-up) takes a while; logs start and end times."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.log: list[tuple[str, float]] = []

    def stream(self, messages, sampling):
        first = not self.requests
        self.log.append(("start", time.perf_counter()))
        if first:
            time.sleep(self.delay)
        yield from super().stream(messages, sampling)
        self.log.append(("end", time.perf_counter()))


def test_warm_messages_are_the_system_prompt_and_a_placeholder_or_nothing():
    assert warm_messages("You are a tutor.") == [
        {"role": "system", "content": "You are a tutor."},
        {"role": "user", "content": PLACEHOLDER},
    ]
    assert warm_messages("  \n") is None


def test_real_turn_waits_for_the_warm_up_and_counts_the_wait_in_its_ttft():
    engine = SlowFirstEngine(delay=0.3).enqueue("warm").enqueue("A GRU has two gates.")
    warm = WarmEngine(engine, warm_messages("You are a tutor.") or [])
    session = Session.start("You are a tutor.", Sampling())
    out, meta = plain_consoles()
    turn = run_turn(warm, session, "How many gates?", StreamRenderer(out, meta, markdown=False))
    warm_request, real_request = engine.requests
    assert warm_request[0][-1] == {"role": "user", "content": PLACEHOLDER}
    assert warm_request[1].max_tokens == 1 and warm_request[1].temperature == 0.0
    assert real_request[0][-1]["content"] == "How many gates?"
    (first, _), (end_warm, t1), (second, t2), _ = engine.log
    assert (first, end_warm, second) == ("start", "end", "start")
    assert t2 >= t1  # the real request started only after the warm-up ended
    assert turn.answer == "A GRU has two gates."
    assert turn.ttft > 0.2  # most of the 0.3 s warm-up was waited for inside this turn
    assert session.turn_count == 1  # the warm-up is not a turn of the conversation
    assert warm.warm_seconds is not None and warm.warm_error is None
    assert warm.info is engine.info


def test_a_failing_warm_up_is_recorded_and_does_not_block_the_real_turn():
    engine = FakeEngine().enqueue("", error=RuntimeError("no")).enqueue("fine")
    warm = WarmEngine(engine, warm_messages("sys") or [])
    warm.wait()
    assert warm.warm_error == "no"
    events = list(warm.stream([{"role": "user", "content": "q"}], Sampling()))
    assert "".join(getattr(e, "text", "") for e in events) == "fine"
    assert not any(t.name == "gruchat-warmup" for t in threading.enumerate())
