"""Prefill the system prompt while the user types, so the first answer starts sooner.

mistral.rs keeps finished sequences in its prefix cache and reuses the longest prefix a
new prompt shares with one of them. A one-token request made of the system prompt and a
placeholder question, sent as the REPL opens, leaves the system prompt's attention state
cached; the first real turn then processes only the question (and its notes). The user is
reading the banner and typing meanwhile, so the work is free; a question sent sooner
simply waits for the warm-up to finish (the wait counts in its time to first token).
"""

from __future__ import annotations

import threading
import time

from gruchat.engine.base import Engine, EventStream, Message, Sampling
from gruchat.session import Session

PLACEHOLDER = "Hello"


class WarmEngine:
    """An Engine that runs one warm-up request in the background and lets every real
    request wait for it first, so the two never compete for the CPU."""

    def __init__(self, engine: Engine, messages: list[Message]) -> None:
        self._engine = engine
        self.info = engine.info
        self.warm_seconds: float | None = None
        self.warm_error: str | None = None
        self._thread = threading.Thread(
            target=self._warm, args=(messages,), name="gruchat-warmup", daemon=True
        )
        self._thread.start()

    def _warm(self, messages: list[Message]) -> None:
        started = time.perf_counter()
        try:
            for _ in self._engine.stream(messages, Sampling(temperature=0.0, max_tokens=1)):
                pass
        except Exception as exc:  # an optimisation only: the real turn reports real errors
            self.warm_error = str(exc)
        self.warm_seconds = time.perf_counter() - started

    def wait(self) -> None:
        """Block until the warm-up is done (Ctrl-C interrupts the wait, not the warm-up)."""
        self._thread.join()

    def stream(self, messages: list[Message], sampling: Sampling) -> EventStream:
        self.wait()  # eager, not inside a generator: the wait is part of the turn's TTFT
        return self._engine.stream(messages, sampling)

    def count_tokens(self, messages: list[Message]) -> int | None:
        self.wait()
        return self._engine.count_tokens(messages)

    def close(self) -> bool:
        return self._engine.close()


def warmup_wanted(engine: Engine, setting: bool, interactive: bool) -> bool:
    """Warm up only in an interactive REPL, when the setting allows it and the backend
    says a warm-up helps (``capabilities.warmup``: a prefix cache to fill)."""
    return interactive and setting and engine.info.capabilities.warmup


def conversation_messages(session: Session) -> list[Message] | None:
    """What to prefill after the engine was reloaded: the system prompt and the whole
    history, with a placeholder question (None when there is nothing to cache)."""
    if not session.system_prompt.strip() and not session.messages:
        return None
    return session.request_messages(PLACEHOLDER)


def warm_messages(system_prompt: str) -> list[Message] | None:
    """The warm-up conversation, or None when there is no system prompt worth caching."""
    if not system_prompt.strip():
        return None
    return [
        {"role": "system", "content": system_prompt},
        {"role": "user", "content": PLACEHOLDER},
    ]
