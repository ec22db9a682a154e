"""The tensors named_parameters() lists, which layer and direction h_n[k] is, and how many
gate values a forward pass computes (gruchat.tutor.compute_layout), checked against torch."""

from __future__ import annotations

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")
nn = torch.nn


@pytest.mark.parametrize(
    ("question", "module"),
    [
        ("so for nn.GRU(4, 8, num_layers=2, bidirectional=True), how many tensors does "
         "named_parameters() list in total?", nn.GRU(4, 8, num_layers=2, bidirectional=True)),
        ("how many entries does state_dict() have for nn.LSTM(3, 5, proj_size=2)?",
         nn.LSTM(3, 5, proj_size=2)),
        ("nn.GRU(3, 4, bias=False): how many tensors does named_parameters() give?",
         nn.GRU(3, 4, bias=False)),
        ("how many tensors in named_parameters() of nn.GRUCell(3, 4)?", nn.GRUCell(3, 4)),
    ],
)  # fmt: skip
def test_the_tensors_listed_are_torchs(question, module) -> None:
    found = compute_question(question)
    assert found is not None, question
    names = [name for name, _p in module.named_parameters()]
    assert names == list(module.state_dict())  # no buffers
    assert found.formula.endswith(f"= {len(names)}")
    listed = found.lines[0].split(", ")
    assert listed == names or (listed[8] == "…" and listed[-4:] == names[-4:])


def test_each_row_of_h_n_is_the_layer_and_direction_torch_puts_there() -> None:
    gru = nn.GRU(3, 4, num_layers=2, bidirectional=True)
    question = (
        "nn.GRU with num_layers=2 and bidirectional=True: which layer and direction is "
        "h_n[1]? and h_n[2]?"
    )
    found = compute_question(question)
    assert found is not None
    assert (
        found.formula == "h_n[1]: layer 0, backward direction · h_n[2]: layer 1, forward direction"
    )
    x = torch.randn(5, 2, 3)
    output, h_n = gru(x)
    # the forward direction's last state is output[-1]'s first half, the backward's is
    # output[0]'s second half, for the top layer; h_n[2] is that layer's forward state
    assert torch.allclose(h_n[2], output[-1, :, :4]) and torch.allclose(h_n[3], output[0, :, 4:])
    # h_n[1] is layer 0's backward state: run layer 0 alone with the same weights
    lower = nn.GRU(3, 4, bidirectional=True)
    lower.load_state_dict({k: v for k, v in gru.state_dict().items() if "_l0" in k})
    lower_out, lower_h = lower(x)
    assert torch.allclose(h_n[1], lower_h[1]) and torch.allclose(h_n[1], lower_out[0, :, 4:])


def test_gate_values_of_one_forward_pass_are_n_l_h() -> None:
    question = (
        "ok so with a batch of 8, 20 timesteps and hidden_size 128, how many update gate "
        "values get computed in one forward pass?"
    )
    found = compute_question(question)
    assert found is not None
    cell, x = nn.GRUCell(4, 128), torch.randn(20, 8, 4)
    h, computed = torch.zeros(8, 128), 0
    with torch.no_grad():
        for step in x:  # PyTorch's z at every step, from xₜ and hₜ₋₁ (rows H..2H: z)
            gi, gh = step @ cell.weight_ih.T + cell.bias_ih, h @ cell.weight_hh.T + cell.bias_hh
            z = torch.sigmoid(gi[:, 128:256] + gh[:, 128:256])
            computed += z.numel()
            h = cell(step, h)
    assert computed == 20_480 and found.formula.endswith("= 20,480")


@pytest.mark.parametrize(
    "question",
    [
        "which direction comes first in h_n?",  # no index
        "nn.GRU(3, 4, num_layers=2): which layer is h_n[5]?",  # out of range
        "how many gate values does a GRU compute?",  # no sizes
        # the review (session 18): other counts, other layers
        "batch of 8, 20 steps, nn.GRU(10, 128): how many numbers does h_n hold after the "
        "forward pass?",
        "batch 4, 10 steps, hidden 16 LSTM: how many gate values in a forward pass?",
        "my model has nn.Embedding(1000, 10), nn.GRU(10, 20) and nn.Linear(20, 5): how many "
        "tensors does named_parameters() list?",
    ],
)
def test_unclear_layout_questions_compute_nothing(question: str) -> None:
    found = compute_question(question)
    titles = ("h_n is", "values in", "named_parameters")
    assert found is None or not any(t in found.title for t in titles), found.title
