"""What a layer costs: the memory its weights take at a dtype, and the multiply-adds of one
time step.

"nn.GRU(256, 512, num_layers=2): how much memory do the weights take in float32? in MB"
and "how many multiply-adds does one timestep of nn.GRU(64, 128) cost?" are a parameter
count times a small number, which the models get wrong (qwen2.5-coder-1.5b said 1.25 MB
and 18 multiply-adds; the tenth quiz edition, session 18). Only the weights are priced:
a question about activations, a batch or training memory is not this (it depends on the
sequence length and the optimizer) and gets nothing. Pure: no I/O; tests check against
torch.
"""

from __future__ import annotations

import re

from gruchat.tutor.compute import Computed, RNNSpec, layer_counts, parameter_count
from gruchat.tutor.layer_spec import CODE, Unclear, spec_of

_I = re.IGNORECASE
# a size asked in bytes: "how much memory do the weights take", "size in MB", "file size"
_MEMORY = re.compile(
    r"\bhow (?:much|many)\b[^?.]{0,30}\b(?:memory|space|ram|vram|disk|bytes|[kmg]i?b"
    r"|(?:kilo|mega|giga)bytes)\b|\b(?:memory|disk) (?:footprint|usage|size|cost)\b"
    r"|\bsize (?:in|on) (?:[kmg]i?b|bytes|(?:kilo|mega|giga)bytes|disk)\b|\bfile size\b"
    r"|\bin (?:[kmg]i?b|bytes|(?:kilo|mega|giga)bytes)\b|\bhow many bytes\b"
    r"|\bmemory (?:of|for)\b[^?]{0,50}\bweights\b",
    _I,
)
# memory that depends on more than the weights: not a weights' size
_NOT_WEIGHTS = re.compile(
    r"\b(?:activations?|backprop\w*|bptt|batch(?:es)?|sequences?|time ?steps?|steps?|train\w*"
    r"|epochs?|optimi[sz]er|adam|gradients?|hidden states?|outputs?|h_n|c_n|h0)\b",
    _I,
)
_DTYPES = (  # (pattern, name, bytes per value)
    (re.compile(r"\b(?:float64|fp64|double)\b", _I), "float64", 8),
    (re.compile(r"\b(?:float32|fp32|single precision)\b", _I), "float32", 4),
    (re.compile(r"\b(?:bfloat16|bf16)\b", _I), "bfloat16", 2),
    (re.compile(r"\b(?:float16|fp16|half(?: precision)?)\b", _I), "float16", 2),
    (re.compile(r"\b(?:q?int8|8-bit)\b", _I), "int8", 1),
)
_MACS = re.compile(
    r"\bhow many\s+(?:\w+\s+){0,2}?(?:multiply[- ]?(?:adds?|accumulates?)|mult[- ]adds?|macs?"
    r"|flops?|multiplications)\b"
    r"|\b(?:macs?|flops?|multiply[- ]adds?)\s+(?:per|for|in|of)\s+(?:one|a|each|every|the)?\s*"
    r"(?:time ?)?step",
    _I,
)
_ONE_STEP = re.compile(
    r"\b(?:one|a single|each|per|every|a)\s+(?:time ?step|step)\b|\bper (?:time ?)?step\b", _I
)


def cost_question(text: str) -> Computed | None:
    """The weights' memory or one step's multiply-adds the question asks for, or None."""
    if CODE.search(text) is None and not re.search(r"\b(?:gru|lstm|rnn)\b", text, _I):
        return None
    macs = bool(_MACS.search(text))
    memory = bool(_MEMORY.search(text))
    if macs == memory:  # neither, or both at once
        return None
    try:
        spec = spec_of(text)
    except Unclear:
        return None
    if memory:
        return None if _NOT_WEIGHTS.search(text) else weights_memory(spec, _dtype(text))
    return step_multiply_adds(spec) if _ONE_STEP.search(text) else None


