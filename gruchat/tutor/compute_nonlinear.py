"""How many sigmoids and tanhs one step of a GRU (or an LSTM, or a plain RNN) applies.

"How many sigmoid gate values does a GRU work out per timestep with hidden_size=32?" and
"lstm vs gru: count the sigmoid and tanh calls per step" have exact answers the models
miscount (they give the GRU three sigmoids, like the LSTM). Per step a GRU applies σ for z
and r and tanh for the candidate n; an LSTM σ for i, f and o and tanh for g and for the
output tanh(cₜ); a plain RNN one tanh. Each is a vector of hidden-size values, times the
batch. Conservative: a question about derivatives, values or another nonlinearity gives
None. Pure: no I/O.
"""

from __future__ import annotations

import re

from gruchat.tutor.compute import Computed
from gruchat.tutor.layer_spec import BATCH, Unclear, one_value

_I = re.IGNORECASE
_ASKS = re.compile(
    r"\bhow many\b[^?.]{0,40}\b(?:sigmoids?|σ|tanh|tanhs|gate values|nonlinearit(?:y|ies)"
    r"|activation (?:functions|calls|values))\b"
    r"|\bcount (?:the )?(?:sigmoids?|σ|tanhs?)\b|\b(?:sigmoid|tanh) (?:calls|evaluations)\b",
    _I,
)
_PER_STEP = re.compile(
    r"\bper (?:time ?)?step\b|\b(?:in |for )?(?:one|a|each|every|a single) (?:\w+ )?"
    r"(?:time ?)?step\b|\bper timestep\b|\bevery timestep\b",
    _I,
)
_NOT_COUNTS = re.compile(r"\bderivative|\bslope|\bgradient|\brelu\b|\bsoftmax\b", _I)
_KINDS = re.compile(r"\b(gru|lstm|(?:vanilla |plain |simple ?)?rnn)s?\b", _I)
_HIDDEN = (
    re.compile(r"\bhidden[ _]size\s*(?:=|:|of|is)?\s*(\d+)\b", _I),
    re.compile(r"\b(\d+)\s+(?:hidden )?units\b", _I),
    re.compile(r"\bunits\s*=\s*(\d+)", _I),
)
# per step: (sigmoid vectors and what they are, tanh vectors and what they are)
_NONLINEAR = {
    "GRU": ((2, "z and r"), (1, "the candidate n")),
    "LSTM": (
        (3, "the input, forget and output gates i, f, o"),
        (2, "the cell input g and tanh(cₜ)"),
    ),
    "RNN": ((0, ""), (1, "hₜ itself")),
}
_WORDS = {0: "no", 1: "one", 2: "two", 3: "three"}


def _kinds(text: str) -> list[str]:
    seen: list[str] = []
    for match in _KINDS.finditer(text):
        word = match.group(1).lower()
        kind = "GRU" if word == "gru" else "LSTM" if word == "lstm" else "RNN"
        if kind not in seen:
            seen.append(kind)
    return seen


def nonlinear_question(question: str) -> Computed | None:
    """The sigmoid and tanh counts per step for the layers the question names (a GRU when
    it names none); None if it is not such a question."""
    text = " ".join(question.split())
    if not _ASKS.search(text) or not _PER_STEP.search(text) or _NOT_COUNTS.search(text):
        return None
    try:
        hidden, batch = one_value(_HIDDEN, text), one_value((BATCH,), text)
    except Unclear:
        return None  # two hidden sizes or batches: which is meant is unclear
    kinds = _kinds(text) or ["GRU"]
    lines = tuple(_line(kind, hidden, batch) for kind in kinds)
    sizes = (f", hidden size {hidden}" if hidden else "") + (f", batch {batch}" if batch else "")
    title = f"Sigmoids and tanhs per step: {', '.join(kinds)}{sizes}"
    formula = lines[0]
    explanation = (
        "Each σ or tanh here is applied to a whole vector of hidden-size values at once"
        + (" (per sequence; times the batch size for a batch)" if not batch else "")
        + ("; the GRU's gates are both sigmoids, its only tanh is the candidate" if "GRU" in kinds
           else "")
        + "."
    )  # fmt: skip
    fact = "Computed exactly: " + "; ".join(lines) + "."
    return Computed(title, None, formula, lines[1:], explanation, fact, None)


def _line(kind: str, hidden: int | None, batch: int | None) -> str:
    (sigmoids, gates), (tanhs, inside) = _NONLINEAR[kind]
    factors = "".join(f"·{n}" for n in (hidden, batch) if n)
    per = (hidden or 1) * (batch or 1)

    def part(count: int, name: str, what: str) -> str:
        if not count:
            return f"no {name}"
        values = f", {count}{factors} = {count * per:,} {name} values" if hidden else ""
        return f"{_WORDS[count]} {name}{'s' if count > 1 else ''} ({what}){values}"

    article = "a" if kind == "GRU" else "an"
    return (
        f"{article} {kind} step: {part(sigmoids, 'sigmoid', gates)}; {part(tanhs, 'tanh', inside)}"
    )
