"""A gate's numbers worked out: σ(a), tanh(a), their slopes, and the input a gate value needs.

"If z = 0.9, what is the sigmoid's derivative there?" (z(1 − z) = 0.09), "what goes into
the sigmoid to give z = 0.99?" (ln(z / (1 − z)) ≈ 4.595) and "what is tanh(1)?" are
arithmetic the models round or confuse (they give σ'(0.9) for σ'(a) at z = 0.9). Whether a
number is the function's input or its output must be plain from the words: "z = 0.9",
"output 0.9" or "gives 0.99" is an output; "σ(2)", "at x = 2", "pre-activation 2" an
input; anything else is unclear, and then nothing is computed. Pure: no I/O and no torch;
the tests check every value against torch.
"""

from __future__ import annotations

import math
import re

from gruchat.tutor.compute import Computed

_I = re.IGNORECASE
_NUMBER = r"([-−]?(?:\d+(?:\.\d+)?|\.\d+))"
_SIGMOID = r"(?:sigmoid|σ|logistic(?: function)?)"
_TANH = r"tanh"
_FUNCTION = {"sigmoid": _SIGMOID, "tanh": _TANH}
_SLOPE = re.compile(
    r"\b(?:derivative|gradient|slope)\b|\bσ['’]|\btanh['’]|\bd\s*/\s*d|\bd[zrnhσ]\s*/\s*d\w+\b", _I
)
# "what goes into the sigmoid to give z = 0.99", "which pre-activation gives 0.99"
_INVERSE = re.compile(
    r"\b(?:logit|inverse|(?:which|what)\s+(?:\w+\s+)?pre-?activation|goes? into|put into|go into"
    r"|input (?:to|of|into)|"
    r"argument|needs? to be|what a\b|what (?:value|number|input) of a)\b",
    _I,
)
_GIVES = re.compile(
    rf"\b(?:gives?|get|gets|produce|produces|output|reach|to be|comes? out (?:as|at))\s+"
    rf"(?:z\s*=\s*)?{_NUMBER}\b",
    _I,
)
_GATE_VALUE = re.compile(
    rf"\b(?:z|r|z_?t|r_?t|zₜ|rₜ|gate value|output)\s*(?:=|≈|is|of)\s*{_NUMBER}", _I
)
_CANDIDATE_VALUE = re.compile(rf"\b(?:n|n_?t|nₜ|candidate|output)\s*(?:=|≈|is|of)\s*{_NUMBER}", _I)
_CALL = {  # "σ(2)", "tanh'(0)"
    name: re.compile(rf"{pattern}['’]?\s*\(\s*{_NUMBER}\s*\)", _I)
    for name, pattern in _FUNCTION.items()
}
# "the number going into the update gate's sigmoid is 2": plainly the sigmoid's input
_FED = re.compile(
    r"\b(?:going into|fed into|feeding into|entering|inside|the input (?:to|of)) "
    rf"(?:the |its |that |a )?(?:(?:update|reset) gate[’']?s? |gate[’']s )?(?:{_SIGMOID}|tanh)"
    r"\s*(?:is|=|of|:)\s*"
    rf"{_NUMBER}(?![\d.])",
    _I,
)
# a follow-up that changes the input: "and if that number were -2 instead?"
_REPLACED = re.compile(
    rf"\b(?:if|what if|and if)\s+(?:it|that|that number|the number|this|the input|that input)\s+"
    rf"(?:were|was|is|became|becomes|went to|goes to)\s+{_NUMBER}(?![\d.])",
    _I,
)
# "the reset gate's pre-activation comes out as 2. so what's r?": a gate's value is σ of it
_PRE_ACTIVATION_IS = re.compile(
    r"\bpre-?activation(?:\s+(?:for|of|in)\s+(?:one|a|the|each|that|this)\s+\w+)?\s*"
    rf"(?:is|=|of|comes? out (?:as|at|to)|equals?|:)\s*{_NUMBER}(?!\d|\.\d)",
    _I,
)
_GATE_ASKED = re.compile(
    r"\bwhat(?:['’]?s| is| would be| does)\s+(?:[rz]|zₜ|rₜ|the (?:reset|update) gate)\b"
    r"|\b(?:so|value of|then)\s+[rz]\b(?!\s*=)",
    _I,
)
# "ln 3", "ln(0.5)": a number written as a natural log (σ(ln 3) = 0.75 exactly)
_LN = re.compile(r"\bln\s*(?:\(\s*(\d+(?:\.\d+)?)\s*\)|(\d+(?:\.\d+)?))", _I)
_BARE_PRE_ACTIVATION = re.compile(r"\bpre-?activation\b", _I)
_KEEPS = re.compile(r"\bupdate gate|\bz\b", _I)
_OLD_STATE = re.compile(r"\bold (?:state|value)|\bh_?\{?t\s*-\s*1|\bhₜ₋₁|\bkept\b|\bkeeps?\b", _I)
_AT_INPUT = re.compile(
    rf"\b(?:at|for|of)\s+(?:an?\s+)?(?:input|x|a|pre-?activation)?\s*(?:=|of)?\s*{_NUMBER}\b"
    rf"|\b(?:input|x|a|pre-?activation)\s*(?:=|of|is)\s*{_NUMBER}\b",
    _I,
)


