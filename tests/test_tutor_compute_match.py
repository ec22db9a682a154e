"""The hidden size that matches another layer's count (gruchat.tutor.compute_match),
checked against torch's counts of the sizes either side of the root."""

from __future__ import annotations

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")


def _count(kind: str, size: int, hidden: int) -> int:
    return sum(p.numel() for p in getattr(torch.nn, kind)(size, hidden).parameters())


@pytest.mark.parametrize(
    ("question", "kind", "size", "target"),
    [
        ("what hidden size would nn.GRU(10, H) need to have about the same param count as "
         "nn.LSTM(10, 32)?", "GRU", 10, ("LSTM", 32)),
        ("what GRU hidden size on 10 inputs has about as many params as nn.LSTM(10, 32)?",
         "GRU", 10, ("LSTM", 32)),
        ("which hidden size makes an LSTM match the parameters of nn.GRU(50, 100)?",
         "LSTM", 50, ("GRU", 100)),
        ("what hidden size would an RNN need to match nn.GRU(4, 8)'s parameter count?",
         "RNN", 4, ("GRU", 8)),
    ],
)  # fmt: skip
def test_the_nearest_size_is_the_one_torch_counts_closest(
    question: str, kind: str, size: int, target: tuple[str, int]
) -> None:
    found = compute_question(question)
    assert found is not None
    wanted = _count(target[0], size, target[1])
    nearest = min(range(1, 4 * target[1]), key=lambda h: abs(_count(kind, size, h) - wanted))
    assert f"nearest whole size: H = {nearest}" in found.lines
    assert f"nn.{kind}({size}, {nearest}): {_count(kind, size, nearest):,}" in found.text
    assert found.also[0] == wanted


@pytest.mark.parametrize(
    "question",
    [
        "what hidden size for a GRU to match nn.GRU(10, 32)?",  # the same kind
        "what hidden size would nn.GRU(12, H) need to match nn.LSTM(10, 32)?",  # other inputs
        "what hidden size would a GRU need to match a 2-layer nn.LSTM(10, 32, num_layers=2)?",
        "what hidden size does nn.LSTM(10, 32) have?",  # nothing to match
    ],
)
def test_what_it_cannot_solve_plainly_gets_nothing(question: str) -> None:
    found = compute_question(question)
    assert found is None or "matches" not in found.title
