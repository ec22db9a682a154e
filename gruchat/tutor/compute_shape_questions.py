"""Shape questions in plain English: which tensor is asked for (h_n, c_n, output, a named
weight), the input's batch and length, h_n's first dimension alone; the shapes themselves
come from gruchat.tutor.compute. Split out of compute_questions, which routes to it."""

from __future__ import annotations

import re
from dataclasses import replace

from gruchat.tutor.compute import Computed, RNNSpec, shape_text, tensor_shapes, weight_shape
from gruchat.tutor.layer_spec import CODE, Unclear, from_code, from_words, merge, one_value

_I = re.IGNORECASE

_TARGETS = {
    "h_n": r"h_?n|final hidden state|last hidden state|hidden state",
    "c_n": r"c_?n|cell state",
    "output": r"outputs?",
    "input": r"input|x",
}
_TARGET_NEAR_SHAPE = re.compile(
    r"shapes?\s+of\s+(?:the\s+)?(?:returned\s+)?(" + "|".join(_TARGETS.values()) + r")\b"
    r"|\b(" + "|".join(_TARGETS.values()) + r")(?:'s)?\s+(?:tensor\s+)?shapes?\b",
    _I,
)
_STATE_NAME = re.compile(r"\b([hc])_?n\b", _I)
_BATCH = (
    re.compile(r"\bbatch(?:[ _-]?size)?\s*(?:of|=|:|is)?\s*(\d+)\b", _I),
    re.compile(r"\b(\d+)\s+(?:sequences|samples|examples)\b", _I),
    re.compile(r"\bN\s*=\s*(\d+)\b"),
)  # fmt: skip
_LENGTH = (
    re.compile(r"\b(?:sequence|seq)[ _-]?(?:length|len)\s*(?:of|=|:|is)?\s*(\d+)\b", _I),
    re.compile(r"\blength\s*(?:of|=|:|is)?\s*(\d+)\b", _I),
    re.compile(r"\b(\d+)\s+(?:time[ -]?steps|steps|tokens)\b", _I),
    re.compile(r"\b[LT]\s*=\s*(\d+)\b"),
)  # fmt: skip
# "with an input of (5, 9, 6)", "x = torch.randn(9, 5, 6)": the input tensor's own shape
_INPUT_SHAPE = re.compile(
    r"\b(?:inputs?|x|xs|sequences?|batch|randn|rand|zeros|ones|tensor)\b(?:\s+(?:of|with|has|is|"
    r"shaped|shape|size|dims?|=|:)){0,3}\s*(?:\(|\[)\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*(\d+)\s*)?"
    r"(?:\)|\])",
    _I,
)
_UNBATCHED = re.compile(
    r"\bunbatched\b|\bno batch(?: dim(?:ension)?)?\b|\bwithout (?:a )?batch\b", _I
)


def asked_tensor(text: str) -> str | None:
    names = set()
    for match in _TARGET_NEAR_SHAPE.finditer(text):
        said = (match.group(1) or match.group(2)).lower()
        names |= {name for name, pattern in _TARGETS.items() if re.fullmatch(pattern, said, _I)}
    if not names:  # "what shape does … give h_n": the state's name alone is clear enough
        names = {f"{m.group(1).lower()}_n" for m in _STATE_NAME.finditer(text)}
    return names.pop() if len(names) == 1 else None


_WEIGHT_NAME = re.compile(r"\b((?:weight|bias)_(?:ih|hh)_l\d+(?:_reverse)?)\b", _I)
# "can i just do weight_hh_l0.chunk(3) to split out W_hr, W_hz, W_hn?"
_SPLIT = re.compile(r"\.(?:chunk|split)\s*\(|\b(?:chunk|split)(?:s|ting)?\b", _I)
_GATE_LETTERS = {"GRU": ("r", "z", "n"), "LSTM": ("i", "f", "g", "o")}


