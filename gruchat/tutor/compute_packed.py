"""Packed sequences worked out: batch_sizes and the .data shapes for the learner's lengths.

"I pack sequences of lengths 5, 3, 2: what are batch_sizes and packed.data's shape?" is
bookkeeping the models get wrong (they give the padded (3, 5, H) shape), and it is exact:
a PackedSequence keeps only the real steps, time-major, so .data has sum(lengths) rows
and batch_sizes[t] counts the sequences still running at step t. As conservative as the
other recognisers: no packing word, fewer than two lengths, two lists of lengths, or a
layer it cannot read give None. Pure: no I/O and no torch; the tests check it against
torch.nn.utils.rnn.
"""

from __future__ import annotations

import re

from gruchat.tutor.compute import Computed, RNNSpec
from gruchat.tutor.layer_spec import CODE, Unclear, from_words, spec_of

_I = re.IGNORECASE
_PACKING = re.compile(
    r"\bpack(?:ed|ing|s|_padded_sequence|_sequence)?\b|\bPackedSequence\b|\bbatch_sizes\b", _I
)
_NUMBERS = r"\d+(?:\s*(?:,|and|,\s*and)\s*\d+)+"
_LENGTHS = re.compile(
    rf"\blengths?\b(?:\s+(?:of|=|:|are|is|were))?\s*(?:\[|\()?\s*({_NUMBERS})\s*(?:\]|\))?", _I
)


def _lengths(text: str) -> list[int] | None:
    found = {tuple(int(n) for n in re.findall(r"\d+", m.group(1))) for m in _LENGTHS.finditer(text)}
    if len(found) != 1:
        return None
    lengths = list(found.pop())
    return lengths if min(lengths) > 0 else None


def packed_question(text: str) -> Computed | None:
    """The packed shapes for the lengths the question gives, or None if it is not one."""
    if not _PACKING.search(text):
        return None
    lengths = _lengths(text)
    if lengths is None:
        return None
    try:
        spec, input_size = _layer(_LENGTHS.sub(" ", text))
    except (Unclear, ValueError):
        return None
    steps = max(lengths)
    batch_sizes = [sum(length > t for length in lengths) for t in range(steps)]
    total, batch = sum(lengths), len(lengths)
    features: int | str = input_size or "H_in"
    lines = [f"batch_sizes: the sequences still running at each step = {_list(batch_sizes)}"]
    shapes: list[tuple[str, tuple[int | str, ...]]] = [("packed.data", (total, features))]
    if spec is not None:
        width = spec.directions * spec.output_size
        d = "D·H" if spec.directions == 2 else "H"
        lines.append(f"{spec.name} on it: output.data (sum of lengths, {d}) = ({total}, {width})")
        state = (spec.directions * spec.num_layers, batch, spec.output_size)
        lines.append(f"h_n: (D·num_layers, batch, H) = {_tuple(state)}, each sequence's state "
                     "at its own last real step")  # fmt: skip
        shapes += [("output.data", (total, width)), ("h_n", state)]
    if lengths != sorted(lengths, reverse=True):
        order = sorted(range(batch), key=lambda i: -lengths[i])
        lines.append(
            "lengths not in decreasing order: pack_padded_sequence raises unless "
            f"enforce_sorted=False, which sorts them (sorted_indices = {_list(order)})"
        )
    summed = " + ".join(map(str, lengths))
    formula = (
        f"packed.data: (sum of lengths, H_in) = ({summed}, {features}) = ({total}, {features})"
    )
    explanation = (
        "A PackedSequence stores only the real steps, time-major: its first batch_sizes[0] "
        "rows are step 0 of every sequence, the next batch_sizes[1] rows step 1, and so on, so "
        "no padding enters the GRU; pad_packed_sequence gives back the padded "
        f"({steps}, {batch}, …) tensor (({batch}, {steps}, …) with batch_first=True) and the "
        "lengths."
    )
    fact = (
        f"Computed exactly: packing lengths {_list(lengths)} gives packed.data of shape "
        f"({total}, {features}) and batch_sizes = {_list(batch_sizes)}."
    )
    title = f"packed sequences, lengths {_list(lengths)}"
    main, *more = shapes
    return Computed(title, main[1], formula, tuple(lines), explanation, fact, spec,
                    tensor=main[0], more_shapes=tuple(more))  # fmt: skip


def _layer(text: str) -> tuple[RNNSpec | None, int | None]:
    """The recurrent layer the packed batch goes through, if the question gives one, and
    the input's feature size, if it says."""
    codes = list(CODE.finditer(text))
    if len(codes) > 1:
        raise Unclear
    if codes:
        spec = spec_of(codes[0].group(0), input_optional=True)
        return spec, spec.input_size or None
    words = from_words(text)
    if words.hidden_size is None:
        return None, words.input_size
    spec = spec_of(text, input_optional=True)
    return spec, spec.input_size or None


def _list(values: list[int]) -> str:
    return "[" + ", ".join(map(str, values)) + "]"


def _tuple(values: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, values)) + ")"
