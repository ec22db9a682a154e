"""Several GRU steps with the gates held fixed: "z stays at 0.5 and n at 1 every step,
h0 = 0: what's h after two steps?", "z = 0.9 every step, n = 0, from h = 1: after how many
steps does h drop below 0.5?".

How fast a GRU forgets is the classic hand exercise, and the models lose count. With z and
n the same at every step, hₖ = n + (h₀ − n)·zᵏ in PyTorch's convention (1 − z in the flipped
one), so the value after k steps and the first step past a threshold are exact. As
conservative as the other recognisers: no "every step" (or "stays", "constant"), no z,
values that disagree, vectors, an LSTM, or more than 10,000 steps give None. Pure: no I/O.
"""

from __future__ import annotations

import math
import re

from gruchat.tutor.compute import Computed
from gruchat.tutor.compute_mix import H_PREVIOUS, IS, NOT_A_GRU, NUMBER, OTHER_CONVENTION, fmt

_I = re.IGNORECASE
_HELD = re.compile(
    r"\b(?:every|each|all|at each) (?:time ?)?steps?\b|\bstays?\b|\bconstant\b|\bfixed\b"
    r"|\bthe whole time\b|\bheld\b|\bnever changes?\b|\bs[ai]ts? at\b",
    _I,
)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_WORDS |= {"eight": 8, "nine": 9, "ten": 10, "twenty": 20, "fifty": 50, "hundred": 100}
_COUNT = rf"(\d+|{'|'.join(_WORDS)})"
_AFTER = re.compile(rf"\b(?:after|over|for|in|following) (?:a )?{_COUNT} (?:time ?)?steps?\b", _I)
_HOW_MANY = re.compile(r"\bhow many (?:time ?)?steps\b|\bwhich step\b|\bwhen does\b", _I)
_LIMIT = rf"\s+({NUMBER})(?![\w.])"
_BELOW = re.compile(rf"\b(?:below|under|less than|smaller than|beneath){_LIMIT}", _I)
_ABOVE = re.compile(rf"\b(?:above|over|past|more than|exceeds?|bigger than){_LIMIT}", _I)
_STAYS = r"(?:\s+(?:(?:is|are)\s+)?(?:stays?|held|fixed|kept|constant|s[ai]ts?)(?: at)?|\s+at)?"
# "candidate 0.25", "update gate fixed at 0.3": a named part may take its value without "="
_GETS = rf"(?:{IS}|\s+(?=[-−+.\d]))"
_Z = re.compile(rf"\b(?:z(?:_?t|ₜ)?|update gate(?: z)?){_STAYS}{_GETS}({NUMBER})(?![\w.,]\d)", _I)
_N = re.compile(
    rf"\b(?:n(?:_?t|ₜ)?(?![\w(])|(?:the )?candidate(?: state)?(?: n)?|h̃){_STAYS}{_GETS}({NUMBER})"
    r"(?![\w.,]\d)",
    _I,
)
_H0 = re.compile(
    rf"(?:{H_PREVIOUS}|\b(?:start(?:ing|s)?|begin(?:ning|s)?) (?:from|at|with) h)"
    rf"{IS}({NUMBER})(?![\w.,]\d)",
    _I,
)
_MAX_STEPS = 10_000
# "how many steps before an old value's weight is down to 1/e?": zᵏ, the share of a value
# that is still in h after k steps, against a target share
_OLD_SHARE = re.compile(
    r"\b(?:old|earlier|past|first|initial|original)\s+(?:value|input|state|information|memory)"
    r"(?:['’]s)?\s+(?:weight|share|contribution|influence)|\b(?:weight|share|contribution"
    r"|influence)\s+of\s+(?:an?\s+|the\s+)?(?:old|earlier|past|first|original)\b",
    _I,
)
_SHARE_TARGETS = (
    (re.compile(r"\b1\s*/\s*e\b", _I), 1 / math.e, "1/e"),
    (re.compile(r"\bhalf\b|\bhalve[sd]?\b|\b50\s*%", _I), 0.5, "half"),
    (re.compile(r"\ba tenth\b|\b10\s*%", _I), 0.1, "10%"),
    (re.compile(r"\b1\s*%", _I), 0.01, "1%"),
)


def _one(pattern: re.Pattern[str], text: str) -> float | bool | None:
    """The one value the text gives (None: none; False: two that disagree)."""
    values = {float(m.group(1).replace("−", "-")) for m in pattern.finditer(text)}
    if not values:
        return None
    return values.pop() if len(values) == 1 else False


def _steps(text: str) -> int | None:
    found = {int(_WORDS.get(m.group(1).lower(), m.group(1))) for m in _AFTER.finditer(text)}
    return found.pop() if len(found) == 1 else None


def unrolled_question(question: str) -> Computed | None:
    """hₖ after k steps, or the first step past a threshold, with z and n held fixed; None
    if it is not such a question."""
    text = " ".join(question.split())
    if NOT_A_GRU.search(text) or not _HELD.search(text) or "[" in text:
        return None
    z, n, h0 = _one(_Z, text), _one(_N, text), _one(_H0, text)
    if not isinstance(z, float) or not 0 <= z <= 1 or n is False or h0 is False:
        return None
    if n is None and h0 is None and _OLD_SHARE.search(text) and _HOW_MANY.search(text):
        return _share_left(z, text, bool(OTHER_CONVENTION.search(text)))
    if n is None or h0 is None:
        return None
    flipped = bool(OTHER_CONVENTION.search(text))
    keep = 1 - z if flipped else z
    if _HOW_MANY.search(text):
        return _first_past(keep, n, h0, text, flipped, z)
    steps = _steps(text)
    if steps is None or not 0 < steps <= _MAX_STEPS:
        return None
    return _after(keep, n, h0, steps, flipped, z)


