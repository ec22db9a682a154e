"""The remote backend against a real llama.cpp ``llama-server`` serving SmolLM2-135M.

Each test starts its own server on a free port (``-t 2 -c 2048``, greedy, few tokens) and
SIGKILLs it at the end. Some tests drive the gruchat CLI, the ones that must act in the
middle of an answer (kill the server, stop it, press Ctrl-C) drive the Shell in-process
with the real remote engine, acting after its first streamed delta.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time

import httpx
import pytest

from gruchat.engine.base import AnswerDelta, Sampling
from gruchat.engine.openai_compat import connect, endpoint_from
from gruchat.environment import Environment
from gruchat.errors import ContextOverflowError
from gruchat.session import Session
from gruchat.shell import Shell

from llama_server import ALIAS, REASONING_TEMPLATE, LlamaServer, find_binary

pytestmark = pytest.mark.integration
NO_KEY = {"OPENAI_API_KEY": None}


@pytest.fixture(scope="session")
def llama_binary():
    path, why = find_binary()
    if path is None:
        pytest.skip(why)
    return path


@pytest.fixture
def start_server(llama_binary, default_model_path):
    started: list[LlamaServer] = []

    def start(*extra: str, **options: object) -> LlamaServer:
        server = LlamaServer(llama_binary, default_model_path, *extra, **options)  # type: ignore[arg-type]
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.close()


class ActAfterFirstDelta:
    """The real engine, with ``action`` run once right after the first answer delta."""

    def __init__(self, engine, action) -> None:
        self.engine, self.info, self.action, self.armed = engine, engine.info, action, True

    def count_tokens(self, messages):
        return self.engine.count_tokens(messages)

    def stream(self, messages, sampling):
        inner = self.engine.stream(messages, sampling)
        try:
            for event in inner:
                yield event
                if self.armed and isinstance(event, AnswerDelta):
                    self.armed = False
                    self.action()
        finally:
            inner.close()


LONG = "Write a long story about a robot who learns to paint."


def shell_for(engine, max_tokens: int = 96) -> tuple[Shell, Environment]:
    env = Environment.in_memory()
    session = Session.start("You are a helpful assistant.", Sampling(max_tokens=max_tokens))
    return Shell(engine, session, env), env


def test_ask_streams_with_the_servers_stats(start_server, gruchat_cmd):
    server = start_server()
    done = gruchat_cmd("ask", "--endpoint", server.url, "--max-tokens", "24", "--json",
                       "--no-grounding", "What is a GRU?", env=NO_KEY)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["model"] == ALIAS and result["answer"].strip()
    assert result["finish_reason"] in ("stop", "length")
    usage = result["usage"]
    assert usage["prompt_tokens"] > 10 and 0 < usage["completion_tokens"] <= 24
    assert (
        usage["decode_tps"] > 0 and usage["speeds_measured_by"] == "engine"
    )  # llama.cpp's timings
    plain = gruchat_cmd("ask", "--endpoint", server.url, "--max-tokens", "16",
                        "--no-grounding", "What is a GRU?", env=NO_KEY)  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    assert "Stats:" in plain.stderr and "measured by gruchat" not in plain.stderr
    assert re.search(r"Decode: \d+ tokens, \d+\.\d\d T/s", plain.stderr)


def test_repl_counts_prefix_cache_hits(start_server, gruchat_cmd):
    server = start_server()
    done = gruchat_cmd("--endpoint", server.url, "--max-tokens", "16", "--no-grounding",
                       "--no-log", input="What is a GRU?\nWhat does the update gate do?\n",
                       env=NO_KEY)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Prefix cache: 0 hits / 1 turns" in done.stdout
    assert "Prefix cache: 1 hits / 2 turns" in done.stdout  # the shared prompt was cached
    assert re.search(r"Context: \d+ / 2048 tokens", done.stdout)


def test_default_model_is_the_servers_first_and_models_lists_them(start_server, gruchat_cmd):
    server = start_server()
    listed = gruchat_cmd("models", "--endpoint", server.url, env=NO_KEY)
    assert listed.returncode == 0, listed.stderr
    assert ALIAS in listed.stdout and "llama.cpp" in listed.stdout and "2048" in listed.stdout
    done = gruchat_cmd("ask", "--endpoint", server.url, "--max-tokens", "8", "--json",
                       "--no-grounding", "Hi", env={**NO_KEY, "GRUCHAT_MODEL": None})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["model"] == ALIAS


def test_unknown_model_lists_the_servers_models(start_server, gruchat_cmd):
    server = start_server()
    done = gruchat_cmd("ask", "--endpoint", server.url, "-m", "gpt-9", "Hi", env=NO_KEY)
    assert done.returncode == 3
    assert f"has no model 'gpt-9'; it serves: {ALIAS}" in done.stderr
    assert "Traceback" not in done.stderr


def test_reasoning_trace_from_a_reasoning_template(start_server, gruchat_cmd, tmp_path):
    template = tmp_path / "think.jinja"
    template.write_text(REASONING_TEMPLATE)
    server = start_server("--jinja", "--chat-template-file", str(template),
                          "--reasoning-format", "deepseek", "--reasoning-budget", "24")  # fmt: skip
    done = gruchat_cmd("ask", "--endpoint", server.url, "--max-tokens", "64", "--json", "--think",
                       "--no-grounding", "Why does a GRU have two gates?", env=NO_KEY)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["reasoning"].strip(), result  # streamed as reasoning_content deltas
    # \think off is the server's enable_thinking=false: no trace
    off = gruchat_cmd("ask", "--endpoint", server.url, "--max-tokens", "32", "--json",
                      "--no-grounding", "Why does a GRU have two gates?", env=NO_KEY)  # fmt: skip
    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout)["reasoning"] == ""
    assert "<think>" not in result["answer"] and "</think>" not in result["answer"]


def test_server_killed_mid_answer_keeps_it_and_retry_works_once_back(
    start_server, llama_binary, default_model_path
):
    server = start_server()
    engine = connect(endpoint_from(server.url, env={}))
    shell, env = shell_for(ActAfterFirstDelta(engine, server.kill))
    assert shell.handle(LONG)
    failed = shell.session.last_turn
    assert failed is not None and failed.finish_reason == "error"
    assert failed.answer.strip()  # what came before the kill is kept
    assert "the partial answer is kept" in failed.error
    shown = env.stdout.getvalue()
    assert failed.answer.strip()[:20] in shown and "error" in shown
    revived = LlamaServer(llama_binary, default_model_path, port=server.port)
    try:
        revived.start()
        assert shell.handle("\\retry")  # the same engine, the server back on its port
        again = shell.session.last_turn
        assert again is not None and again.finish_reason in ("stop", "length"), again.error
        assert again.answer.strip()
    finally:
        revived.close()


def test_stopped_server_hits_the_idle_timeout(start_server, gruchat_cmd):
    server = start_server()
    engine = connect(endpoint_from(server.url, idle_timeout=2.0, env={}))
    shell, _ = shell_for(ActAfterFirstDelta(engine, lambda: server.signal(signal.SIGSTOP)))
    started = time.monotonic()
    assert shell.handle(LONG)
    waited = time.monotonic() - started
    turn = shell.session.last_turn
    assert turn is not None and turn.finish_reason == "error"
    assert "sent nothing for 2s (idle_timeout); the partial answer is kept" in turn.error
    assert turn.answer.strip() and waited < 30
    # stopped before start: one line and exit 3, within the short timeout
    done = gruchat_cmd("ask", "--endpoint", server.url, "--idle-timeout", "1", "Hi", env=NO_KEY)
    assert done.returncode == 3 and f"cannot reach the server at {server.url}" in done.stderr


def test_ctrl_c_cancels_at_once_and_closes_the_stream(start_server):
    server = start_server()
    engine = connect(endpoint_from(server.url, env={}))
    pressed: list[float] = []

    def press() -> None:
        pressed.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    shell, _ = shell_for(ActAfterFirstDelta(engine, lambda: threading.Timer(0.05, press).start()),
                         max_tokens=400)  # fmt: skip
    assert shell.handle(LONG)
    ended = time.monotonic()
    turn = shell.session.last_turn
    assert turn is not None and turn.finish_reason == "cancelled" and turn.answer.strip()
    assert ended - pressed[0] < 1.0
    slots = httpx.get(f"{server.url}/slots", timeout=5)
    deadline = time.monotonic() + 5
    while slots.status_code == 200 and any(s.get("is_processing") for s in slots.json()):
        assert time.monotonic() < deadline, "the server kept generating after Ctrl-C"
        time.sleep(0.1)
        slots = httpx.get(f"{server.url}/slots", timeout=5)
    assert slots.status_code == 200, slots.text  # /slots is how we see the server stopped


def test_context_overflow_is_the_local_refusal(start_server, gruchat_cmd):
    server = start_server(context=256)  # llama.cpp's smallest context: 256
    long_system = "You are a tutor for recurrent networks. " * 40  # about 300 tokens
    done = gruchat_cmd("ask", "--endpoint", server.url, "--system", long_system,
                       "What is a GRU?", env=NO_KEY)  # fmt: skip
    assert done.returncode == 2, done.stderr  # as with the local engine: counted, refused
    assert re.search(r"prompt is \d+ tokens .*the context holds 256", done.stderr)
    # the server's own refusal (exceed_context_size_error) maps to the same error
    engine = connect(endpoint_from(server.url, env={}))
    engine._tokenize = False  # no count first: the request goes out and the server refuses
    long = [{"role": "user", "content": "gate " * 400}]
    with pytest.raises(ContextOverflowError) as caught:
        list(engine.stream(long, Sampling(max_tokens=8)))
    assert caught.value.context == 256 and caught.value.prompt_tokens > 256


def test_api_key(start_server, gruchat_cmd):
    server = start_server("--api-key", "sekrit")
    ask = ("ask", "--endpoint", server.url, "--max-tokens", "8", "--no-grounding", "Hi")
    missing = gruchat_cmd(*ask, env=NO_KEY)
    assert missing.returncode == 3 and "$OPENAI_API_KEY is not set" in missing.stderr
    wrong = gruchat_cmd(*ask, "--api-key-env", "GRU_KEY", env={"GRU_KEY": "nope"})
    assert wrong.returncode == 3 and "the key in $GRU_KEY was refused" in wrong.stderr
    right = gruchat_cmd(*ask, "--api-key-env", "GRU_KEY", env={"GRU_KEY": "sekrit"})
    assert right.returncode == 0, right.stderr
    assert right.stdout.strip()


def test_run_jobs_runs_files_concurrently_in_file_order(start_server, gruchat_cmd, tmp_path):
    server = start_server(slots=2, context=4096)
    files = []
    for index in range(3):
        path = tmp_path / f"f{index}.gru"
        check = 'icontains "zzz-never"' if index == 1 else r"regex /\w/"
        path.write_text(
            f"# sampling: max_tokens=12\nWhat is gate number {index}?\n\\expect {check}\n"
        )
        files.append(str(path))
    done = gruchat_cmd("run", "--endpoint", server.url, "--jobs", "2", "--no-grounding",
                       *files, env=NO_KEY, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr  # f1's check fails: the exit code is unchanged
    heads = [done.stdout.index(f"== {f} ==") for f in files]
    assert heads == sorted(heads)  # each file's transcript whole, in file order
    for index, head in enumerate(heads):
        end = heads[index + 1] if index + 1 < len(heads) else len(done.stdout)
        assert f"gate number {index}?" in done.stdout[head:end]
    assert "[FAIL]" in done.stdout[heads[1] : heads[2]]
