"""A whole small model's count (gruchat.tutor.compute_model), checked against torch: the
sum of every module the question writes, or nothing rather than one part alone."""

from __future__ import annotations

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")
nn = torch.nn


@pytest.mark.parametrize(
    ("question", "modules"),
    [
        ("total params of nn.Embedding(1000, 32) -> nn.GRU(32, 64) -> nn.Linear(64, 10)?",
         [nn.Embedding(1000, 32), nn.GRU(32, 64), nn.Linear(64, 10)]),
        ("how many parameters in all: Embedding(5000, 100, padding_idx=0), "
         "LSTM(100, 128, num_layers=2, bidirectional=True), Linear(256, 3, bias=False)",
         [nn.Embedding(5000, 100, padding_idx=0),
          nn.LSTM(100, 128, num_layers=2, bidirectional=True), nn.Linear(256, 3, bias=False)]),
        ("my model is nn.GRU(8, 16, batch_first=True) then nn.Linear(in_features=16, "
         "out_features=1). how many trainable params?",
         [nn.GRU(8, 16, batch_first=True), nn.Linear(16, 1)]),
        ("number of weights for nn.Embedding(num_embeddings=50, embedding_dim=4) + "
         "nn.RNN(4, 3) + nn.Linear(3, 2) + nn.Linear(2, 2)",
         [nn.Embedding(50, 4), nn.RNN(4, 3), nn.Linear(3, 2), nn.Linear(2, 2)]),
    ],
)  # fmt: skip
def test_the_total_is_torchs_and_each_part_is_shown(question: str, modules: list) -> None:
    found = compute_question(question)
    assert found is not None
    parts = [sum(p.numel() for p in module.parameters()) for module in modules]
    assert found.value == sum(parts)
    assert found.also == tuple(parts)
    assert found.formula == " + ".join(f"{n:,}" for n in parts) + f" = {sum(parts):,}"
    assert len(found.lines) == len(modules)
    assert f"{sum(parts):,} trainable parameters in all" in found.fact


@pytest.mark.parametrize(
    "question",
    [
        # an argument that is not understood, or a size that is not a number
        "total params of nn.Embedding(1000, 32, foo=1) -> nn.GRU(32, 64)?",
        "total params of nn.Embedding(vocab, 32) -> nn.GRU(32, 64)?",
        "how many params: nn.GRU(32, 64) and nn.Linear(64, 10, bias=maybe)?",
        "how many params: nn.GRU(32, 64) and nn.Linear(bias=False, 64, 10)?",
        # a shape of one part is not a count of the whole
        "what is the output shape of nn.GRU(32, 64) after nn.Embedding(1000, 32)?",
    ],
)
def test_an_unclear_model_gets_nothing_not_one_part_alone(question: str) -> None:
    assert compute_question(question) is None


def test_a_layer_alone_is_still_its_own_count() -> None:
    found = compute_question("how many params does nn.GRU(32, 64) have?")
    assert found is not None and found.value == 18_816
    assert compute_question("how many params does nn.Linear(64, 10) have?") is None
