"""Depth requests: which questions get a long structured answer, and what such a turn sends."""

from __future__ import annotations

import pytest

from gruchat.engine.base import Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.environment import Environment
from gruchat.render import StreamRenderer
from gruchat.session import Session
from gruchat.shell import Shell
from gruchat.turn_runner import run_turn
from gruchat.tutor.depth import (
    CORE_NOTES,
    DEPTH_INSTRUCTION,
    DEPTH_MAX_TOKENS,
    depth_capability,
    depth_enabled,
    depth_sampling,
    is_depth_request,
)
from gruchat.tutor.grounding import NotesGrounder, make_grounder
from gruchat.tutor.latex import latex_to_unicode
from gruchat.tutor.notes import get_note

DEPTH = [
    "explain GRUs to me",
    "walk me through the equations",
    "give me a thorough overview",
    "teach me GRUs from scratch",
    "Can you explain how a GRU works?",
    "Explain gated recurrent units",
    "I want a deep dive into GRUs",
    "break down the GRU for me",
    "go through the equations step by step",
    "Tell me everything about GRUs",
    "Describe the GRU architecture in detail",
    "Could you give me a full explanation of the GRU?",
    "an in-depth explanation of the reset gate, please",
    "Please elaborate",
]
SHORT = [
    "what does z do?",
    "how many gates?",
    "What is a GRU?",
    "Explain the reset gate in one sentence",
    "briefly explain GRUs",
    "explain GRUs in a nutshell",
    "Give me a quick overview of GRUs",
    "explain what z does",
    "explain reset_after",
    "What does the ⊙ symbol in those equations mean?",
    "Can you write down the full set of GRU equations for one time step?",
    "Why does a GRU layer have fewer weights than an LSTM of the same size?",
    "Who came up with the GRU, and when?",
    "hello",
]


@pytest.mark.parametrize("question", DEPTH)
def test_requests_to_be_taught_are_depth_requests(question):
    assert is_depth_request(question)


@pytest.mark.parametrize("question", SHORT)
def test_questions_for_one_fact_or_asking_for_brevity_stay_short(question):
    assert not is_depth_request(question)


def test_the_instruction_asks_for_the_shape_and_names_the_convention():
    """Sections, Unicode equations, a GRU-vs-LSTM table, each gate's intuition, the convention."""
    for part in ("## heading", "what a GRU is", "the four equations", "update gate z",
                 "reset gate r", "Markdown table comparing GRU and LSTM", "summary"):  # fmt: skip
        assert part in DEPTH_INSTRUCTION
    assert "Unicode" in DEPTH_INSTRUCTION
    assert "Cho et al. and PyTorch" in DEPTH_INSTRUCTION
    assert "hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁" in DEPTH_INSTRUCTION
    assert "z weights the old state" in DEPTH_INSTRUCTION
    # The instruction's own equation is the one the notes give (and LaTeX would become it).
    equations = get_note("equations")
    assert equations is not None and "hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁" in equations.body
    assert latex_to_unicode("$h_t = (1 - z) \\odot n + z \\odot h_{t-1}$") == (
        "hₜ = (1 - z) ⊙ n + z ⊙ hₜ₋₁"
    )


def test_depth_sampling_raises_max_tokens_but_keeps_a_larger_setting():
    assert depth_sampling(Sampling(max_tokens=96)).max_tokens == DEPTH_MAX_TOKENS
    assert depth_sampling(Sampling(max_tokens=4000)).max_tokens == 4000
    assert depth_sampling(Sampling(max_tokens=96, temperature=0.3)).temperature == 0.3


SMOLLM2 = "/store/SmolLM2-135M-Instruct.Q4_1.gguf"


def test_long_answers_are_off_only_where_measured_to_fail():
    assert depth_capability("/x/unknown.gguf").startswith("on, not measured")
    assert depth_enabled("/x/unknown.gguf")
    assert not depth_enabled(SMOLLM2)
    assert depth_capability(SMOLLM2).startswith("off (measured")
    assert not make_grounder(2, model="SmolLM2-135M-Instruct.Q4_1.gguf").depth
    assert make_grounder(2, model="other.gguf").depth


def test_with_depth_off_a_depth_request_gets_the_short_answer():
    engine = FakeEngine().enqueue("An answer.")
    session = Session.start("", Sampling(max_tokens=96))
    environment = Environment.in_memory()
    renderer = StreamRenderer(environment.out, environment.err, markdown=False)
    run_turn(engine, session, "Explain GRUs to me", renderer, NotesGrounder(depth=False))
    messages, sampling = engine.requests[0]
    assert DEPTH_INSTRUCTION not in messages[-1]["content"]
    assert "Answer in two short sentences" in messages[-1]["content"]
    assert sampling.max_tokens == 96


def _turn(question: str, max_tokens: int = 96):
    engine = FakeEngine().enqueue("An answer.")
    session = Session.start("You are a tutor.", Sampling(max_tokens=max_tokens))
    environment = Environment.in_memory()
    renderer = StreamRenderer(environment.out, environment.err, markdown=False)
    turn = run_turn(engine, session, question, renderer, NotesGrounder())
    messages, sampling = engine.requests[0]
    return turn, messages[-1]["content"], sampling, session


def test_a_depth_request_sends_more_notes_the_instruction_and_more_tokens():
    turn, content, sampling, session = _turn("Explain GRUs to me")
    _, short_content, short_sampling, _ = _turn("What does z do?")

    assert DEPTH_INSTRUCTION in content
    assert DEPTH_INSTRUCTION not in short_content
    assert "Answer in two short sentences" not in content
    assert "Answer in two short sentences" in short_content
    for name in CORE_NOTES:
        note = get_note(name)
        assert note is not None and note.body in content
        assert name in turn.sources
    assert len(turn.sources) >= len(CORE_NOTES) > 2
    assert sampling.max_tokens == DEPTH_MAX_TOKENS
    assert short_sampling.max_tokens == 96
    assert session.sampling.max_tokens == 96  # only that turn: the setting is unchanged
    assert session.messages[-2]["content"] == "Explain GRUs to me"  # history keeps the question


def test_a_short_question_keeps_the_short_grounded_message():
    turn, content, sampling, _ = _turn("How many gates?")
    assert len(turn.sources) <= 2
    assert content.endswith("Answer in two short sentences, using the notes' exact words.")
    assert sampling.max_tokens == 96


def test_with_grounding_off_a_depth_request_is_sent_as_typed():
    engine = FakeEngine().enqueue("An answer.")
    session = Session.start("", Sampling(max_tokens=96), grounding=False)
    environment = Environment.in_memory()
    renderer = StreamRenderer(environment.out, environment.err, markdown=False)
    run_turn(engine, session, "Explain GRUs to me", renderer, NotesGrounder())
    messages, sampling = engine.requests[0]
    assert messages[-1]["content"] == "Explain GRUs to me"
    assert sampling.max_tokens == 96


def test_info_says_what_was_measured_for_long_explanations():
    env = Environment.in_memory()
    shell = Shell(FakeEngine(), Session.start("", Sampling()), env)
    shell.handle("\\info")
    out = env.stdout.getvalue()
    assert "Long explanations: on, not measured on this model" in out
