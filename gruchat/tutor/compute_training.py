"""Training arithmetic with the learner's numbers: what gradient clipping turns a gradient
into, and how a long sequence splits into truncated-BPTT chunks.

"clip_grad_value_(params, clip_value=0.5) and one grad is [3, -0.2, -1]: what does it turn
into?" (each entry clamped: [0.5, −0.2, −0.5]; qwen2.5-coder-1.5b rescaled it, as
clip_grad_norm_ would) and "10,000 steps in chunks of 35: how many chunks, and how long is
the last?" (286, the last 25) are exact. clip_grad_norm_ scales every gradient by
max_norm / total norm when the total norm is larger, the total taken over all the
gradients given (torch adds 1e-6 to the norm). Unclear input gives None. Pure: no I/O.
"""

from __future__ import annotations

import math
import re

from gruchat.tutor.compute import Computed
from gruchat.tutor.compute_mix import fmt

_I = re.IGNORECASE
_NUMBER = r"[-−]?(?:\d+(?:\.\d+)?|\.\d+)"
_VECTOR = rf"(?<![\w\])])\[\s*{_NUMBER}(?:\s*,\s*{_NUMBER})*\s*\]"  # not output[-1]
_ENTRIES = re.compile(rf"\[\s*({_NUMBER}(?:\s*,\s*{_NUMBER})*)\s*\]")
# the gradients: vectors a "grad" introduces, joined by "and" or commas ("[3, 4] and [0, 12]")
_GRADS = re.compile(
    rf"\bgrad(?:ient)?s?\b[^\[\]?.!]{{0,30}}?({_VECTOR}(?:\s*(?:,|and|, and)\s*{_VECTOR})*)",
    _I,
)
_BY_VALUE = re.compile(r"\bclip_grad_value_?\b|\bclip(?:ping)? (?:by|the) value\b", _I)
_BY_NORM = re.compile(r"\bclip_grad_norm_?\b|\bclip(?:ping)? (?:by|the) (?:global )?norm\b", _I)


def _limit(keyword: str, call: str, words: str) -> re.Pattern[str]:
    """The clipping limit as a keyword, the call's second argument or in words."""
    return re.compile(
        rf"\b{keyword}\s*=\s*({_NUMBER})|\b{call}_?\s*\(\s*[\w.()]+\s*,\s*({_NUMBER})\s*\)"
        rf"|\b{words}({_NUMBER})\b",
        _I,
    )


_CLIP_VALUE = _limit("clip_value", "clip_grad_value", r"(?:clip )?value (?:of |= ?)?")
_MAX_NORM = _limit("max_norm", "clip_grad_norm", r"(?:max(?:imum)? )?norm (?:of |= ?)")
_NORM_TYPE = re.compile(r"\bnorm_type\b|\binf\b|\bL1\b", _I)
_TOTAL = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)[- ](?:time[- ]?)?steps?\b", _I)
_CHUNK = re.compile(
    r"\b(?:chunks?|windows?|segments?|pieces?) of (\d+)\b|\b(?:every|each) (\d+) steps\b"
    r"|\bbptt(?: length| window)?\s*(?:=|of)\s*(\d+)\b",
    _I,
)
_TRUNCATED = re.compile(r"\btruncat\w*\b|\bbptt\b|\bchunks?\b|\bdetach\b", _I)
_CHUNKS_ASKED = re.compile(
    r"\bhow many\s+(?:\w+\s+)?(?:chunks|backward passes|backward calls|segments|windows"
    r"|updates|pieces)\b|\bhow long is the last\b",
    _I,
)
# other step counts in the question: "dependencies 100 steps long", "lr decays every 10"
_NOT_CHUNKING = re.compile(r"\bdepend\w*|\blr\b|\blearning rate\b|\bdecay\w*|\bwarm-?up", _I)
# "my classifier with 10 classes starts out at a loss of about 2.3": ln(10) is what a
# model that has learned nothing yet (uniform predictions) scores under cross-entropy
_CLASSES = re.compile(r"\b(\d+)(?:[ -](?:classes|labels|categories|way)|-class)\b", _I)
_START_LOSS = re.compile(
    r"\b(?:starts?(?: out)?|starting|initial(?:ly)?|first (?:batch|step|iteration)|untrained"
    r"|at init\w*|before training)\b[^?.]{0,40}\bloss\b"
    r"|\bloss\b[^?.]{0,40}\b(?:at (?:the )?start|starts?|initially|at init\w*)\b",
    _I,
)
# not plain cross-entropy over C classes, or not about where the loss starts
_OTHER_LOSS = re.compile(
    r"\b(?:bce\w*|binary|multi-?label|focal|regression|mse|l1|huber|ctc|sigmoid)\b", _I
)
_NOT_IMPROVING = re.compile(
    r"\b(?:not|never|doesn['’]?t|won['’]?t|isn['’]?t)\b[^?.]{0,20}\b(?:go(?:ing)? down|drop|"
    r"decreas\w*|improv\w*|mov\w*|chang\w*)|\bstuck\b|\bplateau\w*|\bstill\b|\bafter \d+"
    r"|\bepochs?\b|\blearning rate\b|\blr\b",
    _I,
)
_LOSS_VALUE = re.compile(rf"\bloss\b[^?.\d]{{0,25}}({_NUMBER})|({_NUMBER})\s+loss\b", _I)


