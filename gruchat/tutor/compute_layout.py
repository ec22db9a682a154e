"""How a layer's pieces are laid out: the tensors named_parameters() lists, which layer and
direction h_n[k] is, and how many gate values one forward pass computes.

"for nn.GRU(4, 8, num_layers=2, bidirectional=True), how many tensors does
named_parameters() list?" (16; qwen2.5-coder-1.5b said 12), "which layer and direction is
h_n[1]?" (layer 0, backward) and "batch of 8, 20 timesteps, hidden_size 128: how many
update gate values in one forward pass?" (20,480) are counting the models lose track of
(the tenth quiz edition, session 18). h_n's first dimension is num_layers·D, layer by
layer, forward before backward (h_n.view(num_layers, D, N, H)). Unclear input gives None.
Pure: no I/O.
"""

from __future__ import annotations

import re

from gruchat.tutor.compute import Computed, RNNSpec
from gruchat.tutor.layer_spec import (
    BATCH,
    CODE,
    Found,
    Unclear,
    from_code,
    from_words,
    merge,
    one_value,
    spec_of,
)

_I = re.IGNORECASE
_TENSORS_ASKED = re.compile(
    r"\bhow many\s+(?:\w+\s+)?(?:tensors|entries|items|names|parameter tensors)\b"
    r"[^?]{0,60}\b(?:named_parameters|parameters\(\)|state_dict)"
    r"|\b(?:named_parameters|parameters\(\)|state_dict)\(?\)?[^?]{0,40}\bhow many\b",
    _I,
)
_INDEX = re.compile(r"\bh_n\s*\[\s*(-?\d+)\s*\]", _I)
_WHICH = re.compile(r"\bwhich\b|\bwhat (?:layer|direction)\b", _I)
# the values of a gate: "how many update gate values", "how many z values"
_GATE_VALUES = re.compile(
    r"\bhow many\s+(?:(update|reset)\s+gate|(z|r)|gate)\s+"
    r"(?:values|activations|numbers|entries|outputs)\b",
    _I,
)
_OTHER_KINDS = re.compile(r"\blstm|\b(?:vanilla |plain |simple ?)?rnn\b|\bnn\.RNN\b", _I)
_STEPS = re.compile(
    r"\b(\d+)\s*(?:time ?steps|steps)\b|\bseq(?:uence)?[ _]len(?:gth)?\s*(?:=|of)?\s*(\d+)", _I
)
_FORWARD_PASS = re.compile(r"\bforward(?: pass)?\b|\bone (?:pass|call)\b", _I)


def layout_question(text: str) -> Computed | None:
    """The tensor list, the h_n index or the gate-value count asked for, or None."""
    try:
        if _TENSORS_ASKED.search(text):
            return parameter_tensors(spec_of(text))
        indices = [int(m.group(1)) for m in _INDEX.finditer(text)]
        if indices and _WHICH.search(text):
            return state_indices(text, indices)
        gate = _GATE_VALUES.search(text)
        if gate is not None and _FORWARD_PASS.search(text) and not _OTHER_KINDS.search(text):
            return gate_values(text, gate.group(1) or gate.group(2))
    except Unclear:
        return None
    return None


def parameter_tensors(spec: RNNSpec) -> Computed:
    """weight_ih, weight_hh (and bias_ih, bias_hh; weight_hr with proj_size) per layer
    and direction, in torch's order; a cell's carry no layer suffix."""
    kinds = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if spec.bias else [])
    kinds += ["weight_hr"] if spec.proj_size else []
    if spec.cell:
        names = kinds
    else:
        suffixes = [""] + (["_reverse"] if spec.bidirectional else [])
        names = [
            f"{kind}_l{layer}{suffix}"
            for layer in range(spec.num_layers)
            for suffix in suffixes
            for kind in kinds
        ]
    per = len(kinds)
    formula = (
        f"{per} tensors"
        if spec.cell
        else f"{per} tensors × {spec.num_layers} layer{'s' if spec.num_layers > 1 else ''} × "
        f"{spec.directions} direction{'s' if spec.directions > 1 else ''}"
    ) + f" = {len(names)}"
    shown = names if len(names) <= 16 else [*names[:8], "…", *names[-4:]]
    lines = (", ".join(shown),)
    explanation = (
        "named_parameters() and state_dict() list the same tensors (an nn.GRU has no "
        "buffers); parameters() yields them in this order without the names."
    )
    fact = (
        f"Computed exactly: {spec.name} has {len(names)} parameter tensors ({formula}), "
        f"{per} per layer and direction: {', '.join(kinds)}."
    )
    return Computed(f"{spec.name}: the tensors named_parameters() lists", None, formula,
                    lines, explanation, fact, spec)  # fmt: skip


