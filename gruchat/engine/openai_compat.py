"""The remote engine: any OpenAI-compatible chat server (llama.cpp's llama-server, vLLM,
mistral.rs, Ollama) over HTTP. The ONLY module that speaks HTTP.

httpx is the client: a maintained, typed library with a real streaming API
(``Client.stream``), separate connect and read timeouts (the read timeout is the idle
timeout: it bounds the gap between two chunks, not the whole answer), a thread-safe
connection pool (``run --jobs``), and a socket read Ctrl-C interrupts at once in the
main thread. httpx-sse parses the event stream by the SSE rules (comments, CRLF,
multi-line ``data:``), so this module only maps JSON to gruchat's events.

The mapping from server JSON to gruchat's types lives in small pure functions
(``error_of``, ``overflow_of``, ``usage_of``, ``reasoning_of``, ``context_of``,
``server_kind``, ``think_fields``), each unit-tested on the body shapes the servers send
(shared SERVERS.md).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import httpx_sse

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
from gruchat.engine.think import ThinkSplitter
from gruchat.errors import ContextOverflowError, EndpointError, EngineError

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
KINDS = {  # /v1/models owned_by -> the server's name
    "llamacpp": "llama.cpp",
    "vllm": "vLLM",
    "local": "mistral.rs",
    "mistral.rs": "mistral.rs",
    "library": "Ollama",
    "ollama": "Ollama",
}
TEMPLATE_ROOM = 64  # tokens a chat template may add per message, generously
QUICK_READ = 30.0  # seconds a server may take over a request that generates nothing
_NUMBER = re.compile(r"\d+")
_MAX_CONTEXT = re.compile(r"maximum context length is (\d+)")


# --- The endpoint ---------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where the server is and how to talk to it; ``api`` ends in /v1, ``root`` does not
    (llama.cpp's /tokenize, /apply-template and /props live at the root)."""

    url: str
    api_key_env: str = DEFAULT_KEY_ENV
    api_key: str | None = None
    connect_timeout: float = 5.0
    idle_timeout: float = 300.0

    @property
    def root(self) -> str:
        base = self.url.rstrip("/")
        return base.removesuffix("/v1")

    @property
    def api(self) -> str:
        return self.root + "/v1"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def quick(self) -> httpx.Timeout:
        """For the small requests (models, props, token counts): a stalled server is
        reported within seconds, not after the idle timeout an answer may need."""
        return httpx.Timeout(self.connect_timeout, read=min(self.idle_timeout, QUICK_READ))

    def client(self) -> httpx.Client:
        timeout = httpx.Timeout(
            connect=self.connect_timeout,
            read=self.idle_timeout,
            write=self.idle_timeout,
            pool=self.idle_timeout,
        )
        return httpx.Client(headers=self.headers(), timeout=timeout, trust_env=False)


def endpoint_from(
    url: str,
    api_key_env: str = DEFAULT_KEY_ENV,
    connect_timeout: float = 5.0,
    idle_timeout: float = 300.0,
    env: dict[str, str] | None = None,
) -> Endpoint:
    """An Endpoint from the settings; the key is read from the named variable (none is fine
    for a local server)."""
    if not re.match(r"^https?://[^/\s]+", url):
        raise EndpointError(f"endpoint {url!r} is not an http:// or https:// URL")
    environ = os.environ if env is None else env
    key = environ.get(api_key_env) or None
    return Endpoint(url.rstrip("/"), api_key_env, key, connect_timeout, idle_timeout)


# --- Pure mapping: server JSON -> gruchat -----------------------------------------------


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
    gives are measured from the deltas' arrival (``speeds_from="client"``)."""
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
    if completion is None and clock is not None:
        completion = float(clock.deltas)  # about one token a delta; only when nothing says
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
    source = "engine"
    if prompt_tps is None and decode_tps is None and clock is not None:
        source = "client"
        prompt_s, decode_s, prompt_tps, decode_tps = _client_speeds(clock, prompt, completion)
    return Usage(
        prompt_tokens=int(prompt or 0),
        completion_tokens=int(completion or 0),
        cached_tokens=int(cached or 0),
        prompt_seconds=prompt_s or 0.0,
        decode_seconds=decode_s or 0.0,
        prompt_tps=prompt_tps or 0.0,
        decode_tps=decode_tps or 0.0,
        speeds_from=source,
    )