def _h(keep: float, n: float, h0: float, k: int) -> float:
    return n + (h0 - n) * keep**k


def _convention(flipped: bool, z: float) -> tuple[str, str]:
    if flipped:
        kept = f"1 − z = {fmt(1 - z)}"
        return "hₜ = z·n + (1 − z)·hₜ₋₁", f"the flipped convention, where {kept} keeps"
    return "hₜ = (1 − z)·n + z·hₜ₋₁", f"PyTorch's convention, where z = {fmt(z)} keeps"


def _after(keep: float, n: float, h0: float, steps: int, flipped: bool, z: float) -> Computed:
    equation, named = _convention(flipped, z)
    values = [_h(keep, n, h0, k) for k in range(1, steps + 1)]
    shown = values[:6]
    lines = tuple(f"step {k}: h = {fmt(v)}" for k, v in enumerate(shown, start=1))
    if steps > len(shown):
        lines += (f"… step {steps}: h = {fmt(values[-1])}",)
    formula = (
        f"hₖ = n + (h₀ − n)·{fmt(keep)}ᵏ = {fmt(n)} + ({fmt(h0)} − {fmt(n)})·{fmt(keep)}^{steps}"
        f" = {fmt(values[-1])}"
    )
    explanation = (
        f"Each step applies {equation} with the same numbers; in {named} that share of the "
        f"old value, so the gap to n shrinks by the factor {fmt(keep)} every step."
    )
    fact = (
        f"Computed exactly: after {steps} steps h = {fmt(values[-1])} "
        f"(z = {fmt(z)}, n = {fmt(n)}, h₀ = {fmt(h0)}, {equation})."
    )
    return Computed(f"h after {steps} steps, gates held fixed", None, formula, lines,
                    explanation, fact, None)  # fmt: skip


def _first_past(
    keep: float, n: float, h0: float, text: str, flipped: bool, z: float
) -> Computed | None:
    below, above = _one(_BELOW, text), _one(_ABOVE, text)
    if isinstance(below, float) == isinstance(above, float):
        return None  # neither or both: which threshold is unclear
    limit, falling = (below, True) if isinstance(below, float) else (above, False)
    assert isinstance(limit, float)
    step = next(
        (k for k in range(1, _MAX_STEPS + 1)
         if (_h(keep, n, h0, k) < limit if falling else _h(keep, n, h0, k) > limit)),
        None,
    )  # fmt: skip
    if step is None:
        return None
    equation, named = _convention(flipped, z)
    word = "below" if falling else "above"
    before = _h(keep, n, h0, step - 1)
    lines = (
        f"step {step - 1}: h = {fmt(before)}",
        f"step {step}: h = {fmt(_h(keep, n, h0, step))}, the first {word} {fmt(limit)}",
    )
    formula = f"hₖ = n + (h₀ − n)·{fmt(keep)}ᵏ, first {word} {fmt(limit)} at k = {step}"
    explanation = (
        f"Each step applies {equation} with the same numbers; in {named} that share of the "
        f"old value, so the gap to n = {fmt(n)} shrinks by the factor {fmt(keep)} per step"
        + (f" (half-life {fmt(math.log(0.5) / math.log(keep))} steps)." if 0 < keep < 1 else ".")
    )
    fact = (
        f"Computed exactly: h first drops {word} {fmt(limit)} at step {step} "
        f"(h = {fmt(_h(keep, n, h0, step))}; z = {fmt(z)}, n = {fmt(n)}, h₀ = {fmt(h0)}, "
        f"{equation})."
    ).replace("drops above", "rises above")
    return Computed(f"When h first goes {word} {fmt(limit)}", None, formula, lines,
                    explanation, fact, None)  # fmt: skip


def _share_left(z: float, text: str, flipped: bool) -> Computed | None:
    """After how many steps zᵏ (the share of an old value still in h, with z held) falls to
    a target share: k = ln(target) / ln(z), and the first whole step at or below it."""
    targets = [(share, name) for p, share, name in _SHARE_TARGETS if p.search(text)]
    keep = 1 - z if flipped else z
    if len(targets) != 1 or not 1e-4 < keep < 1 - 1e-4:
        return None  # a share the block would print as 0 or 1
    share, name = targets[0]
    k = math.log(share) / math.log(keep)
    first = math.ceil(k - 1e-9)
    equation, named = _convention(flipped, z)
    formula = f"{fmt(keep)}ᵏ = {name} at k = ln({name}) / ln({fmt(keep)}) ≈ {fmt(k)} steps"
    lines = (
        f"step {first - 1}: {fmt(keep)}^{first - 1} ≈ {fmt(keep ** (first - 1))}",
        f"step {first}: {fmt(keep)}^{first} ≈ {fmt(keep**first)}, the first at or below {name}",
    )
    if name == "1/e":
        lines += (f"the time constant −1 / ln({fmt(keep)}) ≈ {fmt(k)} ≈ 1 / (1 − z) for z near 1",)
    explanation = (
        f"Each step applies {equation}; in {named} that share of the old value, so a value "
        f"from k steps back is weighted {fmt(keep)}ᵏ (the rest went to the candidates)."
    )
    fact = (
        f"Computed exactly: with z = {fmt(z)} held, an old value's weight is {fmt(keep)}ᵏ, "
        f"down to {name} after about {fmt(k)} steps (first at or below it at step {first})."
    )
    return Computed(f"steps until an old value's weight is {name}", None, formula, lines,
                    explanation, fact, None)  # fmt: skip
