"""The hidden size that matches another layer's parameter count, solved, not guessed.

"What hidden size would nn.GRU(10, H) need to have about as many parameters as
nn.LSTM(10, 32)?" is a quadratic in H: one PyTorch layer per direction has
g·(H·I + H·H + 2·H) parameters, so g·H² + g·(I + 2)·H − N = 0. The models guess
(32, 43, 64). The root is shown with the two whole sizes either side of it and their
counts. As conservative as the other recognisers: exactly one layer given whole (written
as code) and one with its hidden size asked, the same input size, one layer and one
direction each, else None. Pure: no I/O and no torch; the tests check against torch.
"""

from __future__ import annotations

import math
import re

from gruchat.tutor.compute import GATES, Computed, RNNSpec, parameter_count
from gruchat.tutor.layer_spec import CODE, Unclear, spec_of

_I = re.IGNORECASE
_MATCH = re.compile(
    r"\b(?:same|as many|match(?:es|ing)?|equal|comparable|similar|roughly equal)\b", _I
)
_ASKS_SIZE = re.compile(
    r"\b(?:what|which|how big a|how large a)\b[^?]{0,30}\bhidden(?:[ _-]?size| units?| dim)"
    r"|\bhow many (?:hidden )?units\b|\bhidden_size\s*=\s*\?|\(\s*\d+\s*,\s*H\s*\)",
    _I,
)
_UNKNOWN_LAYER = re.compile(
    r"(?<![\w.])(?:torch\.)?(?:nn\.)?(GRU|LSTM|RNN)\s*\(\s*(\d+)\s*,\s*H\s*\)"
)
_KIND_WORD = re.compile(r"\b(gru|lstm|rnn)s?\b", _I)


def match_question(text: str) -> Computed | None:
    """The hidden size the asked layer needs to match the given one's count, or None."""
    if not (_MATCH.search(text) and _ASKS_SIZE.search(text)):
        return None
    codes = list(CODE.finditer(text))
    unknown = list(_UNKNOWN_LAYER.finditer(text))
    given = [m for m in codes if not re.search(r",\s*H\s*\)", m.group(0))]
    if len(given) != 1 or len(unknown) > 1:
        return None
    try:
        target = spec_of(given[0].group(0))
    except (Unclear, ValueError):
        return None
    if target.num_layers != 1 or target.bidirectional or target.cell or target.proj_size:
        return None
    if unknown:
        kind, input_size = unknown[0].group(1).upper(), int(unknown[0].group(2))
    else:
        others = {m.group(1).upper() for m in _KIND_WORD.finditer(CODE.sub(" ", text))}
        others.discard(target.kind)
        if len(others) != 1:
            return None
        kind, input_size = others.pop(), target.input_size
    if kind == target.kind or input_size != target.input_size:
        return None
    return _solved(kind, target)


def _solved(kind: str, target: RNNSpec) -> Computed:
    g, size = GATES[kind], target.input_size
    wanted = parameter_count(target)
    root = (-g * (size + 2) + math.sqrt((g * (size + 2)) ** 2 + 4 * g * wanted)) / (2 * g)
    below, above = max(1, math.floor(root)), math.ceil(root)
    counts = {h: parameter_count(RNNSpec(kind, size, h)) for h in sorted({below, above})}
    nearest = min(counts, key=lambda h: (abs(counts[h] - wanted), h))
    formula = (
        f"{g}·(H·{size} + H·H + 2·H) = {wanted:,}  →  {g}·H² + {g * (size + 2)}·H − {wanted:,} = 0"
        f"  →  H ≈ {root:.1f}"
    )
    lines = (
        f"{target.name}: {wanted:,} parameters",
        *(
            f"nn.{kind}({size}, {h}): {count:,} ({count - wanted:+,})"
            for h, count in counts.items()
        ),
        f"nearest whole size: H = {nearest}",
    )
    explanation = (
        f"One layer and one direction: an nn.{kind} has {g} blocks of H×I + H×H weights and "
        f"2·H biases each, so its count grows as H², and a matching size is a root, rounded."
    )
    fact = (
        f"Computed exactly: nn.{kind}({size}, H) matches {target.name}'s {wanted:,} parameters "
        f"at H ≈ {root:.1f}; the nearest whole size is H = {nearest} ({counts[nearest]:,})."
    )
    title = f"the hidden size of nn.{kind}({size}, H) that matches {target.name}"
    return Computed(title, None, formula, lines, explanation, fact, None,
                    also=(wanted, *counts.values()))  # fmt: skip


def _signed(value: int) -> str:
    return f"{value:+,}".replace("-", "−")
