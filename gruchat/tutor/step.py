"""One GRU step worked out by hand on tiny fixed weights, and rendered with rich.

Seeing r, z, n and the new h as numbers makes the equations concrete. The math is
plain Python (math.exp/math.tanh) so the tutor needs no numpy or torch; the tests
check it against torch.nn.GRUCell using the same weights in PyTorch's layout.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

Vector = tuple[float, ...]
Matrix = tuple[Vector, ...]
GATE_ORDER = ("r", "z", "n")  # PyTorch stacks the three blocks in this order


@dataclass(frozen=True)
class GRUWeights:
    """Weights in torch.nn.GRUCell layout: weight_ih (3H, I), weight_hh (3H, H), biases (3H)."""

    weight_ih: Matrix
    weight_hh: Matrix
    bias_ih: Vector
    bias_hh: Vector

    @property
    def hidden_size(self) -> int:
        return len(self.bias_ih) // 3

    @property
    def input_size(self) -> int:
        return len(self.weight_ih[0])

    def block(self, gate: str) -> tuple[Matrix, Matrix, Vector, Vector]:
        """The rows belonging to gate "r", "z" or "n" (W_i·, W_h·, b_i·, b_h·)."""
        size = self.hidden_size
        rows = slice(GATE_ORDER.index(gate) * size, (GATE_ORDER.index(gate) + 1) * size)
        return self.weight_ih[rows], self.weight_hh[rows], self.bias_ih[rows], self.bias_hh[rows]


@dataclass(frozen=True)
class StepResult:
    """Everything one step computes: both gates, the candidate and the new hidden state."""

    r: Vector
    z: Vector
    n: Vector
    h_new: Vector


# Hidden size 3, input size 2. Input x = (signal, keep): the second input pushes the update
# gate z towards 1 so the units hold their memory; the first is what gets written.
W_IR: Matrix = ((0.5, -0.4), (-0.3, 0.2), (0.4, 0.1))
W_IZ: Matrix = ((0.2, 4.0), (-0.1, 3.5), (0.3, 2.5))
W_IN: Matrix = ((1.5, 0.0), (-1.2, 0.3), (0.8, -0.5))
W_HR: Matrix = ((0.1, -0.2, 0.3), (0.2, 0.1, -0.1), (-0.3, 0.2, 0.1))
W_HZ: Matrix = ((0.2, 0.1, 0.0), (0.0, 0.3, -0.2), (0.1, -0.1, 0.2))
W_HN: Matrix = ((0.4, -0.3, 0.2), (0.1, 0.5, -0.2), (-0.2, 0.1, 0.3))
B_IR, B_IZ, B_IN = (0.5, 0.4, 0.6), (-1.5, -1.2, -0.5), (0.0, 0.1, -0.1)
B_HR, B_HZ, B_HN = (0.2, 0.1, 0.0), (-0.2, -0.3, 0.1), (0.1, 0.0, 0.2)

EXAMPLE_WEIGHTS = GRUWeights(
    weight_ih=(*W_IR, *W_IZ, *W_IN),
    weight_hh=(*W_HR, *W_HZ, *W_HN),
    bias_ih=(*B_IR, *B_IZ, *B_IN),
    bias_hh=(*B_HR, *B_HZ, *B_HN),
)
EXAMPLE_H0: Vector = (0.0, 0.0, 0.0)
EXAMPLE_X: Vector = (1.0, 0.0)
EXAMPLE_SEQUENCE: tuple[Vector, ...] = ((1.0, 0.0), (0.0, 1.0), (0.0, 1.0), (-1.0, 0.0))


def _sigmoid(value: float) -> float:
    """Logistic function, written to avoid overflow for large negative inputs."""
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    e = math.exp(value)
    return e / (1.0 + e)


def _affine(matrix: Matrix, vector: Sequence[float], bias: Vector) -> Vector:
    return tuple(
        sum(w * v for w, v in zip(row, vector, strict=True)) + b
        for row, b in zip(matrix, bias, strict=True)
    )


def gru_step(
    x: Sequence[float], h: Sequence[float], weights: GRUWeights = EXAMPLE_WEIGHTS
) -> StepResult:
    """One step with PyTorch's formulas (reset applied after W_hn h; z weights the old h)."""
    if len(x) != weights.input_size or len(h) != weights.hidden_size:
        raise ValueError(
            f"expected x of size {weights.input_size} and h of size {weights.hidden_size}"
        )
    gates = {}
    for gate in GATE_ORDER:
        w_i, w_h, b_i, b_h = weights.block(gate)
        gates[gate] = (_affine(w_i, x, b_i), _affine(w_h, h, b_h))
    r = tuple(_sigmoid(a + b) for a, b in zip(*gates["r"], strict=True))
    z = tuple(_sigmoid(a + b) for a, b in zip(*gates["z"], strict=True))
    n_in, n_h = gates["n"]
    n = tuple(math.tanh(a + ri * b) for a, ri, b in zip(n_in, r, n_h, strict=True))
    h_new = tuple((1 - zi) * ni + zi * hi for zi, ni, hi in zip(z, n, h, strict=True))
    return StepResult(r=r, z=z, n=n, h_new=h_new)


