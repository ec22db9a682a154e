"""Session 7's miss classes of issue 15: Keras weight shapes and h_n's first dimension
computed (against torch), and the guard's rules for gate vectors, dropout between stacked
layers, nn.GRU's default input layout and who wrote the 2014 comparison (each rule with a
wrong sentence it flags and a right one it leaves alone)."""

from __future__ import annotations

import pytest

from gruchat.tutor.compute_keras import KerasSpec, keras_parameter_count, keras_weights
from gruchat.tutor.compute_questions import compute_question
from gruchat.tutor.grounding import make_grounder
from gruchat.tutor.guard import contradictions
from gruchat.tutor.guard_shapes import wrong_shape

torch = pytest.importorskip("torch")


# -- Keras kernel / recurrent_kernel / bias --------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kernel", "recurrent", "bias"),
    [
        (
            "For keras.layers.GRU(64) on inputs with 10 features, what shapes do kernel, "
            "recurrent_kernel and bias have?",
            (10, 192),
            (64, 192),
            (2, 192),
        ),
        (
            "What is the shape of the kernel of a Keras GRU with 32 units and 8 input features?",
            (8, 96),
            (32, 96),
            (2, 96),
        ),
        (
            "In Keras, what shape are the weights of GRU(16, reset_after=False) with input_dim=4?",
            (4, 48),
            (16, 48),
            (48,),
        ),
        ("What shapes do the Keras LSTM(5) weights have on 3 features?", (3, 20), (5, 20), (20,)),
    ],
)
def test_keras_weight_shape_questions_are_computed(question, kernel, recurrent, bias):
    computed = compute_question(question)
    assert computed is not None
    assert computed.known_shapes == {"kernel": kernel, "recurrent_kernel": recurrent, "bias": bias}
    assert str(kernel).replace(" ", "") in computed.body.replace(" ", "")


@pytest.mark.parametrize(("units", "features"), [(64, 10), (7, 3), (1, 1)])
def test_keras_gru_weights_are_torch_weights_transposed(units, features):
    """Keras's GRU (reset_after=True) kernel is torch's weight_ih_l0 transposed, and its two
    bias rows are torch's bias_ih and bias_hh: the same numbers, so the same count."""
    spec = KerasSpec("GRU", units, features)
    shapes = keras_weights(spec).known_shapes
    module = torch.nn.GRU(features, units)
    assert shapes["kernel"] == tuple(module.weight_ih_l0.T.shape)
    assert shapes["recurrent_kernel"] == tuple(module.weight_hh_l0.T.shape)
    assert shapes["bias"] == tuple(torch.stack([module.bias_ih_l0, module.bias_hh_l0]).shape)
    total = sum(torch.Size(s).numel() for s in shapes.values())
    assert total == keras_parameter_count(spec) == sum(p.numel() for p in module.parameters())


def test_output_shape_questions_still_give_the_output():
    computed = compute_question("What shape is the output of keras.layers.GRU(64)?")
    assert computed is not None and computed.tensor == "output"


def test_the_guard_checks_every_weight_shape_and_tells_kernel_from_recurrent_kernel():
    grounder = make_grounder()
    question = "For keras.layers.GRU(64) on 10 features, what shapes do kernel and bias have?"
    right = "The kernel is (10, 192), the recurrent_kernel is (64, 192) and the bias is (2, 192)."
    assert grounder.verify(right, question=question) == []
    wrong = grounder.verify("The recurrent_kernel has shape (192, 64).", question=question)
    assert [fact for _, fact, _ in wrong] == ["recurrent_kernel has shape (64, 192)"]
    assert wrong_shape("recurrent_kernel (64, 192)", {"kernel": (10, 192)}) is None


# -- h_n's first dimension -------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "With bidirectional=True and num_layers=3, what is the first dimension of h_n?",
        "For a {layers}-layer bidirectional GRU, what is h_n.size(0)?",
        "what is the leading dimension of h_n for nn.GRU(10, 20, num_layers={layers}, "
        "bidirectional=True)?",
    ],
)
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_the_first_dimension_of_h_n_matches_torch(question, layers):
    if "num_layers=3" in question and layers != 3:
        pytest.skip("the question names its own num_layers")
    computed = compute_question(question.format(layers=layers))
    assert computed is not None and computed.tensor == "h_n"
    gru = torch.nn.GRU(4, 5, num_layers=layers, bidirectional=True)
    _, h_n = gru(torch.zeros(2, 3, 4))
    assert computed.value[0] == h_n.shape[0] == 2 * layers


