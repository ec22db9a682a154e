"""Catch the small model contradicting the verified notes, so the user is told at once.

A 135M-parameter model swaps the gates' roles, invents a third gate or a cell state,
credits the wrong paper and answers "Yes" to leading questions, even with the right note
in its prompt. These rules name the known false claims; each flagged sentence is shown
with the fact it gets wrong.

A claim counts when its sentence is about a GRU: it names the GRU, or it names no other
model ("it has three gates", "the cell has an output gate") while the question is about a
GRU (the default topic of this tutor). A negated clause, or one about the LSTM alone, is
not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gruchat.tutor.guard_rules import _GRU, _LSTM, _NEGATION, Rule
from gruchat.tutor.guard_rules import RULES as _CLAIM_RULES
from gruchat.tutor.guard_rules_premises import PREMISE_RULES

RULES = _CLAIM_RULES + PREMISE_RULES  # the whole table, re-exported

# A sentence ends at . ! ? followed by space, except after "et al." and "e.g.".
_SENTENCE_END = re.compile(r"(?<!\bal\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<=[.!?])\s+|\n+")
# A negation in one clause must not excuse a claim in the next: "no peepholes, but it
# does have a cell state" is checked as two clauses.
_CLAUSE_BREAK = re.compile(
    r"\b(?:but|however|although|though|yet|whereas|while)\b|;", re.IGNORECASE
)


@dataclass(frozen=True)
class Contradiction:
    sentence: str
    fact: str
    note: str


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences, keeping "Cho et al. (2014)" in one piece."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def topic_is_gru(question: str) -> bool:
    """Pronouns mean the GRU unless the question is about the LSTM alone."""
    return bool(_GRU.search(question) or not _LSTM.search(question))


def contradictions(
    answer: str,
    question: str = "",
    known_numbers: Mapping[str, float | tuple[float, ...]] | None = None,
    known_shapes: Mapping[str, Sequence[int | str]] | None = None,
) -> list[Contradiction]:
    """Sentences of ``answer`` that state a known false claim about GRUs.

    ``question`` decides what a bare "it" or "the cell" refers to and lets a leading
    yes/no question be checked; ``known_numbers`` (label -> value, e.g. a computed
    {"parameters": 1920}) flags sentences that state a different value for that label, and
    ``known_shapes`` (tensor -> computed shape) sentences that give that tensor another shape.
    """
    from gruchat.tutor.guard_shapes import wrong_shape

    pronouns_mean_gru = topic_is_gru(question)
    found: list[Contradiction] = []
    for sentence in sentences(answer):
        rule = _first_broken_rule(sentence, pronouns_mean_gru, question)
        if rule is not None:
            found.append(Contradiction(sentence, rule.fact, rule.note))
            continue
        wrong_number = _wrong_number(sentence, known_numbers or {}, pronouns_mean_gru)
        if wrong_number is not None:
            found.append(wrong_number)
            continue
        shape_fact = wrong_shape(sentence, known_shapes) if known_shapes else None
        if shape_fact is not None:
            found.append(Contradiction(sentence, shape_fact, _SHAPE_NOTE))
    from gruchat.tutor.guard_questions import leading_answer_contradiction, wrong_credit

    credited = wrong_credit(question, answer)
    if credited is not None and all(c.sentence != credited.sentence for c in found):
        found.insert(0, credited)
    from gruchat.tutor.guard_echo import echoed_claim

    judged_by_question = [leading_answer_contradiction(question, answer)]
    if not known_numbers and not known_shapes:  # a computed block decides those
        judged_by_question.append(echoed_claim(question, answer))
    for judged in judged_by_question:
        if judged is not None and all(c.sentence != judged.sentence for c in found):
            found.insert(0, judged)
    return found


def _about_gru(clause: str, pronouns_mean_gru: bool) -> bool:
    if _GRU.search(clause):
        return True
    return pronouns_mean_gru and not _LSTM.search(clause)


# "No, the update gate z must be the same at every step": the "No" answers the question; it
# does not negate the claim that follows it
_REPLY_WORD = re.compile(r"^\W*(?:no|nope|yes|yeah|yep)\b[,.!:;]?\s*", re.IGNORECASE)
_NAMES_A_GRU = re.compile(r"\bgru|\bgat(?:e|es|ed|ing)\b|\bgated recurrent", re.IGNORECASE)


def _first_broken_rule(sentence: str, pronouns_mean_gru: bool, question: str = "") -> Rule | None:
    clauses = _CLAUSE_BREAK.split(sentence)
    for rule in RULES:
        candidates = [sentence] if not rule.negatable else clauses
        pronouns_mean_other = bool(rule.pronoun_means and rule.pronoun_means.search(question))
        for clause in candidates:
            if not rule.matches(clause):
                continue
            if not rule.any_model and not _about_gru(clause, pronouns_mean_gru):
                continue
            if pronouns_mean_other and not _NAMES_A_GRU.search(clause):
                continue
            if rule.negatable and _NEGATION.search(_REPLY_WORD.sub("", clause, count=1)):
                continue
            return rule
    return None


# -- numbers that disagree with a known value ----------------------------------------------
_SHAPE_NOTE = "pytorch-weights"
_LABEL_WORDS = {"parameters": r"(?:trainable |learnable |total )?(?:parameters|params|weights)"}
_LABEL_NOTES = {"parameters": "parameter-count"}
_QUANTITY = r"(\d{1,3}(?:,\d{3})+|\d+)"


def _wrong_number(
    sentence: str, known: Mapping[str, float | tuple[float, ...]], pronouns_mean_gru: bool
) -> Contradiction | None:
    """A sentence giving ``label`` a value other than the known one ("1,200 parameters");
    a tuple of values (two layers' counts and their difference) accepts any of them."""
    if not known or not _about_gru(sentence, pronouns_mean_gru):
        return None
    if re.search(r"\b(each|per|every|block|matrix|bias)\b", sentence, re.IGNORECASE):
        return None  # a part of the total, not the total
    for label, value in known.items():
        words = _LABEL_WORDS.get(label, re.escape(label))
        stated = re.findall(
            rf"{_QUANTITY}\s+(?:more\s+|fewer\s+|extra\s+|additional\s+)?{words}\b|"
            rf"\b{words}\s*(?:is|are|of|=|:|totals?|comes? to)\s*"
            rf"(?:about\s*|exactly\s*)?{_QUANTITY}",
            sentence,
            re.IGNORECASE,
        )
        numbers = {float((a or b).replace(",", "")) for a, b in stated}
        values = value if isinstance(value, tuple) else (value,)
        if numbers and not numbers & {float(v) for v in values}:
            shown = " or ".join(f"{v:,g}" for v in values)
            return Contradiction(sentence, f"{label}: {shown}", _LABEL_NOTES.get(label, ""))
    return None


# -- "who introduced the GRU?" answered with the wrong name --------------------------------
