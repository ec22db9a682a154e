"""A leading question's premise, judged by the guard before the model answers: the
grounded message says whether the learner's statement is true and why, so the 1.5B
does not have to resist "…, right?" on its own."""

from __future__ import annotations

import pytest

from gruchat.tutor.grounding import NotesGrounder


def _last_line(question: str) -> str:
    message, _ = NotesGrounder().ground(question)
    return message.splitlines()[-1]


@pytest.mark.parametrize(
    ("question", "start", "fact"),
    [
        ("A GRU cell has three gates, doesn't it?", 'Begin with "No," then say: ', "two gates"),
        ("Is it true that a GRU has an output gate?", 'Begin with "No,"', "no output gate"),
        ("Does a GRU have two gates?", 'Begin with "Yes," then say: ', "update z and reset r"),
        ("Do GRUs eliminate vanishing gradients?", 'Begin with "No,"', "do not eliminate"),
        # a negated statement: "No" would be ambiguous, so the verdict is said in words
        ("A GRU has no output gate, right?", "The learner is right: ", "no output gate"),
    ],
)
def test_a_known_premise_tells_the_model_how_to_begin(question, start, fact):
    line = _last_line(question)
    assert line.startswith(start)
    assert fact in line


def test_the_verdict_does_not_quote_the_wrong_statement():
    """A quoted wrong statement was copied into the answer ("Yes, a GRU has an output gate")."""
    assert "has an output gate" not in _last_line("Is it true that a GRU has an output gate?")


@pytest.mark.parametrize(
    "question",
    [
        "What is a GRU?",
        "How many gates does a GRU have?",
        "Is the LSTM's forget gate old?",
        # which of two, not yes or no: "Yes, z is computed from r" came of a "Yes" hint
        "Is z computed from r, or are the two gates worked out independently each step?",
        # the output gate is the LSTM's here; the question is whether a GRU exposes more
        "does a gru expose more of its memory than an lstm? the lstm has that output gate",
    ],
)
def test_a_question_with_no_known_premise_gets_no_verdict(question):
    message, _ = NotesGrounder().ground(question)
    assert "Begin with" not in message
    assert "The learner is" not in message
