"""LaTeX math in model answers becomes readable Unicode; everything else is left alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gruchat.tutor.latex import latex_to_unicode

CASES = [
    (
        r"The update is $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$ here.",
        "The update is hₜ = (1 - zₜ) ⊙ nₜ + zₜ ⊙ hₜ₋₁ here.",
    ),
    (r"$$\sigma(x) = \frac{1}{1+e^{-x}}$$", "σ(x) = 1/(1+e⁻ˣ)"),
    (r"\( r_t = \sigma(W_{ir} x_t + b_{ir}) \)", "rₜ = σ(Wᵢᵣ xₜ + bᵢᵣ)"),
    (
        "so\n\\[\n n_t = \\tanh(W_{in} x_t + r_t \\odot (W_{hn} h_{t-1} + b_{hn}))\n\\]\ndone",
        "so\nnₜ = tanh(Wᵢₙ xₜ + rₜ ⊙ (Wₕₙ hₜ₋₁ + bₕₙ))\ndone",
    ),
    (r"$\tilde{h}_t$", "h̃ₜ"),
    (r"$W^\top h$", "Wᵀ h"),
    (r"$h^{(t)}$", "h⁽ᵗ⁾"),
    (r"$W_{iz}$", "W_iz"),  # no Unicode subscript z: keep it readable instead
    (r"$\mathbf{W}_z x$", "W_z x"),
    (r"$W \in \mathbb{R}^{3H \times I}$", "W ∈ ℝ^(3H×I)"),
    (r"$\frac{\partial h_t}{\partial h_{t-1}}$", "∂ hₜ/∂ hₜ₋₁"),
    (r"\begin{equation} y = x^2 \end{equation}", "y = x²"),
    (r"$\sqrt{d_k}$", "√(dₖ)"),
    (r"$50\%$ of $x$", "50% of x"),
    (r"Bare \sigma(W x) \odot h and x_{t-1}.", "Bare σ(W x) ⊙ h and xₜ₋₁."),
]


@pytest.mark.parametrize(("latex", "expected"), CASES)
def test_examples(latex: str, expected: str) -> None:
    assert latex_to_unicode(latex) == expected


@pytest.mark.parametrize(
    "text",
    [
        "A GRU has two gates, z and r.",
        "It costs $5 and $10 per month.",
        "Set reset_after=True; h_t is the state.",
        "A path like C:\\new\\temp stays.",
        r"\cite{cho2014} and \ref{eq:1} are not math.",
        "Use `$x$` or `\\sigma` in code.",
        "",
    ],
)
def test_plain_text_is_untouched(text: str) -> None:
    assert latex_to_unicode(text) == text


def test_fenced_code_blocks_are_untouched() -> None:
    text = "Before $\\sigma$\n```python\nx = r'$\\sigma$'  # \\odot\n```\nafter $\\odot$"
    assert latex_to_unicode(text) == "Before σ\n```python\nx = r'$\\sigma$'  # \\odot\n```\nafter ⊙"


def test_tilde_fences_are_untouched() -> None:
    text = "~~~\n$a_t$\n~~~"
    assert latex_to_unicode(text) == text


def test_no_latex_commands_survive_in_a_typical_answer() -> None:
    answer = (
        "The GRU computes $z_t = \\sigma(W_z x_t + U_z h_{t-1})$ and "
        "$\\tilde{h}_t = \\tanh(W x_t + U (r_t \\odot h_{t-1}))$, then "
        "$$h_t = (1 - z_t) \\odot \\tilde{h}_t + z_t \\odot h_{t-1}.$$"
    )
    out = latex_to_unicode(answer)
    assert "\\" not in out and "$" not in out
    assert "σ" in out and "⊙" in out and "tanh" in out and "hₜ₋₁" in out


@pytest.mark.parametrize(
    "broken",
    ["$", "$$", "\\", "\\(", "\\[ \\frac{", "$x_$", "$x^{$", "\\begin{equation}", "$\\left($"],
)
def test_broken_input_does_not_raise(broken: str) -> None:
    assert isinstance(latex_to_unicode(broken), str)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("$\\{}_^()[]`~ \nabzrt01-+=&%#")) | st.characters()))
def test_never_raises_on_arbitrary_input(text: str) -> None:
    out = latex_to_unicode(text)
    assert isinstance(out, str)
    if "\\" not in text and "$" not in text:
        assert out == text


def test_command_missing_its_argument_stays_raw_and_quiet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert latex_to_unicode("$\\bra$") == "$\\bra$"  # pylatexenc would give "⟨%s|"
    assert latex_to_unicode("$\\bra{x}$") == "⟨x|"
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
