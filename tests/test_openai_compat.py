"""The remote backend's parsing and failure handling, on the body shapes servers send.

A stub HTTP server on 127.0.0.1 replays canned responses (odd chunks, mid-stream errors,
a cut connection); the real server is tested in tests/test_remote_llama.py.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gruchat.engine.base import AnswerDelta, Finished, ReasoningDelta, Sampling
from gruchat.engine.openai_compat import Endpoint, connect, endpoint_from, list_models, pick_model
from gruchat.engine.openai_wire import (
    ServerError,
    context_of,
    error_of,
    overflow_of,
    reasoning_of,
    request_body,
    server_kind,
    think_fields,
    usage_of,
)
from gruchat.errors import ContextOverflowError, EndpointError, EngineError

# --- Pure mapping ---------------------------------------------------------------------

LLAMA_OVERFLOW = (
    '{"error":{"code":400,"message":"request (831 tokens) exceeds the available context size '
    '(512 tokens), try increasing it","type":"exceed_context_size_error",'
    '"n_prompt_tokens":831,"n_ctx":512}}'
)
OPENAI_OVERFLOW = json.dumps(
    {
        "error": {
            "message": "This model's maximum context length is 4097 tokens. However, your "
            "messages resulted in 5012 tokens. Please reduce the length of the messages.",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }
)


def test_error_of_reads_the_three_body_shapes_and_plain_text():
    envelope = error_of(b'{"error": {"code": 400, "message": "bad temp", "type": "x_error"}}')
    assert (envelope.message, envelope.kind) == ("bad temp", "x_error")
    assert error_of('{"message": "Field required: messages"}', 422).message == (
        "Field required: messages"
    )
    assert error_of({"error": "out of memory"}).message == "out of memory"
    assert (
        error_of(b"<html>502 Bad Gateway</html>\n", 502).message == "<html>502 Bad Gateway</html>"
    )
    assert error_of(b"", 500).message == "HTTP 500"


def test_overflow_of_llama_cpp_and_openai_shapes():
    llama = overflow_of(error_of(LLAMA_OVERFLOW))
    assert isinstance(llama, ContextOverflowError)
    assert (llama.prompt_tokens, llama.context) == (831, 512)
    openai = overflow_of(error_of(OPENAI_OVERFLOW))
    assert openai is not None and (openai.prompt_tokens, openai.context) == (5012, 4097)
    assert "use \\clear" in openai.message  # the local engine's refusal, word for word
    assert overflow_of(ServerError("temperature must be a number")) is None


def test_reasoning_of_reads_both_field_names():
    assert reasoning_of({"reasoning_content": "a"}) == "a"
    assert reasoning_of({"reasoning": "b", "content": "x"}) == "b"
    assert reasoning_of({"content": "x", "reasoning_content": None}) == ""


def test_usage_of_llama_cpp_timings_and_cached_tokens():
    usage = usage_of(
        {"prompt_tokens": 200, "completion_tokens": 10,
         "prompt_tokens_details": {"cached_tokens": 191}},
        {"prompt_n": 9, "prompt_ms": 45.0, "prompt_per_second": 200.0, "predicted_n": 10,
         "predicted_ms": 100.0, "predicted_per_second": 100.0, "cache_n": 191},
    )  # fmt: skip
    assert (usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (200, 10, 191)
    assert (usage.prompt_tps, usage.decode_tps, usage.decode_seconds) == (200.0, 100.0, 0.1)
    assert usage.speeds_measured_by == "engine"
    # timings alone (no include_usage): cache_n + prompt_n is the prompt
    alone = usage_of(
        None, {"prompt_n": 9, "cache_n": 6, "predicted_n": 4, "predicted_per_second": 5.0}
    )
    assert (alone.prompt_tokens, alone.cached_tokens, alone.completion_tokens) == (15, 6, 4)


def test_usage_of_mistral_rs_extras():
    usage = usage_of(
        {"prompt_tokens": 50, "completion_tokens": 8, "avg_prompt_tok_per_sec": 150.0,
         "avg_compl_tok_per_sec": 90.0, "total_prompt_time_sec": 0.33,
         "total_completion_time_sec": 0.09},
        None,
    )  # fmt: skip
    assert (usage.prompt_tps, usage.decode_tps, usage.prompt_seconds) == (150.0, 90.0, 0.33)
    assert usage.cached_tokens is None and usage.speeds_measured_by == "engine"  # not reported


def test_models_entries_kind_and_context():
    llama = {"id": "m", "owned_by": "llamacpp", "meta": {"n_ctx": 2048, "n_ctx_train": 8192}}
    assert (server_kind(llama), context_of(llama)) == ("llama.cpp", 2048)
    vllm = {"id": "m", "owned_by": "vllm", "max_model_len": 32768}
    assert (server_kind(vllm), context_of(vllm)) == ("vLLM", 32768)
    assert server_kind({"id": "m", "owned_by": "library"}) == "Ollama"
    assert context_of({"id": "m"}, {"default_generation_settings": {"n_ctx": 4096}}) == 4096
    assert context_of({"id": "m"}) is None


def test_think_switch_per_server():
    assert think_fields("llama.cpp", True) == {"chat_template_kwargs": {"enable_thinking": True}}
    assert think_fields("vLLM", False) == {"chat_template_kwargs": {"enable_thinking": False}}
    assert think_fields("mistral.rs", True) == {"enable_thinking": True}
    assert think_fields("Ollama", True) == {"think": True}
    body = request_body("m", [{"role": "user", "content": "hi"}], Sampling(max_tokens=7), "")
    assert body["stream_options"] == {"include_usage": True} and body["max_tokens"] == 7
    assert body["temperature"] == 0.0 and body["stream"] is True


def test_pick_model_lists_the_servers_models():
    models = [{"id": "a"}, {"id": "b"}]
    assert pick_model(models, None, "http://h")["id"] == "a"
    with pytest.raises(EndpointError, match=r"no model 'c'; it serves: a, b"):
        pick_model(models, "c", "http://h")


def test_endpoint_urls_and_key():
    point = endpoint_from("http://127.0.0.1:8080/v1/", "MY_KEY", env={"MY_KEY": "k"})
    assert (point.root, point.api, point.api_key) == (
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080/v1",
        "k",
    )
    assert endpoint_from("http://h:1", env={}).api_key is None
    with pytest.raises(EndpointError, match="not an http"):
        endpoint_from("localhost:8080", env={})


# --- A stub server for odd streams ----------------------------------------------------


def sse(*chunks: object, done: bool = True) -> bytes:
    lines = [f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n" for c in chunks]
    return ("".join(lines) + ("data: [DONE]\n\n" if done else "")).encode()


def delta(content: str | None = None, finish: str | None = None, **extra: object) -> dict:
    body: dict = {"content": content, **extra}
    return {"choices": [{"index": 0, "delta": body, "finish_reason": finish}]}


MODELS = {"object": "list", "data": [{"id": "stub", "owned_by": "llamacpp",
                                       "meta": {"n_ctx": 1024}}]}  # fmt: skip


class Stub:
    """Responses by path: (status, body bytes, cut) where cut drops the connection mid-body."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, bool]] = {"/v1/models": (200, _j(MODELS), False)}
        self.requests: list[tuple[str, dict, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                stub.requests.append((self.path, dict(self.headers), json.loads(raw or b"{}")))
                status, body, cut = stub.routes.get(self.path, (404, b'{"message":"no"}', False))
                self.send_response(status)
                stream = body.startswith(b"data:")
                self.send_header(
                    "Content-Type", "text/event-stream" if stream else "application/json"
                )
                if cut:  # chunked, then the connection closes before the last chunk
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(body), body))
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = _answer
            do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def chat(self, body: bytes, status: int = 200, cut: bool = False) -> None:
        self.routes["/v1/chat/completions"] = (status, body, cut)


