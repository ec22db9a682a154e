"""A layer resized in the question itself: "if i bump nn.GRU(10, 20) up to hidden_size 21,
how many params does that one extra unit add?" — both layers counted and the difference.

qwen2.5-coder-1.5b answered 2,109, neither the new layer's 2,079 nor the 159 one unit adds
(the tenth quiz edition, session 18). The layer is written out as code; the new size comes
after a verb of changing ("bump", "increase", "go from … to"), and the question asks what
changes ("add", "more", "difference"). Anything else gives None. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import re

from gruchat.tutor.compute import Computed, parameter_count
from gruchat.tutor.compute_compare import count_table
from gruchat.tutor.layer_spec import CODE, Unclear, spec_of

_I = re.IGNORECASE
_CHANGE = re.compile(
    r"\b(?:bump(?:ed|ing)?|increas(?:e|ed|ing)|rais(?:e|ed|ing)|grow(?:s|ing)?|widen(?:ed|ing)?"
    r"|go(?:es|ing)? from|chang(?:e|ed|ing)|shrink(?:ing)?|reduc(?:e|ed|ing)|cut(?:ting)?)\b",
    _I,
)
_ASKS_CHANGE = re.compile(
    r"\b(?:adds?|added|more|fewer|less|extra|difference|saves?|removes?|grows? by)\b", _I
)
# ... and a count of them: "how many params does that add?", not "why more accurate?"
_ASKS_COUNT = re.compile(r"\b(?:how many|number of|count|difference)\b", _I)
_PARAMS = re.compile(r"\b(?:param(?:eter)?s?|weights)\b", _I)


_NEW_SIZE = {  # the size a changing verb sets: "hidden size to 40", "to 2 layers"
    "hidden_size": (
        re.compile(
            r"\bhidden(?:[ _-]?(?:size|units?|dim))?\s*(?:from\s+\d+\s+)?(?:=|to|up to|of)?"
            r"\s*(\d+)\b(?!\s*(?:layers?|features|inputs?)\b)",
            _I,
        ),
        re.compile(r"\b(\d+)\s+(?:hidden\s+)?units\b", _I),
    ),
    "num_layers": (
        re.compile(r"\b(\d+)\s+layers?\b|\bnum_layers\s*(?:=|to|from\s+\d+\s+to)?\s*(\d+)", _I),
    ),
    "input_size": (
        re.compile(r"\binput(?:[ _-]?size)?\s*(?:from\s+\d+\s+)?(?:=|to|of)?\s*(\d+)\b", _I),
        re.compile(r"\b(\d+)\s+(?:input\s+)?features\b", _I),
    ),
}


def _new_sizes(words: str) -> dict[str, int] | None:
    """Each size the words set, or None when they set one size to two values."""
    sizes: dict[str, int] = {}
    for name, patterns in _NEW_SIZE.items():
        found = {int(next(g for g in m.groups() if g)) for p in patterns for m in p.finditer(words)}
        if len(found) > 1:
            return None
        if found:
            sizes[name] = found.pop()
    return sizes


def change_question(text: str) -> Computed | None:
    """The two counts and their difference, or None when the question is not one."""
    codes = list(CODE.finditer(text))
    asked = _ASKS_CHANGE.search(text) and _ASKS_COUNT.search(text) and _PARAMS.search(text)
    if len(codes) != 1 or not asked:
        return None
    code = codes[0]
    words = f"{text[: code.start()]} {text[code.end() :]}"  # they give the new size
    change = _CHANGE.search(words)
    sizes = _new_sizes(words[change.end() :]) if change is not None else None
    if not sizes:
        return None
    try:
        old = spec_of(code.group(0))
        new = dataclasses.replace(old, **sizes)  # type: ignore[arg-type]
    except (Unclear, ValueError):
        return None
    if old == new:
        return None
    before, after = parameter_count(old), parameter_count(new)
    table = count_table([old, new], same_sizes=False)
    step = after - before
    said = f"{abs(step):,} {'more' if step > 0 else 'fewer'}"
    fact = (
        f"Computed exactly: {old.name} has {before:,} trainable parameters and {new.name} "
        f"{after:,}, so the change {'adds' if step > 0 else 'removes'} {abs(step):,} ({said})."
    )
    return dataclasses.replace(
        table,
        title=f"{old.name} → {new.name}: trainable parameters",
        fact=fact,
        also=(before, after, abs(step)),
    )
