"""The GRU reference card renders, states the facts and contains no raw LaTeX."""

from __future__ import annotations

import io
import re

import pytest
from rich.cells import cell_len
from rich.console import Console, Group

from gruchat.tutor.card import render_card


def _render(width: int = 100) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(render_card())
    return console.file.getvalue()


def test_card_is_a_group() -> None:
    assert isinstance(render_card(), Group)


def test_card_has_no_raw_latex() -> None:
    text = _render()
    assert not re.search(r"\\[A-Za-z]", text)
    assert "$" not in text
    assert "{" not in text and "}" not in text


def test_card_shows_the_pytorch_equations() -> None:
    text = _render()
    for formula in (
        "σ(W_ir xₜ + b_ir + W_hr hₜ₋₁ + b_hr)",
        "σ(W_iz xₜ + b_iz + W_hz hₜ₋₁ + b_hz)",
        "tanh(W_in xₜ + b_in + r ⊙ (W_hn hₜ₋₁ + b_hn))",
        "(1 − z) ⊙ n + z ⊙ hₜ₋₁",
    ):
        assert formula in text


def test_card_tables_and_parameter_count() -> None:
    text = _render()
    for expected in ("Gates", "GRU vs LSTM", "Parameter count", "Convention"):
        assert expected in text
    assert "3·(H·I + H·H + 2·H)" in text
    assert "4·(H·I + H·H + 2·H)" in text
    assert "1920" in text and "2560" in text
    assert "sigmoid" in text and "tanh" in text
    assert "keep hₜ₋₁" in text  # what z ≈ 1 means
    assert "only in some LSTM variants" in text


def test_card_states_the_convention() -> None:
    text = " ".join(_render().split())
    assert "z weights the OLD state" in text
    assert "z weights the new candidate" in text
    assert "reset_after=True" in text


@pytest.mark.parametrize("width", [60, 80, 140])
def test_card_renders_at_other_widths(width: int) -> None:
    text = _render(width)
    assert all(cell_len(line) <= width for line in text.splitlines())
    assert "GRU vs LSTM" in text


def test_package_exports_are_lazy() -> None:
    """The card must not pay for importing bm25s (the retrieval library)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys; import gruchat.tutor.card; assert 'bm25s' not in sys.modules; "
        "from gruchat.tutor import render_card, NoteIndex; assert 'bm25s' in sys.modules"
    )
    root = str(Path(__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
