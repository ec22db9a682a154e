"""An answer that only says the learner's claim back ("Yes, <claim>", or the claim alone
where the question presupposes it) is marked as not confirmed when the guard cannot judge
the claim (gruchat.tutor.guard_echo)."""

from __future__ import annotations

import pytest

from gruchat.turn_runner import verdict_of
from gruchat.tutor.guard import contradictions
from gruchat.tutor.guard_echo import echoed_claim, is_leading

ECHOES = [
    (
        "the gates in a gru only look at the current input x_t, not at h_{t-1}, right?",
        "Yes, the gates in a GRU only look at the current input x_t, not at the previous "
        "hidden state h_{t-1}. They are sigmoids.",
    ),
    (
        "in a 2-layer gru the second layer also gets the raw input x, doesnt it?",
        "Yes, in a 2-layer GRU, the second layer also gets the raw input x.",
    ),
    (  # "0 or 1" inside the claim is no either/or question
        "since z comes out of a sigmoid its basically always 0 or 1, like an on/off switch, yeah?",
        "Yes, since z comes out of a sigmoid, it is always 0 or 1, like an on/off switch.",
    ),
    (
        "nn.GRU runs all the timesteps in parallel like a transformer, right? so long "
        "sequences are no problem",
        "Yes, nn.GRU runs all the timesteps in parallel like a transformer.",
    ),
    (
        "after mixing the old state and the candidate, does pytorch squash h_t through "
        "another tanh?",
        "Yes, after mixing the old state and the candidate, PyTorch squashes h_t through "
        "another tanh.",
    ),
    # said back without a "yes" where the question presupposes the claim (answers
    # recorded from qwen2.5-coder-1.5b and SmolLM2, session 10)
    (
        "so the reset gate is what stops vanishing gradients, right?",
        "The reset gate stops vanishing gradients by allowing the gradient to flow back.",
    ),
    (
        "the candidate n_t is what the gru actually outputs at each step, right?",
        "The candidate n_t is the output of the GRU at each step.",
    ),
    (
        "a gru only takes one number per timestep right? so for multivariate data i'd need "
        "one gru per feature",
        "The answer is: a gru only takes one number per timestep right.",
    ),
    (
        "is it true that the update gate z is a learned parameter the optimizer sets directly?",
        "The update gate z is a learned parameter that the optimizer sets directly.",
    ),
]


# a bare "yes" to a presupposed claim, saying little of it back (recorded from
# qwen2.5-coder-1.5b on the ninth held-out edition, session 16)
BARE_YES = [
    (
        "lstm has 3 gates and gru has 2, so a gru should have 2/3 of the lstm's params, yeah?",
        "Yes, the notes are correct. GRUs have 2 gates, while LSTMs have 3.",
    ),
    (
        "my gru overfits, so i should make hidden_size bigger so it generalises better, right?",
        "Yes, you should make the hidden size bigger to allow the GRU to generalize better.",
    ),
]


@pytest.mark.parametrize(("question", "answer"), ECHOES + BARE_YES)
def test_an_answer_that_repeats_an_unjudged_claim_is_marked_not_confirmed(
    question: str, answer: str
) -> None:
    found = echoed_claim(question, answer)
    assert found is not None
    assert found.sentence == answer.split(". ")[0] + ("." if ". " in answer else "")
    assert found.fact.startswith("not confirmed by the notes")
    assert [c.fact for c in contradictions(answer, question=question)] == [found.fact]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # the guard knows the claim is true: agreeing with it is right
        (
            "a GRU has fewer parameters than an LSTM of the same size, right?",
            "Yes, a GRU has fewer parameters than an LSTM of the same size.",
        ),
        # a request claims nothing
        (
            "Can you write down the full set of GRU equations for one time step?",
            "Yes, the full set of GRU equations for one time step is: r = σ(…).",
        ),
        # either/or: a yes agrees with neither alternative
        (
            "does nn.GRUCell use the same gate order as nn.GRU, or some other one?",
            "Yes, nn.GRUCell uses the same gate order as nn.GRU.",
        ),
        # a yes that says something of its own
        (
            "the gates in a gru only look at the current input x_t, right?",
            "Yes, but each gate also reads h_{t-1} through W_hr and W_hz.",
        ),
        # not a leading question
        ("What does the update gate do?", "Yes, the update gate decides what is kept."),
        # "No" does not agree
        (
            "in a 2-layer gru the second layer also gets the raw input x, doesnt it?",
            "No, in a 2-layer GRU the second layer gets the first layer's outputs.",
        ),
        # too little of a claim to call an echo
        ("GRUs are good, right?", "Yes, GRUs are good."),
    ],
)
def test_no_mark_where_the_yes_is_judged_or_says_more(question: str, answer: str) -> None:
    assert echoed_claim(question, answer) is None


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # denied, not said back
        (
            "so the reset gate is what stops vanishing gradients, right?",
            "The reset gate does not stop vanishing gradients; the update gate's z ≈ 1 path helps.",
        ),
        # a plain yes/no question presupposes nothing: "clipping helps" is its answer
        (
            "Would gradient clipping help with exploding gradients in my GRU?",
            "Gradient clipping helps with exploding gradients in a GRU.",
        ),
        # a choice: the answer names one of the two
        (
            "is the reset gate one number for the whole layer or a value per unit, right?",
            "The reset gate is a value per hidden unit, one for each unit of the layer.",
        ),
    ],
)
def test_no_mark_without_a_yes_where_nothing_is_presupposed_or_the_claim_is_denied(
    question: str, answer: str
) -> None:
    assert echoed_claim(question, answer) is None