def _float(raw: str) -> float:
    return float(raw.replace("−", "-"))


def _one(pattern: re.Pattern[str], text: str) -> float | None:
    found = {_float(next(g for g in m.groups() if g)) for m in pattern.finditer(text)}
    return found.pop() if len(found) == 1 else None


def _vector(values: list[float]) -> str:
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def training_question(text: str) -> Computed | None:
    """The clipped gradient or the chunking the question asks for, or None."""
    by_value, by_norm = bool(_BY_VALUE.search(text)), bool(_BY_NORM.search(text))
    if by_value != by_norm:
        lists = _GRADS.findall(text)
        if len(lists) != 1:
            return None  # no gradient given, or two lists: unclear which is clipped
        vectors = _ENTRIES.findall(lists[0])
        grads = [[_float(v) for v in re.split(r"\s*,\s*", vector)] for vector in vectors]
        if by_value:
            limit = _one(_CLIP_VALUE, text)
            return clipped_by_value(grads, limit) if limit is not None and limit > 0 else None
        limit = _one(_MAX_NORM, text)
        if limit is None or limit <= 0 or _NORM_TYPE.search(text):
            return None
        return clipped_by_norm(grads, limit)
    classes = {int(m.group(1)) for m in _CLASSES.finditer(text)}
    if len(classes) == 1 and _START_LOSS.search(text) and not _OTHER_LOSS.search(text):
        count = classes.pop()
        seen = None if _NOT_IMPROVING.search(text) else _one(_LOSS_VALUE, _CLASSES.sub(" ", text))
        return starting_loss(count, seen) if count >= 2 else None
    if by_value or not _TRUNCATED.search(text) or not _CHUNKS_ASKED.search(text):
        return None
    if _NOT_CHUNKING.search(text):
        return None
    totals = {int(m.group(1).replace(",", "")) for m in _TOTAL.finditer(_CHUNK.sub(" ", text))}
    chunks = {int(next(g for g in m.groups() if g)) for m in _CHUNK.finditer(text)}
    if len(totals) != 1 or len(chunks) != 1:
        return None
    total, chunk = totals.pop(), chunks.pop()
    if not 0 < chunk < total:
        return None
    return truncated_chunks(total, chunk)


def clipped_by_value(grads: list[list[float]], limit: float) -> Computed:
    """torch.nn.utils.clip_grad_value_: every entry clamped to [−limit, limit]."""
    clipped = [[max(-limit, min(limit, v)) for v in grad] for grad in grads]
    formula = " · ".join(
        f"{_vector(g)} → {_vector(c)}" for g, c in zip(grads, clipped, strict=True)
    )
    lines = (f"each entry clamped to [−{fmt(limit)}, {fmt(limit)}]; the others are unchanged",)
    explanation = (
        "clip_grad_value_ clamps entry by entry, so the gradient's direction can change; "
        "clip_grad_norm_ would scale the whole gradient and keep it."
    )
    fact = f"Computed exactly: clip_grad_value_ with clip_value={fmt(limit)} gives {formula}."
    return Computed(f"clip_grad_value_ at {fmt(limit)}", None, formula, lines, explanation,
                    fact, None)  # fmt: skip


