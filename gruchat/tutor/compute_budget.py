"""The biggest hidden size that fits a parameter budget: "biggest hidden_size for a 1-layer
nn.GRU on 50 input features that stays under 10,000 params?".

The count grows with H² (3·(H·I + H·H + 2·H) for one GRU layer), so the answer is a
search, not a division, and the models divide. The count is gruchat.tutor.compute's (the
one tested against torch); the block shows the last size that fits and the first that does
not. Conservative: no input size, no budget, a Keras layer, or a hidden size already given
give None. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import replace

from gruchat.tutor.compute import Computed, RNNSpec, parameter_count
from gruchat.tutor.compute_keras_questions import KERAS
from gruchat.tutor.layer_spec import from_words

_I = re.IGNORECASE
_LARGEST = re.compile(
    r"\b(?:biggest|largest|max(?:imum)?|highest|most)\b[^?.]{0,30}"
    r"\b(?:hidden[ _]size|hidden units|units|H)\b",
    _I,
)
_BUDGET = re.compile(
    r"\b(?:under|below|less than|fewer than|at most|no more than|within|not over|"
    r"without going over|max(?:imum)? of|up to)\s+(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?\s*[kKmM]?|\d+)"
    r"\s*(?:trainable\s+|total\s+)?(?:param(?:eter)?s|weights)\b",
    _I,
)
_INCLUSIVE = re.compile(
    r"\b(?:at most|no more than|within|not over|without going over|up to|max)", _I
)
_MAX_HIDDEN = 100_000


def _amount(raw: str) -> int:
    raw = raw.replace(",", "").replace(" ", "").lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(raw[-1], 1)
    return int(float(raw.rstrip("km")) * scale)


def budget_question(question: str) -> Computed | None:
    """The largest hidden size whose count stays within the budget; None if it is not such
    a question."""
    text = " ".join(question.split())
    budgets = {m.group(1) for m in _BUDGET.finditer(text)}
    if len(budgets) != 1 or not _LARGEST.search(text) or KERAS.search(text):
        return None
    (raw,) = budgets
    found = from_words(_BUDGET.sub(" ", text))
    if not found.input_size or found.hidden_size is not None:
        return None
    spec = RNNSpec(
        found.kind or "GRU",
        found.input_size,
        1,
        num_layers=found.num_layers or 1,
        bias=found.bias is not False,
        bidirectional=bool(found.bidirectional),
        cell=found.cell,
    )
    budget = _amount(raw)
    inclusive = bool(_INCLUSIVE.search(text))

    def fits(hidden: int) -> bool:
        count = parameter_count(replace(spec, hidden_size=hidden))
        return count <= budget if inclusive else count < budget

    if not fits(1):
        return None
    hidden = 1
    while hidden < _MAX_HIDDEN and fits(hidden + 1):
        hidden += 1
    if hidden >= _MAX_HIDDEN:
        return None
    best, over = replace(spec, hidden_size=hidden), replace(spec, hidden_size=hidden + 1)
    best_count, over_count = parameter_count(best), parameter_count(over)
    bound = "within" if inclusive else "under"
    title = f"The largest hidden size {bound} {budget:,} parameters"
    formula = (
        f"{best.name}: {best_count:,} ≤ {budget:,}"
        if inclusive
        else (f"{best.name}: {best_count:,} < {budget:,}")
    )
    lines = (f"one more unit, {over.name}: {over_count:,}, over the budget",)
    explanation = (
        "The count grows with the square of the hidden size (the H×H recurrent matrices), so "
        "the largest size that fits is found by counting, not by dividing the budget."
    )
    fact = (
        f"Computed exactly: the largest hidden size is {hidden}: {best.name} has "
        f"{best_count:,} parameters, {over.name} already {over_count:,} ({bound} {budget:,})."
    )
    return Computed(title, best_count, formula, lines, explanation, fact, best,
                    also=(over_count,))  # fmt: skip
