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

from gruchat.tutor.compute import Computed, RNNSpec, parameter_count
from gruchat.tutor.compute_compare import count_table
from gruchat.tutor.layer_spec import CODE, Unclear, spec_of

_I = re.IGNORECASE
_CHANGE = re.compile(
    r"\b(?:bump(?:ed|ing)?|increas(?:e|ed|ing)|rais(?:e|ed|ing)|grow(?:s|ing)?|widen(?:ed|ing)?"
    r"|go(?:es|ing)? from|chang(?:e|ed|ing)|shrink(?:ing)?|reduc(?:e|ed|ing)|cut(?:ting)?"
    r"|mak(?:e|es|ing) it|turn(?:s|ing)? it|switch(?:es|ing)?(?: it)?|set(?:s|ting)? it"
    r"|us(?:e|ing) (?:a )?longer|doubl(?:e|es|ing)|tripl(?:e|es|ing)"
    r"|add(?:s|ing)? (?=(?:another|one more|a second|an extra|a further) layer))\b",
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


# on/off changes: "making it bidirectional", "adding another layer", "dropping the biases"
_SWITCHES = (
    (re.compile(r"\bbi-?directional\b", _I), "bidirectional"),
    (re.compile(r"\b(?:another|one more|a second|an extra|a further) layer\b", _I), "layer"),
    (re.compile(r"\bbias\s*=\s*False\b|\b(?:no|without|drop\w*|remov\w*) (?:the )?bias", _I),
     "no bias"),
)  # fmt: skip
# what the count does not depend on: the weights are shared over steps and sequences
_NOT_A_SIZE = re.compile(
    r"\b(?:sequence|seq)[ _-]?len(?:gth)?s?\b|\blonger sequences?\b|\btime ?steps\b"
    r"|\bbatch(?:[ _-]?size)?\b",
    _I,
)


def _switched(old: RNNSpec, words: str) -> dict[str, object]:
    """The on/off settings the words change, as dataclass fields of the new layer."""
    changes: dict[str, object] = {}
    for pattern, name in _SWITCHES:
        if not pattern.search(words):
            continue
        if name == "bidirectional" and not old.bidirectional:
            changes["bidirectional"] = True
        elif name == "layer" and not old.cell:
            changes["num_layers"] = old.num_layers + 1
        elif name == "no bias" and old.bias:
            changes["bias"] = False
    return changes


_SCALED_SIZE = re.compile(
    r"^\s*(?:the |its )?(?:(hidden)(?:[ _]size| units)?|(input)(?:[ _]size)?"
    r"|(?:number of )?(layers))\b",
    _I,
)


def _scaled(verb: str, words: str, old: RNNSpec) -> dict[str, int] | None:
    """ "double the hidden size", "triple the layers": the size times 2 or 3."""
    factor = 2 if verb.lower().startswith("doubl") else 3 if verb.lower().startswith("tripl") else 0
    named = _SCALED_SIZE.match(words) if factor else None
    if named is None:
        return None
    if named.group(1):
        return {"hidden_size": old.hidden_size * factor}
    if named.group(2):
        return {"input_size": old.input_size * factor}
    return {"num_layers": old.num_layers * factor}


def _unchanged(spec: RNNSpec) -> Computed:
    """The count for a change of something it does not depend on (length, batch)."""
    count = parameter_count(spec)
    formula = f"{spec.name}: {count:,} at any sequence length and batch size"
    lines = ("the same weights are applied at every step and to every sequence: 0 more",)
    explanation = (
        "A longer sequence or a bigger batch costs more time and activation memory, "
        "not more parameters."
    )
    fact = (
        f"Computed exactly: {spec.name} has {count:,} trainable parameters whatever the "
        "sequence length or batch size, so the change adds 0."
    )
    return Computed(f"{spec.name}: trainable parameters, any length", count, formula, lines,
                    explanation, fact, spec, also=(0,))  # fmt: skip


def change_question(text: str) -> Computed | None:
    """The two counts and their difference, or None when the question is not one."""
    codes = list(CODE.finditer(text))
    asked = _ASKS_CHANGE.search(text) and _ASKS_COUNT.search(text) and _PARAMS.search(text)
    if len(codes) != 1 or not asked:
        return None
    code = codes[0]
    words = f"{text[: code.start()]} {text[code.end() :]}"  # they give the new size
    change = _CHANGE.search(words)
    if change is None:
        return None
    after_verb = words[change.end() :]
    sizes = _new_sizes(after_verb)
    if sizes is None:
        return None  # one size set to two values
    try:
        old = spec_of(code.group(0))
        sizes = sizes or _scaled(change.group(0), after_verb, old) or {}  # "double the hidden size"
        switched = _switched(old, after_verb)
        if not sizes and not switched and _NOT_A_SIZE.search(after_verb):
            return _unchanged(old)  # "if I increase the sequence length to 100"
        if (not sizes and not switched) or sizes.keys() & switched.keys():
            return None  # nothing changed, or one size set two ways ("3 layers" and "another")
        new = dataclasses.replace(old, **{**sizes, **switched})  # type: ignore[arg-type]
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
