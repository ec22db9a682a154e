"""A follow-up that changes one size of the earlier question ("and with hidden size 64?",
"and if every step had 200 features instead?"): the earlier question with the new value.

Read together, the earlier question and the follow-up name two values for one size, which
the recognisers rightly call unclear; a follow-up means the new value to replace the old,
so the earlier question is rewritten (its words and its constructor call) and computed
again. Pure text in, text out.
"""

from __future__ import annotations

import re

from gruchat.tutor.compute_keras_questions import KERAS
from gruchat.tutor.layer_spec import (
    _HIDDEN,
    _INPUT,
    BATCH,
    CODE,
    LAYERS,
    Unclear,
    one_value,
)

_I = re.IGNORECASE
# in a follow-up, "200 features" can only be the input's ("and with 200 features?")
_FEATURES = re.compile(r"\b(\d+)\s+(?:input\s+)?features?\b", _I)
_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "input_size": (*_INPUT, _FEATURES),
    "hidden_size": _HIDDEN,
    "num_layers": LAYERS,
    "batch": (BATCH,),
}
_POSITION = {"input_size": 0, "hidden_size": 1, "num_layers": 2}  # nn.GRU(input, hidden, layers)


def _new_values(follow_up: str) -> dict[str, int]:
    values: dict[str, int] = {}
    for name, patterns in _PATTERNS.items():
        try:
            value = one_value(patterns, follow_up)
        except Unclear:
            return {}
        if value is not None:
            values[name] = value
    return values


def _with_value(match: re.Match[str], value: int) -> str:
    """The match with its number (group 1) replaced by ``value``."""
    start, end = match.start(1) - match.start(), match.end(1) - match.start()
    return f"{match.group(0)[:start]}{value}{match.group(0)[end:]}"


def _rewrite_call(match: re.Match[str], name: str, value: int, keras: bool) -> str:
    """The constructor call with ``name`` set to ``value`` (keyword or positional); a Keras
    GRU(units) holds only the hidden size, first."""
    head, body = match.group(0)[: match.start(3) - match.start()], match.group(3)
    parts = [part.strip() for part in body.split(",")] if body.strip() else []
    keyword = {"hidden_size": "units"}.get(name, name) if keras else name
    for index, part in enumerate(parts):
        if re.match(rf"{keyword}\s*=", part):
            parts[index] = f"{keyword}={value}"
            return f"{head}{', '.join(parts)})"
    position = (0 if name == "hidden_size" else None) if keras else _POSITION.get(name)
    if position is not None and position < len(parts) and "=" not in parts[position]:
        parts[position] = str(value)
        return f"{head}{', '.join(parts)})"
    return match.group(0)


def with_new_values(earlier: str, follow_up: str) -> str | None:
    """``earlier`` with every size ``follow_up`` gives a new value for replaced, followed by
    the rest of the follow-up ("bidirectional", "2 layers" the earlier one did not set);
    None when the follow-up gives no size the earlier question named."""
    values = _new_values(follow_up)
    if not values:
        return None
    keras = bool(KERAS.search(earlier))
    text, rest, replaced = earlier, follow_up, False
    for name, value in values.items():
        before = text
        for pattern in _PATTERNS[name]:
            text = pattern.sub(lambda m, v=value: _with_value(m, v), text)
        text = CODE.sub(lambda m, n=name, v=value: _rewrite_call(m, n, v, keras), text)
        if text != before:  # said anew: the follow-up's words for it go
            replaced = True
            for pattern in _PATTERNS[name]:
                rest = pattern.sub(" ", rest)
    if not replaced:
        return None  # nothing to replace: the plain concatenation already reads it
    return f"{text} {' '.join(rest.split())}"
