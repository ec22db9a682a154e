"""Yes/no questions, leading ones above all ("GRUs can't be stacked, can they?"): the
small models agree with whatever a question assumes, so the grounded message asks them to
check the premise against the notes first."""

from __future__ import annotations

import re

from gruchat.tutor.guard_questions import _LEADING  # "is it true that …", "…, right?"

# "who invented the gru? was it hochreiter as well?": a yes/no question after another one
_LATER_POLAR = re.compile(
    r"[.?!]\s+(?:is|are|was|were|do|does|did|can|could|should|will|would|has|have|must)\b",
    re.IGNORECASE,
)
# "i thought it was already in the 1997 version": a claim the learner brings along
_CLAIM = re.compile(r"\bi (?:thought|heard|read|was told|assumed|believe)\b", re.IGNORECASE)
# "so h_n isn't batch first too?": a statement asked as a question (no wh-word) …
_WH = re.compile(r"\b(?:what|whats|which|who|whom|whose|why|how|when|where|if)\b", re.IGNORECASE)
_DECLARATIVE_MIN_WORDS = 5
# … unless it asks for a number or a shape ("nn.GRU(16, 32, num_layers=2) param count?")
_ASKS_A_VALUE = re.compile(r"\d|=|\b(?:count|shape|size|number|total)\s*\?", re.IGNORECASE)
_REQUEST = re.compile(r"^\W*(?:can|could|would|will)\s+you\b", re.IGNORECASE)

PREMISE_CHECK = (
    'If the notes contradict the question, begin with "No," and state the notes\' fact instead.'
)


def is_yes_no_question(question: str) -> bool:
    """True for a question that invites a yes or a no, or brings a claim of its own."""
    text = question.strip()
    if _REQUEST.search(text):  # "can you show me the equation?" asks for it, not a yes
        return False
    if _LEADING.search(text) or _LATER_POLAR.search(text) or _CLAIM.search(text):
        return True
    words = len(text.split())
    plain = not _WH.search(text) and not _ASKS_A_VALUE.search(text)
    return text.endswith("?") and plain and words >= _DECLARATIVE_MIN_WORDS
