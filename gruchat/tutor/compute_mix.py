"""The GRU's last line worked out with the learner's own numbers: hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁.

"h_{t-1} = [2, 2, 2], n = [-1, -1, -1], z = 0.2: what is h_t?" and "if z = 0.8, how much
of the old value is kept?" are arithmetic the 1.5B model gets wrong (it said 0.8 for
−0.4). As conservative as the other recognisers: values that disagree, vectors of
different lengths, an LSTM, or no z give None and the notes answer. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gruchat.tutor.compute import Computed

_I = re.IGNORECASE
Vector = tuple[float, ...]
NUMBER = r"[-−+]?(?:\d+(?:\.\d*)?|\.\d+)"
LIST = rf"{NUMBER}(?:\s*,\s*{NUMBER})*"
VALUE = rf"(\[\s*{LIST}\s*\]|\(\s*{LIST}\s*\)|{NUMBER})"
IS = r"\s*(?:=|≈|:|is|of|at|equals?|sits? at)\s*"
# hₜ₋₁ as a learner writes it (h_{t-1}, h_prev, "the old state"), or h0 for a first step
H_PREVIOUS = (
    r"\bh_?\{?t\s*-\s*1\}?|\bhₜ₋₁|\bh_?prev\b|\bh_\(t-1\)|\b(?:previous|old|last) (?:hidden )?"
    r"state(?: h_?\{?t\s*-\s*1\}?| hₜ₋₁)?"
    r"|\bh_?0\b|\bh₀"
)
_NAMES = {
    "z": r"\bz(?:_?t|ₜ|_\{t\})?|\bupdate gate(?: z(?:_?t|ₜ)?)?",
    "n": r"\bn(?:_?t|ₜ|_\{t\})?(?![\w(])|\bcandidate(?: state)?(?: n(?:_?t|ₜ)?| h̃(?:_?t|ₜ)?)?"
    r"|\bh̃(?:_?t|ₜ)?|\bh[-_ ]?tilde(?:_?t)?",
    "h": H_PREVIOUS,
}
_ASSIGN = {key: re.compile(rf"(?:{names}){IS}{VALUE}", _I) for key, names in _NAMES.items()}
REPLACES = re.compile(
    r"\b(?:instead|now|rather|what if|and with|and if|this time|same (?:setup|numbers|weights))\b",
    _I,
)
NOT_A_GRU = re.compile(r"\blstm|\bforget gate|\bc_?t\b|\bcell state", _I)
OTHER_CONVENTION = re.compile(
    r"\b(?:flipped|other|opposite|swapped|d2l|dive into deep learning)\b[^.?!]{0,40}"
    r"\b(?:convention|form|version|way)\b|\bz ⊙ n\b|\bz\s*\*\s*n\b",
    _I,
)
_ASKS_MIX = re.compile(
    r"\bh_?t\b(?!\s*-)|\bhₜ(?!₋)|\bnew (?:hidden )?state\b|\bnext (?:hidden )?state\b"
    r"|\bhow much\b|\bwhat fraction\b|\bwhat share\b|\bwhat percent|\bkept\b|\bkeeps?\b",
    _I,
)


@dataclass(frozen=True)
class _Given:
    z: tuple[float, ...]
    n: tuple[float, ...] | None
    h: tuple[float, ...] | None


def values_of(raw: str) -> Vector:
    inner = raw.strip("[]() ").replace("−", "-")
    return tuple(float(part) for part in inner.split(","))


def assigned(text: str, patterns: Mapping[str, re.Pattern[str]]) -> dict[str, Vector] | None:
    """The values the text gives each name; a later value replaces an earlier one only when
    the text says so ("and with z = … instead?", "same setup but h = 1 this time"), else two
    different values make the question unclear (None)."""
    found: dict[str, Vector] = {}
    replaces = bool(REPLACES.search(text))
    for key, pattern in patterns.items():
        values = [values_of(next(g for g in m.groups() if g)) for m in pattern.finditer(text)]
        if len(set(values)) > 1 and not replaces:
            return None
        if values:
            found[key] = values[-1]
    return found


def _read(text: str) -> _Given | None:
    """The z, n and hₜ₋₁ the text gives; None without z or with values that disagree."""
    found = assigned(text, _ASSIGN)
    if found is None or "z" not in found:
        return None
    return _Given(found["z"], found.get("n"), found.get("h"))


def fmt(value: float) -> str:
    """A number as the blocks print it: four decimals at most, a real minus sign."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.replace("-", "−") if text not in ("-0", "−0") else "0"


