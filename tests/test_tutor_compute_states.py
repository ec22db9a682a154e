"""Two layers' final states side by side (gruchat.tutor.compute_states), against what
torch's nn.LSTM and nn.GRU actually return."""

from __future__ import annotations

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(
    ("question", "layers", "batch"),
    [
        ("for a batch of 4, what final states do nn.LSTM(8, 16) and nn.GRU(8, 16) hand back, "
         "with shapes?", [("LSTM", 8, 16, {}), ("GRU", 8, 16, {})], 4),
        ("batch of 3: what shapes do nn.GRU(8, 16, num_layers=2) and nn.LSTM(8, 16, "
         "bidirectional=True) return as final states?",
         [("GRU", 8, 16, {"num_layers": 2}), ("LSTM", 8, 16, {"bidirectional": True})], 3),
    ],
)  # fmt: skip
def test_final_states_match_what_torch_returns(question, layers, batch):
    computed = compute_question(question)
    assert computed is not None, question
    lines = [computed.formula, *computed.lines]
    for (kind, inputs, hidden, settings), line in zip(layers, lines, strict=True):
        module = getattr(torch.nn, kind)(inputs, hidden, **settings)
        _, state = module(torch.zeros(5, batch, inputs))
        if kind == "LSTM":
            h_n, c_n = state
            assert f"h_n {tuple(h_n.shape)}" in line and f"c_n {tuple(c_n.shape)}" in line
        else:
            assert isinstance(state, torch.Tensor)
            assert f"h_n {tuple(state.shape)}" in line and "no c_n" in line


def test_shapes_the_layers_disagree_on_are_not_given_to_the_guard():
    computed = compute_question(
        "batch of 2: what final states do nn.LSTM(4, 6) and nn.GRU(4, 6, num_layers=3) return, "
        "shapes please?"
    )
    assert computed is not None
    assert "h_n" not in computed.known_shapes  # (1, 2, 6) for one, (3, 2, 6) for the other
    assert computed.known_shapes["c_n"] == (1, 2, 6)


def test_two_layers_of_one_kind_are_left_to_the_other_blocks():
    computed = compute_question(
        "what final states do nn.GRU(8, 16) and nn.GRU(8, 32) return, shapes?"
    )
    assert computed is None or "final states" not in computed.title
