"""The guard flags sentences that contradict the verified notes, and only those."""

from __future__ import annotations

import pytest

from gruchat.tutor.guard import contradictions
from gruchat.tutor.notes import get_note

WRONG = [
    ("A GRU has three gates.", "gates"),
    ("The reset gate z is a sigmoid layer.", "gates"),
    ("A GRU has 2 gates: update gate z and update gate r.", "gates"),
    ("The GRU keeps its cell state across steps.", "gru-vs-lstm"),
    ("A GRU is a type of LSTM with a hidden state.", "gru-vs-lstm"),
    ("GRUs use peephole connections.", "conventions-and-pitfalls"),
    ("It has no output gate, but it does use peephole connections.", "conventions-and-pitfalls"),
    ("The gates use tanh.", "gates"),
    ("The candidate uses a sigmoid.", "candidate-state"),
    ("The GRU was introduced in 1997.", "history-and-papers"),
    ("The GRU has an output gate that filters h.", "gates"),
]

RIGHT = [
    "A GRU has two gates: the update gate z and the reset gate r.",
    "Unlike an LSTM, a GRU has no cell state.",
    "GRUs do not have peephole connections; those belong to LSTM variants.",
    "The gates use the sigmoid; the candidate uses tanh.",
    "It was introduced by Cho et al. in 2014.",
    "The update gate z decides how much of the old state is kept.",
    "An LSTM has three gates: input, forget and output.",
]


@pytest.mark.parametrize(("sentence", "note"), WRONG)
def test_known_false_claims_are_flagged_with_the_note_to_read(sentence, note):
    found = contradictions(sentence)
    assert len(found) == 1
    assert found[0].sentence == sentence
    assert found[0].note == note
    assert get_note(found[0].note) is not None  # the note it points to exists


@pytest.mark.parametrize("sentence", RIGHT)
def test_correct_sentences_are_not_flagged(sentence):
    assert contradictions(sentence) == []


def test_every_note_passes_its_own_guard():
    """The verified notes must never be flagged: they are the reference."""
    from gruchat.tutor.notes import load_notes

    for note in load_notes():
        assert contradictions(note.body) == [], note.name


def test_only_the_wrong_sentence_of_an_answer_is_flagged():
    answer = "A GRU has two gates. It also has three gates. It has no cell state."
    assert [c.sentence for c in contradictions(answer)] == ["It also has three gates."]
