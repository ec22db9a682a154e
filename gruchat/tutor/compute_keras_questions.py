"""Recognising Keras count and shape questions, and "how many more parameters does X have
than Y?" comparisons, for the computed answers.

As conservative as the PyTorch recogniser: two layers in code, a keyword it does not know,
or a count without the input size gives None, and the notes answer. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gruchat.tutor.compute import Computed, RNNSpec
from gruchat.tutor.compute_compare import (
    compare_biases,
    compare_counts,
    compare_forms,
    count_table,
    form_of,
)
from gruchat.tutor.compute_keras import KerasSpec, keras_parameters, keras_shapes, keras_weights
from gruchat.tutor.layer_spec import BATCH, EMBEDDED, NAMED_FEATURES
from gruchat.tutor.switches import UnclearSwitch, switch

_I = re.IGNORECASE
# Keras by name, or by what only Keras layers take: Bidirectional(…), units=, return_state …
KERAS = re.compile(
    r"\b(?:keras|tensorflow|tf\.keras)\b|\btf\.|\bBidirectional\s*\(|\binput_shape\b"
    r"|\breturn_(?:sequences|state)\b|\breset_after\b|\bunits\s*=|\bSimpleRNN\b",
    _I,
)
_LAYER = r"(GRU|LSTM|SimpleRNN)"
_ARGS = r"\(((?:[^()]|\([^()]*\))*)\)"  # one level of parentheses: input_shape=(None, 8)
_KERAS_CODE = re.compile(
    r"(?<![\w.])(?:(?:tf\.)?keras\.)?(?:layers\.)?(Bidirectional\s*\(\s*)?"
    rf"(?:(?:tf\.)?keras\.)?(?:layers\.)?{_LAYER}\s*{_ARGS}",
    _I,
)
_KEYWORDS = {"units", "reset_after", "use_bias", "return_sequences", "return_state",
             "input_shape", "input_dim"}  # fmt: skip
_IGNORED = {"activation", "recurrent_activation", "dropout", "recurrent_dropout", "name",
            "go_backwards", "stateful", "unroll", "kernel_initializer", "time_major",
            "recurrent_initializer", "bias_initializer"}  # fmt: skip
_KIND_WORD = re.compile(r"\b(gru|lstm|simple ?rnn|rnn)s?\b", _I)
_KIND_NAMES = {"gru": "GRU", "lstm": "LSTM", "simplernn": "SimpleRNN", "rnn": "SimpleRNN"}
_UNITS = (
    re.compile(r"\b(\d+)\s+(?:hidden\s+)?(?:units|neurons|cells)\b", _I),
    re.compile(r"\bunits\s*(?:=|:|of|is)?\s*(\d+)\b", _I),
    re.compile(r"\bhidden(?:[ _-]?(?:size|units|dim(?:ension)?))?\s*(?:=|:|of|is)?\s*(\d+)\b", _I),
)
_FEATURES = (
    re.compile(r"\b(\d+)[ -](?:input[ -])?(?:features|dim(?:ensional)? inputs?|inputs?)\b", _I),
    NAMED_FEATURES,
    EMBEDDED,
    re.compile(
        r"\b(?:input|feature)s?(?:[ _-]?(?:size|dim(?:ension)?|features))?\s*"
        r"(?:=|:|of|is)?\s*(\d+)\b(?!\s*(?:time|steps|units))",
        _I,
    ),
)
_INPUT_SHAPE = re.compile(
    r"\binput(?:s|_shape| shape)?\s*(?:of\s+)?(?:shape\s*)?(?:=|:|of|is)?\s*\(([^()]*)\)", _I
)
_STEPS = re.compile(r"\b(\d+)\s+(?:time[ -]?steps|steps)\b|\btimesteps\s*(?:=|:|of)?\s*(\d+)", _I)
# "what shapes do kernel, recurrent_kernel and bias have?": the weights, not the outputs
_WEIGHTS = re.compile(r"\b(?:recurrent[_ ])?kernels?\b|\bweights?\b|\bbias(?:es)?\b", _I)


# each flag's Keras default, and what the name alone says ("no bias" is use_bias=False)
_FLAGS = {
    "reset_after": (True, True),
    "use_bias": (True, True),
    "return_sequences": (False, True),
    "return_state": (False, True),
}


def _flag(name: str, text: str) -> bool | None:
    """What the question says of one flag: "=True"/"=False", "without return_state", "the
    default return_sequences" (its Keras default) or the bare name (on)."""
    default, bare = _FLAGS[name]
    try:
        said = switch(name, text, default, bare=bare)
        if name == "use_bias" and said is None:
            said = switch("bias(?:es)?", text, default, bare=None)
    except UnclearSwitch:
        raise _Unclear from None
    return said


class _Unclear(Exception):
    pass


