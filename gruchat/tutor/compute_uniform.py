"""One GRU step on weights the learner sets all alike: "hidden size 1, x = 1, h_{t-1} = 0,
every weight 1 and every bias 0: what's h_t?".

A favourite hand exercise, and arithmetic the models get wrong (σ(1), tanh(1) and the last
mix in one go). With every weight w and every bias b, each gate's pre-activation is
w·Σx + w·Σhₜ₋₁ + 2b, so r = z and every unit shares r, z and n; the step itself is
gruchat.tutor.step.gru_step on those weights, the same code `\\gru step` shows. As
conservative as the other recognisers: no stated biases (PyTorch draws them at random),
no hidden size, sizes that disagree, values that disagree, an LSTM or the flipped
convention give None. Pure: no I/O.
"""

from __future__ import annotations

import re

from gruchat.tutor.compute import Computed
from gruchat.tutor.compute_mix import (
    H_PREVIOUS,
    IS,
    NOT_A_GRU,
    NUMBER,
    OTHER_CONVENTION,
    VALUE,
    Vector,
    assigned,
    fmt,
    vector,
)
from gruchat.tutor.step import GRUWeights, StepResult, gru_step

_I = re.IGNORECASE
_ALL = r"\b(?:every|all(?: the)?|each)\s+"
_SETTING = r"\s*(?:=|:|is|are|set to|equal to|equals?|of)?\s*(?:all\s+)?"
_ZERO = rf"({NUMBER})(?![\w.])"
_ASSIGN = {
    "weight": re.compile(
        rf"{_ALL}weights?(?: and biases)?{_SETTING}{_ZERO}|\bweights?\s+(?:all|are all|all set to)"
        rf"\s*(?:=\s*)?{_ZERO}",
        _I,
    ),
    "bias": re.compile(
        rf"{_ALL}(?:bias(?:es)?|weights? and biases){_SETTING}{_ZERO}"
        rf"|\bbias(?:es)?\s+(?:all|are all|all set to)\s*(?:=\s*)?{_ZERO}",
        _I,
    ),
    "x": re.compile(rf"\b(?:input\s+)?x(?:_?t|ₜ|_\{{t\}}|_?1|₁)?{IS}{VALUE}", _I),
    "h": re.compile(rf"(?:{H_PREVIOUS}){IS}{VALUE}", _I),
}
_NO_BIAS = re.compile(r"\bbias\s*=\s*False\b|\bno bias(?:es)?\b|\bwithout bias(?:es)?\b", _I)
_HIDDEN = re.compile(
    r"\bhidden(?:[ _]size)?\s*(?:=|:|of|is)?\s*(\d+)\b|\b(\d+|one)[- ]unit\b"
    r"|\bnn\.GRU(?:Cell)?\(\s*\d+\s*,\s*(\d+)\s*[,)]",
    _I,
)
_INPUT = re.compile(
    r"\binput(?:[ _]size)\s*(?:=|:|of|is)?\s*(\d+)\b|\bnn\.GRU(?:Cell)?\(\s*(\d+)\s*,", _I
)
_ASKS_STEP = re.compile(
    r"\bh_?t\b(?!\s*-)|\bhₜ(?!₋)|\bh_?1\b|\bh₁|\bnew (?:hidden )?state\b|\bnext (?:hidden )?state\b"
    r"|\boutput\b|\bwhat (?:do|would) (?:i|you|we) get\b|\bcomes? out\b",
    _I,
)


# "inputs 1 then 0", "x = 1, then 0": one scalar input per step, in order
_SEQUENCE = re.compile(
    rf"\b(?:inputs?|x(?:_?t)?|feed(?:ing)?|reads?)\s*(?:of\s+|are\s+|is\s+|=\s*|:\s*)?"
    rf"({NUMBER})((?:\s*,?\s*(?:and\s+)?then\s+{NUMBER})+)(?![\w.])",
    _I,
)
_THEN = re.compile(rf"then\s+({NUMBER})", _I)
_ASKS_LATER = re.compile(
    r"\bh\s+after\b|\bafter (?:the )?(?:second|third|2nd|3rd|last|final|both|two|three)\b"
    r"|\bh_?[23]\b|\bh[₂₃]",
    _I,
)
_MAX_SEQUENCE = 8


