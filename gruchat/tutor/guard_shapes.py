"""Shapes an answer states that disagree with the shape gruchat computed for the question.

The models restate a computed shape wrongly ("weight_ih_l0 is (10, 20)", "h_n has shape
(2·20, 8, 20)") right under the block that gives it. A stated shape counts when it follows
the tensor's name in the same sentence, as a tuple or as "60x10"; a symbol the answer
writes (N, L, H) or one the computation left open agrees with anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

Dim = int | str
# A tuple that is not a call's arguments ("nn.GRU(10, 20)"), or "60x10" / "60 × 10".
_TUPLE = re.compile(r"(?<![\w.])[(\[]([^()\[\]\n]{1,60})[)\]]|\b(\d+)\s*[x×]\s*(\d+)\b")
_PRODUCT = re.compile(r"^\d+(?:\s*[·*×x]\s*\d+)*$")
_NEAR = 80  # characters after the tensor's name that may hold its shape
_ALIASES = {"h_n": r"h_?n\b|final hidden state|last hidden state", "output": r"output\b"}


def _dim(text: str) -> Dim | None:
    """A stated dimension: a number, a product (2·20), or a symbol (None: agrees)."""
    text = text.strip()
    if _PRODUCT.match(text):
        value = 1
        for factor in re.findall(r"\d+", text):
            value *= int(factor)
        return value
    return None if re.search(r"[A-Za-z]", text) else text or None


def _agrees(stated: Sequence[Dim | None], known: Sequence[Dim]) -> bool:
    if len(stated) != len(known):
        return False
    return all(
        s is None or isinstance(k, str) or s == k for s, k in zip(stated, known, strict=True)
    )


def _stated_shapes(sentence: str, name: str) -> list[list[Dim | None]]:
    pattern = _ALIASES.get(name, r"(?<!\w)" + re.escape(name) + r"\b")  # not recurrent_kernel
    found = []
    for hit in re.finditer(pattern, sentence, re.IGNORECASE):
        window = sentence[hit.end() : hit.end() + _NEAR]
        shape = _TUPLE.search(window)
        if shape is None:
            continue
        if shape.group(1) is not None:
            parts = [p for p in shape.group(1).split(",")]
            if parts and not parts[-1].strip():
                parts = parts[:-1]  # "(60,)"
            found.append([_dim(p) for p in parts])
        else:
            found.append([int(shape.group(2)), int(shape.group(3))])
    return found


def _show(shape: Sequence[Dim]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def wrong_shape(sentence: str, known: Mapping[str, Sequence[Dim]]) -> str | None:
    """The right fact when ``sentence`` gives a known tensor another shape, else None."""
    for name, shape in known.items():
        for stated in _stated_shapes(sentence, name):
            if any(isinstance(d, int) for d in stated) and not _agrees(stated, shape):
                return f"{name} has shape {_show(shape)}"
    return None
