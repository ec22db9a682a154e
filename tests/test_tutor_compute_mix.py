"""hₜ worked out with the learner's own z, n and hₜ₋₁ (gruchat.tutor.compute_mix), checked
against torch.nn.GRUCell, whose last line is the Cho et al. / PyTorch convention."""

from __future__ import annotations

import math
import re

import pytest

from gruchat.tutor.compute_questions import compute_question
from gruchat.tutor.grounding import make_grounder

torch = pytest.importorskip("torch")


def cell_step(z: list[float], n: list[float], h: list[float]) -> list[float]:
    """nn.GRUCell's new state for gates forced to ``z`` and a candidate forced to ``n``:
    zero weights, so z = σ(b_iz) and n = tanh(b_in) whatever the input."""
    size = len(z)
    cell = torch.nn.GRUCell(1, size, dtype=torch.float64)
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
        logit = [math.log(v / (1 - v)) for v in z]
        cell.bias_ih[size : 2 * size] = torch.tensor(logit, dtype=torch.float64)
        cell.bias_ih[2 * size :] = torch.tensor([math.atanh(v) for v in n], dtype=torch.float64)
        out = cell(torch.zeros(1, 1, dtype=torch.float64), torch.tensor([h], dtype=torch.float64))
    return out[0].tolist()


def shown_state(text: str) -> list[float]:
    """The hₜ the block states last in its formula ("… so hₜ = [−0.4, …]" or "= −0.4")."""
    found = re.findall(r"hₜ = (\[[^\]]*\]|[−\d.]+)", text)
    values = found[-1].strip("[]").replace("−", "-")
    return [float(v) for v in values.split(",")]


@pytest.mark.parametrize(
    ("question", "z", "n", "h"),
    [
        ("h_{t-1} = [2, 2, 2], candidate n = [-0.5, -0.5, -0.5] and z = [0.2, 0.2, 0.2]. "
         "what's h_t?", [0.2] * 3, [-0.5] * 3, [2.0] * 3),
        ("with z = [0.9, 0.1], n = [0.3, -0.6] and h_prev = [-1, 1], what is the new state?",
         [0.9, 0.1], [0.3, -0.6], [-1.0, 1.0]),
        ("if z is 0.75, the candidate is 0.5 and the previous state is 2, what's h_t?",
         [0.75], [0.5], [2.0]),
    ],
)  # fmt: skip
def test_the_new_state_is_what_a_gru_cell_computes(question, z, n, h):
    computed = compute_question(question)
    assert computed is not None, question
    expected = cell_step(z, n, h)
    assert shown_state(computed.fact) == pytest.approx(expected, abs=1e-4)
    last = re.search(r"= (\[[^\]]*\]|[−\d.]+)$", computed.formula)
    assert last is not None
    assert shown_state(f"hₜ = {last.group(1)}") == pytest.approx(expected, abs=1e-4)


def test_each_unit_gets_its_own_line_when_they_differ():
    computed = compute_question("h_{t-1} = [2, 2, 2], n = [-1, -1, -1], z = [1, 0, 0.25]: h_t?")
    assert computed is not None
    assert computed.lines == (
        "unit 1: 0·(−1) + 1·(2) = 2",
        "unit 2: 1·(−1) + 0·(2) = −1",
        "unit 3: 0.75·(−1) + 0.25·(2) = −0.25",
    )
    assert "hₜ = [2, −1, −0.25] (hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁" in computed.fact


def test_the_flipped_convention_swaps_the_shares():
    pytorch = compute_question("z = 0.2, n = -1, h_{t-1} = 2: what is h_t?")
    flipped = compute_question(
        "z = 0.2, n = -1, h_{t-1} = 2: what is h_t in the flipped convention?"
    )
    assert pytorch is not None and flipped is not None
    assert shown_state(pytorch.fact) == pytest.approx([-0.4])
    assert shown_state(flipped.fact) == pytest.approx([0.2 * -1 + 0.8 * 2])
    assert "hₜ = z ⊙ n + (1 − z) ⊙ hₜ₋₁" in flipped.formula
    assert "give hₜ = 1.4 there" in pytorch.explanation  # the other convention, named


def test_z_alone_gives_the_shares_of_old_state_and_candidate():
    computed = compute_question("if z_t = 0.8 for one unit, how much of its old value reaches h_t?")
    assert computed is not None
    assert "keeps 80% of hₜ₋₁ and 20% of the candidate n" in computed.formula
    assert "80% of hₜ₋₁" in computed.fact


def test_a_follow_up_with_new_values_replaces_the_earlier_ones():
    grounder = make_grounder()
    earlier = "h_{t-1} = [2, 2, 2], candidate n = [-1, -1, -1] and z = [0.2, 0.2, 0.2]. h_t?"
    question = "and with z = [1, 0, 0.25] instead?"
    message, _ = grounder.ground(question, [earlier])
    computed = grounder.computed(question)
    assert computed is not None and "[2, −1, −0.25]" in computed.fact
    assert computed.fact in message


@pytest.mark.parametrize(
    "question",
    [
        "what does z do?",  # no numbers
        "z = 0.2 or z = 0.5, n = 1, h_{t-1} = 0: what is h_t?",  # two values for z
        "z = 1.5, n = 1, h_{t-1} = 0: what is h_t?",  # not a gate value
        "z = [0.2, 0.3], n = [1, 1, 1], h_{t-1} = [0, 0, 0]: h_t?",  # lengths differ
        "in an LSTM with forget gate 0.8, how much of c_{t-1} is kept?",
        "z = 0.2 and n = 1: what is h_t?",  # no h_{t-1}
    ],
)
def test_questions_that_do_not_say_enough_are_not_computed(question):
    assert compute_question(question) is None
