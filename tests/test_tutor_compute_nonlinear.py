"""Sigmoid and tanh counts per step (gruchat.tutor.compute_nonlinear), tied to torch's
weight layout: nn.GRU's weight_ih_l0 stacks r, z (sigmoid) and n (tanh); nn.LSTM's
stacks i, f (sigmoid), g (tanh) and o (sigmoid), and cₜ goes through one more tanh."""

from __future__ import annotations

import re

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")


def torch_counts(kind: str, hidden: int) -> tuple[int, int]:
    """(sigmoid values, tanh values) per step and sequence, from torch's gate rows."""
    rows = getattr(torch.nn, kind)(3, hidden).weight_ih_l0.shape[0]
    if kind == "GRU":  # rows r, z | n
        return rows - hidden, hidden
    if kind == "LSTM":  # rows i, f, o | g, and tanh(c_t)
        return rows - hidden, 2 * hidden
    return 0, rows  # nn.RNN: tanh of one block


@pytest.mark.parametrize(
    ("question", "kinds", "hidden"),
    [
        ("quick one: with hidden_size=32, how many sigmoid gate values does a gru work out per "
         "timestep for one sequence?", ["GRU"], 32),
        ("lstm vs gru with 8 units: count the sigmoid and tanh calls per timestep for each",
         ["LSTM", "GRU"], 8),
        ("how many tanh values does an rnn with hidden size 10 compute per step?", ["RNN"], 10),
    ],
)  # fmt: skip
def test_counts_per_step_follow_torchs_gate_rows(question, kinds, hidden):
    computed = compute_question(question)
    assert computed is not None, question
    lines = computed.fact.removeprefix("Computed exactly: ").split("; a")
    assert len(lines) == len(kinds)
    for kind, line in zip(kinds, lines, strict=True):
        assert kind in line
        sigmoid, tanh = torch_counts(kind, hidden)
        if sigmoid:
            assert f"= {sigmoid:,} sigmoid values" in line
        assert f"= {tanh:,} tanh values" in line


def test_without_sizes_it_counts_the_vectors():
    computed = compute_question("lstm vs gru: count the sigmoid and tanh calls per timestep")
    assert computed is not None
    assert re.search(r"LSTM step: three sigmoids .*; two tanhs", computed.fact)
    assert re.search(r"GRU step: two sigmoids \(z and r\); one tanh", computed.fact)


@pytest.mark.parametrize(
    "question",
    [
        "how many sigmoid values does a gru compute?",  # not per step: over what?
        "what is the derivative of the sigmoid at each step?",
        "how many sigmoids per step with hidden_size=8 or hidden_size=16?",
    ],
)
def test_other_questions_get_no_count(question):
    computed = compute_question(question)
    assert computed is None or "Sigmoids and tanhs" not in computed.title