def run_sequence(
    inputs: Sequence[Sequence[float]] = EXAMPLE_SEQUENCE,
    h0: Sequence[float] = EXAMPLE_H0,
    weights: GRUWeights = EXAMPLE_WEIGHTS,
) -> list[StepResult]:
    """Apply `gru_step` along a sequence, feeding each new state into the next step."""
    results: list[StepResult] = []
    h = tuple(h0)
    for x in inputs:
        result = gru_step(x, h, weights)
        results.append(result)
        h = result.h_new
    return results


def _fmt(vector: Sequence[float], spec: str = "+.2f") -> str:
    """A vector as "(+0.12, -0.50)", signed by default so columns line up."""
    return "(" + ", ".join(f"{v:{spec}}" for v in vector) + ")"


def _spec(vector: Sequence[float]) -> str:
    """Two decimals when they show the values exactly, else as many as the values have."""
    return "+.2f" if all(round(v, 2) == v for v in vector) else "+g"


def unit_bar(value: float, width: int = 8) -> Text:
    """A bar for a value in [0, 1] (gates): filled blocks out of `width`."""
    filled = round(max(0.0, min(1.0, value)) * width)
    return Text("█" * filled, style="cyan") + Text("░" * (width - filled), style="dim")


def signed_bar(value: float, half: int = 4) -> Text:
    """A bar centred on │ for a value in [−1, 1]: red to the left, green to the right."""
    size = round(max(0.0, min(1.0, abs(value))) * half)
    left = " " * (half - size) + ("█" * size if value < 0 else " " * size)
    right = ("█" * size if value > 0 else " " * size) + " " * (half - size)
    return Text(left, style="red") + Text("│", style="dim") + Text(right, style="green")


def _step_table(h: Sequence[float], result: StepResult) -> Table:
    table = Table(box=box.SIMPLE_HEAVY)
    for header in ("unit", "reset r", "update z", "candidate n", "new h"):
        table.add_column(header)
    for i in range(len(h)):
        r, z, n, h_new = result.r[i], result.z[i], result.n[i], result.h_new[i]
        table.add_row(
            str(i),
            Text(f"{r:.3f} ") + unit_bar(r),
            Text(f"{z:.3f} ") + unit_bar(z),
            Text(f"{n:+.3f} ") + signed_bar(n),
            Text(f"{h_new:+.3f} ") + signed_bar(h_new),
        )
    return table


def _sequence_table(inputs: Sequence[Sequence[float]], results: Sequence[StepResult]) -> Table:
    table = Table(
        title="A short sequence: x = (signal, keep)",
        caption="z ≈ 1 keeps hₜ₋₁ (memory held), z ≈ 0 writes the candidate n",
        box=box.SIMPLE_HEAVY,
        title_justify="left",
    )
    for header in ("t", "xₜ", "z", "mean z", "what happens", "hₜ"):
        table.add_column(header)
    for t, (x, result) in enumerate(zip(inputs, results, strict=True), start=1):
        mean_z = sum(result.z) / len(result.z)
        effect = "keeps hₜ₋₁" if mean_z >= 0.5 else "writes n"
        table.add_row(
            str(t),
            _fmt(x, "g"),
            _fmt(result.z, ".2f"),
            Text(f"{mean_z:.2f} ") + unit_bar(mean_z),
            effect,
            _fmt(result.h_new),
        )
    return table


def _formulas() -> str:
    return (
        "r  = σ(W_ir xₜ + b_ir + W_hr hₜ₋₁ + b_hr)\n"
        "z  = σ(W_iz xₜ + b_iz + W_hz hₜ₋₁ + b_hz)\n"
        "n  = tanh(W_in xₜ + b_in + r ⊙ (W_hn hₜ₋₁ + b_hn))\n"
        "hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁"
    )


def _step_panel(setup: StepSetup, title: str) -> Panel:
    result = gru_step(setup.x, setup.h, setup.weights)
    intro = Text(
        f"Hidden size {setup.weights.hidden_size}, input size {setup.weights.input_size}, "
        f"{setup.source}.\nxₜ = {_fmt(setup.x, _spec(setup.x))}, "
        f"hₜ₋₁ = {_fmt(setup.h, _spec(setup.h))}\n" + _formulas()
    )
    return Panel(Group(intro, _step_table(setup.h, result)), title=title, border_style="cyan")


def render_step(setup: StepSetup | None = None) -> RenderableType:
    """The worked example (one step, then z over a short sequence), or one step of ``setup``."""
    if setup is not None:
        return _step_panel(setup, "One GRU step with your numbers")
    example = StepSetup(EXAMPLE_X, EXAMPLE_H0, EXAMPLE_WEIGHTS, "fixed weights")
    sequence = run_sequence(EXAMPLE_SEQUENCE, EXAMPLE_H0, EXAMPLE_WEIGHTS)
    return Group(
        _step_panel(example, "One GRU step, worked out"),
        _sequence_table(EXAMPLE_SEQUENCE, sequence),
    )


