"""What OpenAI-compatible servers send, mapped to gruchat's types: pure functions, no I/O.

Each is unit-tested on the body shapes the servers send (shared SERVERS.md): error bodies
(OpenAI's envelope, llama.cpp's with ``n_ctx``, mistral.rs's bare ``message``), context
overflows, reasoning deltas (``reasoning_content`` or ``reasoning``), usage and llama.cpp's
``timings``, the server's kind and context length, its thinking switch, the request body.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from gruchat.engine.base import Capabilities, Message, Sampling, SpeedSource, Usage
from gruchat.errors import ContextOverflowError

KINDS = {  # /v1/models owned_by -> the server's name
    "llamacpp": "llama.cpp",
    "vllm": "vLLM",
    "local": "mistral.rs",
    "mistral.rs": "mistral.rs",
    "library": "Ollama",
    "ollama": "Ollama",
}
_NUMBER = re.compile(r"\d+")
_MAX_CONTEXT = re.compile(r"maximum context length is (\d+)")


@dataclass(frozen=True)
class ServerError:
    """An error body in any of the shapes servers send, reduced to what gruchat needs."""

    message: str
    kind: str = ""  # the envelope's type or code ("exceed_context_size_error", ...)
    fields: dict[str, Any] = field(default_factory=dict)


def error_of(body: Any, status: int | None = None) -> ServerError:
    """Understands the OpenAI envelope ``{"error": {"message", "type", "code"}}`` (llama.cpp,
    vLLM, Ollama; llama.cpp adds ``n_prompt_tokens``/``n_ctx``), ``{"error": "text"}``
    (mistral.rs mid-stream), ``{"message": ...}`` (mistral.rs 422/500) and plain text."""
    if isinstance(body, (bytes, str)):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            body = json.loads(text)
        except ValueError:
            line = " ".join(text.split())[:200]
            return ServerError(line or (f"HTTP {status}" if status else "unknown error"))
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, str):
            return ServerError(inner)
        if isinstance(inner, dict):
            message = inner.get("message") or inner.get("detail") or json.dumps(inner)[:200]
            kind = inner.get("type") or inner.get("code") or ""
            code = inner.get("code")
            if isinstance(code, str) and code:
                kind = code if kind in ("", "invalid_request_error") else kind
            return ServerError(str(message), str(kind), dict(inner))
    return ServerError(str(body)[:200])


def overflow_of(error: ServerError) -> ContextOverflowError | None:
    """The local engine's refusal for a server's context overflow: llama.cpp's
    ``exceed_context_size_error`` (with n_prompt_tokens and n_ctx) or OpenAI/vLLM's
    ``context_length_exceeded`` / "maximum context length is N tokens"."""
    text = error.message
    if error.kind == "exceed_context_size_error":
        numbers = [int(n) for n in _NUMBER.findall(text)]
        prompt = error.fields.get("n_prompt_tokens") or (numbers[0] if numbers else 0)
        context = error.fields.get("n_ctx") or (numbers[1] if len(numbers) > 1 else 0)
        return ContextOverflowError(int(prompt), int(context))
    limit = _MAX_CONTEXT.search(text)
    if error.kind == "context_length_exceeded" or limit:
        context = int(limit.group(1)) if limit else 0
        others = [int(n) for n in _NUMBER.findall(text) if int(n) != context]
        prompt = max(others) if others else context + 1
        return ContextOverflowError(prompt, context)
    return None


def reasoning_of(delta: dict[str, Any]) -> str:
    """llama.cpp and mistral.rs send ``reasoning_content``; vLLM and Ollama ``reasoning``."""
    text = delta.get("reasoning_content") or delta.get("reasoning") or ""
    return text if isinstance(text, str) else ""


def _number(mapping: Any, key: str) -> float | None:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass
class Clock:
    """When the request went out and the first and last deltas came in, for the speeds a
    server does not report (measured here, and labelled so)."""

    started: float = field(default_factory=time.perf_counter)
    first: float | None = None
    last: float | None = None
    deltas: int = 0

    def tick(self) -> None:
        now = time.perf_counter()
        self.first = self.first if self.first is not None else now
        self.last = now
        self.deltas += 1


def usage_of(usage: Any, timings: Any, clock: Clock | None = None) -> Usage:
    """Token counts and speeds from ``usage`` (with ``prompt_tokens_details.cached_tokens``
    or mistral.rs's ``avg_*_tok_per_sec``/``total_*_time_sec`` extras) and llama.cpp's
    ``timings`` (``cache_n``, ``prompt_ms``, ``predicted_per_second``...). Speeds neither
    gives are measured from the deltas' arrival (``speeds_measured_by="client"``); a
    figure nobody gives stays None ("not reported")."""
    usage = usage if isinstance(usage, dict) else {}
    timings = timings if isinstance(timings, dict) else {}
    details = usage.get("prompt_tokens_details")
    cached = _number(details, "cached_tokens")
    if cached is None:
        cached = _number(timings, "cache_n")
    prompt = _number(usage, "prompt_tokens")
    if prompt is None and "prompt_n" in timings:
        prompt = (_number(timings, "prompt_n") or 0) + (cached or 0)
    completion = _number(usage, "completion_tokens")
    if completion is None:
        completion = _number(timings, "predicted_n")
    counted = completion  # client speeds: about one token a delta when nothing says
    if counted is None and clock is not None:
        counted = float(clock.deltas)
    prompt_ms, decode_ms = _number(timings, "prompt_ms"), _number(timings, "predicted_ms")
    server = (  # llama.cpp's timings, else mistral.rs's usage extras
        _first(_number(timings, "prompt_per_second"), _number(usage, "avg_prompt_tok_per_sec")),
        _first(_number(timings, "predicted_per_second"), _number(usage, "avg_compl_tok_per_sec")),
        _first(prompt_ms / 1000 if prompt_ms is not None else None,
               _number(usage, "total_prompt_time_sec")),
        _first(decode_ms / 1000 if decode_ms is not None else None,
               _number(usage, "total_completion_time_sec")),
    )  # fmt: skip
    prompt_tps, decode_tps, prompt_s, decode_s = server
    source: SpeedSource | None = "engine" if prompt_tps or decode_tps else None
    if source is None and clock is not None and clock.first is not None:
        source = "client"
        prompt_s, decode_s, prompt_tps, decode_tps = _client_speeds(clock, prompt, counted)
    return Usage(
        prompt_tokens=_whole(prompt),
        completion_tokens=_whole(completion),
        cached_tokens=_whole(cached),
        prompt_seconds=prompt_s,
        decode_seconds=decode_s,
        prompt_tps=prompt_tps,
        decode_tps=decode_tps,
        speeds_measured_by=source,
    )


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def _client_speeds(
    clock: Clock, prompt: float | None, completion: float | None
) -> tuple[float, float, float | None, float | None]:
    """(prompt s, decode s, prompt T/s, decode T/s) from when the deltas arrived: the prompt
    took until the first delta (network included), decode the rest."""
    assert clock.first is not None and clock.last is not None
    prompt_s = clock.first - clock.started
    decode_s = clock.last - clock.first
    prompt_tps = prompt / prompt_s if prompt is not None and prompt_s > 0 else None
    decode_tps = ((completion or 1) - 1) / decode_s if decode_s > 0 else None
    return prompt_s, decode_s, prompt_tps, decode_tps


def server_kind(model: dict[str, Any]) -> str:
    """The server's name from a /v1/models entry (its ``owned_by``), "" when unknown."""
    owner = str(model.get("owned_by", "")).lower()
    return KINDS.get(owner, "")


def context_of(model: dict[str, Any], props: Any = None) -> int | None:
    """The context length when the server tells: llama.cpp's ``meta.n_ctx`` (or /props),
    vLLM's ``max_model_len``."""
    meta = model.get("meta") if isinstance(model.get("meta"), dict) else {}
    for value in (
        meta.get("n_ctx"),
        model.get("max_model_len"),
        model.get("context_length"),
        (props or {}).get("default_generation_settings", {}).get("n_ctx")
        if isinstance(props, dict)
        else None,
    ):
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def think_fields(kind: str, think: bool) -> dict[str, Any]:
    """``\\think`` as each server's switch: the chat template's ``enable_thinking`` for
    llama.cpp and vLLM (and unknown servers), mistral.rs's ``enable_thinking``, Ollama's
    ``think``."""
    if kind == "mistral.rs":
        return {"enable_thinking": think}
    if kind == "Ollama":
        return {"think": think}
    return {"chat_template_kwargs": {"enable_thinking": think}}


def request_body(model: str, messages: list[Message], sampling: Sampling, kind: str) -> dict:
    body: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": sampling.max_tokens,
        "temperature": float(sampling.temperature),
        "top_p": float(sampling.top_p),
    }
    if kind != "Ollama":  # not an OpenAI field; llama.cpp, vLLM and mistral.rs take it
        body["top_k"] = int(sampling.top_k)
    if sampling.repetition_penalty is not None:
        body["repetition_penalty"] = sampling.repetition_penalty
    body.update(think_fields(kind, sampling.think))
    return body


def capabilities_of(kind: str, tokenize: bool) -> Capabilities:
    """What a server reports, from SERVERS.md: llama.cpp gives cache figures and timings,
    vLLM cache figures only with a flag, mistral.rs speeds in its usage extras, Ollama neither.
    No warm-up: a server keeps its own caches between clients."""
    return Capabilities(
        prefix_cache_figures=kind in ("llama.cpp", "vLLM"),
        reports_speeds=kind in ("llama.cpp", "mistral.rs"),
        exact_token_count=tokenize,
        warmup=False,
        costly_token_count=True,
    )