def _first(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def _client_speeds(
    clock: Clock, prompt: float | None, completion: float | None
) -> tuple[float, float, float, float]:
    """(prompt s, decode s, prompt T/s, decode T/s) from when the deltas arrived: the prompt
    took until the first delta (network included), decode the rest."""
    if clock.first is None or clock.last is None:
        return 0.0, 0.0, 0.0, 0.0
    prompt_s = clock.first - clock.started
    decode_s = clock.last - clock.first
    prompt_tps = (prompt or 0) / prompt_s if prompt_s > 0 else 0.0
    decode_tps = ((completion or 1) - 1) / decode_s if decode_s > 0 else 0.0
    return prompt_s, decode_s, prompt_tps, decode_tps


def upper_bound(messages: list[Message]) -> int:
    """More tokens than the prompt can take: a token holds at least one byte, plus room for
    the chat template's own text (ChatML adds about 10 tokens a message)."""
    return sum(len(m["content"].encode()) + TEMPLATE_ROOM for m in messages) + TEMPLATE_ROOM * 4


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


# --- The engine -----------------------------------------------------------------------


class OpenAICompatEngine:
    """Streams answers from an OpenAI-compatible server; the Engine protocol over HTTP."""

    def __init__(
        self, endpoint: Endpoint, client: httpx.Client, model: str, kind: str, info: EngineInfo
    ) -> None:
        self.endpoint = endpoint
        self.model = model
        self.kind = kind
        self.info = info
        self._client = client
        self._tokenize = kind == "llama.cpp"  # /apply-template + /tokenize: exact counts

    def close(self) -> None:
        self._client.close()

    def count_tokens(self, messages: list[Message]) -> int | None:
        """Exact prompt tokens from llama.cpp's /apply-template and /tokenize, asked only
        when the prompt might not fit; None when it surely fits (two round trips saved on
        every turn) or the server offers neither (its own overflow error still refuses)."""
        if not self._tokenize:
            return None
        context = self.info.context_length
        if context and upper_bound(messages) < context:
            return None
        try:
            root = self.endpoint.root
            quick = self.endpoint.quick()
            templated = self._client.post(
                f"{root}/apply-template", json={"messages": messages}, timeout=quick
            )
            if templated.status_code == 404:
                self._tokenize = False
                return None
            prompt = templated.json()["prompt"]
            tokens = self._client.post(
                f"{root}/tokenize", json={"content": prompt, "add_special": True}, timeout=quick
            )
            return len(tokens.json()["tokens"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return None  # only the exact count is lost; the request itself reports errors

    def stream(self, messages: list[Message], sampling: Sampling) -> Iterator[Event]:
        """Send the request and yield the events as they stream. Lazy, like the local
        engine: a refusal, an overflow or a dead server is raised on the first ``next``,
        so turn.py treats them as it treats the local engine's (an overflow is the same
        refusal, anything else this turn's error with the conversation kept)."""
        clock = Clock()
        body = request_body(self.model, messages, sampling, self.kind)
        url = f"{self.endpoint.api}/chat/completions"
        request = self._client.build_request("POST", url, json=body)
        try:
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise EngineError(self._timeout_line(exc, shown=False)) from None
        except httpx.HTTPError as exc:
            raise EngineError(
                f"cannot reach the server at {self.endpoint.url}: {_why(exc)}"
            ) from None
        if response.status_code != 200:
            try:
                raw = response.read()
            except httpx.HTTPError:
                raw = b""
            finally:
                response.close()
            raise self._refusal(response.status_code, raw)
        yield from self._events(response, clock)

    def _refusal(self, status: int, raw: bytes) -> EngineError:
        error = error_of(raw, status)
        overflow = overflow_of(error)
        if overflow is not None:
            return overflow
        if status in (401, 403):
            return EngineError(_key_line(self.endpoint, status))
        return EngineError(f"the server refused the request (HTTP {status}): {error.message}")

    def _timeout_line(self, exc: httpx.TimeoutException, shown: bool) -> str:
        if isinstance(exc, httpx.ConnectTimeout):
            return (
                f"cannot reach the server at {self.endpoint.url}: no connection within "
                f"{self.endpoint.connect_timeout:g}s (connect_timeout)"
            )
        kept = "; the partial answer is kept" if shown else ""
        return (
            f"the server at {self.endpoint.url} sent nothing for "
            f"{self.endpoint.idle_timeout:g}s (idle_timeout){kept}"
        )

    def _events(self, response: httpx.Response, clock: Clock) -> Iterator[Event]:
        splitter = ThinkSplitter()
        finish: str | None = None
        usage: Any = None
        timings: Any = None
        done = False
        try:
            for sse in httpx_sse.EventSource(response).iter_sse():
                if sse.data.strip() == "[DONE]":
                    done = True
                    break
                try:
                    chunk = json.loads(sse.data)
                except ValueError:
                    raise EngineError(
                        f"the server sent a chunk that is not JSON: {sse.data[:80]!r}"
                    ) from None
                if not isinstance(chunk, dict):
                    continue
                if chunk.get("error"):  # mistral.rs and others, mid-stream
                    raise self._refusal(200, json.dumps(chunk).encode())
                usage = chunk.get("usage") or usage
                timings = chunk.get("timings") or timings
                for choice in chunk.get("choices") or []:
                    if not isinstance(choice, dict):
                        continue
                    finish = choice.get("finish_reason") or finish
                    delta = choice.get("delta") or {}
                    pieces = [("reasoning", reasoning_of(delta))] if reasoning_of(delta) else []
                    content = delta.get("content")
                    if isinstance(content, str) and content:
                        pieces.extend(splitter.feed(content))
                    for kind, text in pieces:
                        clock.tick()
                        yield ReasoningDelta(text) if kind == "reasoning" else AnswerDelta(text)
            for kind, text in splitter.flush():
                yield ReasoningDelta(text) if kind == "reasoning" else AnswerDelta(text)
        except httpx.TimeoutException as exc:
            raise EngineError(self._timeout_line(exc, shown=clock.deltas > 0)) from None
        except httpx_sse.SSEError:
            kind = response.headers.get("content-type", "none")
            raise EngineError(
                f"the server at {self.endpoint.url} answered with {kind}, not an event "
                "stream; is it an OpenAI-compatible chat server?"
            ) from None
        except httpx.HTTPError as exc:
            raise EngineError(
                f"the server at {self.endpoint.url} closed the connection mid-answer "
                f"({_why(exc)}); the partial answer is kept"
            ) from None
        finally:
            response.close()  # on Ctrl-C too: closing the stream tells the server to stop
        if finish is None or not done:
            what = "a finish reason" if finish is None else "[DONE]"
            raise EngineError(
                f"the server at {self.endpoint.url} ended the stream without {what}; "
                "the partial answer is kept"
            )
        total = time.perf_counter() - clock.started
        ttft = (clock.first - clock.started) if clock.first is not None else total
        yield Finished(usage_of(usage, timings, clock), finish, ttft, total)


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _key_line(endpoint: Endpoint, status: int) -> str:
    if endpoint.api_key:
        why = f"the key in ${endpoint.api_key_env} was refused"
    else:
        why = f"no key was sent: ${endpoint.api_key_env} is not set"
    return (
        f"the server at {endpoint.url} needs an API key (HTTP {status}): {why}; "
        "set it, or name another variable with --api-key-env"
    )


# --- Connecting -----------------------------------------------------------------------


def list_models(endpoint: Endpoint, client: httpx.Client | None = None) -> list[dict[str, Any]]:
    """The server's /v1/models entries; the start-up failures are one EndpointError (exit 3)
    naming the URL (or the key variable)."""
    own = client is None
    client = client or endpoint.client()
    try:
        response = client.get(f"{endpoint.api}/models", timeout=endpoint.quick())
    except httpx.TimeoutException:
        raise EndpointError(
            f"cannot reach the server at {endpoint.url}: no answer within "
            f"{endpoint.connect_timeout:g}s (connect_timeout) or "
            f"{min(endpoint.idle_timeout, QUICK_READ):g}s (idle_timeout, at most {QUICK_READ:g}s)"
        ) from None
    except httpx.HTTPError as exc:
        raise EndpointError(f"cannot reach the server at {endpoint.url}: {_why(exc)}") from None
    finally:
        if own:
            client.close()
    if response.status_code in (401, 403):
        raise EndpointError(_key_line(endpoint, response.status_code))
    if response.status_code != 200:
        error = error_of(response.content, response.status_code)
        raise EndpointError(
            f"the server at {endpoint.url} answered /v1/models with HTTP "
            f"{response.status_code}: {error.message}"
        )
    try:
        data = response.json().get("data")
    except (ValueError, AttributeError):
        data = None
    if not isinstance(data, list):
        raise EndpointError(f"{endpoint.url}/v1/models is not an OpenAI model list")
    return [m for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)]


def pick_model(models: list[dict[str, Any]], wanted: str | None, url: str) -> dict[str, Any]:
    """The entry for ``wanted`` (the first when None); an unknown id lists the server's."""
    if not models:
        raise EndpointError(f"the server at {url} serves no models")
    if wanted is None:
        return models[0]
    for model in models:
        if model["id"] == wanted:
            return model
    names = ", ".join(m["id"] for m in models)
    raise EndpointError(f"the server at {url} has no model {wanted!r}; it serves: {names}")


def connect(endpoint: Endpoint, model: str | None = None) -> OpenAICompatEngine:
    """Check the server answers, pick the model and describe it for \\info and banners."""
    started = time.perf_counter()
    client = endpoint.client()
    try:
        entry = pick_model(list_models(endpoint, client), model, endpoint.url)
    except BaseException:
        client.close()
        raise
    kind = server_kind(entry)
    tokenize = kind == "llama.cpp" and _check_key(endpoint, client)
    props = None
    if kind == "llama.cpp" and context_of(entry) is None:
        try:
            props = client.get(f"{endpoint.root}/props", timeout=endpoint.quick()).json()
        except (httpx.HTTPError, ValueError):
            props = None
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
    size = meta.get("size")
    info = EngineInfo(
        model=entry["id"],
        path=endpoint.url,
        size_bytes=size if isinstance(size, int) and size > 0 else None,
        quantisation=f"served by {kind or 'the server'}",
        device=f"server {endpoint.url}",
        context_length=context_of(entry, props),
        chat_template="the server's",
        load_seconds=time.perf_counter() - started,
        extra={"endpoint": endpoint.url, "server": kind or "unknown (OpenAI-compatible)"},
        thinking="native",  # \think goes to the server's own switch
    )
    engine = OpenAICompatEngine(endpoint, client, entry["id"], kind, info)
    engine._tokenize = tokenize
    return engine


def _check_key(endpoint: Endpoint, client: httpx.Client) -> bool:
    """llama.cpp serves /v1/models without a key; its /tokenize needs one, so a refused key
    is found here, at start (exit 3), not at the first question. True when /tokenize works."""
    try:
        response = client.post(
            f"{endpoint.root}/tokenize", json={"content": "a"}, timeout=endpoint.quick()
        )
    except httpx.HTTPError:
        return False
    if response.status_code in (401, 403):
        client.close()
        raise EndpointError(_key_line(endpoint, response.status_code))
    return response.status_code == 200
