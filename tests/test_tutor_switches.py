"""On/off arguments read from a learner's words: "the default return_sequences" is off,
"without bidirectional" is one direction. A computed block is shown as exact, so each
question's shapes and counts are checked against torch (Keras against its documented
shapes), and a question that says both is not computed at all."""

from __future__ import annotations

import pytest
import torch

from gruchat.tutor.compute_questions import compute_question
from gruchat.tutor.grounding import NotesGrounder
from gruchat.tutor.notes import is_follow_up
from gruchat.tutor.switches import UnclearSwitch, switch


@pytest.mark.parametrize(
    ("text", "default", "bare", "said"),
    [
        ("with the default return_sequences", False, True, False),
        ("return_sequences left at its default", False, True, False),
        ("return_sequences by default", False, True, False),
        ("with return_sequences", False, True, True),
        ("return_sequences=True", False, True, True),
        ("return_sequences = False", False, True, False),
        ("without return_sequences", False, True, False),
        ("not using return_sequences", False, True, False),
        ("return_sequences off", False, True, False),
        ("return_sequences set to true", False, True, True),
        ("the default bias", True, None, True),
        ("how many bias parameters", True, None, None),
        ("with no bias", True, None, False),
        ("bias-free", True, None, False),
        ("with bias", True, None, True),
        ("nothing about it", False, True, None),
    ],
)
def test_a_switch_is_read_with_the_words_around_it(text, default, bare, said):
    name = "return_sequences" if "return_sequences" in text else "bias"
    assert switch(name, text, default, bare=bare) is said


def test_a_switch_turned_on_and_off_is_unclear():
    with pytest.raises(UnclearSwitch):
        switch("bidirectional", "bidirectional=True or without bidirectional?", False)


def _torch_count(**kwargs) -> int:
    return sum(p.numel() for p in torch.nn.GRU(10, 20, **kwargs).parameters())


@pytest.mark.parametrize(
    ("question", "kwargs"),
    [
        ("nn.GRU(10, 20) without bidirectional: how many parameters?", {}),
        ("how many params in nn.GRU(10,20) not bidirectional", {}),
        ("nn.GRU(10, 20) with bidirectional: how many parameters?", {"bidirectional": True}),
        ("nn.GRU(10,20) bias-free: how many parameters", {"bias": False}),
        ("nn.GRU(10,20) with the default bias: parameter count?", {}),
        ("nn.GRU(10, 20, bias=False): how many bias parameters?", {"bias": False}),
    ],
)
def test_counts_with_a_switch_in_words_match_torch(question, kwargs):
    computed = compute_question(question)
    assert computed is not None
    assert f"{_torch_count(**kwargs):,} trainable parameters" in computed.fact


@pytest.mark.parametrize(
    ("question", "batch_first"),
    [
        ("nn.GRU(10, 20) with the default batch_first, batch of 4, 7 steps: output shape?", False),
        ("nn.GRU(10, 20) with batch_first, batch of 4, 7 steps: output shape?", True),
        ("nn.GRU(10, 20) batch_first off, batch of 4, 7 steps: output shape?", False),
    ],
)
def test_shapes_with_a_switch_in_words_match_torch(question, batch_first):
    gru = torch.nn.GRU(10, 20, batch_first=batch_first)
    x = torch.zeros((4, 7, 10) if batch_first else (7, 4, 10))
    output, h_n = gru(x)
    computed = compute_question(question)
    assert computed is not None
    assert f"output has shape {tuple(output.shape)}" in computed.fact
    assert f"h_n has shape {tuple(h_n.shape)}" in computed.fact


@pytest.mark.parametrize(
    ("question", "shape"),
    [
        # Keras 3: return_sequences=False (the default) gives (batch, units)
        ("keras GRU(12), default return_sequences, batch 8, 5 steps: output shape?", "(8, 12)"),
        ("keras GRU(12) without return_sequences, batch 8, 5 timesteps: output shape?", "(8, 12)"),
        ("keras GRU(12) with return_sequences, batch 8, 5 timesteps: output shape?", "(8, 5, 12)"),
    ],
)  # fmt: skip
def test_keras_output_shape_follows_the_switch_as_said(question, shape):
    computed = compute_question(question)
    assert computed is not None
    assert f"output has shape {shape}" in computed.fact


def test_keras_no_bias_in_words_drops_the_bias_weights():
    computed = compute_question("keras GRU(12) no bias, 3 features: how many parameters?")
    assert computed is not None
    assert "540 trainable parameters" in computed.fact  # 3·12·(3+12): kernel + recurrent_kernel


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        ("ok and with bias=False?", True),
        ("wait, why?", True),
        ("thanks! and in keras?", True),
        ("Right now I want to know what a GRU is", False),
        ("ok so how many params in nn.LSTM(10, 20)?", False),
    ],
)
def test_an_interjection_before_and_keeps_a_follow_up(question, follows):
    assert is_follow_up(question) is follows


def test_a_bias_follow_up_after_an_ok_is_computed_for_the_earlier_layer():
    grounder = NotesGrounder()
    grounder.ground("how many params in nn.GRU(20, 50)?")
    grounder.ground("ok and with bias=False?", previous=["how many params in nn.GRU(20, 50)?"])
    computed = grounder.computed("ok and with bias=False?")
    expected = sum(p.numel() for p in torch.nn.GRU(20, 50, bias=False).parameters())
    assert computed is not None
    assert f"{expected:,} trainable parameters" in computed.fact
