"""The real default model through the real engine: `gruchat ask` end to end, and in-process."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

import pytest
from helpers import run_with_closed_stdout

from gruchat.engine.base import AnswerDelta, Finished, ReasoningDelta, Sampling
from gruchat.errors import ContextOverflowError
from gruchat.render import StreamRenderer
from gruchat.session import Session
from gruchat.turn_runner import run_turn

pytestmark = pytest.mark.integration

QUESTION = "What is a GRU?"
FAST = ("--max-tokens", "24", "--temperature", "0")
STATS = [
    r"^Time to first token: \d+\.\d\ds$",
    r"^Prompt: \d+ tokens, [\d.]+ T/s$",
    r"^Decode: \d+ tokens, [\d.]+ T/s$",
]


def test_ask_answer_on_stdout_stats_on_stderr(gruchat_cmd, default_model_path):
    """A real answer on stdout; the Stats block (three timed lines) on stderr only."""
    proc = gruchat_cmd("ask", QUESTION, *FAST)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    assert "Stats:" not in proc.stdout
    err = proc.stderr.splitlines()
    assert "Stats:" in err
    start = err.index("Stats:")
    for pattern, line in zip(STATS, err[start + 1 : start + 4], strict=True):
        assert re.match(pattern, line), (pattern, proc.stderr)
    assert "Traceback" not in proc.stderr


def test_ask_json(gruchat_cmd, default_model_path):
    """--json: one parseable object with real token counts, the model and the device."""
    proc = gruchat_cmd("ask", QUESTION, *FAST, "--json")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["answer"].strip()
    assert data["finish_reason"] in ("stop", "length")
    usage = data["usage"]
    assert usage["prompt_tokens"] > 0
    assert 0 < usage["completion_tokens"] <= 24
    assert data["model"] == "smollm2-135m"
    assert data["model_path"] == str(default_model_path)
    assert data["device"] in ("cpu", "cuda")
    assert data["sampling"]["temperature"] == 0.0
    assert data["sampling"]["max_tokens"] == 24
    assert data["timings"]["ttft_s"] > 0
    assert data["error"] is None
    assert data["answer"] not in proc.stderr


def test_ask_is_deterministic_when_greedy(gruchat_cmd, default_model_path):
    """Two greedy runs of the same question print the same answer."""
    first = gruchat_cmd("ask", QUESTION, *FAST, "--no-stats")
    second = gruchat_cmd("ask", QUESTION, *FAST, "--no-stats")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.strip()
    assert first.stdout == second.stdout


def test_ask_reads_the_question_from_stdin(gruchat_cmd, default_model_path):
    """`echo question | gruchat ask` answers it."""
    proc = gruchat_cmd("ask", *FAST, "--no-stats", input=QUESTION + "\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    assert "Stats:" not in proc.stderr


def test_ask_piped_into_head(subprocess_env, default_model_path):
    """`gruchat ask … | head -c 20`: no traceback, head gets the first bytes, gruchat exits 0."""
    gruchat = shlex.join([sys.executable, "-m", "gruchat", "ask", QUESTION, *FAST])
    script = (
        f'set -o pipefail; {gruchat} | head -c 20; status=("${{PIPESTATUS[@]}}"); '
        'echo "PIPESTATUS=${status[0]},${status[1]}" >&2'
    )
    proc = subprocess.run(
        ["bash", "-c", script],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        env=subprocess_env,
        check=False,
    )
    assert "Traceback" not in proc.stderr
    assert "Exception ignored" not in proc.stderr
    match = re.search(r"PIPESTATUS=(\d+),(\d+)", proc.stderr)
    assert match, proc.stderr
    gruchat_status, head_status = match.groups()
    assert head_status == "0"
    assert len(proc.stdout.encode()) == 20
    assert gruchat_status == "0", proc.stderr


def test_ask_with_stdout_already_closed(subprocess_env, default_model_path):
    """The reader gone before the first answer line: exit 0, no traceback."""
    proc = run_with_closed_stdout(subprocess_env, "ask", QUESTION, *FAST)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stderr


# -- in-process, one engine for all --------------------------------------------------------

MESSAGES = [
    {"role": "system", "content": "You are a tutor on Gated Recurrent Units. Be brief."},
    {"role": "user", "content": QUESTION},
]
GREEDY = Sampling(temperature=0.0, max_tokens=24)


def collect(engine, messages, sampling=GREEDY):
    answer, reasoning, finished = [], [], []
    for event in engine.stream(messages, sampling):
        if isinstance(event, AnswerDelta):
            answer.append(event.text)
        elif isinstance(event, ReasoningDelta):
            reasoning.append(event.text)
        elif isinstance(event, Finished):
            finished.append(event)
    assert len(finished) == 1, "exactly one Finished, at the end"
    return "".join(answer), finished[0]


def test_engine_info(real_engine, default_model_path):
    """The loaded engine describes the real model."""
    info = real_engine.info
    assert info.model == "smollm2-135m"
    assert info.path == str(default_model_path)
    assert info.size_bytes == default_model_path.stat().st_size
    assert info.device == "cpu"
    assert info.quantisation == "Q4_1 file, ISQ Q8_0"
    assert info.context_length and info.context_length >= 2048


def test_greedy_stream_is_deterministic_and_prefix_cache_hits(real_engine):
    """Same messages, greedy: identical text twice. The next turn, which extends that
    conversation, is served partly from the prefix cache (cached_tokens > 0)."""
    first, done1 = collect(real_engine, MESSAGES)
    second, done2 = collect(real_engine, MESSAGES)
    assert first.strip()
    assert first == second
    assert done1.usage.prompt_tokens == done2.usage.prompt_tokens > 0
    assert 0 < done1.usage.completion_tokens <= GREEDY.max_tokens
    assert done1.finish_reason in ("stop", "length")

    follow_up = [
        *MESSAGES,
        {"role": "assistant", "content": first},
        {"role": "user", "content": "Tell me more."},
    ]
    _, done3 = collect(real_engine, follow_up)
    assert done3.usage.prompt_tokens > done1.usage.prompt_tokens
    assert 0 < done3.usage.cached_tokens < done3.usage.prompt_tokens


def test_run_turn_with_real_engine_counts_cache_hits(real_engine, env):
    """Two turns of a session: the second reports a prefix-cache hit in the session stats."""
    environment = env()
    session = Session.start(MESSAGES[0]["content"], GREEDY)
    renderer = StreamRenderer(environment.out, environment.err, markdown=False)
    first = run_turn(real_engine, session, QUESTION, renderer)
    # A follow-up no other test sends: mistral.rs 0.9.5 reports no cached tokens when the
    # very same prompt was already answered (its cached sequence is longer than the prompt).
    second = run_turn(real_engine, session, "Why does it have gates?", renderer)
    assert first.answer.strip() and second.answer.strip()
    assert first.usage is not None and second.usage is not None
    assert second.cache_hit
    assert session.turn_count == 2 and session.cache_hits >= 1
    assert environment.stdout.getvalue() == f"{first.answer}\n{second.answer}\n"


def test_abandoned_stream_leaves_engine_usable(real_engine):
    """Closing a stream mid-answer (Ctrl-C) cancels it; the next request still completes."""
    reference, _ = collect(real_engine, MESSAGES)
    stream = real_engine.stream(MESSAGES, Sampling(temperature=0.0, max_tokens=200))
    got = []
    for event in stream:
        if isinstance(event, AnswerDelta):
            got.append(event.text)
            if len(got) == 2:
                break
    stream.close()
    assert got
    again, done = collect(real_engine, MESSAGES)
    assert again == reference
    assert done.finish_reason in ("stop", "length")


def test_prompt_longer_than_context_is_refused_before_sending(real_engine, env):
    """A question longer than the context window: ContextOverflowError, session unchanged."""
    environment = env()
    session = Session.start("", GREEDY)
    words = (real_engine.info.context_length or 8192) + 100
    renderer = StreamRenderer(environment.out, environment.err, markdown=False)
    with pytest.raises(ContextOverflowError) as info:
        run_turn(real_engine, session, "gate " * words, renderer)
    assert info.value.context == real_engine.info.context_length
    assert info.value.prompt_tokens > info.value.context
    assert session.messages == [] and session.turns == []
    assert environment.stdout.getvalue() == ""


@pytest.mark.integration
def test_the_default_preset_qwen_1_5b_loads_without_isq_and_answers(gruchat_cmd):
    """The one test that loads the 1.5B default (3.7 GB, slow on 2 cores): its preset's
    measured `isq = "none"` applies, and the grounded answer names two gates."""
    proc = gruchat_cmd(
        "ask", "--model", "qwen2.5-coder-1.5b", "--max-tokens", "24", "--temperature", "0",
        "--answer-only", "How many gates does a GRU have?", timeout=1200,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    loaded = next(line for line in proc.stderr.splitlines() if line.startswith("Loaded"))
    assert "qwen2.5-coder-1.5b (Q4_K_M file)" in loaded and "ISQ" not in loaded
    assert re.search(r"\b(two|2)\b", proc.stdout, re.IGNORECASE), proc.stdout
