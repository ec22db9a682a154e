"""The remote engine: any OpenAI-compatible chat server (llama.cpp's llama-server, vLLM,
mistral.rs, Ollama) over HTTP. The ONLY module that speaks HTTP.

httpx is the client: a maintained, typed library with a real streaming API
(``Client.stream``), separate connect and read timeouts (the read timeout is the idle
timeout: it bounds the gap between two chunks, not the whole answer), a thread-safe
connection pool (``run --jobs``), and a socket read Ctrl-C interrupts at once in the
main thread. httpx-sse parses the event stream by the SSE rules (comments, CRLF,
multi-line ``data:``), so this module only maps JSON to gruchat's events.

The mapping from server JSON to gruchat's types lives in ``openai_wire`` (pure functions,
each unit-tested on the body shapes the servers send); this module does the requests.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
)
from gruchat.engine.openai_wire import (
    Clock,
    capabilities_of,
    context_of,
    error_of,
    overflow_of,
    reasoning_of,
    request_body,
    server_kind,
    usage_of,
)
from gruchat.engine.think import ThinkSplitter
from gruchat.errors import EndpointError, EngineError

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
QUICK_READ = 30.0  # seconds a server may take over a request that generates nothing


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

    def close(self) -> bool:
        """Close the connection pool; an HTTP client never keeps the interpreter from exiting."""
        self._client.close()
        return True

    def count_tokens(self, messages: list[Message]) -> int | None:
        """Exact prompt tokens from llama.cpp's /apply-template and /tokenize (two round
        trips; ``check_fits`` asks only when the prompt might not fit); None when the server
        offers neither (its own overflow error still refuses)."""
        if not self._tokenize:
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
        so turn_runner.py treats them as it treats the local engine's (an overflow is the same
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
        yield Finished(usage_of(usage, timings, clock), finish)


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
        backend="openai",
        model=entry["id"],
        location=endpoint.url,
        size_bytes=size if isinstance(size, int) and size > 0 else None,
        context_length=context_of(entry, props),
        load_seconds=time.perf_counter() - started,
        engine=kind or None,
        thinking="native",  # \think goes to the server's own switch
        capabilities=capabilities_of(kind, tokenize),
        extra={"Server": kind or "unknown (OpenAI-compatible)"},
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
