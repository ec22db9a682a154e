"""A scripted engine for unit tests: enqueue answers, reasoning, usage or errors."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from gruchat.engine.base import (
    AnswerDelta,
    EngineInfo,
    Event,
    Finished,
    Message,
    ReasoningDelta,
    Sampling,
    Usage,
)


@dataclass
class Scripted:
    answer: str = ""
    reasoning: str = ""
    finish_reason: str = "stop"
    cached_tokens: int = 0
    error: BaseException | None = None
    error_after: int = 0  # answer chunks sent before the error is raised
    chunk: int = 4  # characters per streamed chunk


@dataclass
class FakeEngine:
    """Answers from a queue; records every request so tests can inspect what was sent."""

    queue: deque[Scripted] = field(default_factory=deque)
    requests: list[tuple[list[Message], Sampling]] = field(default_factory=list)
    context_length: int = 2048
    info: EngineInfo = field(
        default_factory=lambda: EngineInfo(
            model="fake",
            path="/fake/model.gguf",
            size_bytes=1234,
            quantisation="Q4_1 file",
            device="cpu",
            context_length=2048,
            chat_template="fake",
        )
    )

    def enqueue(self, answer: str = "", **kwargs: object) -> FakeEngine:
        self.queue.append(Scripted(answer=answer, **kwargs))  # type: ignore[arg-type]
        return self

    def count_tokens(self, messages: list[Message]) -> int | None:
        return sum(len(m["content"].split()) + 4 for m in messages)

    def stream(self, messages: list[Message], sampling: Sampling) -> Iterator[Event]:
        self.requests.append(([dict(m) for m in messages], sampling))
        script = self.queue.popleft() if self.queue else Scripted(answer="(no scripted answer)")
        prompt_tokens = self.count_tokens(messages) or 0
        if prompt_tokens > self.context_length:
            from gruchat.errors import ContextOverflowError

            raise ContextOverflowError(prompt_tokens, self.context_length)
        step = max(1, script.chunk)
        for i in range(0, len(script.reasoning), step):
            yield ReasoningDelta(script.reasoning[i : i + step])
        for sent, i in enumerate(range(0, len(script.answer), step)):
            if script.error is not None and sent >= script.error_after:
                raise script.error
            yield AnswerDelta(script.answer[i : i + step])
        if script.error is not None:
            raise script.error
        tokens = len(script.answer.split()) + len(script.reasoning.split())
        limit_hit = tokens >= sampling.max_tokens
        usage = Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=tokens,
            cached_tokens=script.cached_tokens,
            prompt_seconds=0.5,
            decode_seconds=1.0,
            prompt_tps=prompt_tokens / 0.5,
            decode_tps=float(tokens),
        )
        reason = "length" if limit_hit else script.finish_reason
        yield Finished(usage, reason, ttft=0.25, total_seconds=1.5)