def _sequence(text: str) -> Vector | None:
    """The inputs of a scalar sequence the text gives ("inputs 1 then 0"), or None."""
    found = [
        (float(m.group(1).replace("−", "-")),
         *(float(v.replace("−", "-")) for v in _THEN.findall(m.group(2))))
        for m in _SEQUENCE.finditer(text)
    ]  # fmt: skip
    if len(found) != 1 or not 2 <= len(found[0]) <= _MAX_SEQUENCE:
        return None
    return found[0]


def _size(pattern: re.Pattern[str], text: str) -> int | bool:
    """The one size the text names (True: none named; False: two that disagree)."""
    sizes = {
        1 if group.lower() == "one" else int(group)
        for match in pattern.finditer(text)
        for group in match.groups()
        if group
    }
    if not sizes:
        return True
    return sizes.pop() if len(sizes) == 1 else False


def _fit(values: Vector, size: int | bool) -> Vector | None:
    """``values`` for ``size`` units: a single value stands for every unit."""
    if size is True:
        return values
    if size is False or (len(values) != 1 and len(values) != size):
        return None
    return values * size if len(values) == 1 else values


def uniform_question(question: str) -> Computed | None:
    """The worked step for a question that sets every weight and every bias alike and gives
    x and hₜ₋₁; None if it is not such a question."""
    text = re.sub(r"\bzero\b", "0", " ".join(question.split()), flags=_I)
    if NOT_A_GRU.search(text) or OTHER_CONVENTION.search(text):
        return None
    xs = _sequence(text)
    if xs is not None and _ASKS_LATER.search(text):
        return _sequence_question(_SEQUENCE.sub(" ", text), xs)
    if not _ASKS_STEP.search(text):
        return None
    found = assigned(text, _ASSIGN)
    if found is None or not {"weight", "x", "h"} <= found.keys() or not _one_setting(found, text):
        return None
    hidden, inputs = _size(_HIDDEN, text), _size(_INPUT, text)
    if hidden is True and len(found["h"]) == 1:
        return None  # "h_{t-1} = 0" with no hidden size: how many units is unsaid
    x, h = _fit(found["x"], inputs), _fit(found["h"], hidden)
    if x is None or h is None:
        return None
    return _step(found["weight"][0], found["bias"][0], x, h)


def _one_setting(found: dict[str, Vector], text: str) -> bool:
    """One value for every weight and one for every bias ("no bias" sets them to 0);
    fills in that 0."""
    if "bias" not in found:
        if not _NO_BIAS.search(text):
            return False
        found["bias"] = (0.0,)
    return len(found["weight"]) == 1 and len(found["bias"]) == 1


def _sequence_question(text: str, xs: Vector) -> Computed | None:
    """Several steps of a one-unit GRU on scalar inputs, every weight and bias alike."""
    found = assigned(text, _ASSIGN)
    if found is None or not {"weight", "h"} <= found.keys() or "x" in found:
        return None
    if not _one_setting(found, text) or len(found["h"]) != 1:
        return None
    if _size(_HIDDEN, text) not in (1, True) or _size(_INPUT, text) not in (1, True):
        return None
    w, b, h = found["weight"][0], found["bias"][0], found["h"]
    lines, start = [], h
    for step, x in enumerate(xs, start=1):
        result = gru_step((x,), h, _weights(w, b, 1, 1))
        r, z, n = result.r[0], result.z[0], result.n[0]
        lines.append(
            f"step {step}: x = {fmt(x)}, h = {fmt(h[0])}: r = z = σ({_term(w)}·{_term(x)} + "
            f"{_term(w)}·{_term(h[0])} + 2·{_term(b)}) = {fmt(r)}, n = tanh({_term(w)}·{_term(x)}"
            f" + {_term(b)} + {fmt(r)}·({_term(w)}·{_term(h[0])} + {_term(b)})) = {fmt(n)}, "
            f"h = (1 − {fmt(z)})·{_term(n)} + {fmt(z)}·{_term(h[0])} = {fmt(result.h_new[0])}"
        )
        h = result.h_new
    setting = f"every weight {fmt(w)} and every bias {fmt(b)}"
    formula = f"h after {len(xs)} steps = {fmt(h[0])}"
    explanation = (
        f"One unit, {setting}: each step's gates add the input and the old state alike, so "
        "r = z; PyTorch's formulas, hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁, one step after another."
    )
    fact = (
        f"Computed exactly: from h₀ = {fmt(start[0])} with inputs {vector(xs)}, the steps give "
        + ", ".join(line.rsplit(" = ", 1)[1] for line in lines)
        + f", so h after {len(xs)} steps is {fmt(h[0])} (PyTorch's formulas, {setting})."
    )
    return Computed(f"{len(xs)} GRU steps with {setting}", None, formula, tuple(lines),
                    explanation, fact, None)  # fmt: skip


