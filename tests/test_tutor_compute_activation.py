"""σ, tanh, their slopes and inverses worked out (gruchat.tutor.compute_activation),
checked against torch's own sigmoid, tanh and autograd."""

from __future__ import annotations

import math
import re

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")


def _stated(text: str) -> float:
    """The number the block's formula ends on ("… ≈ 0.8808", "… = 0.09")."""
    found = re.findall(r"[≈=] (−?\d+(?:\.\d+)?)$", text.splitlines()[1])
    assert found, text
    return float(found[-1].replace("−", "-"))


def _value_and_slope(function: str, a: float) -> tuple[float, float]:
    x = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    y = torch.sigmoid(x) if function == "sigmoid" else torch.tanh(x)
    y.backward()
    return y.item(), x.grad.item()


@pytest.mark.parametrize(
    ("question", "function", "a", "slope"),
    [
        ("what's sigmoid(2)?", "sigmoid", 2.0, False),
        ("sigmoid(−3)?", "sigmoid", -3.0, False),
        ("what is tanh(1)?", "tanh", 1.0, False),
        ("what's the slope of the sigmoid at x = 0?", "sigmoid", 0.0, True),
        ("what's tanh'(0.5)?", "tanh", 0.5, True),
        # a gate named, its σ implied; "ln 3" read as a number; "slope at a pre-activation
        # of 5" is the slope at an input, not an inverse (session 18, the tenth edition)
        ("the reset gate's pre-activation for one unit comes out as ln 3. so whats r there?",
         "sigmoid", math.log(3), False),
        ("the update gate's pre-activation is 2, what's z?", "sigmoid", 2.0, False),
        ("ok and whats the sigmoid's slope at a pre-activation of 5?", "sigmoid", 5.0, True),
        ("if the pre-activation is -1, what is tanh of it?", "tanh", -1.0, False),
    ],
)  # fmt: skip
def test_a_value_or_slope_at_an_input_is_torchs(
    question: str, function: str, a: float, slope: bool
) -> None:
    found = compute_question(question)
    assert found is not None
    value, derivative = _value_and_slope(function, a)
    assert _stated(found.text) == pytest.approx(derivative if slope else value, abs=6e-5)


@pytest.mark.parametrize(
    ("question", "function", "output"),
    [
        ("if z = 0.9 what's the derivative of the sigmoid there?", "sigmoid", 0.9),
        ("derivative of tanh when n = 0.5?", "tanh", 0.5),
        ("gradient of the sigmoid where its output is 0.99", "sigmoid", 0.99),
        ("for z = σ(a), what's dz/da when z comes out as 0.9?", "sigmoid", 0.9),
    ],
)
def test_a_slope_where_the_function_gives_a_value_is_taken_at_its_input(
    question: str, function: str, output: float
) -> None:
    found = compute_question(question)
    assert found is not None
    inverse = torch.logit if function == "sigmoid" else torch.atanh
    a = inverse(torch.tensor(output, dtype=torch.float64)).item()
    assert _stated(found.text) == pytest.approx(_value_and_slope(function, a)[1], abs=6e-5)


@pytest.mark.parametrize(
    ("question", "function", "output"),
    [
        ("what pre-activation of the sigmoid gives z = 0.99?", "sigmoid", 0.99),
        ("what's the logit for z = 0.99", "sigmoid", 0.99),
        ("what number goes into the sigmoid to get 0.9?", "sigmoid", 0.9),
        ("what input to tanh gives 0.5?", "tanh", 0.5),
        ("which pre-activation gives z = 0.99?", "sigmoid", 0.99),  # a gate's: σ
    ],
)
def test_the_input_a_value_needs_is_torchs_inverse(
    question: str, function: str, output: float
) -> None:
    found = compute_question(question)
    assert found is not None
    inverse = torch.logit if function == "sigmoid" else torch.atanh
    expected = inverse(torch.tensor(output, dtype=torch.float64)).item()
    assert _stated(found.text) == pytest.approx(expected, abs=6e-5)


@pytest.mark.parametrize(
    "question",
    [
        "why does the gate use a sigmoid?",  # no number
        "if z = 0.9, how much gradient gets back through the update path?",  # not σ's slope
        "what is σ(2) and σ(3)?",  # two numbers
        "what goes into the sigmoid to give 1.5?",  # no input gives it
        "derivative of the sigmoid and tanh at 0?",  # two functions
        "what logit gives the derivative of the sigmoid at 0.5?",  # slope and inverse at once
    ],
)
def test_what_is_unclear_or_impossible_gets_nothing(question: str) -> None:
    found = compute_question(question)
    # the gradient question gets the share z keeps (compute_mix), never σ's slope
    assert found is None or found.title == "hₜ with your z", found


def test_the_update_gates_input_gives_the_share_of_the_old_state_torch_keeps():
    """z = σ(a); nn.GRUCell with every weight 0 and b_iz = a keeps z of hₜ₋₁ when n = 0."""
    from gruchat.tutor.grounding import make_grounder

    question = (
        "say the number going into the update gate's sigmoid is 2 for one unit. in pytorch, "
        "what fraction of that unit's old state makes it into h_t?"
    )
    follow_up = "and if that number were -2 instead?"
    grounder = make_grounder()
    for text, a in ((question, 2.0), (follow_up, -2.0)):
        grounder.ground(text, [question] if text is follow_up else [], ())
        computed = grounder.computed(text)
        assert computed is not None, text
        cell = torch.nn.GRUCell(1, 1, dtype=torch.float64)
        with torch.no_grad():
            for p in cell.parameters():
                p.zero_()
            cell.bias_ih[1] = a  # rows r, z, n; n = tanh(0) = 0
            kept = cell(
                torch.zeros(1, 1, dtype=torch.float64), torch.ones(1, 1, dtype=torch.float64)
            )
        share = f"{100 * kept.item():.1f}% of the old state"
        assert share in computed.fact, (share, computed.fact)


def test_an_input_fed_into_the_sigmoid_alone_is_its_input():
    computed = compute_question("the value going into the sigmoid is 0.5: what comes out?")
    assert computed is not None
    assert _stated(computed.text) == pytest.approx(
        torch.sigmoid(torch.tensor(0.5)).item(), abs=1e-4
    )


@pytest.mark.parametrize(
    "question",
    ["what is ln 0?", "why does cross-entropy blow up, is it because ln 0 is minus infinity?",
     "tanh(ln 0)?"],
)  # fmt: skip
def test_ln_of_zero_is_left_alone(question: str) -> None:
    compute_question(question)  # the review (session 18): raised "math domain error"


def test_a_log_inside_a_call_keeps_the_calls_bracket() -> None:
    found = compute_question("what's sigmoid(ln 3)?")
    assert found is not None and _stated(found.text) == pytest.approx(0.75, abs=6e-5)


def test_a_formula_that_raises_costs_the_turn_no_more_than_its_block(monkeypatch) -> None:
    from gruchat.tutor import grounding

    def raises(_question):
        raise ValueError("math domain error")

    monkeypatch.setattr(grounding, "compute_question", raises)
    assert grounding.NotesGrounder().computed("what is ln 0?") is None
