"""Prompted thinking: \\think on for a model without native reasoning, on the fake engine."""

from __future__ import annotations

import dataclasses

from gruchat.chat_commands import PROMPTED_THINKING
from gruchat.engine.base import AnswerDelta, Finished, ReasoningDelta, Sampling, Usage
from gruchat.engine.fake import FakeEngine
from gruchat.engine.prompted_think import (
    ANSWER_INSTRUCTION,
    THINK_INSTRUCTION,
    THINK_TOKENS,
    PromptedThinking,
    with_prompted_thinking,
)
from gruchat.environment import Environment
from gruchat.render import PROMPTED_LABEL, StreamRenderer
from gruchat.session import Session
from gruchat.shell import Shell
from gruchat.turn_runner import run_turn

REASONING = "The notes say z weights the old state. So z near 1 keeps it."
ANSWER = "z near 1 keeps the old state."
MESSAGES = [
    {"role": "system", "content": "You are a tutor."},
    {"role": "user", "content": "What does z do?"},
]


def non_thinking_fake() -> FakeEngine:
    fake = FakeEngine()
    fake.info = dataclasses.replace(fake.info, thinking="prompted")
    return fake


def test_only_a_model_without_native_thinking_is_wrapped():
    assert isinstance(with_prompted_thinking(non_thinking_fake()), PromptedThinking)
    native = FakeEngine()
    assert with_prompted_thinking(native) is native


def test_think_off_sends_the_request_unchanged():
    fake = non_thinking_fake().enqueue(ANSWER)
    events = list(PromptedThinking(fake).stream(MESSAGES, Sampling(max_tokens=64)))
    assert fake.requests == [(MESSAGES, Sampling(max_tokens=64))]
    assert "".join(e.text for e in events if isinstance(e, AnswerDelta)) == ANSWER
    assert not any(isinstance(e, ReasoningDelta) for e in events)


def test_think_on_reasons_first_then_answers_with_its_reasoning():
    first_usage = Usage(12, 20, 0, 0.5, 1.0, 24.0, 20.0, "engine")
    second_usage = Usage(40, 8, 7, 0.5, 1.0, 80.0, 8.0, "engine")
    fake = non_thinking_fake().enqueue(REASONING, usage=first_usage)
    fake.enqueue(ANSWER, usage=second_usage)
    sampling = Sampling(max_tokens=512, think=True)
    events = list(PromptedThinking(fake).stream(MESSAGES, sampling))

    (first, first_sampling), (second, second_sampling) = fake.requests
    assert first[:-1] == MESSAGES[:-1]
    assert first[-1]["content"] == f"What does z do?\n\n{THINK_INSTRUCTION}"
    assert first_sampling.max_tokens == THINK_TOKENS and not first_sampling.think
    assert second[: len(first)] == first  # the answer's prompt starts with the first one
    assert second[len(first) :] == [
        {"role": "assistant", "content": REASONING},
        {"role": "user", "content": ANSWER_INSTRUCTION},
    ]
    assert second_sampling.max_tokens == 512 and not second_sampling.think

    reasoning = [e for e in events if isinstance(e, ReasoningDelta)]
    assert "".join(e.text for e in reasoning) == REASONING
    assert all(e.prompted for e in reasoning)
    assert "".join(e.text for e in events if isinstance(e, AnswerDelta)) == ANSWER
    finished = [e for e in events if isinstance(e, Finished)]
    assert len(finished) == 1 and events[-1] is finished[0]
    assert finished[0].usage == Usage(52, 28, 7, 1.0, 2.0, 52.0, 14.0, "engine")  # both passes


def test_a_figure_either_pass_did_not_report_stays_unreported():
    fake = non_thinking_fake().enqueue(REASONING, usage=Usage(12, 20))
    fake.enqueue(ANSWER, usage=Usage(40, 8, 7, 0.5, 1.0, 80.0, 8.0, "engine"))
    *_, finished = PromptedThinking(fake).stream(MESSAGES, Sampling(think=True))
    assert isinstance(finished, Finished)
    assert finished.usage == Usage(prompt_tokens=52, completion_tokens=28)


def test_a_small_max_tokens_caps_the_reasoning_too():
    fake = non_thinking_fake().enqueue(REASONING).enqueue(ANSWER)
    list(PromptedThinking(fake).stream(MESSAGES, Sampling(max_tokens=20, think=True)))
    assert fake.requests[0][1].max_tokens == 20


def test_stopping_during_the_reasoning_sends_no_answer_request():
    """Ctrl-C closes the stream: the second request is never made."""
    fake = non_thinking_fake().enqueue(REASONING).enqueue(ANSWER)
    stream = PromptedThinking(fake).stream(MESSAGES, Sampling(think=True))
    assert isinstance(next(stream), ReasoningDelta)
    stream.close()
    assert len(fake.requests) == 1


def _turn(mode: str = "show"):
    fake = non_thinking_fake().enqueue(REASONING).enqueue(ANSWER)
    session = Session.start("You are a tutor.", Sampling(think=True))
    environment = Environment.in_memory()
    renderer = StreamRenderer(environment.out, environment.err, markdown=False, reasoning_mode=mode)
    turn = run_turn(PromptedThinking(fake), session, "What does z do?", renderer)
    return turn, environment.stderr.getvalue(), session


def test_the_turn_keeps_the_prompted_trace_and_labels_it():
    turn, meta, session = _turn()
    assert turn.reasoning == REASONING
    assert turn.answer == ANSWER
    assert PROMPTED_LABEL in meta and "prompted" in PROMPTED_LABEL
    assert REASONING in meta
    assert session.messages[-1] == {"role": "assistant", "content": ANSWER}


def test_a_collapsed_prompted_trace_says_prompted():
    _, meta, _ = _turn("collapse")
    assert "thought (prompted) for" in meta
    assert REASONING not in meta


def test_native_reasoning_keeps_the_plain_label():
    fake = FakeEngine().enqueue(ANSWER, reasoning=REASONING)
    environment = Environment.in_memory()
    renderer = StreamRenderer(environment.out, environment.err, markdown=False)
    run_turn(fake, Session.start("", Sampling(think=True)), "What does z do?", renderer)
    meta = environment.stderr.getvalue()
    assert "Thinking" in meta and "prompted" not in meta


def _shell(engine: FakeEngine) -> tuple[Shell, Environment]:
    env = Environment.in_memory()
    return Shell(engine, Session.start("", Sampling()), env), env


def test_think_on_for_a_model_without_native_reasoning_says_what_it_does():
    shell, env = _shell(non_thinking_fake())
    shell.handle("\\think on")
    said = " ".join(env.stdout.getvalue().split())  # the console wraps long lines
    assert said == f"Thinking set to on. {PROMPTED_THINKING}"
    assert shell.session.sampling.think is True
    shell.handle("\\think off")
    assert env.stdout.getvalue().strip().endswith("Thinking set to off.")
    shell.handle("\\info")
    assert "Thinking: prompted (no native reasoning" in env.stdout.getvalue()


def test_think_on_for_a_native_reasoner_is_unchanged():
    shell, env = _shell(FakeEngine())
    shell.handle("\\think on")
    assert env.stdout.getvalue().strip() == "Thinking set to on."
    shell.handle("\\info")
    assert "Thinking: native" in env.stdout.getvalue()
