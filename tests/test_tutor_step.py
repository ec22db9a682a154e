"""The hand-worked GRU step agrees with torch.nn.GRUCell and renders sensibly."""

from __future__ import annotations

import io
import math
from typing import Any

import pytest
from rich.console import Console

from gruchat.tutor.step import (
    EXAMPLE_H0,
    EXAMPLE_SEQUENCE,
    EXAMPLE_WEIGHTS,
    EXAMPLE_X,
    GRUWeights,
    gru_step,
    render_step,
    run_sequence,
)


def test_weights_use_pytorch_gru_cell_layout() -> None:
    w = EXAMPLE_WEIGHTS
    assert (w.hidden_size, w.input_size) == (3, 2)
    assert len(w.weight_ih) == 9 and all(len(row) == 2 for row in w.weight_ih)
    assert len(w.weight_hh) == 9 and all(len(row) == 3 for row in w.weight_hh)
    assert len(w.bias_ih) == 9 and len(w.bias_hh) == 9
    w_iz, w_hz, b_iz, b_hz = w.block("z")
    assert w_iz == w.weight_ih[3:6] and w_hz == w.weight_hh[3:6]
    assert b_iz == w.bias_ih[3:6] and b_hz == w.bias_hh[3:6]


def test_step_by_hand_for_unit_zero() -> None:
    """Recompute unit 0 of the example straight from the formulas."""
    w, x, h = EXAMPLE_WEIGHTS, EXAMPLE_X, EXAMPLE_H0

    def pre(matrix_row: tuple[float, ...], vec: tuple[float, ...], bias: float) -> float:
        return sum(a * b for a, b in zip(matrix_row, vec, strict=True)) + bias

    def sig(v: float) -> float:
        return 1 / (1 + math.exp(-v))

    r0 = sig(pre(w.weight_ih[0], x, w.bias_ih[0]) + pre(w.weight_hh[0], h, w.bias_hh[0]))
    z0 = sig(pre(w.weight_ih[3], x, w.bias_ih[3]) + pre(w.weight_hh[3], h, w.bias_hh[3]))
    n0 = math.tanh(pre(w.weight_ih[6], x, w.bias_ih[6]) + r0 * pre(w.weight_hh[6], h, w.bias_hh[6]))
    result = gru_step(x, h)
    assert result.r[0] == pytest.approx(r0)
    assert result.z[0] == pytest.approx(z0)
    assert result.n[0] == pytest.approx(n0)
    assert result.h_new[0] == pytest.approx((1 - z0) * n0 + z0 * h[0])


def test_ranges_and_convex_mix() -> None:
    h = EXAMPLE_H0
    for result in run_sequence():
        assert all(0 < v < 1 for v in result.r + result.z)
        assert all(-1 < v < 1 for v in result.n)
        for n, old, new in zip(result.n, h, result.h_new, strict=True):
            assert min(n, old) - 1e-12 <= new <= max(n, old) + 1e-12
        h = result.h_new


def test_keep_input_makes_z_keep_memory() -> None:
    results = run_sequence()
    z_means = [sum(r.z) / 3 for r in results]
    assert z_means[0] < 0.5 and z_means[3] < 0.5  # x = (±1, 0): write
    assert z_means[1] > 0.8 and z_means[2] > 0.8  # x = (0, 1): keep
    before, after = results[0].h_new, results[1].h_new
    assert all(abs(a - b) < 0.2 for a, b in zip(before, after, strict=True))
    assert results[3].h_new[0] < 0 < results[2].h_new[0]  # the new signal replaced the old


def test_saturated_update_gate_copies_the_state() -> None:
    zeros3 = ((0.0, 0.0, 0.0),) * 9
    weights = GRUWeights(
        weight_ih=((0.0, 0.0),) * 9,
        weight_hh=zeros3,
        bias_ih=(0.0,) * 3 + (50.0,) * 3 + (1.0,) * 3,
        bias_hh=(0.0,) * 9,
    )
    h = (0.3, -0.2, 0.9)
    assert gru_step((1.0, 1.0), h, weights).h_new == pytest.approx(h)