def _weights(w: float, b: float, inputs: int, hidden: int) -> GRUWeights:
    rows = 3 * hidden
    return GRUWeights(
        weight_ih=tuple((w,) * inputs for _ in range(rows)),
        weight_hh=tuple((w,) * hidden for _ in range(rows)),
        bias_ih=(b,) * rows,
        bias_hh=(b,) * rows,
    )


def _step(w: float, b: float, x: Vector, h: Vector) -> Computed:
    result = gru_step(x, h, _weights(w, b, len(x), len(h)))
    r, z, n = result.r[0], result.z[0], result.n[0]
    sx, sh = _term(sum(x)), _term(sum(h))
    gate = f"σ({_term(w)}·{sx} + {_term(w)}·{sh} + 2·{_term(b)})"
    lines = (
        f"r = σ(W_ir x + b_ir + W_hr hₜ₋₁ + b_hr) = {gate} = {fmt(r)}",
        f"z = σ(W_iz x + b_iz + W_hz hₜ₋₁ + b_hz) = {gate} = {fmt(z)}",
        f"n = tanh(W_in x + b_in + r ⊙ (W_hn hₜ₋₁ + b_hn)) = tanh({_term(w)}·{sx} + {_term(b)} + "
        f"{fmt(r)}·({_term(w)}·{sh} + {_term(b)})) = {fmt(n)}",
        *_mix_lines(result, h),
    )
    setting = f"every weight {fmt(w)} and every bias {fmt(b)}"
    flipped = tuple(z * n + (1 - z) * hi for hi in h)
    explanation = (
        f"With {setting}, each gate adds up the inputs and the old state alike, so r = z and "
        "every unit gets the same r, z and n. That is PyTorch's (and Cho et al.'s) convention, "
        "where z keeps the old state; the flipped convention, hₜ = z ⊙ n + (1 − z) ⊙ hₜ₋₁, "
        f"would give hₜ = {vector(flipped)} from the same numbers."
    )
    fact = (
        f"Computed exactly: hₜ = {vector(result.h_new)} (r = {fmt(r)}, z = {fmt(z)}, "
        f"n = {fmt(n)}; PyTorch's formulas with {setting}, x = {vector(x)}, "
        f"hₜ₋₁ = {vector(h)})."
    )
    formula = f"hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁ = {vector(result.h_new)}"
    return Computed(f"One GRU step with {setting}", None, formula, lines, explanation, fact, None)


def _term(value: float) -> str:
    """A number inside a sum or product: in brackets when negative ("0.5·(−0.5)")."""
    return f"({fmt(value)})" if value < 0 else fmt(value)


def _mix_lines(result: StepResult, h: Vector) -> tuple[str, ...]:
    z, n = result.z[0], result.n[0]
    terms = [
        f"(1 − {fmt(z)})·{_term(n)} + {fmt(z)}·{_term(hi)} = {fmt(new)}"
        for hi, new in zip(h, result.h_new, strict=True)
    ]
    if len(set(terms)) == 1:
        every = " for every unit" if len(h) > 1 else ""
        return (f"hₜ = {terms[0]}{every}",)
    return tuple(f"unit {i + 1}: hₜ = {term}" for i, term in enumerate(terms))