def vector(values: Vector) -> str:
    return fmt(values[0]) if len(values) == 1 else "[" + ", ".join(map(fmt, values)) + "]"


def _broadcast(*vectors: tuple[float, ...]) -> list[tuple[float, ...]] | None:
    size = max(len(v) for v in vectors)
    if any(len(v) not in (1, size) for v in vectors):
        return None
    return [v * size if len(v) == 1 else v for v in vectors]


def mix_question(question: str) -> Computed | None:
    """The computed hₜ (or the shares of old state and candidate) for a question that gives
    z, and n and hₜ₋₁ if it asks for hₜ; None if it is not such a question."""
    text = " ".join(question.split())
    if NOT_A_GRU.search(text) or not _ASKS_MIX.search(text):
        return None
    given = _read(text)
    if given is None or any(not 0 <= value <= 1 for value in given.z):
        return None
    flipped = bool(OTHER_CONVENTION.search(text))
    if given.n is None or given.h is None:
        return None if given.n or given.h else _shares(given.z, flipped)
    vectors = _broadcast(given.z, given.n, given.h)
    if vectors is None:
        return None
    z, n, h = vectors
    return _mixed(z, n, h, flipped)


def _convention(flipped: bool) -> tuple[str, str]:
    if flipped:
        return "hₜ = z ⊙ n + (1 − z) ⊙ hₜ₋₁", "the flipped convention (z weights the candidate)"
    return "hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁", "the Cho et al. and PyTorch convention"


def _mixed(
    z: tuple[float, ...], n: tuple[float, ...], h: tuple[float, ...], flipped: bool
) -> Computed:
    equation, named = _convention(flipped)
    keep = [1 - zi if flipped else zi for zi in z]  # the share of hₜ₋₁ each unit keeps
    result = tuple((1 - k) * ni + k * hi for k, ni, hi in zip(keep, n, h, strict=True))
    terms = [
        f"{fmt(1 - k)}·({fmt(ni)}) + {fmt(k)}·({fmt(hi)}) = {fmt(r)}"
        for k, ni, hi, r in zip(keep, n, h, result, strict=True)
    ]
    single = len(set(terms)) == 1
    formula = f"{equation} = {terms[0] if single else vector(result)}"
    if single and len(result) > 1:
        formula += f" for every unit, so hₜ = {vector(result)}"
    lines = () if single else tuple(f"unit {i + 1}: {t}" for i, t in enumerate(terms))
    explanation = (
        f"In {named} each unit keeps the share "
        f"{'1 − z' if flipped else 'z'} of its old value and takes the rest from the "
        "candidate n; the other convention swaps z and 1 − z, so the same numbers give "
        f"hₜ = {vector(_other(keep, n, h))} there."
    )
    fact = f"Computed exactly: hₜ = {vector(result)} ({equation}, {named})."
    title = "hₜ with your numbers"
    return Computed(title, None, formula, lines, explanation, fact, None)


def _other(keep: list[float], n: tuple[float, ...], h: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(k * ni + (1 - k) * hi for k, ni, hi in zip(keep, n, h, strict=True))


def _shares(z: tuple[float, ...], flipped: bool) -> Computed:
    equation, named = _convention(flipped)
    keep = tuple(1 - zi if flipped else zi for zi in z)
    parts = [f"{_pct(k)} of hₜ₋₁ and {_pct(1 - k)} of the candidate n" for k in keep]
    single = len(set(parts)) == 1
    formula = f"{equation}: z = {vector(z)} keeps {parts[0] if single else 'per unit:'}"
    lines = () if single else tuple(f"unit {i + 1}: {p}" for i, p in enumerate(parts))
    explanation = (
        f"That is {named}; texts that write hₜ = "
        + ("(1 − z) ⊙ n + z ⊙ hₜ₋₁" if flipped else "z ⊙ n + (1 − z) ⊙ hₜ₋₁")
        + " swap the two shares."
    )
    fact = (
        f"Computed exactly: with z = {vector(z)}, hₜ keeps "
        + (parts[0] if single else "; ".join(parts))
        + f" ({equation})."
    )
    return Computed("hₜ with your z", None, formula, lines, explanation, fact, None)


def _pct(share: float) -> str:
    return f"{fmt(100 * share)}%"