def _ints(patterns: tuple[re.Pattern[str], ...], text: str) -> int | None:
    found = {int(next(g for g in m.groups() if g)) for p in patterns for m in p.finditer(text)}
    if len(found) > 1:
        raise _Unclear
    return found.pop() if found else None


def _input_shape(text: str) -> tuple[int | None, int | None, int | None]:
    """(batch, timesteps, features) from "input shape (None, 10, 8)" or "input_shape=(10, 8)"."""
    match = _INPUT_SHAPE.search(text)
    if match is None:
        return None, None, None
    parts = [p.strip() for p in match.group(1).split(",") if p.strip()]
    dims = [int(p) if p.isdigit() else None for p in parts]
    if len(dims) == 2:
        return None, dims[0], dims[1]
    if len(dims) == 3:
        return dims[0], dims[1], dims[2]
    raise _Unclear


def _from_code(match: re.Match[str]) -> dict[str, object]:
    values: dict[str, object] = {"kind": match.group(2), "bidirectional": bool(match.group(1))}
    depth, part, parts = 0, "", []
    for char in match.group(3):  # split on the commas outside input_shape's parentheses
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(part)
            part = ""
        else:
            part += char
    parts.append(part)
    for index, raw in enumerate(p.strip() for p in parts if p.strip()):
        name, equals, value = raw.partition("=")
        name, value = name.strip(), value.strip()
        if not equals:
            if index or not raw.isdigit():
                raise _Unclear
            values["units"] = int(raw)
        elif name in _IGNORED:
            continue
        elif name == "input_shape":
            values["input_shape"] = value
        elif name in _KEYWORDS and value.isdigit():
            values[name] = int(value)
        elif name in _KEYWORDS and value in ("True", "False"):
            values[name] = value == "True"
        else:
            raise _Unclear
    return values


def _keras_spec(text: str, shape_question: bool) -> tuple[KerasSpec, int | None, int | None]:
    """The layer the question describes, with the batch and timesteps it gives."""
    codes = list(_KERAS_CODE.finditer(text))
    if len(codes) > 1:
        raise _Unclear
    code = _from_code(codes[0]) if codes else {}
    rest = text[: codes[0].start()] + " " + text[codes[0].end() :] if codes else text
    kinds = {_KIND_NAMES[m.group(1).lower().replace(" ", "")] for m in _KIND_WORD.finditer(rest)}
    kind = code.get("kind")
    if kind is not None:
        kinds.add(str(kind).upper().replace("SIMPLERNN", "SimpleRNN"))
    if len(kinds) != 1:
        raise _Unclear
    shape_text = str(code.get("input_shape", ""))
    batch, steps, features = _input_shape(f"input shape {shape_text}" if shape_text else rest)
    units = _merge(code.get("units"), _ints(_UNITS, rest))
    features = _merge(features, _merge(code.get("input_dim"), _ints(_FEATURES, rest)))
    batch = _merge(batch, _ints((BATCH,), rest))
    steps = _merge(steps, _ints((_STEPS,), rest))
    if units is None and not shape_question:
        raise _Unclear
    flags = {}
    for name in _FLAGS:
        said = code.get(name, _flag(name, rest))
        if said is not None:
            flags[name] = bool(said)
    bidirectional = bool(code.get("bidirectional")) or bool(re.search(r"\bbidirectional", rest, _I))
    try:
        spec = KerasSpec(
            kind=kinds.pop(),
            units=int(units or 0),
            input_size=int(features or 0),
            bidirectional=bidirectional,
            **flags,  # type: ignore[arg-type]
        )
    except ValueError:
        raise _Unclear from None
    return spec, batch, steps


def _merge(a: object, b: object) -> int | None:
    if a is not None and b is not None and a != b:
        raise _Unclear
    value = a if a is not None else b
    return int(value) if value is not None else None  # type: ignore[call-overload]


_RESET_ON = re.compile(r"\b(?:the )?(?:default )?reset_after\s*=\s*True\b", _I)
_RESET_OFF = re.compile(r"\breset_after\s*=\s*False\b", _I)


def keras_question(text: str, wants_count: bool, wants_shape: bool) -> Computed | None:
    """The computed count or output shapes of the Keras layer the question describes; a
    count asked with reset_after=True and with reset_after=False gives both."""
    if wants_count and _RESET_ON.search(text) and _RESET_OFF.search(text):
        on = keras_question(_RESET_OFF.sub(" ", text), wants_count, wants_shape)
        off = keras_question(_RESET_ON.sub(" ", text), wants_count, wants_shape)
        return _both_ways(on, off) if on is not None and off is not None else None
    try:
        spec, batch, steps = _keras_spec(text, shape_question=wants_shape)
        if wants_count:
            return keras_parameters(spec) if spec.input_size else None
        if _WEIGHTS.search(_KERAS_CODE.sub(" ", text)):
            return keras_weights(spec, batch) if spec.input_size and spec.units else None
        return keras_shapes(spec, batch, steps)
    except _Unclear:
        return None


