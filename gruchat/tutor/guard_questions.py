"""The guard's checks that need the question: who gets the credit for the GRU, and a
yes or no to a leading question ("a GRU has an output gate, right?") that affirms a
false claim or denies a true one. The sentence rules live in ``guard``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gruchat.tutor.guard import (
    _GRU,
    _INVENTED,
    _LSTM,
    _NOT_CHO,
    _NUMBER,
    Contradiction,
    sentences,
    topic_is_gru,
)

_WHO_INTRODUCED = re.compile(
    rf"\b(who|which paper|which authors?|whose)\b[^?]*\b{_INVENTED}", re.IGNORECASE
)
_WRONG_NAME = re.compile(rf"\b{_NOT_CHO}", re.IGNORECASE)
_CHO = re.compile(r"\bcho\b", re.IGNORECASE)


def wrong_credit(question: str, answer: str) -> Contradiction | None:
    """An answer to "who introduced the GRU?" that names Chung (or the LSTM's authors)
    before, or instead of, Cho et al."""
    if not _WHO_INTRODUCED.search(question) or not topic_is_gru(question):
        return None
    for sentence in sentences(answer):
        if _CHO.search(sentence):
            return None  # Cho named first: the rest may rightly mention Chung's comparison
        if _WRONG_NAME.search(sentence) and not _LSTM.search(sentence):
            return Contradiction(
                sentence,
                "the GRU was introduced by Cho et al. (2014); Chung et al. (2014) evaluated it",
                "history-and-papers",
            )
    return None


# -- leading yes/no questions -----------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    """A statement a leading question can ask about, and whether it is true of a GRU."""

    pattern: re.Pattern[str]
    true: bool
    fact: str
    note: str


def _claim(pattern: str, true: bool, fact: str, note: str) -> Claim:
    return Claim(re.compile(pattern, re.IGNORECASE), true, fact, note)


_VANISHING_FACT = "GRUs reduce vanishing gradients but do not eliminate them"
_GATES_FACT = "a GRU has two gates: update z and reset r; no output, input or forget gate"
CLAIMS: tuple[Claim, ...] = (
    _claim(r"\b(an? |the )?(output|input|forget) gates?\b", False, _GATES_FACT, "gates"),
    _claim(
        r"\b(an? |the )?(cell state|memory cell)\b",
        False,
        "a GRU has no cell state, only h",
        "gru-vs-lstm",
    ),
    _claim(rf"\b{_NUMBER} gates\b", False, _GATES_FACT, "gates"),
    _claim(
        r"\bpeephole",
        False,
        "peephole connections belong to some LSTM variants, not GRUs",
        "conventions-and-pitfalls",
    ),
    _claim(r"\b(two|2) gates\b|\b(an? |the )?(reset|update) gate\b", True, _GATES_FACT, "gates"),
    _claim(
        r"\b(eliminat|remov|solv)\w* (the )?vanishing",
        False,
        _VANISHING_FACT,
        "vanishing-gradients",
    ),
    _claim(
        r"\b(chung|hochreiter|schmidhuber)\b",
        False,
        "the GRU was introduced by Cho et al. (2014)",
        "history-and-papers",
    ),
    _claim(r"\bcho\b", True, "the GRU was introduced by Cho et al. (2014)", "history-and-papers"),
)
_LEADING = re.compile(
    r"^\s*(?:so,?\s+)?(?:is it (?:true|correct|right) that|am i right that|"
    r"(?:does|do|did|is|are|was|were|has|have|can|could)\b)"
    r"|,?\s*(?:right|correct|true|isn't it|doesn't it|don't they|aren't they)\s*\?\s*$",
    re.IGNORECASE,
)
_YES = re.compile(r"^\W*(yes|yeah|yep|correct|true|that's right|that is right|right)\b", re.I)
_NO = re.compile(r"^\W*(no|nope|false|incorrect|not really|that's wrong|that is wrong)\b", re.I)


def leading_claim(question: str) -> Claim | None:
    """The claim a yes/no question about a GRU asks to confirm, if it is one we know."""
    if not _LEADING.search(question) or not topic_is_gru(question):
        return None
    lstm, gru = _LSTM.search(question), _GRU.search(question)
    if lstm and (gru is None or lstm.start() < gru.start()):
        return None  # "does an LSTM have …", "is it true that LSTMs, unlike GRUs, …"
    return next((c for c in CLAIMS if c.pattern.search(question)), None)


def leading_answer_contradiction(question: str, answer: str) -> Contradiction | None:
    """ "Yes" to "does a GRU have an output gate?" (or "No" to a true claim) is flagged."""
    claim = leading_claim(question) if question else None
    if claim is None:
        return None
    yes = bool(_YES.search(answer))
    if not yes and not _NO.search(answer):
        return None  # no plain yes or no: the rules above judge the sentences
    if yes == claim.true:
        return None
    first = (sentences(answer) or [answer.strip()])[0]
    return Contradiction(first, claim.fact, claim.note)
