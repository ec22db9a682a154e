"""Yes/no questions, leading ones above all ("GRUs can't be stacked, can they?"): the
small models agree with whatever a question assumes, so the grounded message asks them to
check the premise against the notes first."""

from __future__ import annotations

import re

# "…, right?", "…, yeah?", "…, can they?", "…, isn't it?": a tag that asks for agreement
_TAG = re.compile(
    r"(?:,|\s)\s*(?:right|yeah|yes|correct|true|ok(?:ay)?|surely|huh)\s*\?+\s*$|"
    r",\s*(?:or\s+)?(?:is|are|was|do|does|did|can|could|will|would|should|has|have)"
    r"(?:n[’']?t| not)?\s+(?:it|they|he|she|that|there|i|we|you)\s*\?+\s*$",
    re.IGNORECASE,
)
# "is …?", "does …?", "should i …?", "so … must …?": a question answered by yes or no
_POLAR_START = re.compile(
    r"(?:^|[.?!]\s+)\W*(?:(?:so|and|but|wait|ok|okay|hmm|also)\W+)*"
    r"(?:is|are|was|were|do|does|did|can|could|should|shall|will|would|has|have|had|must|"
    r"isn[’']?t|aren[’']?t|doesn[’']?t|don[’']?t|can[’']?t|won[’']?t)\b"
    r"(?!\s+you\b)",  # "can you show me …?" is a request
    re.IGNORECASE,
)
# "so h_n isn't batch first too?": a statement asked as a question (no wh-word)
_WH = re.compile(r"\b(?:what|whats|which|who|whom|whose|why|how|when|where|if)\b", re.IGNORECASE)
_DECLARATIVE_MIN_WORDS = 5
# "nn.GRU(16, 32, num_layers=2) param count?": a number or a shape asked for, not a yes
_ASKS_A_VALUE = re.compile(r"\d|=|\b(?:count|shape|size|number|total)\s*\?", re.IGNORECASE)
_REQUEST = re.compile(r"^\W*(?:can|could|would|will)\s+you\b", re.IGNORECASE)
# "i thought it was already in the 1997 version": a claim the learner brings along
_CLAIM = re.compile(r"\bi (?:thought|heard|read|was told|assumed|believe)\b", re.IGNORECASE)

PREMISE_CHECK = 'If the notes contradict the question, begin with "No," and correct it.'


def is_yes_no_question(question: str) -> bool:
    """True for a question that invites a yes or a no, or brings a claim of its own."""
    text = question.strip()
    if _REQUEST.search(text):  # "can you show me the equation?" asks for it, not a yes
        return False
    if _TAG.search(text) or _POLAR_START.search(text) or _CLAIM.search(text):
        return True
    words = len(text.split())
    plain = not _WH.search(text) and not _ASKS_A_VALUE.search(text)
    return text.endswith("?") and plain and words >= _DECLARATIVE_MIN_WORDS
