"""Packed sequences worked out (gruchat.tutor.compute_packed), checked against
torch.nn.utils.rnn: batch_sizes, .data's shape, the GRU's output.data and h_n."""

from __future__ import annotations

import re

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")
rnn_utils = pytest.importorskip("torch.nn.utils.rnn")


def _listed(text: str, name: str) -> list[int]:
    found = re.search(rf"{name}[^=\n]*= \[([\d, ]*)\]", text)
    assert found, (name, text)
    return [int(v) for v in found.group(1).split(",")]


@pytest.mark.parametrize(
    ("question", "lengths", "features", "layer"),
    [
        ("I pack sequences of lengths 5, 3, 2 with 6 input features, what's packed.data's "
         "shape?", [5, 3, 2], 6, None),
        ("what are batch_sizes for lengths [4, 4, 1]?", [4, 4, 1], None, None),
        ("if I pack_padded_sequence a batch with lengths 2, 5 and 3 into "
         "nn.GRU(6, 4, bidirectional=True), what's output.data's shape?", [2, 5, 3], 6,
         {"input_size": 6, "hidden_size": 4, "bidirectional": True}),
        ("packed sequence with lengths 3,1 through nn.GRU(10, 7, num_layers=2): shape of "
         ".data and h_n?", [3, 1], 10, {"input_size": 10, "hidden_size": 7, "num_layers": 2}),
    ],
)  # fmt: skip
def test_the_packed_shapes_are_torchs(
    question: str, lengths: list[int], features: int | None, layer: dict | None
) -> None:
    found = compute_question(question)
    assert found is not None
    x = torch.randn(len(lengths), max(lengths), features or 3)
    packed = rnn_utils.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    assert _listed(found.text, "batch_sizes") == packed.batch_sizes.tolist()
    shapes = found.known_shapes
    assert shapes["packed.data"] == (packed.data.shape[0], features or "H_in")
    if layer is None:
        assert set(shapes) == {"packed.data"}
        return
    output, h_n = torch.nn.GRU(batch_first=True, **layer)(packed)
    assert shapes["output.data"] == tuple(output.data.shape)
    assert shapes["h_n"] == tuple(h_n.shape)
    unsorted = lengths != sorted(lengths, reverse=True)
    assert ("enforce_sorted=False" in found.text) == unsorted
    if unsorted:
        assert _listed(found.text, "sorted_indices") == packed.sorted_indices.tolist()
        with pytest.raises(RuntimeError, match="sorted in decreasing order"):
            rnn_utils.pack_padded_sequence(x, lengths, batch_first=True)


@pytest.mark.parametrize(
    "question",
    [
        "why do we pack sequences?",  # no lengths
        "lengths 5, 3, 2: what's the padded shape?",  # no packing
        "pack lengths 5, 3 or lengths 4, 1?",  # two lists
        "pack sequences of lengths 5, 0, 2",  # a length torch refuses
        "pack lengths 5, 3 into nn.GRU(4, 2) and nn.LSTM(4, 2)",  # two layers
    ],
)
def test_what_is_not_a_packing_question_gets_nothing(question: str) -> None:
    assert compute_question(question) is None