def clipped_by_norm(grads: list[list[float]], limit: float) -> Computed:
    """torch.nn.utils.clip_grad_norm_: scaled by max_norm / (total norm + 1e-6) when that
    is below 1, the total L2 norm taken over every gradient given."""
    norm = math.sqrt(sum(v * v for grad in grads for v in grad))
    coefficient = min(1.0, limit / (norm + 1e-6))
    clipped = [[v * coefficient for v in grad] for grad in grads]
    formula = " · ".join(
        f"{_vector(g)} → {_vector(c)}" for g, c in zip(grads, clipped, strict=True)
    )
    if norm > limit:
        scale = f"total norm {fmt(norm)} > {fmt(limit)}: every entry × {fmt(limit)} / {fmt(norm)}"
    else:
        scale = f"total norm {fmt(norm)} ≤ {fmt(limit)}: nothing changes"
    lines = (scale, "the direction is kept; clip_grad_norm_ returns the norm before clipping")
    explanation = (
        "The norm is over all the gradients together (one vector of every parameter's "
        "entries), so one large gradient shrinks the others too."
    )
    fact = (
        f"Computed exactly: clip_grad_norm_ with max_norm={fmt(limit)} sees a total norm of "
        f"{fmt(norm)} and gives {formula}."
    )
    return Computed(f"clip_grad_norm_ at {fmt(limit)}", None, formula, lines, explanation,
                    fact, None)  # fmt: skip


def truncated_chunks(total: int, chunk: int) -> Computed:
    """⌈total / chunk⌉ chunks, each a forward and backward pass; the last holds the rest."""
    count = -(-total // chunk)
    last = total - (count - 1) * chunk
    formula = f"⌈{total:,} / {chunk}⌉ = {count:,} chunks, the last {last} steps long"
    lines = (
        f"{count - 1:,} full chunks of {chunk} = {(count - 1) * chunk:,} steps, "
        f"then {total:,} − {(count - 1) * chunk:,} = {last}",
        "one backward pass per chunk, with h carried over and detached between chunks",
    )
    explanation = (
        "Truncated BPTT backpropagates through at most one chunk, so gradients reach back at "
        f"most {chunk} steps, while the state itself carries on across chunks."
    )
    fact = (
        f"Computed exactly: {total:,} steps in chunks of {chunk} make {count:,} chunks "
        f"(backward passes), the last {last} steps long."
    )
    return Computed(f"truncated BPTT: {total:,} steps in chunks of {chunk}", None, formula,
                    lines, explanation, fact, None)  # fmt: skip


def starting_loss(classes: int, seen: float | None) -> Computed:
    """Cross-entropy of uniform predictions over ``classes``: ln(classes)."""
    expected = math.log(classes)
    formula = f"−ln(1/{classes}) = ln({classes}) ≈ {fmt(expected)}"
    lines: tuple[str, ...] = (
        f"an untrained classifier spreads its probability about evenly: 1/{classes} per class",
    )
    if seen is not None:
        near = abs(seen - expected) <= 0.15 * expected
        lines += (
            f"the loss you see, {fmt(seen)}, is "
            + ("about ln(C): what predicting every class equally gives, as expected at the start"
               if near else f"{'above' if seen > expected else 'below'} it: worth a look"),
        )  # fmt: skip
    explanation = (
        "nn.CrossEntropyLoss starts near ln(C) with small random weights; a loss well above it "
        "means confidently wrong outputs (check labels and scaling), well below it a leak."
    )
    fact = (
        f"Computed exactly: with {classes} classes, uniform predictions give a cross-entropy "
        f"of ln({classes}) ≈ {fmt(expected)}, the expected loss at the start of training."
    )
    return Computed(f"the starting loss for {classes} classes", None, formula, lines,
                    explanation, fact, None)  # fmt: skip
