"""A whole small model's parameter count: nn.Embedding → nn.GRU → nn.Linear, summed.

"How many parameters does nn.Embedding(1000, 32) -> nn.GRU(32, 64) -> nn.Linear(64, 10)
have in total?" used to get the GRU's count alone (labelled as the GRU's, but read as the
answer), and the models add three numbers wrongly. Each module the question writes as
code is counted here and the counts are summed, shown term by term. As conservative as
the other recognisers: an argument it does not know (padding_idx is fine, it adds no
weights), a module it cannot read, or a count that is not asked gives None, and then no
part of the model is computed alone either (``composite``). Pure: no I/O and no torch;
the tests check the sums against torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gruchat.tutor.compute import Computed, parameters
from gruchat.tutor.layer_spec import CODE, Unclear, spec_of

_I = re.IGNORECASE
_OTHER = re.compile(r"(?<![\w.])(?:torch\.)?(?:nn\.)?(Embedding|Linear)\s*\(([^()]*)\)", _I)
_KEYWORDS = {
    "Embedding": ({"num_embeddings", "embedding_dim"}, {"padding_idx", "max_norm", "sparse"}),
    "Linear": ({"in_features", "out_features"}, {"bias"}),
}


@dataclass(frozen=True)
class _Part:
    """One module's count, as the block shows it."""

    name: str
    formula: str
    count: int


def composite(text: str) -> bool:
    """Whether the question writes a non-recurrent module beside a recurrent one."""
    return bool(_OTHER.search(text)) and bool(CODE.search(text))


def model_count(text: str) -> Computed | None:
    """The summed count of every module the question writes as code; None when one of
    them cannot be read."""
    spans = sorted(
        [(m.start(), m, "rnn") for m in CODE.finditer(text)]
        + [(m.start(), m, "other") for m in _OTHER.finditer(text)],
        key=lambda item: item[0],
    )
    try:
        parts = [_rnn(m) if what == "rnn" else _other(m) for _, m, what in spans]
    except (Unclear, ValueError):
        return None
    total = sum(part.count for part in parts)
    chain = " → ".join(part.name for part in parts)
    formula = f"{' + '.join(f'{p.count:,}' for p in parts)} = {total:,}"
    lines = tuple(f"{p.name}: {p.formula} = {p.count:,}" for p in parts)
    explanation = (
        "An embedding holds one vector of embedding_dim numbers per token, and no bias; a "
        "linear layer holds in·out weights plus out biases (bias=True, the default); the "
        "recurrent layer's count is its own block's; a model's total is the sum of its parts."
    )
    fact = f"Computed exactly: {chain} has {total:,} trainable parameters in all: {formula}."
    return Computed(f"{chain}: trainable parameters", total, formula, lines, explanation, fact,
                    None, also=tuple(p.count for p in parts))  # fmt: skip


def _rnn(match: re.Match[str]) -> _Part:
    block = parameters(spec_of(match.group(0)))
    left = block.formula.rpartition(" = ")[0]
    return _Part(block.spec.name if block.spec else match.group(0), left, int(block.value or 0))


def _other(match: re.Match[str]) -> _Part:
    kind = "Embedding" if match.group(1).lower() == "embedding" else "Linear"
    positional, extra = _KEYWORDS[kind]
    order = ("num_embeddings", "embedding_dim") if kind == "Embedding" else (
        "in_features", "out_features")  # fmt: skip
    values: dict[str, str] = {}
    parts = [p.strip() for p in match.group(2).split(",") if p.strip()]
    for index, part in enumerate(parts):
        name, equals, raw = part.partition("=")
        if not equals:
            if index >= len(order) or len(values) != index:  # positional after a keyword
                raise Unclear
            name, raw = order[index], part
        name = name.strip()
        if name not in positional | extra or name in values:
            raise Unclear
        values[name] = raw.strip()
    try:
        first, second = (int(values[key]) for key in order)
    except (KeyError, ValueError):
        raise Unclear from None
    if first < 1 or second < 1:
        raise Unclear
    if kind == "Embedding":
        return _Part(f"nn.Embedding({first}, {second})", f"{first}·{second}", first * second)
    bias = values.get("bias", "True")
    if bias not in ("True", "False"):
        raise Unclear
    name = f"nn.Linear({first}, {second}{', bias=False' if bias == 'False' else ''})"
    if bias == "False":
        return _Part(name, f"{first}·{second}", first * second)
    return _Part(name, f"{first}·{second} + {second}", first * second + second)
