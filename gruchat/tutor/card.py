"""A one-screen GRU reference card rendered with rich.

The card is fixed, checked text: it shows the exact equations even when the small
model's answer is vague, and it uses the same (PyTorch) convention as the notes.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

EQUATIONS = (
    ("r", "σ(W_ir xₜ + b_ir + W_hr hₜ₋₁ + b_hr)", "reset gate"),
    ("z", "σ(W_iz xₜ + b_iz + W_hz hₜ₋₁ + b_hz)", "update gate"),
    ("n", "tanh(W_in xₜ + b_in + r ⊙ (W_hn hₜ₋₁ + b_hn))", "candidate"),
    ("hₜ", "(1 − z) ⊙ n + z ⊙ hₜ₋₁", "new hidden state"),
)

GATES = (
    ("reset r", "sigmoid σ", "how much of hₜ₋₁ feeds the candidate", "ignore the past", "use it"),
    ("update z", "sigmoid σ", "how much of hₜ₋₁ is kept", "take candidate n", "keep hₜ₋₁"),
    ("candidate n", "tanh", "proposed new memory, in (−1, 1)", "—", "—"),
)

VERSUS = (
    ("gates", "2: update z, reset r", "3: input, forget, output"),
    ("state", "hidden state h only", "hidden state h + cell state c"),
    ("weight blocks", "3", "4"),
    ("parameters (I=10, H=20)", "1920", "2560"),
    ("output gate", "no", "yes"),
    ("peepholes", "no", "only in some LSTM variants"),
    ("introduced", "Cho et al., 2014", "Hochreiter & Schmidhuber, 1997"),
)

PARAMETERS = (
    "GRU layer: 3·(H·I + H·H + 2·H)    LSTM layer: 4·(H·I + H·H + 2·H)\n"
    "I = input size, H = hidden size, two bias vectors per block (PyTorch).\n"
    "Example I = 10, H = 20:  3·(200 + 400 + 40) = 1920"
)

CONVENTION = (
    "This card uses the Cho et al. / PyTorch convention: z weights the OLD state, "
    "hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁. Some texts write hₜ = (1 − z) ⊙ hₜ₋₁ + z ⊙ h̃ₜ, "
    "where z weights the new candidate (z and 1 − z swapped). PyTorch and cuDNN apply r "
    "after W_hn hₜ₋₁ (Keras reset_after=True); Cho et al. apply it before, U (r ⊙ hₜ₋₁)."
)


def _equations() -> Panel:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", justify="right")
    table.add_column()
    table.add_column(style="dim")
    for name, formula, role in EQUATIONS:
        table.add_row(f"{name} =", formula, role)
    legend = Text("σ = sigmoid, ⊙ = element-wise product, xₜ = input, hₜ₋₁ = previous state")
    return Panel(Group(table, legend), title="GRU step (PyTorch nn.GRU)", border_style="cyan")


def _gates() -> Table:
    table = Table(title="Gates", box=box.SIMPLE_HEAVY, title_justify="left")
    for header in ("gate", "activation", "role", "≈ 0 means", "≈ 1 means"):
        table.add_column(header)
    for row in GATES:
        table.add_row(*row)
    return table


def _versus() -> Table:
    table = Table(title="GRU vs LSTM", box=box.SIMPLE_HEAVY, title_justify="left")
    table.add_column("")
    table.add_column("GRU", style="cyan")
    table.add_column("LSTM", style="magenta")
    for row in VERSUS:
        table.add_row(*row)
    return table


def render_card() -> RenderableType:
    """The whole reference card: equations, gates, GRU vs LSTM, parameters, convention."""
    return Group(
        _equations(),
        _gates(),
        _versus(),
        Panel(PARAMETERS, title="Parameter count", border_style="green"),
        Panel(CONVENTION, title="Convention", border_style="yellow"),
    )
