"""The engine seam: what every backend gives the REPL, ``ask`` and ``run``, and no more.

Everything above this seam sees only these types, so the local mistral.rs engine, a
remote OpenAI-compatible server and the fake engine of the unit tests are interchangeable.
A backend is a factory in ``gruchat.engine.registry`` that returns an ``Engine``; the
contract it must keep is written here and checked by ``tests/test_engine_contract.py``
(see ``docs/engines.md``, "Writing a backend").

Rules of thumb for a backend author:

- Report only what you measured or were told. Every ``Usage`` field may be None, which
  means "not reported"; gruchat then leaves the figure out instead of printing 0.
- Do not time the first token: gruchat measures time to first token and total time
  above the seam, on the events it receives, the same way for every backend.
- Say what you can do in ``Capabilities`` (cache figures, speeds, exact token counts,
  whether a warm-up helps); gruchat shows and does only what the backend supports.
- Resolve and check your own model (a local file, an endpoint) inside your factory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from gruchat.options import Sampling  # one field per sampling option (gruchat/options.py)

Message = dict[str, str]

SpeedSource = Literal["engine", "client"]


@dataclass(frozen=True)
class Usage:
    """Token counts and speeds of one answer. None means the backend did not report it.

    ``cached_tokens`` is the part of the prompt served from a prefix cache (0 is a real
    miss, None is "this backend does not say"). ``speeds_measured_by`` tells who measured
    the seconds and speeds: "engine" (the backend's own timers), "client" (the backend
    timed the request from outside, e.g. an HTTP client counting streamed chunks), or
    None when no speed is given.
    """

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    prompt_seconds: float | None = None
    decode_seconds: float | None = None
    prompt_tps: float | None = None
    decode_tps: float | None = None
    speeds_measured_by: SpeedSource | None = None

    @property
    def total_tokens(self) -> int | None:
        """Prompt and completion together, or None unless both were reported."""
        if self.prompt_tokens is None or self.completion_tokens is None:
            return None
        return self.prompt_tokens + self.completion_tokens

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReasoningDelta:
    text: str
    prompted: bool = False  # gruchat asked for it (the model has no native reasoning)


@dataclass(frozen=True)
class AnswerDelta:
    text: str


@dataclass(frozen=True)
class Finished:
    """The last event of every stream that was not cancelled or failed.

    ``finish_reason`` is the backend's own report: "stop" (the model ended its answer),
    "length" (it reached ``max_tokens``), or another word the backend uses. gruchat never
    guesses "length" from a count. Timings are measured above the seam, not here.
    """

    usage: Usage
    finish_reason: str


Event = ReasoningDelta | AnswerDelta | Finished


class EventStream(Protocol):
    """What ``Engine.stream`` returns: an iterator of events that can be stopped.

    Iterating yields deltas in order, then exactly one ``Finished``, or raises an
    ``EngineError`` (``ContextOverflowError`` when the prompt does not fit). ``close()``
    cancels the answer at once (Ctrl-C, a repetition stop, ``| head``): the backend must
    stop generating, free what the request held and let the next ``stream`` call start
    cleanly. It may be called at any point, more than once, and after the end. A Python
    generator function keeps this contract when its ``finally`` does the cancelling.
    """

    def __iter__(self) -> Iterator[Event]: ...

    def __next__(self) -> Event: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Capabilities:
    """What a backend can report or make use of; gruchat shows and does only these."""

    prefix_cache_figures: bool = False  # Usage.cached_tokens is reported (Stats' cache line)
    reports_speeds: bool = False  # Usage carries seconds and tokens per second
    exact_token_count: bool = False  # count_tokens uses the model's own tokenizer
    warmup: bool = False  # prefilling the system prompt early makes the first answer faster
    costly_token_count: bool = False  # count_tokens is a round trip: ask only when needed


@dataclass(frozen=True)
class EngineInfo:
    """What ``\\info``, the banner, ``--json``, the log and golden files say about a backend.

    ``backend`` is the registry name ("local", "openai", "fake"); ``model`` the model as
    the user named it (a preset, a file, a server's model id); ``location`` where it runs,
    in words a user can check (a GGUF path, an endpoint URL). The local-file fields
    (``path``, ``size_bytes``, ``quantisation``) are None for a backend without a file.
    ``engine`` names the software and its version ("mistralrs 0.9.5") when known.
    """

    backend: str
    model: str
    location: str
    device: str | None = None
    context_length: int | None = None
    chat_template: str | None = None
    path: str | None = None
    size_bytes: int | None = None
    quantisation: str | None = None
    load_seconds: float | None = None
    engine: str | None = None
    # What \think on does: "native" (the template's enable_thinking) or "prompted"
    # (gruchat asks for step-by-step reasoning first; gruchat/engine/prompted_think.py).
    thinking: str = "native"
    capabilities: Capabilities = field(default_factory=Capabilities)
    extra: dict[str, str] = field(default_factory=dict)  # more "name: value" lines for \info


class Engine(Protocol):
    """A loaded backend. Calls come from one thread at a time (the REPL's), except that a
    warm-up may run ``stream`` on a thread of its own before the first real request."""

    info: EngineInfo

    def stream(self, messages: list[Message], sampling: Sampling) -> EventStream:
        """Answer the conversation: deltas, then exactly one Finished (see EventStream).

        ``messages`` are ``{"role", "content"}`` dicts, system first when there is one.
        Nothing may be sent before the stream is iterated or after it is closed.
        """
        ...

    def count_tokens(self, messages: list[Message]) -> int | None:
        """Prompt tokens the conversation would take (an estimate unless
        ``capabilities.exact_token_count``), or None when the backend cannot tell."""
        ...

    def close(self) -> bool:
        """Release the backend before the process exits; safe to call more than once.

        Returns True when the interpreter may then shut down normally, False when it must
        not (a native thread is still inside the engine: Python's shutdown would abort the
        process), in which case the caller leaves with ``os._exit`` after flushing."""
        ...
