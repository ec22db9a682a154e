"""Several GRU steps with z and n held fixed (gruchat.tutor.compute_unrolled), checked
against torch.nn.GRUCell: zero weights and biases chosen so that σ(b_iz + b_hz) = z and
tanh(b_in) = n at every step."""

from __future__ import annotations

import math
import re

import pytest

from gruchat.tutor.compute_questions import compute_question

torch = pytest.importorskip("torch")


def torch_run(z: float, n: float, h0: float, steps: int) -> list[float]:
    """h after each of ``steps`` steps of a 1-unit nn.GRUCell whose gates are fixed."""
    cell = torch.nn.GRUCell(1, 1, dtype=torch.float64)
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
        cell.bias_ih[1] = math.log(z / (1 - z))  # z = σ(b_iz): rows r, z, n
        # n = tanh(b_in + r·b_hn) with b_hn = 0; tanh(30) is 1.0 in float64
        cell.bias_ih[2] = math.atanh(n) if abs(n) < 1 else math.copysign(30.0, n)
        h = torch.tensor([[h0]], dtype=torch.float64)
        out = []
        for _ in range(steps):
            h = cell(torch.zeros(1, 1, dtype=torch.float64), h)
            out.append(float(h[0, 0]))
    return out


def number(text: str) -> float:
    return float(text.replace("−", "-"))


@pytest.mark.parametrize(
    ("question", "z", "n", "h0", "steps"),
    [
        ("one unit, z stays at 0.5 and the candidate n stays at 1 every step, h0 = 0. what's "
         "h after two steps?", 0.5, 1.0, 0.0, 2),
        ("if z = 0.8 at every step and n = -0.5, starting from h = 1, what is h after 5 steps?",
         0.8, -0.5, 1.0, 5),
        ("update gate fixed at 0.3, candidate 0.25 every step, h_0 = -1: h after 12 steps?",
         0.3, 0.25, -1.0, 12),
    ],
)  # fmt: skip
def test_the_value_after_k_steps_matches_torch(
    question: str, z: float, n: float, h0: float, steps: int
) -> None:
    computed = compute_question(question)
    assert computed is not None, question
    expected = torch_run(z, n, h0, steps)
    shown = number(re.findall(r"= ([−\d.]+)$", computed.formula)[0])
    assert shown == pytest.approx(expected[-1], abs=1e-4)
    for line in computed.lines:
        if found := re.fullmatch(r"step (\d+): h = ([−\d.]+)", line):
            assert number(found[2]) == pytest.approx(expected[int(found[1]) - 1], abs=1e-4)
    assert f"after {steps} steps h = " in computed.fact


@pytest.mark.parametrize(
    ("question", "z", "n", "h0", "limit", "falling"),
    [
        ("one unit, z = 0.9 every step and n = 0 every step, starting from h = 1. after how "
         "many steps does h first drop below 0.5?", 0.9, 0.0, 1.0, 0.5, True),
        ("z is constant at 0.95, n = 1 each step, h0 = 0: how many steps until h gets above "
         "0.9?", 0.95, 1.0, 0.0, 0.9, False),
    ],
)  # fmt: skip
def test_the_first_step_past_a_threshold_matches_torch(
    question: str, z: float, n: float, h0: float, limit: float, falling: bool
) -> None:
    computed = compute_question(question)
    assert computed is not None, question
    values = torch_run(z, n, h0, 200)
    first = next(k for k, v in enumerate(values, 1) if (v < limit if falling else v > limit))
    assert f"at step {first} " in computed.fact
    assert f"k = {first}" in computed.formula


def test_the_flipped_convention_keeps_one_minus_z() -> None:
    computed = compute_question(
        "flipped convention, z = 0.8 every step, n = 1, h0 = -1: what is h after 3 steps?"
    )
    assert computed is not None
    # flipped z = 0.8 is PyTorch's z = 0.2
    assert number(re.findall(r"= ([−\d.]+)$", computed.formula)[0]) == pytest.approx(
        torch_run(0.2, 1.0, -1.0, 3)[-1], abs=1e-4
    )


@pytest.mark.parametrize(
    "question",
    [
        "z = 0.5 and n = 1, h0 = 0: what's h after two steps?",  # nothing says z is held
        "z stays at 0.5 every step, h0 = 0: what's h after two steps?",  # no n
        "z stays at 0.5 and n = 1 every step: what's h after two steps?",  # no h0
        "z stays at 1.5, n = 1, h0 = 0 every step: h after two steps?",  # not a gate value
        "an lstm's forget gate stays at 0.5, n = 1, h0 = 0: h after two steps?",
        "z = 0.9 every step, n = 0, h0 = 1: how many steps does it take?",  # no threshold
        "z = 0.5 every step, n = 1, h0 = 0: after how many steps does h drop below 0?",
    ],
)
def test_unclear_or_impossible_questions_compute_nothing_of_this_kind(question: str) -> None:
    computed = compute_question(question)
    assert computed is None or "steps" not in computed.title, computed


@pytest.mark.parametrize(
    ("question", "z", "share", "first"),
    [  # session 18: how long an old value lasts, with z held
        ("if z sat at 0.95 for a unit, about how many steps before an old value's weight is "
         "down to 1/e?", 0.95, math.exp(-1), 20),
        ("z stays at 0.9: after how many steps is the weight of the old value halved?", 0.9,
         0.5, 7),
    ],
)  # fmt: skip
def test_an_old_values_weight_falls_as_z_to_the_k(question, z, share, first):
    computed = compute_question(question)
    assert computed is not None, question
    k = math.log(share) / math.log(z)
    assert f"≈ {k:.4f} steps" in computed.formula
    assert f"at step {first})" in computed.fact
    # an old value's weight is what is left of h₀ = 1 when every candidate is 0
    h, weights = torch.tensor(1.0, dtype=torch.float64), [1.0]
    for _step in range(first):
        h = (1 - z) * 0.0 + z * h  # PyTorch's hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁
        weights.append(h.item())
    assert weights[first] <= share < weights[first - 1]


def test_an_old_values_weight_needs_one_target():
    assert compute_question("z stays at 0.9: how many steps until the old value's weight is "
                            "small?") is None  # fmt: skip