def test_a_bare_yes_is_marked_as_agreeing_not_as_repeating() -> None:
    found = echoed_claim(*BARE_YES[0])
    assert found is not None and "it agrees with" in found.fact


def test_a_bare_yes_to_a_plain_yes_no_question_is_its_answer_not_an_echo() -> None:
    question = "does the keras GRU layer take a reset_after argument?"
    assert echoed_claim(question, "Yes, it does, and its default is True.") is None


def test_a_known_false_claim_keeps_its_own_fact() -> None:
    found = contradictions(
        "Yes, a GRU has an output gate.", question="does a GRU have an output gate?"
    )
    assert len(found) == 1
    assert "no output gate" in found[0].fact


def test_a_computed_answer_is_judged_by_its_numbers_not_as_an_echo() -> None:
    question = "is a gru exactly 3x the params of a plain nn.RNN with the same sizes, right?"
    answer = "Yes, a GRU has exactly 3 times the params of a plain nn.RNN with the same sizes."
    assert echoed_claim(question, answer) is not None
    assert contradictions(answer, question=question, known_numbers={"parameters": 1920}) == []


@pytest.mark.parametrize(
    ("question", "leading"),
    [
        ("GRUs are only for text / nlp stuff, yeah? for sensor data id need something else", True),
        ("is it true that a GRU has an output gate?", True),
        ("so the reset gate is basically a forget gate, isn't it?", True),
        ("How many gates does a GRU have?", False),
        ("Explain the reset gate.", False),
    ],
)
def test_leading_questions_are_told_apart(question: str, leading: bool) -> None:
    assert is_leading(question) is leading


def test_the_screen_says_not_confirmed_only_when_every_flag_is_an_echo() -> None:
    question, answer = ECHOES[1]
    echo = echoed_claim(question, answer)
    assert echo is not None
    wrong = ("A GRU has an output gate.", "a GRU has no output gate", "gates")
    assert verdict_of([(echo.sentence, echo.fact, echo.note)]) == "not confirmed"
    assert verdict_of([(echo.sentence, echo.fact, echo.note), wrong]) == "not right"


def test_transcripts_mark_an_echo_as_not_confirmed_and_a_contradiction_as_not_right() -> None:
    from gruchat.session import Session, Turn, transcript_text
    from gruchat.transcript import to_markdown

    question, answer = ECHOES[1]
    echo = echoed_claim(question, answer)
    assert echo is not None
    turn = Turn(prompt=question, answer=answer)
    turn.flags = [f"{echo.sentence} -> {echo.fact}", "A GRU has an output gate. -> a GRU has none"]
    text = transcript_text(turn)
    assert f"[not confirmed: {echo.sentence} -> {echo.fact}]" in text
    assert "[not right: A GRU has an output gate. -> a GRU has none]" in text
    session = Session()
    session.record(turn)
    markdown = to_markdown(session)
    assert f"- ⚠ not confirmed: {echo.sentence}" in markdown
    assert "- ⚠ not right: A GRU has an output gate." in markdown
