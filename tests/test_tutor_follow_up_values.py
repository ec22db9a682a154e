"""A follow-up that gives a size anew ("and with hidden size 64?") is computed on the earlier
question with that size replaced (gruchat.tutor.follow_up_values), and counts as torch does."""

from __future__ import annotations

import pytest
import torch

from gruchat.tutor.follow_up_values import with_new_values
from gruchat.tutor.grounding import NotesGrounder


def _after(earlier: str, follow_up: str):
    grounder = NotesGrounder()
    grounder.ground(earlier)
    grounder.ground(follow_up, previous=[earlier])
    return grounder.computed(follow_up)


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(
    ("earlier", "follow_up", "module"),
    [
        ("how many parameters does nn.GRU(10, 20) have?", "and with hidden size 64?",
         torch.nn.GRU(10, 64)),
        ("how many parameters does nn.GRU(10, 20) have?", "what about hidden_size=64 and 2 layers?",
         torch.nn.GRU(10, 64, num_layers=2)),
        ("how many parameters does a GRU with input size 10 and hidden size 20 have?",
         "and with 50 hidden units?", torch.nn.GRU(10, 50)),
        ("params of nn.LSTM(input_size=8, hidden_size=16)?", "and input size 32 instead?",
         torch.nn.LSTM(32, 16)),
    ],
)  # fmt: skip
def test_a_new_size_replaces_the_old_one(earlier, follow_up, module):
    computed = _after(earlier, follow_up)
    assert computed is not None, follow_up
    assert computed.value == _count(module)


def test_a_keras_follow_up_with_new_features_is_counted_on_keras_weight_shapes():
    """keras.layers.GRU(3) on 200 features, reset_after=True: kernel (200, 9),
    recurrent_kernel (3, 9), bias (2, 9)."""
    computed = _after(
        "how many params in a keras GRU(3) with 5 input features?",
        "and if every step had 200 features instead?",
    )
    assert computed is not None
    assert computed.value == 200 * 9 + 3 * 9 + 2 * 9 == 1845


def test_a_new_batch_changes_the_shapes():
    computed = _after(
        "what shape is h_n for nn.GRU(10, 20) on a batch of 4?", "and with a batch of 16?"
    )
    assert computed is not None
    h_n = torch.nn.GRU(10, 20)(torch.zeros(5, 16, 10))[1]
    assert f"h_n has shape {tuple(h_n.shape)}".replace(",)", ")") in computed.fact


@pytest.mark.parametrize(
    ("earlier", "follow_up"),
    [
        ("how many parameters does nn.GRU(10, 20) have?", "and if I make it bidirectional?"),
        ("how many parameters does nn.GRU(10, 20) have?", "why?"),
        ("what does the reset gate do?", "and with hidden size 64?"),  # no size to replace
    ],
)
def test_no_rewrite_without_a_size_that_the_earlier_question_named(earlier, follow_up):
    assert with_new_values(earlier, follow_up) is None


def test_two_values_for_one_size_in_the_follow_up_are_unclear():
    assert with_new_values("nn.GRU(10, 20) params?", "hidden 30 or hidden 40?") is None