def _dtype(text: str) -> tuple[str, int] | None:
    """The last dtype the text names (a follow-up's "and in fp16?" comes after the
    question it leans on), or None for none."""
    found = [(m.start(), name, size) for p, name, size in _DTYPES for m in p.finditer(text)]
    if not found:
        return None
    _start, name, size = max(found)
    return name, size


def _mb(count: int) -> str:
    """Bytes in decimal and binary units, both said, since both are called "MB"."""
    for power, unit in ((3, "G"), (2, "M"), (1, "k")):
        if count >= 1000**power or power == 1:
            binary = "K" if unit == "k" else unit
            return f"{count / 1000**power:,.2f} {unit}B ({count / 1024**power:,.2f} {binary}iB)"
    raise AssertionError  # the loop always returns


def weights_memory(spec: RNNSpec, dtype: tuple[str, int] | None) -> Computed:
    """parameters × bytes per value; float32 (torch's default) when no dtype is named."""
    name, size = dtype or ("float32", 4)
    count = parameter_count(spec)
    total = count * size
    formula = f"{count:,} parameters × {size} bytes ({name}) = {total:,} bytes ≈ {_mb(total)}"
    lines = [] if dtype else ["float32: torch's default dtype, since the question names none"]
    other = [(n, s) for _p, n, s in _DTYPES if s != size and n in ("float32", "float16", "int8")]
    lines.append("the same weights in " + ", ".join(f"{n}: {_mb(count * s)}" for n, s in other))
    explanation = (
        "Only the weights: training also keeps their gradients and the optimizer's state "
        "(Adam: two more values per parameter), and activations grow with batch and length; "
        "a file saved with torch.save is a little larger (tensor names, headers)."
    )
    fact = (  # the size first: told the count first, qwen restated only the count
        f"Computed exactly: in {name}, the weights of {spec.name} take {_mb(total)} "
        f"({count:,} parameters × {size} bytes = {total:,} bytes)."
    )
    return Computed(f"{spec.name}: weights in {name}", total, formula, tuple(lines),
                    explanation, fact, spec, also=(count,))  # fmt: skip


def step_multiply_adds(spec: RNNSpec) -> Computed:
    """g·H·(I_l + H_out) multiply-adds per layer and direction for one step of one
    sequence: the matrix products only (gates' element-wise products are O(H))."""
    g, hidden, out = spec.gates, spec.hidden_size, spec.output_size
    lead = f"{spec.directions}·" if spec.directions > 1 else ""
    project = f" + {out}·{hidden}" if spec.proj_size else ""
    terms: list[tuple[int, str, int]] = []  # (layer, formula, multiply-adds)
    for count in layer_counts(spec):
        per = g * hidden * (count.input_size + out) + (out * hidden if spec.proj_size else 0)
        formula = f"{lead}{g}·{hidden}·({count.input_size}+{out}){project}"
        terms.append((count.layer, formula, spec.directions * per))
    total = sum(value for _layer, _formula, value in terms)
    formula = f"{' + '.join(f for _layer, f, _value in terms)} = {total:,}"
    lines: tuple[str, ...] = ()
    if len(terms) > 1:
        lines = tuple(f"layer {layer}: {f} = {value:,}" for layer, f, value in terms)
    lines += (
        f"≈ {2 * total:,} FLOPs (a multiply-add is two); times the batch size and the "
        "number of steps for a whole forward pass",
    )
    explanation = (
        f"Each of the {g} blocks multiplies xₜ by an H×I matrix and hₜ₋₁ by an H×H one; the "
        "biases, σ, tanh and ⊙ add only O(H) more."
    )
    fact = (
        f"Computed exactly: one time step of {spec.name} for one sequence costs {total:,} "
        f"multiply-adds in its matrix products ({formula}), about {2 * total:,} FLOPs."
    )
    return Computed(f"{spec.name}: multiply-adds per time step", total, formula, lines,
                    explanation, fact, spec)  # fmt: skip
