"""The engine contract (gruchat/engine/base.py), one suite for every backend.

Each backend is a ``Subject``: an engine opened as gruchat opens it, plus a way to queue
answers (only the fake needs them; a real engine answers by itself). The fake runs in
the unit suite; the real local engine and the real remote one (a llama-server on 127.0.0.1) are
integration tests (SmolLM2-135M on the CPU, greedy, a few tokens). A backend joins by
adding its opener to ``SUBJECTS`` — nothing else changes.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import word_count
from rich.console import Console

from gruchat.config import load_settings
from gruchat.engine import registry
from gruchat.engine.base import (
    AnswerDelta,
    Engine,
    Event,
    Finished,
    ReasoningDelta,
    Sampling,
    Usage,
)
from gruchat.engine.fake import FakeEngine, Scripted

SAMPLING = Sampling(temperature=0.0, max_tokens=8)
MESSAGES = [
    {"role": "system", "content": "You are a tutor. Answer briefly."},
    {"role": "user", "content": "What is a GRU?"},
]
LONG = [{"role": "user", "content": "Count from 1 to 200, one number per line."}]


@dataclass
class Subject:
    """A backend under test: its registry name, the engine, and ``queue(n)`` to script
    the next n answers where the backend needs a script (the fake)."""

    name: str
    engine: Engine
    queue: Callable[[int], None] = field(default=lambda n: None)


def _fake() -> Iterator[Subject]:
    fake = FakeEngine(token_count=word_count)
    usage = Usage(12, 5, 0, 0.1, 0.1, 120.0, 50.0, "engine")  # all the fake claims to report

    def queue(n: int) -> None:
        for _ in range(n):
            fake.queue.append(Scripted("A GRU has two gates.", usage=usage, finish_reason="length"))

    registry.register("fake", lambda settings, console, verbose: fake)
    try:
        engine = registry.open_backend("fake", load_settings({}, env={}), _quiet())
        yield Subject("fake", engine, queue)
    finally:
        registry.unregister("fake")


def _local() -> Iterator[Subject]:
    saved = dict(os.environ)  # the engine sets RUST_LOG, HF_HUB_OFFLINE, CUDA_VISIBLE_DEVICES
    try:
        settings = load_settings({"model": "smollm2-135m", "device": "cpu"}, env={})
        engine = registry.open_backend("local", settings, _quiet())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    yield Subject("local", engine)


def _openai() -> Iterator[Subject]:
    """A real llama-server on 127.0.0.1 serving the store's SmolLM2 GGUF, opened through the
    registry the way ``--endpoint`` opens it; SIGKILLed afterwards."""
    from gruchat import models

    from llama_server import LlamaServer, find_binary

    binary, why = find_binary()
    if binary is None:
        pytest.skip(why)
    path = models.resolve("smollm2-135m").path
    assert path is not None
    server = LlamaServer(binary, path).start()
    try:
        settings = load_settings({"endpoint": server.url}, env={})
        yield Subject("openai", registry.open_backend("openai", settings, _quiet()))
    finally:
        server.close()


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=100)


# The backends: name -> (opener, pytest marks).
SUBJECTS: dict[str, tuple[Callable[[], Iterator[Subject]], list[pytest.MarkDecorator]]] = {
    "fake": (_fake, []),
    "local": (_local, [pytest.mark.integration]),
    "openai": (_openai, [pytest.mark.integration]),
}


@pytest.fixture(
    scope="module",
    params=[pytest.param(name, marks=marks, id=name) for name, (_, marks) in SUBJECTS.items()],
)
def subject(request) -> Iterator[Subject]:
    opener = SUBJECTS[request.param][0]
    yield from opener()


def answer(subject: Subject, messages=MESSAGES, sampling=SAMPLING) -> list[Event]:
    subject.queue(1)
    return list(subject.engine.stream(messages, sampling))


# -- the stream --------------------------------------------------------------------------------


def test_a_stream_is_deltas_then_exactly_one_finished_last(subject):
    events = answer(subject)
    finished = [e for e in events if isinstance(e, Finished)]
    assert len(finished) == 1 and events[-1] is finished[0]
    assert all(isinstance(e, AnswerDelta | ReasoningDelta) for e in events[:-1])
    assert "".join(e.text for e in events[:-1] if isinstance(e, AnswerDelta)).strip()
    assert isinstance(finished[0].finish_reason, str) and finished[0].finish_reason


def test_usage_fields_are_none_or_sane_and_match_the_capabilities(subject):
    *_, finished = answer(subject)
    usage, can = finished.usage, subject.engine.info.capabilities
    for name in ("prompt_tokens", "completion_tokens", "cached_tokens"):
        value = getattr(usage, name)
        assert value is None or (isinstance(value, int) and value >= 0), name
    for name in ("prompt_seconds", "decode_seconds", "prompt_tps", "decode_tps"):
        value = getattr(usage, name)
        assert value is None or (isinstance(value, float) and math.isfinite(value)), name
        assert value is None or value >= 0, name
    assert usage.speeds_measured_by in (None, "engine", "client")
    if usage.completion_tokens is not None:
        assert usage.completion_tokens <= SAMPLING.max_tokens
    if usage.cached_tokens is not None and usage.prompt_tokens is not None:
        assert usage.cached_tokens <= usage.prompt_tokens
    if can.prefix_cache_figures:
        assert usage.cached_tokens is not None
    if can.reports_speeds:
        assert usage.decode_tps is not None and usage.speeds_measured_by is not None


def test_an_answer_cut_by_max_tokens_finishes_with_length(subject):
    """The backend reports "length" itself; gruchat never infers it."""
    *_, finished = answer(subject, LONG, Sampling(temperature=0.0, max_tokens=4))
    assert finished.finish_reason == "length"


def test_close_mid_stream_cancels_and_the_next_stream_works(subject):
    subject.queue(1)
    stream = subject.engine.stream(MESSAGES, SAMPLING)
    first = next(stream)
    assert isinstance(first, AnswerDelta | ReasoningDelta)
    stream.close()
    stream.close()  # closing twice is allowed
    with pytest.raises(StopIteration):
        next(stream)
    events = answer(subject)
    assert isinstance(events[-1], Finished)
    assert sum(isinstance(e, Finished) for e in events) == 1


def test_a_stream_closed_before_it_starts_is_harmless(subject):
    subject.queue(1)
    subject.engine.stream(MESSAGES, SAMPLING).close()
    assert isinstance(answer(subject)[-1], Finished)


# -- counting, info, closing -------------------------------------------------------------------


def test_count_tokens_is_none_or_a_whole_number(subject):
    counted = subject.engine.count_tokens(MESSAGES)
    assert counted is None or (isinstance(counted, int) and counted > 0)
    if subject.engine.info.capabilities.exact_token_count:
        assert isinstance(counted, int)
        longer = subject.engine.count_tokens([*MESSAGES, {"role": "user", "content": "And z?"}])
        assert isinstance(longer, int) and longer > counted


def test_info_describes_the_backend(subject):
    info = subject.engine.info
    assert info.backend == subject.name
    assert isinstance(info.model, str) and info.model
    assert isinstance(info.location, str) and info.location
    assert info.context_length is None or info.context_length > 0
    assert info.load_seconds is None or info.load_seconds >= 0
    assert info.thinking in ("native", "prompted")
    if info.path is not None and subject.name != "fake":  # the fake's file is made up
        assert Path(info.path).is_file()
        assert info.size_bytes == Path(info.path).stat().st_size


def test_close_says_a_normal_exit_is_safe_once_streams_are_done(subject):
    answer(subject)
    assert subject.engine.close() is True
    assert subject.engine.close() is True  # more than once
