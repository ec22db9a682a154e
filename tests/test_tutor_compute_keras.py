"""Keras counts and shapes (against the weights Keras builds, derived by hand: tensorflow is
not installed) and layer-count comparisons (against torch), with their recognisers."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gruchat.tutor.compute import RNNSpec
from gruchat.tutor.compute_compare import compare_counts, compare_forms, form_of
from gruchat.tutor.compute_keras import (
    KerasSpec,
    keras_parameter_count,
    keras_parameters,
    keras_shapes,
    keras_weight_shapes,
)
from gruchat.tutor.compute_questions import compute_question
from gruchat.tutor.grounding import make_grounder

torch = pytest.importorskip("torch")

sizes = st.integers(min_value=1, max_value=300)


def torch_count(kind: str, input_size: int, hidden: int) -> int:
    module = getattr(torch.nn, kind)(input_size, hidden)
    return sum(p.numel() for p in module.parameters())


# -- Keras counts: the formulas and the weights Keras 3 builds ----------------------


@settings(max_examples=60, deadline=None)
@given(units=sizes, features=sizes, reset_after=st.booleans(), bidirectional=st.booleans())
def test_keras_gru_count_is_the_hand_derived_formula(units, features, reset_after, bidirectional):
    """keras/src/layers/rnn/gru.py (GRUCell.build): kernel (input, 3·units), recurrent_kernel
    (units, 3·units), bias (2, 3·units) with reset_after=True, (3·units,) without."""
    spec = KerasSpec("GRU", units, features, reset_after=reset_after, bidirectional=bidirectional)
    biases = 2 if reset_after else 1
    expected = 3 * (units * (features + units) + biases * units)
    assert keras_parameter_count(spec) == (2 if bidirectional else 1) * expected
    weights = keras_weight_shapes(spec)
    assert weights["kernel"] == (features, 3 * units)
    assert weights["bias"] == ((2, 3 * units) if reset_after else (3 * units,))
    one_direction = sum(math.prod(shape) for shape in weights.values())
    assert keras_parameter_count(spec) == spec.directions * one_direction


@settings(max_examples=40, deadline=None)
@given(units=sizes, features=sizes)
def test_keras_lstm_and_simple_rnn_counts(units, features):
    """lstm.py: kernel (input, 4·units), recurrent (units, 4·units), bias (4·units,);
    simple_rnn.py: (input, units), (units, units), (units,); use_bias=False drops the bias."""
    assert keras_parameter_count(KerasSpec("LSTM", units, features)) == 4 * (
        units * (features + units) + units
    )
    assert keras_parameter_count(KerasSpec("SimpleRNN", units, features)) == (
        units * (features + units) + units
    )
    no_bias = KerasSpec("GRU", units, features, use_bias=False)
    assert keras_parameter_count(no_bias) == 3 * units * (features + units)
    # with reset_after=True a Keras GRU counts exactly like torch.nn.GRU
    assert keras_parameter_count(KerasSpec("GRU", units, features)) == torch_count(
        "GRU", features, units
    )


def test_keras_block_shows_the_formula_with_the_numbers_in():
    computed = keras_parameters(KerasSpec("GRU", 64, 32, reset_after=False))
    assert computed.value == 3 * (64 * 96 + 64) == 18_624
    assert computed.formula == "3·(64·(32+64) + 64) = 18,624"
    assert "bias (192,)" in computed.text and "18,624" in computed.fact


def test_keras_output_shapes_follow_the_docstring_example():
    """GRU(4) on inputs (32, 10, 8): output (32, 4); with return_sequences and return_state
    (32, 10, 4) and a final state (32, 4)."""
    assert keras_shapes(KerasSpec("GRU", 4), batch=32, steps=10).value == (32, 4)
    both = keras_shapes(
        KerasSpec("GRU", 4, return_sequences=True, return_state=True), batch=32, steps=10
    )
    assert both.value == (32, 10, 4)
    assert "state: (32, 4)" in both.text
    lstm = keras_shapes(KerasSpec("LSTM", 4, return_state=True, bidirectional=True), batch=2)
    assert lstm.value == (2, 8)
    assert re.search(r"backward_state_c: \(2, 4\)", lstm.text)


KERAS_QUESTIONS = [
    ("How many parameters does keras.layers.GRU(64) have on 32 input features?", 18_816),
    ("How many parameters does a Keras GRU with input 10 and hidden 20 have?", 1_920),
    (
        "In Keras, how many trainable params has a GRU layer with 64 units and 32 features "
        "when reset_after=False?",
        18_624,
    ),
    ("How many parameters does Bidirectional(GRU(16)) have with input_shape=(None, 8)?", 2_496),
    # kernel 300·384 + recurrent 128·384 + bias 2·384 (session 18: embeddings as features)
    ("keras GRU(128) fed 300-dim embeddings, default settings. how many params?", 165_120),
    ("tf.keras.layers.LSTM(units=8, input_shape=(5, 3)): how many parameters?", 4 * (8 * 11 + 8)),
    (
        "What is the output shape of keras.layers.GRU(32, return_sequences=True) for a batch of "
        "16 with 10 timesteps?",
        (16, 10, 32),
    ),
    ("In Keras, what shape does a GRU layer with return_state=True return?", ("batch", "units")),
    (  # "the default return_sequences" is False: the last step only
        "keras GRU(12) with the default return_sequences, batch of 8, 5 timesteps, 3 features: "
        "output shape?",
        (8, 12),
    ),
]


@pytest.mark.parametrize(("question", "value"), KERAS_QUESTIONS)
def test_keras_questions_are_computed(question, value):
    computed = compute_question(question)
    assert computed is not None, question
    assert computed.value == value


@pytest.mark.parametrize(
    "question",
    [
        "How many parameters does tf.keras.layers.GRU(20) have?",  # no input size
        "How many parameters does keras.layers.GRU(20, foo=3) have on 8 features?",
        "In Keras, how do I get the GRU to give me an output for every timestep?",
        "Keras GRU(8) and LSTM(8): what shapes?",  # two layers, no comparison of counts
        "What does reset_after=True mean in a Keras GRU layer?",
    ],
)
def test_unclear_keras_questions_are_not_computed(question):
    assert compute_question(question) is None


# -- comparisons: how many more parameters ------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(input_size=sizes, hidden=sizes)
def test_lstm_minus_gru_matches_torch(input_size, hidden):
    lstm_spec, gru_spec = (RNNSpec(kind, input_size, hidden) for kind in ("LSTM", "GRU"))
    computed = compare_counts(lstm_spec, gru_spec)
    lstm, gru = torch_count("LSTM", input_size, hidden), torch_count("GRU", input_size, hidden)
    assert computed.value == lstm - gru
    assert set(computed.known_counts) >= {lstm, gru}


def _evaluate(polynomial: str, input_size: int, hidden: int) -> int:
    python = polynomial.replace("·", "*").replace("−", "-").replace("H", str(hidden))
    return eval(python.replace("I", str(input_size)), {"__builtins__": {}})


@settings(max_examples=40, deadline=None)
@given(input_size=sizes, hidden=sizes)
def test_the_formula_without_sizes_matches_torch_for_any_sizes(input_size, hidden):
    first, second = (form_of(RNNSpec(kind, 1, 1)) for kind in ("LSTM", "GRU"))
    computed = compare_forms(first, second)
    difference = computed.formula.rsplit(" = ", 1)[1]
    assert difference == "H·I + H·H + 2·H"
    expected = torch_count("LSTM", input_size, hidden) - torch_count("GRU", input_size, hidden)
    assert _evaluate(difference, input_size, hidden) == expected
    assert "4/3 times as many" in computed.text and "3/4 as many" in computed.text


@settings(max_examples=20, deadline=None)
@given(input_size=sizes, hidden=sizes)
def test_the_keras_formula_without_sizes_matches_the_keras_counts(input_size, hidden):
    first, second = (form_of(KerasSpec(kind, 1, 1)) for kind in ("LSTM", "GRU"))
    difference = compare_forms(first, second).formula.rsplit(" = ", 1)[1]
    expected = keras_parameter_count(KerasSpec("LSTM", hidden, input_size)) - (
        keras_parameter_count(KerasSpec("GRU", hidden, input_size))
    )
    assert _evaluate(difference, input_size, hidden) == expected


COMPARISONS = [
    ("How many more parameters does an LSTM have than a GRU of the same size?", None),
    ("how many more weights does an LSTM have compared to a GRU?", None),
    (
        "How many more parameters does an LSTM have than a GRU with input size 10 and "
        "hidden size 20?",
        640,
    ),
    ("nn.GRU(10, 20) vs nn.LSTM(10, 20): how many parameters?", 640),
    (
        "How many fewer params does a GRU have than an LSTM, input size 32, hidden size 64?",
        4 * 64 * 96 + 8 * 64 - 3 * 64 * 96 - 6 * 64,
    ),
    (
        "In Keras, how many more parameters does an LSTM(64) have than a GRU(64) on 32 features?",
        4 * (64 * 96 + 64) - 3 * (64 * 96 + 2 * 64),
    ),
    ("How many more parameters does a Keras LSTM have than a Keras GRU?", None),
    ("Why does a GRU layer have fewer weights than an LSTM of the same size?", None),
    ("By how many weights does an LSTM layer exceed a GRU layer of equal size?", None),
    ("An LSTM needs double the weights of a GRU of the same size, doesn't it?", None),
    (
        "Which has more parameters, a GRU or an LSTM with input size 8 and hidden size 4?",
        4 * 4 * 12 + 8 * 4 - 3 * 4 * 12 - 6 * 4,
    ),
]


@pytest.mark.parametrize(("question", "value"), COMPARISONS)
def test_comparison_questions_are_computed(question, value):
    computed = compute_question(question)
    assert computed is not None, question
    assert computed.value == value


def test_the_subject_of_a_fewer_question_comes_first():
    computed = compute_question("How many fewer parameters does a GRU have than an LSTM?")
    assert computed is not None
    assert "a GRU has H·I + H·H + 2·H parameters fewer than an LSTM" in computed.fact


@pytest.mark.parametrize(
    "question",
    [
        "How many parameters does a 2-layer GRU have compared with an LSTM, input size 4 "
        "and hidden size 8?",  # stacked layers are not compared
        "Which has more gates, a GRU or an LSTM?",
        "Does a bidirectional GRU have twice as many parameters as a GRU?",  # one kind
    ],
)
def test_comparisons_that_are_not_computed(question):
    assert compute_question(question) is None


def test_the_grounder_accepts_each_count_of_a_comparison_and_flags_others():
    grounder = make_grounder()
    question = (
        "How many more parameters does an LSTM have than a GRU with input size 10 and "
        "hidden size 20?"
    )
    right = "The LSTM has 2,560 parameters and the GRU 1,920, so 640 more."
    assert grounder.verify(right, question=question) == []
    wrong = grounder.verify("A GRU has 3,840 fewer parameters.", question=question)
    assert [fact for _, fact, _ in wrong] == [
        "parameters: 640 or 2,560 or 1,920 or 160 or 120 or 40"
    ]
    biases = "The LSTM has 160 bias parameters and the GRU 120, 40 more."
    assert grounder.verify(biases, question=question) == []


# -- a follow-up that changes the module of the question before it -----------------------


@pytest.mark.parametrize(
    ("earlier", "question", "module"),
    [
        ("How many trainable parameters does nn.GRU(input_size=10, hidden_size=20) have?",
         "And if I make it bidirectional?", lambda: torch.nn.GRU(10, 20, bidirectional=True)),
        ("How many parameters does nn.GRU(10, 20) have?", "And with 3 layers?",
         lambda: torch.nn.GRU(10, 20, num_layers=3)),
    ],
)  # fmt: skip
def test_a_follow_up_is_computed_with_the_question_it_changes(earlier, question, module):
    grounder = make_grounder()
    message, _ = grounder.ground(question, [earlier])
    computed = grounder.computed(question)
    expected = sum(p.numel() for p in module().parameters())
    assert computed is not None and computed.value == expected
    assert f"{expected:,} trainable parameters" in message
    wrong = grounder.verify(f"It has {expected * 2:,} parameters.", question=question)
    assert [fact for _, fact, _ in wrong] == [f"parameters: {expected:,}"]


def test_a_keras_follow_up_keeps_the_layer_and_changes_the_flag():
    grounder = make_grounder()
    earlier = "How many parameters does keras.layers.GRU(64) have on 32 input features?"
    grounder.ground("And with reset_after=False?", [earlier])
    computed = grounder.computed("And with reset_after=False?")
    assert computed is not None and computed.value == 3 * (64 * (32 + 64) + 64)


@pytest.mark.parametrize(  # a new size replaces the old one: tests/test_tutor_follow_up_values.py
    "question", ["what about an LSTM?", "and the shape of h_n?"]
)
def test_a_follow_up_that_disagrees_or_asks_two_things_is_not_computed(question):
    grounder = make_grounder()
    grounder.ground(question, ["How many parameters does nn.GRU(10, 20) have?"])
    assert grounder.computed(question) is None
    assert grounder.computed("And if I make it bidirectional?") is None  # not the last one


def test_how_much_bigger_a_keras_gru_is_than_simple_rnn_is_its_count_ratio():
    """SimpleRNN(12) on 20 features: 12·(20+12) + 12 = 396; GRU(12): 3·(12·32 + 2·12) = 1,224,
    3.09 times, not exactly 3 (the GRU's second bias vector)."""
    computed = compute_question(
        "keras SimpleRNN(12) vs GRU(12), 20 features per step, defaults. how much bigger is "
        "the gru, exactly 3x?"
    )
    assert computed is not None
    simple = keras_parameter_count(KerasSpec("SimpleRNN", 12, 20))
    gru = keras_parameter_count(KerasSpec("GRU", 12, 20))
    assert (simple, gru) == (12 * 32 + 12, 3 * (12 * 32 + 2 * 12))
    assert f"{gru:,} is {gru / simple:.2f} times {simple:,}" in computed.text


def test_three_keras_layers_side_by_side_are_each_counted():
    computed = compute_question(
        "keras: LSTM(8), GRU(8) and SimpleRNN(8) on 3 features each, how many params?"
    )
    assert computed is not None
    expected = tuple(
        keras_parameter_count(KerasSpec(kind, 8, 3)) for kind in ("LSTM", "GRU", "SimpleRNN")
    )
    assert computed.also == expected == (4 * (8 * 11 + 8), 3 * (8 * 11 + 16), 8 * 11 + 8)


def test_a_count_asked_with_reset_after_true_and_false_gives_both():
    question = (
        "keras GRU(5) on 9 features per step: param count with the default reset_after=True, "
        "and with reset_after=False?"
    )
    computed = compute_question(question)
    assert computed is not None
    on = keras_parameter_count(KerasSpec("GRU", 5, 9))
    off = keras_parameter_count(KerasSpec("GRU", 5, 9, reset_after=False))
    assert (on, off) == (240, 225) and computed.also == (on, off)
    assert f"{on:,} trainable parameters with reset_after=True" in computed.fact
    assert f"{off:,} with reset_after=False" in computed.fact
    grounder = make_grounder()
    grounder.ground(question, [], ())
    follow_up = "and if i also set use_bias=False?"
    grounder.ground(follow_up, [question], ())
    after = grounder.computed(follow_up)
    assert after is not None
    bare = keras_parameter_count(KerasSpec("GRU", 5, 9, use_bias=False))
    assert after.also == (bare, bare) == (210, 210)


def test_a_batch_with_the_weight_shapes_gives_the_product_shapes():
    computed = compute_question(
        "keras does x @ kernel. for a batch of 4 vectors with 10 features going into GRU(6), "
        "what shape is that product?"
    )
    assert computed is not None
    shapes = computed.known_shapes
    x, h = torch.zeros(4, 10), torch.zeros(4, 6)
    kernel, recurrent = torch.zeros(*shapes["kernel"]), torch.zeros(*shapes["recurrent_kernel"])
    assert shapes["x @ kernel"] == tuple((x @ kernel).shape) == (4, 18)
    assert shapes["h @ recurrent_kernel"] == tuple((h @ recurrent).shape) == (4, 18)
    assert "x @ kernel has shape (4, 18)" in computed.fact