def _split_by_gate(block: Computed, spec: RNNSpec) -> Computed:
    """A weight's block with the per-gate pieces that .chunk(g) along dim 0 gives."""
    letters = _GATE_LETTERS.get(spec.kind)
    shape = block.value
    if not letters or not isinstance(shape, tuple) or not isinstance(shape[0], int):
        return block
    piece = (shape[0] // len(letters), *shape[1:])
    kind = block.tensor.split("_")[0]  # weight / bias
    side = block.tensor.split("_")[1]  # ih / hh
    names = ", ".join(f"{'W' if kind == 'weight' else 'b'}_{side[0]}{letter}" for letter in letters)
    line = (
        f"{block.tensor}.chunk({len(letters)}) (dim 0) gives {len(letters)} blocks of shape "
        f"{shape_text(piece)}: {names}, in that order"
    )
    return replace(
        block, lines=(line, *block.lines), fact=f"{block.fact} {line[:1].upper()}{line[1:]}."
    )


def _input_shape(body: str, spec: RNNSpec) -> tuple[int | None, int | None, bool] | None:
    """(batch, length, unbatched) read from the input tensor's shape in the question; None
    when it gives none. A shape whose last size is not the input size would make torch
    raise, so it makes the question unclear rather than computed."""
    found = {tuple(int(d) for d in m.groups() if d) for m in _INPUT_SHAPE.finditer(body)}
    if not found:
        return None
    if len(found) > 1:
        raise Unclear
    dims = found.pop()
    if spec.input_size and dims[-1] != spec.input_size:
        raise Unclear
    if spec.cell:  # one step: (N, H_in), or (H_in,) unbatched, which no pair can say
        if len(dims) != 2:
            raise Unclear
        return dims[0], None, False
    if len(dims) == 2:
        return None, dims[0], True
    first, second = dims[0], dims[1]
    return (first, second, False) if spec.batch_first else (second, first, False)


def shape_question(text: str, spec: RNNSpec) -> Computed:
    weights = list(dict.fromkeys(m.group(1).lower() for m in _WEIGHT_NAME.finditer(text)))
    if len(weights) > 2:
        raise Unclear
    if weights:
        try:
            blocks = [weight_shape(spec, name) for name in weights]
        except ValueError:
            raise Unclear from None
        if len(blocks) == 1:
            return _split_by_gate(blocks[0], spec) if _SPLIT.search(text) else blocks[0]
        return _two_weights(*blocks)
    body = CODE.sub(" ", text)  # the constructor's numbers are sizes, not L or N
    batch, length = one_value(_BATCH, body), one_value(_LENGTH, body)
    unbatched = bool(_UNBATCHED.search(body))
    given = _input_shape(body, spec)
    if given is not None:
        said = (batch, length, unbatched)
        batch, length, unbatched = given
        if said[0] not in (None, batch) or said[1] not in (None, length) or said[2] > unbatched:
            raise Unclear  # the sizes in words and the tensor's shape disagree
    if unbatched and batch is not None:
        raise Unclear
    target = asked_tensor(text)
    if target == "c_n" and spec.kind != "LSTM":
        raise Unclear  # a GRU has no cell state: the notes answer that
    if spec.cell and target in ("h_n", "c_n", "output"):
        target = "c'" if target == "c_n" else "h'"
    return tensor_shapes(spec, length, batch, unbatched, target)


def _two_weights(first: Computed, second: Computed) -> Computed:
    """ "what shape is weight_ih_l2, and is it different from weight_ih_l0?": both shapes,
    the first's block with the second's formula and whether the two differ under it."""
    a, b = (shape_text(v) if isinstance(v, tuple) else str(v) for v in (first.value, second.value))
    same = "the same shape" if a == b else "different shapes"
    verdict = f"{first.tensor} {a} and {second.tensor} {b}: {same}"
    name = first.spec.name if first.spec is not None else "the layer"
    fact = (
        f"Computed exactly: in {name}, {first.tensor} has shape {a} and {second.tensor} has "
        f"shape {b}: {same}."
    )
    shape = second.value if isinstance(second.value, tuple) else ()
    return replace(
        first,
        title=f"{first.title.removesuffix(' shape')} and {second.tensor} shapes",
        lines=(second.formula, verdict, *first.lines),
        fact=fact,
        more_shapes=((second.tensor, shape), *first.more_shapes),
    )


# "what is the first dimension of h_n?", "h_n.size(0)": D·num_layers, without any sizes
_FIRST_DIM = re.compile(
    r"\b(?:first|leading|0th|zeroth|outer(?:most)?)\s+(?:dim(?:ension)?|axis|size|entry)\b"
    r"|\bdim(?:ension)?\s*0\b|\.size\(\s*0\s*\)|\.shape\[\s*0\s*\]",
    _I,
)


def state_first_dim(text: str) -> Computed | None:
    """h_n's (or c_n's) first dimension, D·num_layers, when the question asks for it alone."""
    if not _FIRST_DIM.search(text) or asked_tensor(text) not in ("h_n", "c_n"):
        return None
    codes = list(CODE.finditer(text))
    if len(codes) > 1:
        return None
    try:  # "nn.GRU(10, 20, foo=3)", "a 2-layer or 3-layer GRU": unclear, not computed
        if codes:
            found = merge(from_code(codes[0]), from_words(CODE.sub(" ", text)))
        else:
            found = from_words(text)
    except Unclear:
        return None
    if found.cell:
        return None
    kind = found.kind or "GRU"
    if asked_tensor(text) == "c_n" and kind != "LSTM":
        return None
    layers, directions = found.num_layers or 1, 2 if found.bidirectional else 1
    first = layers * directions
    name = "c_n" if asked_tensor(text) == "c_n" else "h_n"
    args = [f"num_layers={layers}"] + (["bidirectional=True"] if directions == 2 else [])
    module = f"nn.{kind}({', '.join(args)})"
    formula = f"{name}: (D·num_layers, N, H_out) = ({first}, N, H_out)"
    working = f"first dimension: D·num_layers = {directions}·{layers} = {first}"
    explanation = (
        f"D = {directions} ({'bidirectional' if directions == 2 else 'one direction'}); "
        f"{name} holds one final state per layer and direction, ordered layer by layer "
        "(forward then backward within a layer); batch_first does not change its layout."
    )
    fact = (
        f"Computed exactly: for {module}, {name} has shape ({first}, N, H_out): its first "
        f"dimension is D·num_layers = {directions}·{layers} = {first}."
    )
    title = f"{module}: the first dimension of {name}"
    return Computed(title, (first, "N", "H_out"), formula, (working,), explanation, fact, None,
                    tensor=name)  # fmt: skip
