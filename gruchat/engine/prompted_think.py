"""Prompted reasoning for models that cannot think natively.

SmolLM2 and Qwen2.5 have no ``<think>`` tokens and ignore ``enable_thinking``, so
``\\think on`` would change nothing. Here it means two requests instead: first the model
is asked to reason step by step about the (grounded) question and nothing else, and that
text is streamed as the reasoning trace, marked ``prompted``; then, with its reasoning as
its own previous turn, it is asked for the answer. The second prompt starts with the
first, so the engine's prefix cache serves most of it.

Whether this helps is measured per model in bench/depth_think.py (README, "The GRU tutor").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator

from gruchat.engine.base import (
    AnswerDelta,
    Engine,
    EngineInfo,
    Event,
    EventStream,
    Finished,
    Message,
    ReasoningDelta,
    Sampling,
    Usage,
)

THINK_TOKENS = 192  # the reasoning pass's budget; the answer keeps the full max_tokens
THINK_INSTRUCTION = (
    "Do not answer yet. Think step by step: first list the facts in the notes that bear "
    "on the question, then reason from those facts to the answer. Write only this reasoning."
)
ANSWER_INSTRUCTION = "Now answer the question as asked, in line with your reasoning and the notes."


def thinking_messages(messages: list[Message]) -> list[Message]:
    """The first request: the conversation with the reasoning instruction after the question."""
    *head, last = messages
    return [*head, {**last, "content": f"{last['content']}\n\n{THINK_INSTRUCTION}"}]


def answer_messages(thinking: list[Message], reasoning: str) -> list[Message]:
    """The second request: the first one, the model's reasoning, then a request for the answer."""
    return [
        *thinking,
        {"role": "assistant", "content": reasoning.strip()},
        {"role": "user", "content": ANSWER_INSTRUCTION},
    ]


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def _rate(tokens: int | None, seconds: float | None) -> float | None:
    return tokens / seconds if tokens is not None and seconds else None


def _combined(first: Usage, second: Usage) -> Usage:
    """Both requests' counts and times together, speeds recomputed from them; a figure
    either request did not report stays unreported."""
    prompt_tokens = _sum(first.prompt_tokens, second.prompt_tokens)
    completion_tokens = _sum(first.completion_tokens, second.completion_tokens)
    cached_tokens = _sum(first.cached_tokens, second.cached_tokens)
    prompt_seconds = _sum(first.prompt_seconds, second.prompt_seconds)
    decode_seconds = _sum(first.decode_seconds, second.decode_seconds)
    return Usage(
        prompt_tokens=None if prompt_tokens is None else int(prompt_tokens),
        completion_tokens=None if completion_tokens is None else int(completion_tokens),
        cached_tokens=None if cached_tokens is None else int(cached_tokens),
        prompt_seconds=prompt_seconds,
        decode_seconds=decode_seconds,
        prompt_tps=_rate(prompt_tokens, prompt_seconds),
        decode_tps=_rate(completion_tokens, decode_seconds),
        speeds_measured_by=second.speeds_measured_by if prompt_seconds is not None else None,
    )


class PromptedThinking:
    """An Engine that, with ``sampling.think`` on, reasons by prompting (two requests).

    With thinking off every request goes through unchanged, so nothing else moves.
    """

    def __init__(self, engine: Engine, think_tokens: int = THINK_TOKENS) -> None:
        self._engine = engine
        self.think_tokens = think_tokens

    @property
    def info(self) -> EngineInfo:
        return self._engine.info

    def __getattr__(self, name: str) -> object:
        """What the wrapped engine offers besides the protocol (``recycle``, ``close``): a
        wrapper that hid them switched off the REPL's memory bound (bench/soak.py)."""
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._engine, name)

    def count_tokens(self, messages: list[Message]) -> int | None:
        return self._engine.count_tokens(messages)

    def close(self) -> bool:
        return self._engine.close()

    def stream(self, messages: list[Message], sampling: Sampling) -> EventStream:
        if not sampling.think or not messages:
            return self._engine.stream(messages, sampling)
        return self._two_passes(messages, dataclasses.replace(sampling, think=False))

    def _two_passes(
        self, messages: list[Message], sampling: Sampling
    ) -> Generator[Event, None, None]:
        thinking = thinking_messages(messages)
        budget = min(self.think_tokens, sampling.max_tokens)
        reasoning: list[str] = []
        first: Finished | None = None
        stream = self._engine.stream(thinking, dataclasses.replace(sampling, max_tokens=budget))
        try:
            for event in stream:
                if isinstance(event, Finished):
                    first = event
                elif event.text:  # every word of the first request is reasoning
                    reasoning.append(event.text)
                    yield ReasoningDelta(event.text, prompted=True)
        finally:
            stream.close()
        second_messages = answer_messages(thinking, "".join(reasoning))
        stream = self._engine.stream(second_messages, sampling)
        try:
            for event in stream:
                if isinstance(event, ReasoningDelta):
                    yield ReasoningDelta(event.text, prompted=True)
                elif isinstance(event, AnswerDelta) or first is None:
                    yield event
                else:
                    yield Finished(_combined(first.usage, event.usage), event.finish_reason)
        finally:
            stream.close()  # on Ctrl-C this cancels the sequence at once


def with_prompted_thinking(engine: Engine) -> Engine:
    """The engine to use: wrapped when the model cannot think natively."""
    return PromptedThinking(engine) if engine.info.thinking == "prompted" else engine