def _j(value: object) -> bytes:
    return json.dumps(value).encode()


@pytest.fixture
def stub():
    server = Stub()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _engine(stub: Stub, **options: object):
    return connect(Endpoint(stub.url, **options))  # type: ignore[arg-type]


def _events(engine, max_tokens: int = 16):
    return list(engine.stream([{"role": "user", "content": "hi"}], Sampling(max_tokens=max_tokens)))


def test_connect_describes_the_server(stub):
    engine = _engine(stub)
    assert (engine.info.model, engine.info.context_length) == ("stub", 1024)
    assert engine.info.engine == "llama.cpp" and engine.info.location == stub.url
    assert engine.info.backend == "openai" and engine.info.path is None


def test_separate_usage_chunk_and_reasoning(stub):
    stub.chat(sse(
        {"choices": [{"delta": {"role": "assistant", "content": None}}]},
        delta(None, reasoning_content="think "), delta("Hel"), delta("lo"), delta(None, "stop"),
        {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 3,
         "prompt_tokens_details": {"cached_tokens": 4}}, "timings": {"predicted_per_second": 9.0}},
    ))  # fmt: skip
    events = _events(_engine(stub))
    assert [type(e) for e in events] == [ReasoningDelta, AnswerDelta, AnswerDelta, Finished]
    finished = events[-1]
    assert finished.finish_reason == "stop" and finished.usage.cached_tokens == 4
    assert finished.usage.decode_tps == 9.0
    sent = stub.requests[-1][2]
    assert sent["stream_options"] == {"include_usage": True}
    assert sent["chat_template_kwargs"] == {"enable_thinking": False}


