"""The final states two layers hand back, side by side: "for a batch of 4, what final states
do nn.LSTM(8, 16) and nn.GRU(8, 16) return, with shapes?".

An LSTM returns output, (h_n, c_n) and a GRU output, h_n; learners mix the two up when
porting code (and the models give the GRU a c_n). The shapes are gruchat.tutor.compute's
(tested against torch). Only for two constructor calls of different kinds, each read on
its own; anything unclear gives None. Pure: no I/O.
"""

from __future__ import annotations

import re

from gruchat.tutor.compute import Computed, RNNSpec, shape_text, shapes
from gruchat.tutor.layer_spec import BATCH, CODE, Unclear, one_value, spec_of

_I = re.IGNORECASE
_ASKS = re.compile(
    r"\bfinal (?:hidden )?states?\b|\blast (?:hidden )?states?\b|\bh_n\b|\bhand(?:s)? back\b"
    r"|\breturns?\b|\bgive(?:s)? back\b",
    _I,
)


def states_question(question: str) -> Computed | None:
    """Both layers' final states with their shapes; None if it is not such a question."""
    text = " ".join(question.split())
    codes = list(CODE.finditer(text))
    if len(codes) != 2 or not _ASKS.search(text) or not re.search(r"\bshapes?\b", text, _I):
        return None
    try:
        specs = [spec_of(code.group(0)) for code in codes]
        batch = one_value((BATCH,), CODE.sub(" ", text))
    except Unclear:
        return None
    if specs[0].kind == specs[1].kind or any(spec.cell for spec in specs):
        return None
    lines = tuple(_line(spec, batch) for spec in specs)
    title = f"{specs[0].name} and {specs[1].name}: final states"
    explanation = (
        "An LSTM hands back a pair (h_n, c_n), the hidden and the cell state; a GRU has no "
        "cell state and hands back h_n alone; h_n is (D·num_layers, N, H) for both."
    )
    fact = "Computed exactly: " + "; ".join(lines) + "."
    return Computed(title, None, lines[0], lines[1:], explanation, fact, specs[0],
                    more_shapes=_all_shapes(specs, batch))  # fmt: skip


def _line(spec: RNNSpec, batch: int | None) -> str:
    found = shapes(spec, None, batch)
    if spec.kind == "LSTM":
        return (
            f"{spec.name} returns output, (h_n, c_n): h_n {shape_text(found['h_n'])} and c_n "
            f"{shape_text(found['c_n'])}"
        )
    return f"{spec.name} returns output, h_n: h_n {shape_text(found['h_n'])}, no c_n"


def _all_shapes(specs: list[RNNSpec], batch: int | None) -> tuple[tuple[str, tuple], ...]:
    """The final states' shapes both layers agree on, for the guard (an h_n whose shape
    differs between the two layers is left out: either could be meant)."""
    found: dict[str, set[tuple]] = {}
    for spec in specs:
        for name in ("h_n", "c_n"):
            shape = shapes(spec, None, batch).get(name)
            if shape is not None and all(isinstance(d, int) for d in shape):
                found.setdefault(name, set()).add(shape)
    agreed = {"h_n": len(specs), "c_n": 1}  # every layer has an h_n; only the LSTM a c_n
    return tuple(
        (name, next(iter(values)))
        for name, values in found.items()
        if len(values) == 1 and sum(name in shapes(s, None, batch) for s in specs) == agreed[name]
    )