def _described(text: str) -> Found:
    """What the question says of its one layer, in code and words (two calls: unclear)."""
    codes = list(CODE.finditer(text))
    if len(codes) > 1:
        raise Unclear
    found = from_words(CODE.sub(" ", text))
    return merge(from_code(codes[0]), found) if codes else found


def _layers_and_directions(text: str) -> tuple[int, bool]:
    found = _described(text)
    if found.cell:
        raise Unclear
    return found.num_layers or 1, bool(found.bidirectional)


def state_indices(text: str, indices: list[int]) -> Computed:
    """h_n[k] is layer k // D, direction k % D (0 forward, 1 backward)."""
    layers, bidirectional = _layers_and_directions(text)
    directions = 2 if bidirectional else 1
    rows = layers * directions
    if any(not -rows <= k < rows for k in indices) or len(set(indices)) > 4:
        raise Unclear
    said = []
    for k in dict.fromkeys(indices):
        row = k % rows
        layer, direction = divmod(row, directions)
        way = ("forward" if direction == 0 else "backward") if bidirectional else "the only"
        said.append(f"h_n[{k}]: layer {layer}, {way} direction")
    formula = " · ".join(said)
    lines = (
        f"h_n has num_layers·D = {layers}·{directions} = {rows} rows: "
        + ", ".join(
            f"[{r}] layer {r // directions}"
            + (f" {'fwd' if r % directions == 0 else 'bwd'}" if bidirectional else "")
            for r in range(rows)
        ),
        f"h_n.view({layers}, {directions}, N, H)[layer, direction] picks one"
        + (" (the last layer's are h_n[-2] forward, h_n[-1] backward)" if bidirectional else ""),
    )
    explanation = (
        "Rows go layer by layer from the bottom, and within a layer forward before "
        "backward; the top layer's rows are the last."
    )
    fact = f"Computed exactly: {'; '.join(said)} (layer by layer, forward before backward)."
    return Computed("which layer and direction each row of h_n is", None, formula, lines,
                    explanation, fact, None)  # fmt: skip


def gate_values(text: str, which: str | None) -> Computed:
    """One gate computes N·L·H values per layer and direction in a forward pass."""
    body = CODE.sub(" ", text)
    batch = one_value((BATCH,), body)
    steps = {int(next(g for g in m.groups() if g)) for m in _STEPS.finditer(body)}
    found = _described(text)
    if batch is None or len(steps) != 1 or found.hidden_size is None:
        raise Unclear
    length, hidden = steps.pop(), found.hidden_size
    layers, directions = found.num_layers or 1, 2 if found.bidirectional else 1
    per_gate = batch * length * hidden * layers * directions
    gate = {"z": "update", "r": "reset"}.get(which.lower(), which) if which else ""
    name = f"{gate} gate" if gate else "gate"
    extra = (f" × {layers} layers" if layers > 1 else "") + (
        " × 2 directions" if directions > 1 else ""
    )
    formula = f"N·L·H = {batch}·{length}·{hidden}{extra} = {per_gate:,}"
    lines = (
        f"one value per sequence, per time step and per hidden unit; a GRU's 3 blocks "
        f"(r, z, n) compute {3 * per_gate:,} together",
    )
    explanation = "Each unit has its own gate value at every step of every sequence in the batch."
    subject = f"the {name}" if which else "each gate"
    fact = (
        f"Computed exactly: in one forward pass {subject} computes {per_gate:,} values ({formula})."
    )
    return Computed(f"{name} values in one forward pass", None, formula, lines,
                    explanation, fact, None)  # fmt: skip
