"""Session 8: false premises of leading questions. The grounded message asks the model to
check a yes/no question's claim against the notes, and the guard flags each premise
(reset gate as forget gate, no stacking, a split hidden_size, gates fixed over time,
unbounded states, random h0, recurrent dropout, a padding argument, c_n, "objectively
better", the 1997 forget gate, the term that keeps the old state): for each rule a wrong
sentence it flags, a right one it leaves alone, and a bare "Yes" to the leading question."""

from __future__ import annotations

import pytest

from gruchat.tutor.guard import contradictions
from gruchat.tutor.notes import get_note

# (wrong sentence, the question it answers, the note its fact comes from)
WRONG = [
    ("Yes, the reset gate is essentially the LSTM's forget gate.",
     "so the reset gate is basically the LSTM's forget gate, right?", "gru-vs-lstm"),
    ("No, GRUs can't be stacked like LSTMs.", "GRUs can't be stacked like LSTMs, can they?",
     "pytorch-sequences"),
    ("With bidirectional=True the hidden_size you pass gets split between the two directions.",
     "", "pytorch-sequences"),
    ("No, the update gate z must be the same at every time step since its weights are shared.",
     "", "gates"),
    ("GRU hidden states can grow to any size because there's no tanh on the output.", "",
     "hidden-state-update"),
    ("You should initialise your GRU's hidden state randomly at the start of every batch.", "",
     "pytorch-sequences"),
    ("The dropout argument on nn.GRU does drop stuff inside the recurrent connections.", "",
     "pytorch-sequences"),
    ("Use the `padding` argument in the `nn.GRU` constructor.", "", "pytorch-sequences"),
    ("GRU returns (h_n, c_n) as well.", "an lstm hands back (h_n, c_n). whats the gru one?",
     "gru-vs-lstm"),
    ("A GRU is objectively better for speech recognition.", "", "gru-vs-lstm"),
    ("The LSTM's forget gate was added in 1997.", "when did the LSTM get its forget gate?",
     "history-and-papers"),
    ("The term that keeps the old stuff is (1-z)*n.", "", "hidden-state-update"),
    ("No, z is computed from r.", "Is z computed from r, or are the two independent?", "gates"),
]  # fmt: skip
RIGHT = [
    ("No, the reset gate is not the LSTM's forget gate; the update gate plays that role.",
     "so the reset gate is basically the LSTM's forget gate, right?"),
    ("Yes, GRUs can be stacked: use num_layers=2.", "GRUs can't be stacked like LSTMs, can they?"),
    ("Each direction gets the full hidden_size, so the output has 2·hidden_size features.", ""),
    ("The weights are shared, but z changes at every time step with xₜ and hₜ₋₁.", ""),
    ("The weights are the same at every time step.", ""),
    ("The hidden state stays between −1 and 1.", ""),
    ("Exploding gradients can grow without bound, so clip them.", ""),
    ("The weights are initialised randomly and the hidden state starts at zeros.", ""),
    ("nn.GRU's dropout acts only between layers, not inside the recurrent connections.", ""),
    ("Keras's recurrent_dropout drops inside the recurrent connections.", ""),
    ("Use nn.utils.rnn.pack_padded_sequence; nn.GRU has no padding argument.", ""),
    ("An LSTM returns (h_n, c_n); a GRU returns only h_n.", "whats the gru equivalent of c_n?"),
    ("Neither is objectively better: it depends on the task.", ""),
    ("The forget gate was added later by Gers et al. (1999), not in 1997.", ""),
    ("The LSTM was introduced in 1997 by Hochreiter & Schmidhuber.", ""),
    ("The term z*h_{t-1} keeps the old stuff; (1-z)*n adds the candidate.", ""),
    ("(1 − z) ⊙ n brings in the new candidate.", ""),
    ("Both z and r are computed from xₜ and hₜ₋₁; neither depends on the other.", ""),
    ("The candidate n depends on r and on hₜ₋₁.", ""),
]  # fmt: skip
LEADING_FALSE = [
    "so the reset gate is basically the LSTM's forget gate, right?",
    "the update gate z must be the same at every time step since its weights are shared, right?",
    "with bidirectional=True the hidden_size i pass gets split between the two directions, yeah?",
    "gru hidden states can grow to any size since there's no tanh on the output, right?",
    "does pytorch's dropout argument on nn.GRU drop stuff inside the recurrent connections?",
    "should i initialise my gru's hidden state randomly at the start of every batch?",
]


@pytest.mark.parametrize(("sentence", "question", "note"), WRONG)
def test_a_false_premise_stated_is_flagged_with_its_note(sentence, question, note):
    found = contradictions(sentence, question=question)
    assert [c.note for c in found] == [note]
    assert get_note(note) is not None


@pytest.mark.parametrize(("sentence", "question"), RIGHT)
def test_the_right_fact_is_not_flagged(sentence, question):
    assert contradictions(sentence, question=question) == []


@pytest.mark.parametrize("question", LEADING_FALSE)
def test_a_bare_yes_to_a_false_premise_is_flagged_and_a_no_is_not(question):
    assert len(contradictions("Yes.", question=question)) == 1
    assert contradictions("No.", question=question) == []


def test_a_no_answering_the_question_does_not_excuse_the_claim_after_it():
    assert contradictions("No, a GRU has an output gate.")
    assert contradictions("No, a GRU has no output gate.") == []
