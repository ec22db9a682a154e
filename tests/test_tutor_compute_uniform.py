"""One GRU step on weights the learner sets all alike (gruchat.tutor.compute_uniform),
checked against torch.nn.GRU with every parameter filled with the learner's values."""

from __future__ import annotations

import re

import pytest

from gruchat.tutor.compute_questions import compute_question
from gruchat.tutor.grounding import make_grounder

torch = pytest.importorskip("torch")


def torch_step(w: float, b: float, x: list[float], h: list[float]) -> list[float]:
    """nn.GRU's output after one step, every weight ``w`` and every bias ``b``."""
    gru = torch.nn.GRU(len(x), len(h), dtype=torch.float64)
    with torch.no_grad():
        for name, p in gru.named_parameters():
            p.fill_(b if name.startswith("bias") else w)
        out, _ = gru(
            torch.tensor([[x]], dtype=torch.float64), torch.tensor([[h]], dtype=torch.float64)
        )
    return out[0, 0].tolist()


def shown_state(text: str) -> list[float]:
    """The hₜ the block's formula states ("hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁ = [0.25, −0.25]")."""
    (found,) = re.findall(r"hₜ₋₁ = (\[[^\]]*\]|[−\d.]+)$", text.splitlines()[1])
    return [float(v) for v in found.strip("[]").replace("−", "-").split(",")]


@pytest.mark.parametrize(
    ("question", "w", "b", "x", "h"),
    [
        ("tiny example, hidden size 1, pytorch gru: x = 1, h_{t-1} = 0, every weight 1 and "
         "every bias 0. what's h_t?", 1.0, 0.0, [1.0], [0.0]),
        ("all weights are 0.5, biases all 0, hidden_size=2, x = [1, -1], h0 = [0.5, -0.5]: "
         "what is h_1?", 0.5, 0.0, [1.0, -1.0], [0.5, -0.5]),
        ("nn.GRU(1, 3), every weight 1, bias=False, x = 2, h_{t-1} = 0, h_t?",
         1.0, 0.0, [2.0], [0.0, 0.0, 0.0]),
        ("all weights are -0.5 and all biases 0.1, hidden_size=2, x = [1, 2], "
         "h_prev = [0.5, -0.5]: what is h_t?", -0.5, 0.1, [1.0, 2.0], [0.5, -0.5]),
        ("every weight is zero and every bias is zero, 1-unit gru, x=3, h_prev = 0.7, new "
         "state?", 0.0, 0.0, [3.0], [0.7]),
        ("input_size=3, hidden size 2, every weight 0.2, every bias -0.1, x = 1, h0 = 0.5, "
         "what's h_t?", 0.2, -0.1, [1.0, 1.0, 1.0], [0.5, 0.5]),
    ],
)  # fmt: skip
def test_the_step_is_torchs(question: str, w: float, b: float, x: list, h: list) -> None:
    found = compute_question(question)
    assert found is not None, question
    assert shown_state(found.text) == pytest.approx(torch_step(w, b, x, h), abs=6e-5)
    assert "Computed exactly: hₜ =" in found.fact


def test_the_working_shows_r_equal_to_z_and_the_other_convention() -> None:
    found = compute_question(
        "hidden size 1, x = 1, h_{t-1} = 0, every weight 1 and every bias 0. what's h_t?"
    )
    assert found is not None
    r_line, z_line = found.lines[0], found.lines[1]
    assert r_line.rsplit("=", 1)[1] == z_line.rsplit("=", 1)[1] == " 0.7311"
    assert "flipped convention" in found.explanation and "0.5568" in found.explanation


def test_negative_numbers_are_bracketed_in_the_working() -> None:
    found = compute_question(
        "all weights are -0.5 and all biases 0, hidden_size=2, x = [1, 2], "
        "h_prev = [0.5, -0.5]: what is h_t?"
    )
    assert found is not None
    assert "(−0.5)·3" in found.lines[0] and "0.2142·(−0.5)" not in found.lines[0]
    assert any("·(−0.5) =" in line for line in found.lines)


@pytest.mark.parametrize(
    "question",
    [
        # no biases stated: PyTorch draws them at random
        "hidden size 1, x = 1, h_{t-1} = 0, every weight 1. what's h_t?",
        # no hidden size for a single h value
        "x = 1, h_{t-1} = 0, every weight 1 and every bias 0. what's h_t?",
        # sizes that disagree with the vectors
        "hidden size 3, x = 1, h_{t-1} = [0, 1], every weight 1 and every bias 0, h_t?",
        "input_size=2, hidden size 1, x = [1, 2, 3], h0 = 0, every weight 1, every bias 0, h_t?",
        # two values for the same thing, with nothing saying one replaces the other
        "hidden size 1, x = 1, x = 2, h_{t-1} = 0, every weight 1 and every bias 0, h_t?",
        # an LSTM, and the flipped convention
        "lstm with hidden size 1, x = 1, h_{t-1} = 0, every weight 1, every bias 0, h_t?",
        "in the flipped convention, hidden size 1, x = 1, h_{t-1} = 0, every weight 1 and "
        "every bias 0, h_t?",
        # nothing asked about the new state
        "hidden size 1, x = 1, h_{t-1} = 0, every weight 1 and every bias 0",
    ],
)
def test_unclear_or_other_questions_compute_nothing(question: str) -> None:
    assert compute_question(question) is None


def test_a_follow_up_changing_one_value_keeps_the_rest() -> None:
    grounder = make_grounder()
    first = (
        "tiny example, hidden size 1, pytorch gru: x = 1, h_{t-1} = 0, every weight 1 and "
        "every bias 0. what's h_t?"
    )
    grounder.ground(first)
    follow_up = "same setup but h_{t-1} = 1 this time?"
    grounder.ground(follow_up, [first])
    found = grounder.computed(follow_up)
    assert found is not None
    assert shown_state(found.text) == pytest.approx(torch_step(1.0, 0.0, [1.0], [1.0]), abs=6e-5)


@pytest.mark.parametrize(
    ("question", "w", "b", "xs", "h0"),
    [  # session 18: several steps on a sequence of scalar inputs
        ("two steps by hand: 1 unit, every weight 1, every bias 0, h0 = 0, inputs 1 then 0. "
         "whats h after the second step?", 1.0, 0.0, [1.0, 0.0], 0.0),
        ("one unit, every weight 0.5 and every bias 0, h0 = 1, inputs 2 then -1 then 0: "
         "h after the last step?", 0.5, 0.0, [2.0, -1.0, 0.0], 1.0),
    ],
)  # fmt: skip
def test_several_steps_are_torchs(question, w, b, xs, h0) -> None:
    found = compute_question(question)
    assert found is not None, question
    gru = torch.nn.GRU(1, 1)
    with torch.no_grad():
        for name, p in gru.named_parameters():
            p.fill_(w if name.startswith("weight") else b)
    out, _h = gru(torch.tensor(xs).view(-1, 1, 1), torch.tensor([[[h0]]]))
    last = float(found.formula.rsplit(" = ", 1)[1].replace("−", "-"))
    assert last == pytest.approx(out[-1].item(), abs=6e-5)
    for line, value in zip(found.lines, out.flatten().tolist(), strict=True):
        assert float(line.rsplit(" = ", 1)[1].replace("−", "-")) == pytest.approx(value, abs=6e-5)
