"""The guard's checks that need the question: who gets the credit for the GRU, and a
yes or no to a leading question ("a GRU has an output gate, right?") that affirms a
false claim or denies a true one. The sentence rules live in ``guard``.

A leading question is judged by a known claim it names, else by the sentence rules run
on the statement it asks about ("does a GRU have X?" -> "a GRU has X"): a plain "Yes" to
a statement the rules call false is flagged like the false sentence itself."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from gruchat.tutor.guard import (
    _GRU,
    _INVENTED,
    _LSTM,
    _NOT_CHO,
    _NUMBER,
    Contradiction,
    _first_broken_rule,
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
    _claim(
        r"\b(two|2) gates\b|\b(have|has|use|uses|with)\s+(an? |the )?(reset|update) gates?\b",
        True,
        _GATES_FACT,
        "gates",
    ),
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
    _claim(
        r"\breset_after\s*=\s*false\b[^?]*\b(pytorch|nn\.gru|cudnn)",
        False,
        "weights trained with Keras reset_after=False do not fit PyTorch's nn.GRU, which "
        "applies r after the recurrent product (like reset_after=True)",
        "conventions-and-pitfalls",
    ),
    _claim(
        r"\b(stop|prevent|fix|solv|avoid)\w*\b[^?]*\bexplo(d|sion)",
        False,
        "a GRU does not stop exploding gradients: clip the gradient norm",
        "training-problems",
    ),
)
_LEADING = re.compile(
    r"^\s*(?:so,?\s+)?(?:is it (?:true|correct|right) that|am i right that|"
    r"(?:does|do|did|is|are|was|were|has|have|can|could|will|would|should)\b)"
    r"|,?\s*(?:right|correct|true|isn't it|doesn't it|don't they|aren't they)\s*\?\s*$",
    re.IGNORECASE,
)
_YES = re.compile(r"^\W*(yes|yeah|yep|correct|true|that's right|that is right|right)\b", re.I)
_NO = re.compile(r"^\W*(no|nope|false|incorrect|not really|that's wrong|that is wrong)\b", re.I)


# "is it true that", "so", "right?": the asking around a statement
_ASKING_HEAD = re.compile(
    r"^\s*(?:so,?\s+|and\s+|but\s+)?(?:is it (?:true|correct|right) that|am i right that|"
    r"i (?:heard|read|think|thought) that|(?:is|was) it (?:true|right) that)?\s*",
    re.IGNORECASE,
)
_ASKING_TAIL = re.compile(
    r",?\s*(?:right|correct|true|yes|isn't it|doesn't it|don't they|aren't they|isn't that|"
    r"is that (?:right|true|correct)|am i right)?\s*\?+\s*$",
    re.IGNORECASE,
)
# "does a GRU have X" -> "a GRU has X"; "will a GRU stop X" -> "a GRU will stop X"
_DOES = re.compile(r"^(?:does|do|did)\s+(.+?)\s+(have|has|use|keep|need|contain)\b", re.I)
_MODAL = re.compile(r"^(will|would|can|could|should)\s+(an?\s+\w+|the\s+\w+|grus?)\s+", re.I)
_THIRD_PERSON = {"have": "has", "use": "uses", "keep": "keeps", "need": "needs",
                 "contain": "contains"}  # fmt: skip
# A negation just before the claim flips it: "is it true that a GRU has no output gate?"
_NEGATION_REACH = 24  # characters
_STATEMENT_NEGATION = re.compile(
    r"\b(no|not|never|without|lacks?|doesn't|does not|don't|do not|isn't|aren't)\b", re.I
)


def leading_statement(question: str) -> str:
    """The statement a yes/no question asks about, as a sentence the rules can read."""
    text = _ASKING_TAIL.sub("", _ASKING_HEAD.sub("", question, count=1)).strip()
    does = _DOES.match(text)
    if does:
        verb = does.group(2).lower()
        subject = does.group(1)
        plural = re.search(r"\b(grus|lstms|they|we|you|i)\b", subject, re.I)
        text = f"{subject} {verb if plural else _THIRD_PERSON.get(verb, verb)}{text[does.end() :]}"
    else:
        modal = _MODAL.match(text)
        if modal:
            text = f"{modal.group(2)} {modal.group(1).lower()} {text[modal.end() :]}"
    return text


def _asks_about_gru(question: str) -> bool:
    if not _LEADING.search(question) or not topic_is_gru(question):
        return False
    lstm, gru = _LSTM.search(question), _GRU.search(question)
    # "does an LSTM have …", "is it true that LSTMs, unlike GRUs, …"
    return not (lstm and (gru is None or lstm.start() < gru.start()))


def leading_claim(question: str) -> Claim | None:
    """The claim a yes/no question about a GRU asks to confirm, if it is one we know; a
    statement the sentence rules call false counts as a false claim."""
    if not _asks_about_gru(question):
        return None
    statement = leading_statement(question)
    rule = _first_broken_rule(statement, pronouns_mean_gru=True)
    if rule is not None:  # the most specific judge: "does the reset gate decide what is kept?"
        return Claim(re.compile(re.escape(statement)), False, rule.fact, rule.note)
    for claim in CLAIMS:
        named = claim.pattern.search(statement)
        if named:  # "has no output gate" flips the claim; "two gates, not three?" does not
            before = statement[max(0, named.start() - _NEGATION_REACH) : named.start()]
            negated = bool(_STATEMENT_NEGATION.search(before))
            return dataclasses.replace(claim, true=claim.true != negated)
    return None


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
