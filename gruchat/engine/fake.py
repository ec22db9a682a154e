"""A scripted engine for unit tests: it yields what was queued and decides nothing.

No rule lives here: the finish reason, the usage figures, a token count and any error
(a ``ContextOverflowError`` too) are what the test queued, as a real backend would
report them. Rules about fitting the context or stopping at max tokens live in real
code (``gruchat.turn_runner.check_fits``; the backend's own finish reason).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from gruchat.engine.base import (
    AnswerDelta,
    Capabilities,
    EngineInfo,
    Event,
    Finished,
    Message,
    ReasoningDelta,
    Sampling,
    Usage,
)

# The fake stands in for the local engine, so it claims what the local engine can do.
FAKE_CAPABILITIES = Capabilities(
    prefix_cache_figures=True, reports_speeds=True, exact_token_count=True, warmup=True
)


@dataclass
class Scripted:
    """One queued answer: its deltas, then a Finished with ``usage`` and
    ``finish_reason``, or ``error`` raised after ``error_after`` answer chunks."""

    answer: str = ""
    reasoning: str = ""
    finish_reason: str = "stop"
    usage: Usage = field(default_factory=Usage)
    error: BaseException | None = None
    error_after: int = 0  # answer chunks sent before the error is raised
    chunk: int = 4  # characters per streamed chunk


def fake_info(context_length: int | None = 2048, **changes: object) -> EngineInfo:
    """The fake's EngineInfo (a made-up local GGUF); ``changes`` replace fields."""
    values: dict[str, object] = {
        "backend": "fake",
        "model": "fake",
        "location": "/fake/model.gguf",
        "device": "cpu",
        "context_length": context_length,
        "chat_template": "fake",
        "path": "/fake/model.gguf",
        "size_bytes": 1234,
        "quantisation": "Q4_1 file",
        "load_seconds": 0.0,
        "capabilities": FAKE_CAPABILITIES,
        **changes,
    }
    return EngineInfo(**values)  # type: ignore[arg-type]


@dataclass
class FakeEngine:
    """Answers from a queue; records every request so tests can inspect what was sent.

    ``token_count`` is what ``count_tokens`` answers: a number, the test's own function
    of the messages, or None ("cannot tell"); and
    ``unfinished`` counts the streams that ended before their Finished (closed or failed)."""

    queue: deque[Scripted] = field(default_factory=deque)
    requests: list[tuple[list[Message], Sampling]] = field(default_factory=list)
    token_count: int | Callable[[list[Message]], int | None] | None = None
    info: EngineInfo = field(default_factory=fake_info)
    unfinished: int = 0
    closed: bool = False

    def enqueue(self, answer: str = "", **kwargs: object) -> FakeEngine:
        self.queue.append(Scripted(answer=answer, **kwargs))  # type: ignore[arg-type]
        return self

    def count_tokens(self, messages: list[Message]) -> int | None:
        if callable(self.token_count):
            return self.token_count(messages)
        return self.token_count

    def close(self) -> bool:
        self.closed = True
        return True

    def stream(self, messages: list[Message], sampling: Sampling) -> Generator[Event, None, None]:
        self.requests.append(([dict(m) for m in messages], sampling))
        script = self.queue.popleft() if self.queue else Scripted(answer="(no scripted answer)")
        step = max(1, script.chunk)
        finished = False
        try:
            for i in range(0, len(script.reasoning), step):
                yield ReasoningDelta(script.reasoning[i : i + step])
            for sent, i in enumerate(range(0, len(script.answer), step)):
                if script.error is not None and sent >= script.error_after:
                    raise script.error
                yield AnswerDelta(script.answer[i : i + step])
            if script.error is not None:
                raise script.error
            finished = True
            yield Finished(script.usage, script.finish_reason)
        finally:
            if not finished:
                self.unfinished += 1
