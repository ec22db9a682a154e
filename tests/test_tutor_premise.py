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
    ("question", "verdict", "fact"),
    [
        ("A GRU cell has three gates, doesn't it?", "false", "two gates"),
        ("Is it true that a GRU has an output gate?", "false", "no output gate"),
        ("Does a GRU have two gates?", "true", "update z and reset r"),
        ("Do GRUs eliminate vanishing gradients?", "false", "do not eliminate"),
    ],
)
def test_a_known_premise_is_judged_in_the_message(question, verdict, fact):
    line = _last_line(question)
    assert line.startswith("Checked: ")
    assert f" is {verdict}. " in line
    assert fact in line


def test_the_verdict_quotes_the_statement_the_question_asks_about():
    line = _last_line("Is it true that a GRU has an output gate?")
    assert line.startswith('Checked: "a GRU has an output gate" is false.')


@pytest.mark.parametrize(
    "question",
    ["What is a GRU?", "How many gates does a GRU have?", "Is the LSTM's forget gate old?"],
)
def test_a_question_with_no_known_premise_gets_no_verdict(question):
    message, _ = NotesGrounder().ground(question)
    assert "Checked:" not in message