# -- \gru step with the learner's own numbers ---------------------------------------------------

MAX_SIZE = 8  # one table row per hidden unit: more would not fit a terminal
MAX_VALUE = 100.0
STEP_FORM = "\\gru step [x=V,…] [h=V,…] [input=N] [hidden=N] [seed=N]"
_STEP_KEYS = ("x", "h", "input", "hidden", "seed")
_ASSIGNMENT = re.compile(r"(\w+)\s*=\s*(.*?)(?=\s+\w+\s*=|$)")


@dataclass(frozen=True)
class StepSetup:
    """One step to work out: the input, the previous state and the weights (and whence)."""

    x: Vector
    h: Vector
    weights: GRUWeights
    source: str  # "fixed weights" or "random weights, seed 7"


def random_weights(input_size: int, hidden_size: int, seed: int) -> GRUWeights:
    """PyTorch's initialisation, U(−k, k) with k = 1/√H, from ``seed``, to two decimals.

    Rounded so the learner can redo the sums by hand; the same seed gives the same weights.
    """
    rng = random.Random(seed)
    k = 1 / math.sqrt(hidden_size)

    def draw(rows: int, cols: int) -> Matrix:
        return tuple(tuple(round(rng.uniform(-k, k), 2) for _ in range(cols)) for _ in range(rows))

    rows = 3 * hidden_size
    return GRUWeights(
        weight_ih=draw(rows, input_size),
        weight_hh=draw(rows, hidden_size),
        bias_ih=draw(1, rows)[0],
        bias_hh=draw(1, rows)[0],
    )


def _refuse(problem: str) -> ValueError:
    return ValueError(f"{problem}; use {STEP_FORM}")


def _vector(key: str, raw: str) -> Vector:
    try:
        values = tuple(float(v) for v in raw.replace(" ", "").split(","))
    except ValueError:
        raise _refuse(f"{key} must be numbers separated by commas, not {raw!r}") from None
    if not all(math.isfinite(v) and abs(v) <= MAX_VALUE for v in values):
        raise _refuse(f"{key} values must be numbers from -{MAX_VALUE:g} to {MAX_VALUE:g}")
    if not 1 <= len(values) <= MAX_SIZE:
        raise _refuse(f"{key} must have 1 to {MAX_SIZE} values")
    return values


def _whole(key: str, raw: str, low: int, high: int) -> int:
    if not re.fullmatch(r"\d+", raw.strip()) or not low <= int(raw) <= high:
        raise _refuse(f"{key} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def _size(key: str, size_key: str, given: int | None, vector: Vector | None, default: int) -> int:
    if vector is not None and given is not None and len(vector) != given:
        raise _refuse(f"{key} has {len(vector)} values but {size_key}={given}")
    return len(vector) if vector is not None else given if given is not None else default


def parse_step_args(text: str) -> StepSetup:
    """``x=0.5,-1 h=0.1,0.2 seed=7``, every part optional; ValueError names the accepted form.

    Sizes come from x and h, else input= and hidden=, else the example's 2 and 3. The
    example's fixed weights are used when they fit and no seed is given; otherwise the
    weights are drawn from the seed (0 by default), and so is x when it is not given.
    h defaults to zeros, as h0 does in PyTorch.
    """
    text = text.strip()
    values: dict[str, str] = {}
    consumed = _ASSIGNMENT.sub("", text).strip()
    if consumed:
        raise _refuse(f"cannot read {consumed.split()[0]!r}")
    for key, raw in _ASSIGNMENT.findall(text):
        key = key.lower()
        if key not in _STEP_KEYS:
            raise _refuse(f"unknown setting {key!r}")
        if key in values:
            raise _refuse(f"{key} is given twice")
        values[key] = raw.strip()
    x = _vector("x", values["x"]) if "x" in values else None
    h = _vector("h", values["h"]) if "h" in values else None
    given_in = _whole("input", values["input"], 1, MAX_SIZE) if "input" in values else None
    given_hidden = _whole("hidden", values["hidden"], 1, MAX_SIZE) if "hidden" in values else None
    seed = _whole("seed", values["seed"], 0, 2**32 - 1) if "seed" in values else None
    sizes = (
        _size("x", "input", given_in, x, EXAMPLE_WEIGHTS.input_size),
        _size("h", "hidden", given_hidden, h, EXAMPLE_WEIGHTS.hidden_size),
    )
    fixed = seed is None and sizes == (EXAMPLE_WEIGHTS.input_size, EXAMPLE_WEIGHTS.hidden_size)
    if fixed:
        weights, source = EXAMPLE_WEIGHTS, "fixed weights"
        x = x if x is not None else EXAMPLE_X
    else:
        seed = seed or 0
        weights, source = (
            random_weights(*sizes, seed),
            (f"random weights from seed {seed} (U(−k, k) with k = 1/√H, as PyTorch initialises)"),
        )
        if x is None:
            rng = random.Random(f"x{seed}")
            x = tuple(round(rng.uniform(-1, 1), 2) for _ in range(sizes[0]))
    return StepSetup(x, h if h is not None else (0.0,) * sizes[1], weights, source)