def test_usage_on_the_finish_chunk_and_think_tags_cut_across_chunks(stub):
    stub.chat(sse(
        delta("<thi"), delta("nk>why</th"), delta("ink>Because."),
        {"choices": [{"delta": {}, "finish_reason": "length"}],
         "usage": {"prompt_tokens": 5, "completion_tokens": 6}},
    ))  # fmt: skip
    events = _events(_engine(stub))
    reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
    answer = "".join(e.text for e in events if isinstance(e, AnswerDelta))
    assert (reasoning, answer) == ("why", "Because.")
    assert events[-1].finish_reason == "length" and events[-1].usage.completion_tokens == 6


def test_no_usage_at_all_is_timed_by_the_client_and_labelled(stub):
    stub.chat(sse(delta("a"), delta("b"), delta("c"), delta(None, "stop")))
    usage = _events(_engine(stub))[-1].usage
    assert usage.speeds_measured_by == "client" and usage.decode_tps is not None
    assert usage.completion_tokens is None  # the server did not say: never a made-up count


def test_a_stream_without_finish_reason_is_an_error(stub):
    stub.chat(sse(delta("partial")))
    engine = _engine(stub)
    seen = []
    with pytest.raises(EngineError, match="without a finish reason"):
        for event in engine.stream([{"role": "user", "content": "x"}], Sampling()):
            seen.append(event)
    assert seen == [AnswerDelta("partial")]


def test_a_stream_without_done_is_an_error(stub):
    stub.chat(sse(delta("ok", "stop"), done=False))
    with pytest.raises(EngineError, match=r"without \[DONE\]"):
        _events(_engine(stub))


def test_a_cut_connection_keeps_what_came(stub):
    stub.chat(sse(delta("Half an "), delta("answer"), done=False), cut=True)
    seen = []
    with pytest.raises(EngineError, match="closed the connection mid-answer"):
        for event in _engine(stub).stream([{"role": "user", "content": "x"}], Sampling()):
            seen.append(event)
    assert "".join(e.text for e in seen) == "Half an answer"


def test_mid_stream_error_chunk_mistral_rs_shape(stub):
    stub.chat(sse(delta("a"), {"error": "the model failed"}))
    with pytest.raises(EngineError, match="the model failed"):
        _events(_engine(stub))


@pytest.mark.parametrize(
    ("status", "body", "match"),
    [
        (400, LLAMA_OVERFLOW.encode(), r"prompt is 831 tokens, the context holds 512"),
        (400, OPENAI_OVERFLOW.encode(), r"prompt is 5012 tokens, the context holds 4097"),
        (422, b'{"message": "invalid temperature"}', r"HTTP 422\): invalid temperature"),
        (500, b"internal", r"HTTP 500\): internal"),
    ],
)
def test_refusals(stub, status, body, match):
    stub.chat(body, status=status)
    with pytest.raises(EngineError, match=match):
        _events(_engine(stub))


def test_overflow_is_the_local_refusal_type(stub):
    stub.chat(LLAMA_OVERFLOW.encode(), status=400)
    with pytest.raises(ContextOverflowError):
        _events(_engine(stub))


def test_refused_key_names_the_variable(stub):
    stub.routes["/v1/models"] = (401, b'{"error":{"message":"Invalid API Key","code":401}}', False)
    with pytest.raises(EndpointError, match=r"\$GRU_TEST_KEY is not set"):
        list_models(endpoint_from(stub.url, "GRU_TEST_KEY", env={}))
    with pytest.raises(EndpointError, match=r"the key in \$GRU_TEST_KEY was refused"):
        list_models(endpoint_from(stub.url, "GRU_TEST_KEY", env={"GRU_TEST_KEY": "nope"}))


def test_key_is_sent_as_bearer(stub):
    list_models(endpoint_from(stub.url, "GRU_TEST_KEY", env={"GRU_TEST_KEY": "s3cret"}))
    assert stub.requests[-1][1].get("Authorization") == "Bearer s3cret"


def test_server_down_names_the_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(EndpointError, match=f"cannot reach the server at {url}") as caught:
        connect(Endpoint(url))
    assert caught.value.status == 3