def test_wrong_sizes_are_rejected() -> None:
    with pytest.raises(ValueError):
        gru_step((1.0, 2.0, 3.0), EXAMPLE_H0)
    with pytest.raises(ValueError):
        gru_step(EXAMPLE_X, (0.0, 0.0))


def test_render_step_shows_the_numbers() -> None:
    console = Console(file=io.StringIO(), width=100, color_system=None)
    console.print(render_step())
    text = console.file.getvalue()
    result = gru_step(EXAMPLE_X, EXAMPLE_H0)
    for value in result.r + result.z:
        assert f"{value:.3f}" in text
    for value in result.n + result.h_new:
        assert f"{value:+.3f}" in text
    assert "keeps hₜ₋₁" in text and "writes n" in text
    assert "█" in text and "│" in text
    assert "(1 − z) ⊙ n + z ⊙ hₜ₋₁" in text
    assert "\\" not in text and "$" not in text


# --- against PyTorch -----------------------------------------------------------------------


def _torch_cell(weights: GRUWeights) -> tuple[Any, Any]:
    """A float64 GRUCell holding `weights` (torch is optional, so it is imported here)."""
    torch = pytest.importorskip("torch")
    cell = torch.nn.GRUCell(weights.input_size, weights.hidden_size, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(weights.weight_ih, dtype=torch.float64))
        cell.weight_hh.copy_(torch.tensor(weights.weight_hh, dtype=torch.float64))
        cell.bias_ih.copy_(torch.tensor(weights.bias_ih, dtype=torch.float64))
        cell.bias_hh.copy_(torch.tensor(weights.bias_hh, dtype=torch.float64))
    return torch, cell


def test_one_step_matches_torch_gru_cell() -> None:
    torch, cell = _torch_cell(EXAMPLE_WEIGHTS)
    x = torch.tensor([EXAMPLE_X], dtype=torch.float64)
    h = torch.tensor([EXAMPLE_H0], dtype=torch.float64)
    with torch.no_grad():
        expected = cell(x, h)[0].tolist()
    assert gru_step(EXAMPLE_X, EXAMPLE_H0).h_new == pytest.approx(expected, abs=1e-6)


def test_sequence_matches_torch_gru_cell_and_gru() -> None:
    torch, cell = _torch_cell(EXAMPLE_WEIGHTS)
    h = torch.tensor([EXAMPLE_H0], dtype=torch.float64)
    mine = run_sequence(EXAMPLE_SEQUENCE, EXAMPLE_H0)
    with torch.no_grad():
        for x, result in zip(EXAMPLE_SEQUENCE, mine, strict=True):
            h = cell(torch.tensor([x], dtype=torch.float64), h)
            assert result.h_new == pytest.approx(h[0].tolist(), abs=1e-6)

        gru = torch.nn.GRU(2, 3, dtype=torch.float64)
        gru.weight_ih_l0.copy_(cell.weight_ih)
        gru.weight_hh_l0.copy_(cell.weight_hh)
        gru.bias_ih_l0.copy_(cell.bias_ih)
        gru.bias_hh_l0.copy_(cell.bias_hh)
        output, _ = gru(torch.tensor(EXAMPLE_SEQUENCE, dtype=torch.float64).unsqueeze(1))
    assert [r.h_new for r in mine] == [
        pytest.approx(row, abs=1e-6) for row in output.squeeze(1).tolist()
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_weights_match_torch(seed: int) -> None:
    torch = pytest.importorskip("torch")
    generator = torch.Generator().manual_seed(seed)

    def rand(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=generator, dtype=torch.float64)

    weights = GRUWeights(
        weight_ih=tuple(map(tuple, rand(12, 5).tolist())),
        weight_hh=tuple(map(tuple, rand(12, 4).tolist())),
        bias_ih=tuple(rand(12).tolist()),
        bias_hh=tuple(rand(12).tolist()),
    )
    _, cell = _torch_cell(weights)
    x, h = rand(5).tolist(), rand(4).tolist()
    with torch.no_grad():
        expected = cell(
            torch.tensor([x], dtype=torch.float64), torch.tensor([h], dtype=torch.float64)
        )[0].tolist()
    assert gru_step(x, h, weights).h_new == pytest.approx(expected, abs=1e-6)
