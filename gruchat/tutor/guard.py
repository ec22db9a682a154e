"""Catch the small model contradicting the verified notes, so the user is told at once.

A 135M-parameter model swaps the gates' roles, invents a third gate or a cell state and
borrows LSTM peepholes, even with the right note in its prompt. These rules name the
known false claims; each flagged sentence is shown with the fact it gets wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEGATION = re.compile(
    r"\b(no|not|never|without|lacks?|unlike|instead of|doesn't|does not|don't|isn't|"
    r"aren't|only in|rather than|whereas|but an? lstm|lstms? (?:has|have|use))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    fact: str
    note: str
    negatable: bool = True  # a sentence that negates the claim is not flagged


def _rule(pattern: str, fact: str, note: str, negatable: bool = True) -> Rule:
    return Rule(re.compile(pattern, re.IGNORECASE), fact, note, negatable)


RULES: tuple[Rule, ...] = (
    _rule(
        r"\b(three|3|four|4) (main |key )?gates\b",
        "a GRU has two gates: update z and reset r",
        "gates",
    ),
    _rule(
        r"\bgru\w* is an? (type|kind|variant|version) of lstm",
        "a GRU is its own gated RNN cell, not a kind of LSTM",
        "gru-vs-lstm",
    ),
    _rule(
        r"\bgru\w*\b[^.]*\b(a|its|the)( separate)? cell state\b",
        "a GRU has no cell state, only h",
        "gru-vs-lstm",
    ),
    _rule(
        r"\bgru\w*\b[^.]*\b(an?|its|the) (output|input|forget) gate\b",
        "a GRU has only an update gate and a reset gate",
        "gates",
    ),
    _rule(
        r"\bpeephole",
        "peephole connections belong to some LSTM variants, not GRUs",
        "conventions-and-pitfalls",
    ),
    _rule(
        r"\breset gate\s*\(?\s*z\b|\bupdate gate\s*\(?\s*r\b",
        "the reset gate is r and the update gate is z",
        "gates",
        negatable=False,
    ),
    _rule(
        r"\b(gates?)\b[^.]*\b(use|uses|are|is) (a |the )?tanh\b",
        "the gates use the sigmoid σ; tanh is for the candidate n",
        "gates",
    ),
    _rule(
        r"\bcandidate\b[^.]*\b(uses?|is) (a |the )?(sigmoid|σ)",
        "the candidate n uses tanh; the gates use sigmoid",
        "candidate-state",
    ),
    _rule(
        r"\breset gate\b[^.]*\b(how much of the (old|previous|past) (state|memory) "
        r"(is|to be) (kept|carried|retained))",
        "the update gate z decides how much of the old state is kept",
        "gates",
    ),
    _rule(
        r"\bintroduced\b[^.]*\b(19\d\d|200\d|201[0-35-9])\b",
        "GRUs were introduced by Cho et al. in 2014",
        "history-and-papers",
        negatable=False,
    ),
)

_LSTM = re.compile(r"\blstm", re.IGNORECASE)
_GRU = re.compile(r"\bgru", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
# A negation in one clause must not excuse a claim in the next: "no peepholes, but it
# does have a cell state" is checked as two clauses.
_CLAUSE_BREAK = re.compile(r"\b(?:but|however|although|though|yet|whereas)\b|;", re.IGNORECASE)


@dataclass(frozen=True)
class Contradiction:
    sentence: str
    fact: str
    note: str


def contradictions(answer: str) -> list[Contradiction]:
    """Sentences of ``answer`` that state a known false claim about GRUs."""
    found: list[Contradiction] = []
    for match in _SENTENCE.finditer(answer):
        sentence = match.group(0).strip()
        if not sentence:
            continue
        rule = _first_broken_rule(sentence)
        if rule is not None:
            found.append(Contradiction(sentence, rule.fact, rule.note))
    return found


def _excused(clause: str) -> bool:
    """A negated clause, or one about the LSTM alone, states nothing wrong about GRUs."""
    about_lstm_only = _LSTM.search(clause) and not _GRU.search(clause)
    return bool(_NEGATION.search(clause) or about_lstm_only)


def _first_broken_rule(sentence: str) -> Rule | None:
    clauses = _CLAUSE_BREAK.split(sentence)
    for rule in RULES:
        if not rule.negatable:
            if rule.pattern.search(sentence):
                return rule
            continue
        for clause in clauses:
            if rule.pattern.search(clause) and not _excused(clause):
                return rule
    return None