def test_one_direction_and_the_guard_on_a_wrong_first_dimension():
    computed = compute_question("What is the first dimension of h_n with num_layers=2?")
    assert computed is not None and computed.value[0] == 2
    grounder = make_grounder()
    question = "With bidirectional=True and num_layers=3, what is the first dimension of h_n?"
    flagged = grounder.verify("h_n has shape (3, N, H).", question=question)
    assert [fact for _, fact, _ in flagged] == ["h_n has shape (6, N, H_out)"]
    assert grounder.verify("h_n has shape (6, N, H).", question=question) == []


@pytest.mark.parametrize(
    "question",
    [
        "what is the first dimension of c_n for a GRU?",  # no cell state: the notes answer
        "what is the first dimension of the output?",  # the output's first axis is L or N
        "what is the first dimension of h_n for nn.GRUCell(3, 4)?",
    ],
)
def test_first_dimension_questions_that_are_not_computed(question):
    assert compute_question(question) is None


# -- the guard's rules -----------------------------------------------------------------------

WRONG = [
    ("The reset gate is one number for the whole layer.", "gates"),
    ("The reset gate is a single scalar.", "gates"),
    ("Dropout is also applied after the last layer.", "pytorch-usage"),
    ("By default, nn.GRU expects (batch, seq_len, input_size).", "pytorch-usage"),
    ("With batch_first left at its default, nn.GRU expects the input to have shape (N, L, H).",
     "pytorch-usage"),
    ("The 2014 study by Cho et al. compared GRUs and LSTMs on music and speech data.",
     "history-and-papers"),
    ("Yes, a GRU has an input gate.", "gates"),
    ("The update gate uses tanh, not sigmoid.", "gates"),
]  # fmt: skip
RIGHT = [
    "The reset gate is a vector with one value per hidden unit.",
    "The reset gate has one value for each hidden unit, not one number for the whole layer.",
    "Dropout is applied to the outputs of every layer except the last.",
    "Dropout is applied between the layers, not after the last layer.",
    "By default, nn.GRU expects (seq_len, batch, input_size).",
    "With batch_first=True the input is (batch, seq_len, features).",
    "In Keras the default input is (batch, timesteps, features).",
    "Chung, Gulcehre, Cho and Bengio compared GRUs and LSTMs in 2014.",
    "Cho et al. (2014) introduced the GRU.",
    "No, a GRU has no input gate.",
    "The update gate uses sigmoid, not tanh.",
    "The update gate is a sigmoid while the candidate uses tanh.",
    "Neither gate uses tanh: the update gate does not use tanh, the candidate does.",
]


@pytest.mark.parametrize(("sentence", "note"), WRONG)
def test_a_wrong_sentence_is_flagged(sentence, note):
    (found,) = contradictions(sentence, question="A question about a GRU")
    assert found.note == note


@pytest.mark.parametrize("sentence", RIGHT)
def test_a_right_sentence_is_not_flagged(sentence):
    assert contradictions(sentence, question="A question about a GRU") == []


def test_an_lstm_gate_fact_answers_does_it_have_that_gate():
    (found,) = contradictions("It has a forget gate.", question="Does a GRU have a forget gate?")
    assert "no forget gate" in found.fact


_COMPARED = "Who wrote the 2014 study that compared GRUs and LSTMs on music and speech data?"


@pytest.mark.parametrize(
    ("answer", "flagged"),
    [
        ("Cho et al. wrote it.", True),
        ("It was written by Kyunghyun Cho and colleagues.", True),
        ("Chung, Gulcehre, Cho and Bengio wrote it.", False),
        ("Chung et al. (2014). Cho et al. had introduced the GRU earlier that year.", False),
    ],
)
def test_who_compared_the_two_is_chung_not_cho(answer, flagged):
    assert bool(contradictions(answer, question=_COMPARED)) is flagged


def test_who_introduced_it_is_still_cho():
    assert contradictions("Cho et al. (2014).", question="Who introduced the GRU?") == []
    assert contradictions("Chung et al. (2014).", question="Who introduced the GRU?")
