"""A layer resized in the question (gruchat.tutor.compute_change): both counts and the
difference, checked against torch's own modules."""

from __future__ import annotations

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")
nn = torch.nn


def _count(module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(
    ("question", "old", "new"),
    [
        ("if i bump nn.GRU(10, 20) up to hidden_size 21, how many params does that one extra "
         "unit add?", nn.GRU(10, 20), nn.GRU(10, 21)),
        ("nn.GRU(10, 20): if I increase the hidden size to 40, how many more parameters?",
         nn.GRU(10, 20), nn.GRU(10, 40)),
        ("going from nn.LSTM(8, 16) to 2 layers, how many extra params?", nn.LSTM(8, 16),
         nn.LSTM(8, 16, num_layers=2)),
        ("if I reduce nn.GRU(64, 128) to 64 hidden units, how many parameters does that save?",
         nn.GRU(64, 128), nn.GRU(64, 64)),
        ("nn.GRU(8, 16, bidirectional=True): changing it to 32 input features adds how many "
         "params?", nn.GRU(8, 16, bidirectional=True), nn.GRU(32, 16, bidirectional=True)),
        # on/off changes and scalings (session 18)
        ("nn.GRU(10, 20): how many more params if I make it bidirectional?", nn.GRU(10, 20),
         nn.GRU(10, 20, bidirectional=True)),
        ("if I add another layer to nn.LSTM(8, 16), how many more parameters does that add?",
         nn.LSTM(8, 16), nn.LSTM(8, 16, num_layers=2)),
        ("nn.GRU(10, 20): if I switch to bias=False how many parameters does that save?",
         nn.GRU(10, 20), nn.GRU(10, 20, bias=False)),
        ("nn.GRU(10, 20): if I double the hidden size, how many more parameters?",
         nn.GRU(10, 20), nn.GRU(10, 40)),
        ("if I triple the layers of nn.GRU(4, 4), how many more params?", nn.GRU(4, 4),
         nn.GRU(4, 4, num_layers=3)),
    ],
)  # fmt: skip
def test_the_difference_is_torchs(question, old, new) -> None:
    found = compute_question(question)
    assert found is not None, question
    before, after = _count(old), _count(new)
    assert found.also == (before, after, abs(after - before))
    assert f"{abs(after - before):,}" in found.fact and f"{after:,}" in found.fact
    assert "so the change" in found.fact


@pytest.mark.parametrize(
    "question",
    [
        "how many parameters does nn.GRU(10, 20) add to my model?",  # no change named
        "if i bump nn.GRU(10, 20) up, how many more params?",  # no new size
        "nn.GRU(10, 20) vs nn.GRU(10, 21): how many more params?",  # two calls: a comparison
        "if I increase nn.GRUCell(4, 8) to 2 layers, how many more params?",  # a cell has one
        "going from hidden 20 to hidden 30 to 40 in nn.GRU(10, 20), how many more params?",
        # the review (session 18): a change, but no count asked
        "why does nn.GRU(10, 20) give more accurate results when I increase hidden to 64?",
        "I increased nn.GRU(10, 20) hidden from 20 to 25. why is the loss more noisy?",
        "nn.GRU(10, 20): does raising hidden to 64 give more capacity or just overfit?",
        "nn.GRU(10, 20) followed by nn.Linear(20, 2): if I increase hidden to 40 how many "
        "more params?",  # a whole model: the Linear grows too
    ],
)
def test_no_change_or_an_unclear_one_is_no_difference(question: str) -> None:
    found = compute_question(question)
    assert found is None or "so the change" not in found.fact, found.fact


@pytest.mark.parametrize(
    "question",
    [
        "nn.GRU(10, 20): if I increase the sequence length to 100, how many more parameters?",
        "nn.GRU(10, 20): if I double the batch size, how many more parameters?",
    ],
)
def test_a_longer_sequence_or_a_bigger_batch_adds_no_parameters(question: str) -> None:
    found = compute_question(question)
    assert found is not None, question
    gru = nn.GRU(10, 20)
    count = _count(gru)
    for x in (torch.randn(5, 2, 10), torch.randn(100, 4, 10)):
        gru(x)  # any length and batch runs with the same weights
    assert _count(gru) == count and found.value == count and "adds 0" in found.fact
