"""A yes/no or leading question whose claim the guard cannot judge gets a line against
agreeing by default (gruchat.tutor.grounding.with_open_premise); one it judges gets its
verdict instead, and a request or a plain question gets neither."""

from __future__ import annotations

import pytest

from gruchat.tutor.grounding import make_grounder

OPEN = "Tell the learner whether they are right, using the notes"


@pytest.mark.parametrize(
    "question",
    [
        "nn.GRU's output is the predictions and h_n is the memory, two totally different "
        "things, right?",
        "my gru overfits, so i should make hidden_size bigger so it generalises better, right?",
        "does keras's LSTM layer have a reset_after option too?",
    ],
)
def test_an_unjudged_claim_is_not_to_be_agreed_with_by_default(question: str) -> None:
    message, _ = make_grounder().ground(question)
    assert message.rstrip().endswith('do not begin with "Yes".')
    assert OPEN in message


@pytest.mark.parametrize(
    "question",
    [
        "Can you write down the full set of GRU equations for one time step?",  # a request
        "What does the update gate do?",  # claims nothing
        "Is it true that a GRU has an output gate?",  # judged: its verdict instead
    ],
)
def test_requests_plain_and_judged_questions_get_no_such_line(question: str) -> None:
    message, _ = make_grounder().ground(question)
    assert OPEN not in message


def test_a_judged_claim_gets_the_guards_verdict() -> None:
    message, _ = make_grounder().ground("Is it true that a GRU has an output gate?")
    assert 'Begin with "No,"' in message
