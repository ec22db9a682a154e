"""What a question says about a PyTorch layer: constructor code and plain English.

``nn.GRU(10, 20, num_layers=2)`` and "a 2-layer bidirectional GRU, input 32, hidden 64"
are read into the same ``Found`` and then into an ``RNNSpec``; anything unclear (two
values for one size, unknown keyword arguments, code and words that disagree) raises
``Unclear``, which the recognisers in ``compute_questions`` turn into "not computed".
Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

from gruchat.tutor.compute import RNNSpec
from gruchat.tutor.switches import UnclearSwitch, switch

_I = re.IGNORECASE
_WORD_NUMBERS = {"one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

# -- code: nn.GRU(10, 20, num_layers=2) ------------------------------------------------------
CODE = re.compile(r"(?<![\w.])(?:torch\.)?(?:nn\.)?(GRU|LSTM|RNN)(Cell)?\s*\(([^()]*)\)", _I)
_LAYER_KEYWORDS = {"input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                   "bidirectional", "proj_size", "nonlinearity", "device", "dtype"}  # fmt: skip
_CELL_KEYWORDS = {"input_size", "hidden_size", "bias", "nonlinearity", "device", "dtype"}
_POSITIONAL = ("input_size", "hidden_size", "num_layers")  # beyond these torch's order varies


@dataclass(frozen=True)
class Found:
    """What the question says about the module; None where it says nothing."""

    kind: str | None = None
    cell: bool | None = None
    input_size: int | None = None
    hidden_size: int | None = None
    num_layers: int | None = None
    bias: bool | None = None
    bidirectional: bool | None = None
    batch_first: bool | None = None
    proj_size: int | None = None


class Unclear(Exception):
    """The question is not one to compute (raised inside the recogniser, never out of it)."""


def _literal(text: str) -> int | bool | str:
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    if text in ("True", "False"):
        return text == "True"
    if re.fullmatch(r"\d*\.\d+|\d+\.\d*|['\"]\w+['\"]|torch\.\w+", text):
        return text  # dropout, nonlinearity, dtype, device: irrelevant to the counts
    raise Unclear


def from_code(match: re.Match[str]) -> Found:
    kind, cell, body = match.group(1).upper(), bool(match.group(2)), match.group(3)
    allowed = _CELL_KEYWORDS if cell else _LAYER_KEYWORDS
    positional = _POSITIONAL[:2] if cell else _POSITIONAL
    values: dict[str, int | bool | str] = {}
    parts = [p.strip() for p in body.split(",")] if body.strip() else []
    for index, part in enumerate(p for p in parts if p):
        name, equals, raw = part.partition("=")
        if equals:
            name = name.strip()
            if name not in allowed or name in values:
                raise Unclear
        elif index < len(positional) and not values.keys() - set(positional[:index]):
            name, raw = positional[index], part
        else:
            raise Unclear
        values[name] = _literal(raw)
    ints = ("input_size", "hidden_size", "num_layers", "proj_size")
    flags = ("bias", "batch_first", "bidirectional")
    for key, value in values.items():
        wanted = int if key in ints else bool if key in flags else str
        if key in ints + flags and (type(value) is not wanted):
            raise Unclear
    known = {k: v for k, v in values.items() if k in ints + flags}
    return Found(kind=kind, cell=cell, **known)  # type: ignore[arg-type]


# -- plain English: "a 2-layer bidirectional GRU, input 32, hidden 64" ----------------------
KIND = re.compile(r"\b(?:(vanilla|elman)\s+)?(gru|lstm|rnn)(?:[ -]?(cell))?s?\b", _I)
_IS = r"\s*(?:of size|of|=|:|is|equals?)?\s*(\d+)\b"  # "input size 10", "hidden_size=20"
# "takes 40 mfcc features", "12 sensor features": one word naming what the features are
NAMED_FEATURES = re.compile(
    r"\b(\d+)\s+(?!(?:output|hidden|target|input)\b)[a-z]+\s+features?\b", _I
)
# "fed 300-dim embeddings", "300-dimensional word vectors": what each step reads
EMBEDDED = re.compile(
    r"\b(\d+)[ -]?(?:d|dims?|dimensional)\s+(?:word\s+)?(?:embeddings?|(?:word\s+)?vectors?)\b",
    _I,
)
_INPUT = (
    re.compile(r"\binput(?:[ _-]?(?:size|dim(?:ension)?|features?))?" + _IS, _I),
    re.compile(
        r"\b(\d+)[ -](?:input features|inputs|input units|dimensional inputs?"
        r"|dim(?:ensional)? input)\b",
        _I,
    ),
    NAMED_FEATURES,
    EMBEDDED,
)
_HIDDEN = (
    re.compile(
        r"\bhidden(?:[ _-]?state)?(?:[ _-]?(?:size|dim(?:ension)?|units?|features?))?" + _IS, _I
    ),
    re.compile(
        r"(?<!input )(?<!input=)(?<!input: )(?<!size )"  # "input 10 hidden 20": 10 is the input
        r"\b(\d+)\s+hidden(?:[ _-]?(?:units?|neurons?|features?|dims?|dimensions?|size))?\b"
        r"(?!\s+layers?)",
        _I,
    ),
)
LAYERS = (
    re.compile(
        r"\b(\d+|one|two|three|four|five|six|single)[ -]"
        r"(?:stacked[ -]|hidden[ -]|recurrent[ -])?layers?\b",
        _I,
    ),
    re.compile(r"\b(?:num[_ ]layers|layers)\s*(?:=|:|of)?\s*(\d+)\b", _I),
)
BIAS = r"bias(?:es| terms?| vectors?)?"
_ONE_DIRECTION = r"\buni-?directional\b|\bone direction\b"
_BATCH_FIRST = r"batch[_ -]first"


# "batch of 4", "batch_size=32": the batch size a question names (group 1)
BATCH = re.compile(r"\bbatch(?:[ _-]?size)?\s*(?:of|=|:|is)?\s*(\d+)\b", re.IGNORECASE)


def one_value(patterns: tuple[re.Pattern[str], ...], text: str) -> int | None:
    """The single value the patterns find; two different values make the question unclear."""
    found = set()
    for pattern in patterns:
        for match in pattern.finditer(text):
            raw = match.group(1).lower()
            found.add(_WORD_NUMBERS[raw] if raw in _WORD_NUMBERS else int(raw))
    if len(found) > 1:
        raise Unclear
    return found.pop() if found else None


def _switch(name: str, text: str, default: bool, **how: Any) -> bool | None:
    try:
        return switch(name, text, default, **how)
    except UnclearSwitch:
        raise Unclear from None


def from_words(text: str) -> Found:
    kinds = {(m.group(2).upper(), bool(m.group(3))) for m in KIND.finditer(text)}
    if len(kinds) > 1:
        raise Unclear
    kind, cell = kinds.pop() if kinds else (None, None)
    return Found(
        kind=kind,
        cell=cell,
        input_size=one_value(_INPUT, text),
        hidden_size=one_value(_HIDDEN, text),
        num_layers=one_value(LAYERS, text),
        bias=_switch(BIAS, text, True, bare=None),
        bidirectional=_switch("bi-?directional", text, False, off_words=_ONE_DIRECTION),
        batch_first=_switch(_BATCH_FIRST, text, False),
    )


def merge(code: Found, words: Found) -> Found:
    """The code's values, with the words filling gaps; a disagreement makes it unclear."""
    merged = {}
    for f in fields(Found):
        a, b = getattr(code, f.name), getattr(words, f.name)
        if a is not None and b is not None and a != b:
            raise Unclear
        merged[f.name] = a if a is not None else b
    return replace(code, **merged)