def test_silent_server_hits_the_idle_timeout():
    with socket.socket() as silent:  # accepts (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(EndpointError, match=r"0.3s \(idle_timeout"):
            list_models(Endpoint(url, idle_timeout=0.3))


def test_server_down_at_start_is_exit_3_naming_the_url(gruchat_cmd):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    done = gruchat_cmd("ask", "--endpoint", url, "Hi", env={"OPENAI_API_KEY": None})
    assert done.returncode == 3 and f"error: cannot reach the server at {url}" in done.stderr


# --- Settings, stats and the CLI wiring (a stub server; the real one: test_remote_llama.py) --


def test_settings_for_the_remote_backend():
    from gruchat.config import load_settings
    from gruchat.errors import UsageError

    env = {"GRUCHAT_ENDPOINT": "http://127.0.0.1:8080", "GRUCHAT_IDLE_TIMEOUT": "600"}
    settings = load_settings({"api_key_env": "MY_KEY"}, env=env)
    assert (settings.endpoint, settings.idle_timeout, settings.api_key_env) == (
        "http://127.0.0.1:8080",
        600.0,
        "MY_KEY",
    )
    assert settings.sources["endpoint"] == "env GRUCHAT_ENDPOINT"
    assert load_settings({}, env={}).connect_timeout == 5.0
    with pytest.raises(UsageError, match=r"idle.timeout must be a number of seconds above 0"):
        load_settings({"idle_timeout": 0}, env={})
    with pytest.raises(UsageError, match=r"api.key.env must be an environment variable name"):
        load_settings({"api_key_env": "not a name"}, env={})


def test_client_timed_speeds_are_labelled_in_stats_and_survive_a_transcript():
    from gruchat.engine.base import Usage
    from gruchat.render import format_stats
    from gruchat.session import Turn
    from gruchat.transcript_schema import USAGE

    usage = Usage(3, 2, None, 0.5, 0.1, 6.0, 20.0, speeds_measured_by="client")
    turn = Turn(prompt="q", answer="a", usage=usage)
    lines = format_stats(turn)
    assert lines[2].endswith("(measured by gruchat)") and lines[3].endswith("(measured by gruchat)")
    plain = "".join(format_stats(Turn(prompt="q", answer="a", usage=Usage())))
    assert "measured by" not in plain
    assert USAGE["speeds_measured_by"]("client", "turns[0].usage.speeds_measured_by") == "client"


def test_cli_ask_and_models_against_a_stub(stub, gruchat_cmd):
    usage = {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4}}
    stub.chat(sse(delta("A GRU "), delta("has two gates."), delta(None, "stop"), usage))
    done = gruchat_cmd("ask", "--endpoint", stub.url, "--json", "--no-grounding", "What is a GRU?",
                       env={"GRUCHAT_MODEL": None, "OPENAI_API_KEY": None})  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["answer"] == "A GRU has two gates." and result["model"] == "stub"
    assert result["usage"]["speeds_measured_by"] == "client"  # the stub reports no timings
    listed = gruchat_cmd("models", "--endpoint", stub.url)
    assert listed.returncode == 0 and "stub" in listed.stdout and "1024" in listed.stdout
    unknown = gruchat_cmd("ask", "--endpoint", stub.url, "-m", "other", "Hi")
    assert unknown.returncode == 3 and "has no model 'other'; it serves: stub" in unknown.stderr


def test_a_json_answer_to_a_stream_request_is_one_clear_error(stub):
    stub.chat(_j({"choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]}))
    with pytest.raises(EngineError, match="answered with application/json, not an event stream"):
        _events(_engine(stub))


def test_tokens_are_counted_by_the_server_only_near_the_context(stub):
    """The count is two round trips, so ``check_fits`` asks for it only when the prompt
    might not fit the context (a token holds at least one byte)."""
    from gruchat.turn_runner import check_fits

    stub.routes["/tokenize"] = (200, _j({"tokens": [1, 2, 3]}), False)
    stub.routes["/apply-template"] = (200, _j({"prompt": "<|im_start|>user hi"}), False)
    engine = _engine(stub)  # a 1024-token context
    engine._tokenize = True  # the stub's /tokenize answered after connect's probe
    assert engine.info.capabilities.costly_token_count
    before = len(stub.requests)
    assert check_fits(engine, [{"role": "user", "content": "hi"}]) is None  # surely fits
    assert len(stub.requests) == before  # no round trip
    assert check_fits(engine, [{"role": "user", "content": "word " * 300}]) == 3
    assert [path for path, _, _ in stub.requests[before:]] == ["/apply-template", "/tokenize"]
    assert engine.count_tokens([{"role": "user", "content": "hi"}]) == 3  # asked: exact