def _float(raw: str) -> float:
    return float(raw.replace("−", "-"))


def _n(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.replace("-", "−") if text not in ("-0", "") else "0"


def _function(text: str) -> str | None:
    named = {name for name, pattern in _FUNCTION.items() if re.search(pattern, text, _I)}
    if len(named) == 1:
        return named.pop()
    if not named and re.search(r"\blogit\b", text, _I):
        return "sigmoid"  # a gate's logit: the input of its sigmoid
    if not named and _PRE_ACTIVATION_IS.search(text) and _GATE_ASKED.search(text):
        return "sigmoid"  # a gate's value from its pre-activation
    asks_input = _INVERSE.search(text) or _BARE_PRE_ACTIVATION.search(text)
    if not named and asks_input and _GATE_VALUE.search(text):
        return "sigmoid"  # "which pre-activation gives z = 0.99?"
    return None  # "if z = 0.9, how much gradient gets back?" is not about σ's slope


def _logs_as_numbers(text: str) -> str:
    """ "ln 3" as the number it is, to 6 places (σ(ln 3) comes out as 0.75)."""

    def value(match: re.Match[str]) -> str:
        number = float(match.group(1) or match.group(2))
        return f"{math.log(number):.6f}" if number > 0 else match.group(0)  # ln 0: left be

    return _LN.sub(value, text)


def activation_question(text: str) -> Computed | None:
    """The worked value, slope or inverse the question asks for, or None."""
    text = _logs_as_numbers(text)
    function = _function(text)
    if function is None:
        return None
    pre_activations = _values(text, _PRE_ACTIVATION_IS)  # "… comes out as 2": an input
    slope, inverse = bool(_SLOPE.search(text)), bool(_INVERSE.search(text))
    # "the pre-activation for sigmoid output 0.99?": a pre-activation with no value is asked
    inverse = inverse or bool(_BARE_PRE_ACTIVATION.search(text) and not pre_activations)
    if slope and inverse:
        return None
    outputs = _values(text, _GATE_VALUE if function == "sigmoid" else _CANDIDATE_VALUE)
    outputs = (outputs | _values(text, _GIVES)) - pre_activations
    inputs = _values(text, _CALL[function]) | (_values(text, _AT_INPUT) if slope else set())
    inputs |= _values(text, _FED) | pre_activations
    if len(inputs) == 1 and (changed := [_float(m.group(1)) for m in _REPLACED.finditer(text)]):
        inputs = {changed[-1]}
    if inverse:
        return _inverse(function, outputs.pop()) if len(outputs) == 1 and not inputs else None
    if len(outputs) + len(inputs) != 1:
        return None  # no number, two, or one that could be either
    if outputs:
        return _slope_from_output(function, outputs.pop()) if slope else None
    keeps = function == "sigmoid" and bool(_KEEPS.search(text) and _OLD_STATE.search(text))
    return _at_input(function, inputs.pop(), slope, keeps=keeps and not slope)


def _values(text: str, pattern: re.Pattern[str]) -> set[float]:
    return {_float(next(g for g in m.groups() if g)) for m in pattern.finditer(text)}


def _inverse(function: str, value: float) -> Computed | None:
    if function == "sigmoid":
        if not 0 < value < 1:
            return None
        a = math.log(value / (1 - value))
        formula = f"a = ln(z / (1 − z)) = ln({_n(value)} / {_n(1 - value)}) ≈ {_n(a)}"
        lines = (f"check: σ({_n(a)}) = 1 / (1 + e^−{_n(a)}) ≈ {_n(value)}",)
        explanation = (
            "The logit is the sigmoid's inverse; a gate value near 0 or 1 needs a large |a|."
        )
    else:
        if not -1 < value < 1:
            return None
        a = math.atanh(value)
        formula = f"a = artanh(n) = ½·ln((1 + n) / (1 − n)) ≈ {_n(a)}"
        lines = (f"check: tanh({_n(a)}) ≈ {_n(value)}",)
        explanation = "artanh is tanh's inverse; a value near ±1 needs a large |a|."
    name = "σ" if function == "sigmoid" else "tanh"
    fact = f"Computed exactly: {name}(a) = {_n(value)} needs a ≈ {_n(a)}."
    return Computed(f"the input a with {name}(a) = {_n(value)}", None, formula, lines,
                    explanation, fact, None)  # fmt: skip


def _slope_from_output(function: str, value: float) -> Computed | None:
    if function == "sigmoid":
        if not 0 <= value <= 1:
            return None
        slope = value * (1 - value)
        formula = f"σ'(a) = z·(1 − z) = {_n(value)}·{_n(1 - value)} = {_n(slope)}"
        explanation = "σ' is largest, 0.25, at z = 0.5 and goes to 0 as z saturates near 0 or 1."
    else:
        if not -1 <= value <= 1:
            return None
        slope = 1 - value * value
        formula = f"tanh'(a) = 1 − n² = 1 − {_n(value)}² = {_n(slope)}"
        explanation = "tanh' is largest, 1, at n = 0 and goes to 0 as n saturates near ±1."
    name = "σ" if function == "sigmoid" else "tanh"
    lines = (f"the slope at the input a that gives {_n(value)}, not {name}' taken at {_n(value)}",)
    fact = f"Computed exactly: where {name}(a) = {_n(value)}, {formula}."
    return Computed(f"{name}'s slope where it outputs {_n(value)}", None, formula, lines,
                    explanation, fact, None)  # fmt: skip


def _at_input(function: str, a: float, slope: bool, keeps: bool = False) -> Computed | None:
    """σ(a) or tanh(a) (or its slope); ``keeps``: the σ is the update gate's, and the
    question asks how much of the old state it keeps (PyTorch's convention: z of it)."""
    if abs(a) > 50:
        return None
    name = "σ" if function == "sigmoid" else "tanh"
    value = 1 / (1 + math.exp(-a)) if function == "sigmoid" else math.tanh(a)
    if function == "sigmoid":
        formula = f"σ({_n(a)}) = 1 / (1 + e^{_n(-a)}) ≈ {_n(value)}"
        derivative, how = value * (1 - value), f"σ·(1 − σ) = {_n(value)}·{_n(1 - value)}"
    else:
        formula = f"tanh({_n(a)}) ≈ {_n(value)}"
        shown = _n(value) if value >= 0 else f"({_n(value)})"
        derivative, how = 1 - value * value, f"1 − tanh² = 1 − {shown}²"
    lines = (f"{name}'({_n(a)}) = {how} ≈ {_n(derivative)}",)
    if slope:
        formula, lines = lines[0], (formula,)
    explanation = (
        "σ squashes any input into (0, 1), as a gate needs; its slope is at most 0.25."
        if function == "sigmoid"
        else "tanh squashes any input into (−1, 1), as the candidate n needs; its slope is ≤ 1."
    )
    shown = _n(derivative) if slope else _n(value)
    fact = f"Computed exactly: {name}{chr(39) if slope else ''}({_n(a)}) ≈ {shown}."
    if keeps:
        share = f"{100 * value:.1f}% of the old state hₜ₋₁ and {100 * (1 - value):.1f}% of n"
        lines += (f"as the update gate z = {_n(value)}: hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁ keeps {share}"
                  " (the flipped convention would swap the two)",)  # fmt: skip
        fact = f"Computed exactly: z = σ({_n(a)}) ≈ {_n(value)}, so hₜ keeps {share} (PyTorch)."
    title = f"{name}{chr(39) if slope else ''}({_n(a)})"
    return Computed(title, None, formula, lines, explanation, fact, None)
