"""The Engine protocol and the events an answer streams as.

Everything above this seam (REPL, ask, run) sees only these types, so the fake engine
can stand in for mistral.rs in unit tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

Message = dict[str, str]


@dataclass(frozen=True)
class Sampling:
    """Sampling parameters sent with every request (temperature always explicit)."""

    temperature: float = 0.0
    top_k: int = 40
    top_p: float = 0.95
    max_tokens: int = 512
    think: bool = False
    repetition_penalty: float | None = None  # None: the engine's default (no penalty)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Usage:
    """Token counts and speeds of one answer, as the engine measured them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    prompt_seconds: float = 0.0
    decode_seconds: float = 0.0
    prompt_tps: float = 0.0
    decode_tps: float = 0.0
    # "engine": the speeds are the engine's (or server's) own; "client": the server
    # reported none, so gruchat timed the deltas' arrival (gruchat/engine/openai_compat.py)
    speeds_from: str = "engine"

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
    usage: Usage
    finish_reason: str
    ttft: float
    total_seconds: float = 0.0


Event = ReasoningDelta | AnswerDelta | Finished


@dataclass(frozen=True)
class EngineInfo:
    """What ``\\info`` and ``--json`` report about the loaded model."""

    model: str
    path: str
    size_bytes: int | None
    quantisation: str
    device: str
    context_length: int | None
    chat_template: str
    load_seconds: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)
    # What \think on does: "native" (the template's enable_thinking) or "prompted"
    # (gruchat asks for step-by-step reasoning first; gruchat/engine/prompted_think.py).
    thinking: str = "native"


class Engine(Protocol):
    info: EngineInfo

    def stream(self, messages: list[Message], sampling: Sampling) -> Iterator[Event]:
        """Answer the conversation, yielding deltas and exactly one Finished at the end."""
        ...

    def count_tokens(self, messages: list[Message]) -> int | None:
        """Prompt tokens the conversation would take, or None when unknown."""
        ...