def _both_ways(on: Computed, off: Computed) -> Computed:
    """One Keras GRU's count with reset_after=True (the default) and with False, side by side."""
    assert isinstance(on.value, int) and isinstance(off.value, int)
    name = on.title.split(": ", 1)[0]
    formula = f"reset_after=True: {on.formula} · reset_after=False: {off.formula}"
    lines = (*on.lines, f"with reset_after=False: {off.lines[0] if off.lines else off.formula}")
    fact = (
        f"Computed exactly: {name} has {on.value:,} trainable parameters with reset_after=True "
        f"(the default) and {off.value:,} with reset_after=False."
    )
    return Computed(f"{name}: trainable parameters, reset_after=True and False", None, formula,
                    lines, on.explanation, fact, on.spec, also=(on.value, off.value))  # fmt: skip


# -- "how many more parameters does an LSTM have than a GRU?" --------------------------------
COMPARES = re.compile(
    r"\bhow many (?:more|fewer|less|extra)\b|\bdifference\b|\b(?:more|fewer|less) "
    r"(?:parameters|params|weights)\b[^?]*\bthan\b|\bcompared? (?:to|with)\b|\bvs\.?\b|\bversus\b"
    r"|\bwhich (?:one |layer |model )?(?:has|needs|uses) (?:more|fewer|less)\b|\bexceeds?\b"
    r"|\bby how many\b|\bhow much (?:more|fewer|less|bigger|larger|smaller)\b"
    r"|\b(?:twice|double|half|three times|\d+ times)\b",  # "double the weights of a GRU"
    _I,
)
# three layers at once: "side by side, what do nn.RNN, nn.GRU and nn.LSTM each come to?"
_EACH = re.compile(r"\beach\b|\bside[- ]by[- ]side\b|\bcompare\b|\ball three\b|\bvs\.?\b", _I)
_TORCH_KINDS = {"gru": "GRU", "lstm": "LSTM", "rnn": "RNN", "simplernn": "RNN"}


def kinds_in_order(text: str) -> list[str]:
    """The recurrent layer kinds the text names, first mention first, each once."""
    seen: list[str] = []
    for match in _KIND_WORD.finditer(text):
        kind = _TORCH_KINDS[match.group(1).lower().replace(" ", "")]
        if kind not in seen:
            seen.append(kind)
    return seen


def comparison_question(
    text: str,
    sizes: tuple[int | None, int | None],
    settings: Mapping[str, Any] | None = None,
    biases: bool = False,
) -> Computed | None:
    """First-named layer's count minus the second's ("an LSTM … than a GRU"): with the sizes
    the question gives, else as a formula in H and I. ``settings`` (num_layers,
    bidirectional, bias) hold for both PyTorch layers, and need the sizes; ``biases``: the
    question asks for the bias counts, which then come first."""
    kinds = kinds_in_order(text)
    pair = len(kinds) == 2 and COMPARES.search(text)
    if not (pair or (len(kinds) == 3 and _EACH.search(text))):
        return None
    keras = bool(KERAS.search(text))
    settings = dict(settings or {})
    if settings and (keras or None in sizes):
        return None
    if keras:
        try:
            units = {_from_code(m).get("units") for m in _KERAS_CODE.finditer(text)} - {None}
            units |= {_ints(_UNITS, _KERAS_CODE.sub(" ", text))} - {None}
            if len(units) > 1:
                return None
            sizes = (_ints(_FEATURES, text), int(units.pop()) if units else None)  # type: ignore[call-overload]
        except _Unclear:
            return None
    input_size, hidden = sizes
    if (input_size is None) != (hidden is None):
        return None
    if len(kinds) == 3:
        if input_size is None or hidden is None or biases:
            return None
        if keras:
            return count_table([KerasSpec(_keras_kind(k), hidden, input_size) for k in kinds])
        return count_table([RNNSpec(kind, input_size, hidden, **settings) for kind in kinds])
    if input_size is None or hidden is None:
        forms = []
        for kind in kinds:
            spec = KerasSpec(_keras_kind(kind), 1, 1) if keras else RNNSpec(kind, 1, 1)
            forms.append(form_of(spec))
        return compare_forms(forms[0], forms[1])
    if keras:
        first = KerasSpec(_keras_kind(kinds[0]), hidden, input_size)
        second = KerasSpec(_keras_kind(kinds[1]), hidden, input_size)
        return (compare_biases if biases else compare_counts)(first, second)
    first_spec, second_spec = (RNNSpec(kind, input_size, hidden, **settings) for kind in kinds)
    return (compare_biases if biases else compare_counts)(first_spec, second_spec)


def _keras_kind(kind: str) -> str:
    return "SimpleRNN" if kind == "RNN" else kind
