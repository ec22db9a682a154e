"""Keep a long session's memory bounded: reload the engine while the REPL is idle.

mistral.rs keeps the KV cache of every finished sequence in its prefix cache. On the CPU
its eviction never applies (``prefix_cache_n`` counts only caches held on a device) and
the Python API cannot clear the cache, so a session grows by about 38 KB per cached token
of SmolLM2-135M (``bench/cache_growth.py``). The only way to free it is to drop the Runner
and load a new one (about 1 s for the default model).

``RecyclingEngine`` counts the tokens the engine has cached since it was loaded. When the
REPL is idle (between two lines) and a reload would free more than ``budget_tokens``, it
reloads in the background and re-warms the current conversation, so the next question
still hits the prefix cache. A question that arrives meanwhile waits (the wait counts in
its time to first token; Ctrl-C cancels the wait, never the reload).
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol

from gruchat.engine.base import (
    Engine,
    EngineInfo,
    Event,
    EventStream,
    Finished,
    Message,
    Sampling,
)


class ReloadableEngine(Engine, Protocol):
    def recycle(self) -> None:
        """Drop the loaded model (and its caches) and load it again with the same options."""
        ...


def trim_heap() -> bool:
    """Hand freed heap pages back to the OS. glibc keeps them after the Runner is dropped
    (measured: 290 MB resident after the drop, 170 MB after the trim); False where there
    is no ``malloc_trim``."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return bool(trim(0))


class Counted:
    """An event stream that remembers how many tokens its sequence left in the cache:
    prompt + completion from the engine's usage, or an estimate (4 characters a token)
    when the stream ended without one (cancelled, failed, no usage reported)."""

    def __init__(self, events: EventStream, messages: list[Message]) -> None:
        self._events = events
        self._estimate = sum(len(m["content"]) for m in messages) // 4
        self.tokens: int | None = None
        self.on_end: Callable[[int], None] | None = None

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        try:
            event = next(self._events)
        except BaseException:  # the end, an error or Ctrl-C: the sequence is over
            self._end()
            raise
        if isinstance(event, Finished):
            self.tokens = event.usage.total_tokens or None
        return event

    def close(self) -> None:
        self._events.close()
        self._end()

    def _end(self) -> None:
        if self.on_end is not None:
            done, self.on_end = self.on_end, None
            done(self.tokens if self.tokens is not None else self._estimate)


class RecyclingEngine:
    """An Engine that reloads the one it wraps when its prefix cache has grown too big.

    ``conversation`` returns what to re-warm after a reload (the system prompt, the
    history and a placeholder question), or None. ``budget_tokens = 0`` never reloads.
    """

    def __init__(
        self,
        engine: ReloadableEngine,
        budget_tokens: int,
        conversation: Callable[[], list[Message] | None],
        trim: Callable[[], bool] = trim_heap,
    ) -> None:
        self._engine = engine
        self._trim = trim
        self._untrimmed = False  # a sequence ended (its memory freed) since the last trim
        self.info: EngineInfo = engine.info
        self.budget_tokens = budget_tokens
        self._conversation = conversation
        self._counts = threading.Lock()
        self._cached = 0  # tokens cached since the engine was (re)loaded
        self._last = 0  # the latest sequence: a re-warm caches about as much again
        self._busy = 0  # streams not yet finished or closed
        self._idle = threading.Event()  # clear while a reload and its re-warm run
        self._idle.set()
        self.recycles = 0
        self.recycle_seconds: float | None = None  # the last reload + re-warm
        self.recycle_error: str | None = None

    @property
    def cached_tokens(self) -> int:
        """Tokens the engine has cached since it was last loaded (as counted here)."""
        return self._cached

    @property
    def freeable_tokens(self) -> int:
        """What a reload would free: everything cached but the latest sequence."""
        return max(0, self._cached - self._last)

    def wait(self) -> None:
        """Block until a reload in progress is done; Ctrl-C interrupts the wait only."""
        while not self._idle.wait(0.1):  # not Thread.join: after Ctrl-C it can report
            pass  # a thread that still runs as finished

    def stream(self, messages: list[Message], sampling: Sampling) -> Counted:
        self.wait()  # eager, not inside a generator: the wait is part of the turn's TTFT
        counted = Counted(self._engine.stream(messages, sampling), messages)
        with self._counts:
            self._busy += 1
        counted.on_end = self._ended
        return counted

    def count_tokens(self, messages: list[Message]) -> int | None:
        self.wait()
        return self._engine.count_tokens(messages)

    def close(self) -> bool:
        return self._engine.close()

    def idle(self) -> bool:
        """Called between two REPL lines: start a reload if one is due; True if started.

        Otherwise, once a sequence has ended since the last time, hand the freed heap
        pages back to the system (a few ms): glibc keeps them, and the next turn's
        allocations would push the peak above them (bench/soak.py)."""
        with self._counts:
            quiet = self._busy == 0 and self._idle.is_set()
            due = quiet and self.budget_tokens > 0 and self.freeable_tokens > self.budget_tokens
            trim = quiet and not due and self._untrimmed
            if trim:
                self._untrimmed = False
            if due:
                self._idle.clear()
                threading.Thread(target=self._recycle, name="gruchat-recycle", daemon=True).start()
        if trim:
            self._trim()
        return due

    def _ended(self, tokens: int) -> None:
        with self._counts:
            self._untrimmed = True
            self._busy -= 1
            self._cached += tokens
            self._last = tokens

    def _recycle(self) -> None:
        try:
            self._reload_and_rewarm()
        finally:
            self._idle.set()

    def _reload_and_rewarm(self) -> None:
        started = time.perf_counter()
        try:
            self._engine.recycle()  # takes the engine's own lock: never during a stream
        except Exception as exc:  # the next turn reports it; the next idle moment retries
            self.recycle_error = str(exc)
            return
        with self._counts:
            self._cached = self._last = 0
        self.recycles += 1
        self.recycle_error = None
        messages = self._conversation()
        if messages:
            counted = Counted(
                self._engine.stream(messages, Sampling(temperature=0.0, max_tokens=1)), messages
            )
            counted.on_end = self._rewarmed
            try:
                for _ in counted:
                    pass
            except Exception as exc:  # an optimisation only: the real turn reports errors
                self.recycle_error = f"re-warm failed: {exc}"
        self.recycle_seconds = time.perf_counter() - started

    def _rewarmed(self, tokens: int) -> None:
        with self._counts:
            self._cached += tokens
            self._last = tokens
