"""An answer that only agrees: "…, right?" answered "Yes, <the learner's words>".

On the fourth held-out edition (session 9) 11 of qwen's 14 unmarked contradictions
were this one shape: a leading question built on a misconception the guard has no rule
for ("the gates only look at x_t, not at h_{t-1}, right?"), answered "Yes," and the
learner's own claim said back. Such a sentence carries no evidence either way, so when
the guard cannot judge the claim itself (``leading_claim``) it is marked as not
confirmed, which (like a contradiction) asks the model once more with the notes first
and keeps the sentence out of the history. A claim the guard knows is true is not marked.

Session 12 widened it to answers that say the claim back without a "yes" ("so the reset
gate is what stops vanishing gradients, right?" → "The reset gate stops vanishing
gradients by …"), but only where the question presupposes its claim (a tag such as
"right?", or "is it true that") and offers no choice ("… or …"): over 1,303 recorded
answers of bench/results it marks 9 more echoes, 6 of them unmarked contradictions, and
one true sentence (measured with the retired held-out editions' answers).

Session 17: a "yes" to a presupposed claim is marked even when the sentence says little
of it back ("my gru overfits, so i should make hidden_size bigger…, right?" → "Yes, you
should make the hidden size bigger …"; "…, yeah?" → "Yes, the notes are correct."). Over
the same recorded answers (bench/results/quiz-*.json, now 1,500+) it marks 7 more
first sentences, all of them in wrong answers (5 unmarked contradictions) and none in a
right one; for yes/no questions that do not presuppose the claim ("does …?") it would
have marked 4 right answers among 11, so those stay unmarked.
"""

from __future__ import annotations

import re
from functools import cache

from gruchat.session import NOT_CONFIRMED
from gruchat.tutor.guard import Contradiction, sentences
from gruchat.tutor.guard_questions import (
    _AUXILIARY,
    _LEADING,
    _NO,
    _TAG,
    _YES,
    leading_claim,
    leading_statement,
)
from gruchat.tutor.guard_rules import _NEGATION
from gruchat.tutor.notes import content_words, load_notes, normalise_notation

# "GRUs are only for text, yeah? for sensor data I'd need …": a tag inside the question
_INNER_TAG = re.compile(rf",?\s*(?:{_TAG})\s*\?", re.IGNORECASE)
# "after mixing the old state and the candidate, does PyTorch squash h_t again?"
_LATE_AUXILIARY = re.compile(rf",\s*(?:{_AUXILIARY})\s+\w[^,]*\?\s*$", re.IGNORECASE)
# "can you write down the equations?" asks for something; it claims nothing
_REQUEST = re.compile(r"^\W*(?:please\s+)?(?:can|could|would|will) you\b", re.IGNORECASE)
# "…, or some other order?" asks which; "always 0 or 1" inside a claim does not
_EITHER_OR = re.compile(
    r",\s*or\b|\bor\s+(?:is|are|was|were|does|do|did|can|could|will|would|should|has|have)\b",
    re.IGNORECASE,
)
# A question that takes its claim for granted, so saying it back is agreeing with it
_PRESUPPOSES = re.compile(r"\bis it true\b|\bi (?:heard|read)\b", re.IGNORECASE)
_CHOICE = re.compile(r"\bor\b", re.IGNORECASE)  # "one number or one per unit?": either is said
_MIN_WORDS = 3  # "a GRU is good, right?" says too little to call an echo
_COVERED = 0.6  # share of the claim's words the agreeing sentence repeats
_SUFFIX = re.compile(r"(?:ing|ed|es|s)$")
# "Yes, but each gate also reads h_{t-1}": a yes that goes on to correct the claim
_QUALIFIED = re.compile(r"\b(?:but|however|although|though|except|only if|unless)\b", re.I)


def _stems(text: str) -> set[str]:
    words = content_words(normalise_notation(text))
    return {_SUFFIX.sub("", w) if len(w) > 4 else w for w in words}


_STATED = 0.75  # share of the claim's words one note sentence holds, for it to back a "yes"


@cache
def _note_sentences() -> tuple[frozenset[str], ...]:
    notes = load_notes()
    texts = [t for n in notes for t in (n.gist_line or "", *sentences(n.body)) if t]
    return tuple(frozenset(_stems(text)) for text in texts)


def _stated_in_notes(wanted: set[str]) -> bool:
    """Whether one sentence of the notes holds nearly all of the claim's words ("z close to
    1 keeps the old state"): a bare "yes" to it is then likely backed, and is not marked.
    On the recorded answers none of the seven bare yeses to a wrong claim came this close
    (at most 0.67); true claims from the guard's tests reach 0.75 and 0.83."""
    return any(len(wanted & stems) >= _STATED * len(wanted) for stems in _note_sentences())


def is_leading(question: str) -> bool:
    """A yes/no question or one that asks the tutor to agree ("…, right?")."""
    return any(p.search(question) for p in (_LEADING, _INNER_TAG, _LATE_AUXILIARY))


def _presupposes(question: str) -> bool:
    """Whether the claim is the learner's ("…, right?", "is it true that …") and no choice
    is offered."""
    tagged = _INNER_TAG.search(question) or _PRESUPPOSES.search(question)
    return bool(tagged) and not _CHOICE.search(question)


def echoed_claim(question: str, answer: str) -> Contradiction | None:
    """The answer's first sentence, when it repeats most of the claim of a leading question
    the guard cannot judge: after a "yes", or without one where the question presupposes
    the claim and the sentence does not deny it."""
    if not question or not is_leading(question):
        return None
    agrees = bool(_YES.search(answer))
    if not agrees and not _presupposes(question):
        return None
    if _REQUEST.search(question) or _EITHER_OR.search(question):
        return None  # a request, or "…, or …?": neither yes nor no agrees with a claim
    if leading_claim(question) is not None:
        return None  # known true (no flag) or known false (flagged with its fact)
    claim = re.split(r"\?", _INNER_TAG.split(leading_statement(question))[0])[0].strip(" ,")
    wanted = _stems(claim)
    if len(wanted) < _MIN_WORDS:
        return None
    first = (sentences(answer) or [answer.strip()])[0]
    if len(wanted & _stems(first)) < _COVERED * len(wanted):
        bare = agrees and _presupposes(question) and not _QUALIFIED.search(first)
        if bare and not _stated_in_notes(wanted):
            # "…, yeah?" → "Yes, the notes are correct.": agreement with nothing added
            return Contradiction(first, f"{NOT_CONFIRMED}: it agrees with “{claim}”", "")
        return None
    if not agrees and (_NEGATION.search(first) or _NO.search(first)):
        return None  # "the reset gate does not stop …": the claim denied, not said back
    fact = f"{NOT_CONFIRMED}: it repeats the question's claim “{claim}”"
    return Contradiction(first, fact, "")