def spec_of(text: str, input_optional: bool = False) -> RNNSpec:
    """The module the question describes; ``input_optional``: the input size and the kind may
    be missing (h_n and the output have the same shape for nn.RNN, nn.GRU and nn.LSTM, and
    the input size does not enter it), and the kind then is the tutor's topic, a GRU."""
    codes = list(CODE.finditer(text))
    if len(codes) > 1:
        raise Unclear
    if codes:
        code = from_code(codes[0])
        rest = text[: codes[0].start()] + " " + text[codes[0].end() :]
        words = from_words(rest)
        if words.kind is not None and (words.kind, words.cell) != (code.kind, code.cell):
            raise Unclear  # "nn.GRU(10, 20) vs an LSTM"
        found = merge(code, replace(words, kind=None, cell=None))
    else:
        found = from_words(text)
    if input_optional:
        found = replace(found, input_size=found.input_size or 0, kind=found.kind or "GRU")
    if found.kind is None or found.input_size is None or found.hidden_size is None:
        raise Unclear  # names no layer, or lacks a size: do not guess
    if found.cell and (found.num_layers not in (None, 1) or found.bidirectional):
        raise Unclear
    try:
        return RNNSpec(
            kind=found.kind,
            input_size=found.input_size,
            hidden_size=found.hidden_size,
            num_layers=found.num_layers or 1,
            bias=found.bias is not False,
            bidirectional=bool(found.bidirectional),
            batch_first=bool(found.batch_first),
            proj_size=found.proj_size or 0,
            cell=bool(found.cell),
        )
    except ValueError:
        raise Unclear from None
