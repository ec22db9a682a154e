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

from gruchat.tutor.guard import Contradiction, _first_broken_rule, sentences, topic_is_gru
from gruchat.tutor.guard_rules import _GRU, _INVENTED, _LSTM, _NOT_CHO, _NUMBER

_WHO_INTRODUCED = re.compile(
    rf"\b(who|which paper|which authors?|whose)\b[^?]*\b{_INVENTED}", re.IGNORECASE
)
_WRONG_NAME = re.compile(rf"\b{_NOT_CHO}", re.IGNORECASE)
_CHO = re.compile(r"\bcho\b", re.IGNORECASE)


_WHO_COMPARED = re.compile(
    r"\b(who|which paper|which authors?|whose|by whom)\b[^?]*"
    r"\b(compar\w*|evaluat\w*|benchmark\w*|empirical|versus|vs\.?)",
    re.IGNORECASE,
)
_CHUNG = re.compile(r"\bchung\b", re.IGNORECASE)
_WRONG_AUTHORS = re.compile(r"\b(?:cho|hochreiter|schmidhuber|graves)\b", re.IGNORECASE)


def wrong_credit(question: str, answer: str) -> Contradiction | None:
    """An answer to "who introduced the GRU?" that names Chung (or the LSTM's authors)
    before, or instead of, Cho et al.; or one to "who compared GRUs and LSTMs?" that names
    Cho (or the LSTM's authors) before, or instead of, Chung et al."""
    if _WHO_COMPARED.search(question) and not _WHO_INTRODUCED.search(question):
        return _wrong_comparison_credit(answer)
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


def _wrong_comparison_credit(answer: str) -> Contradiction | None:
    for sentence in sentences(answer):
        if _CHUNG.search(sentence):
            return None  # Chung named first: the rest may rightly say Cho introduced it
        if _WRONG_AUTHORS.search(sentence):
            return Contradiction(
                sentence,
                "the 2014 comparison of GRUs and LSTMs is by Chung, Gulcehre, Cho and Bengio "
                "(Chung et al., 2014); Cho et al. (2014) introduced the GRU",
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
_GATES_FACT = (
    "a GRU has two gates, update z and reset r: no forget gate, no input gate and no output gate"
)
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
# How a learner leans on a statement: "is it true that …", "isn't it the case that …",
# "I heard that …", "does a GRU …?", "… right?", "…, doesn't it?"
_HEAD_WORDS = (
    r"(?:(?:is|was|isn'?t|wasn'?t) it (?:not )?(?:true|correct|right|the case|so) that|"
    r"am i (?:right|correct|wrong)(?: in (?:thinking|saying|assuming))?(?: that)?|"
    r"would(?:n'?t)? you (?:say|agree)(?: that)?|can you confirm(?: that)?|"
    r"(?:i|we) (?:have |'ve )?(?:heard|read|think|thought|believe|was told|learned|remember)"
    r"(?: somewhere)?(?: that)?|it'?s true that|correct me if i'?m wrong,? but|"
    r"(?:someone|people|my \w+) (?:told me|said|says|say|claim|claims)(?: that)?)"
)
_AUXILIARY = (
    r"(?:does|do|did|is|are|was|were|has|have|can|could|will|would|should)(?:n'?t)?|"
    r"won'?t|can'?t"
)
_TAG = (
    r"right|correct|true|yes|yeah|yep|no|isn'?t (?:it|that(?: so| right| true)?)|"
    r"is that (?:so|right|true|correct)|am i right|don'?t you think|wouldn'?t you say|"
    r"(?:does|do|did|has|have|was|is|are|were|can|will|would)n'?t (?:it|they|that|he|she)|"
    r"won'?t (?:it|they)|can'?t (?:it|they)"
)
_LEADING = re.compile(
    rf"^\s*(?:(?:so|and|but|ok(?:ay)?|well|now)\b,?\s+)?(?:{_HEAD_WORDS}|(?:{_AUXILIARY})\b)"
    rf"|,?\s*(?:{_TAG})\s*\?\s*$",
    re.IGNORECASE,
)
_YES = re.compile(
    r"^\W*(yes|yeah|yep|correct|true|right|indeed|absolutely|exactly|definitely|certainly|"
    r"of course|that's (?:right|correct|true)|that is (?:right|correct|true)|it is true|"
    r"it's true|you're right|you are right)\b",
    re.I,
)
_NO = re.compile(
    r"^\W*(no|nope|false|incorrect|not really|not quite|not exactly|actually,? no|"
    r"that's (?:wrong|not (?:right|true|correct)|incorrect)|that is (?:wrong|not|incorrect)|"
    r"it's not true|it is not true)\b",
    re.I,
)


# "is it true that", "so", "right?": the asking around a statement
_ASKING_HEAD = re.compile(
    rf"^\s*(?:(?:so|and|but|ok(?:ay)?|well|now)\b,?\s+)?(?:{_HEAD_WORDS})?\s*", re.IGNORECASE
)
_ASKING_TAIL = re.compile(rf",?\s*(?:{_TAG})?\s*\?+\s*$", re.IGNORECASE)
# "does a GRU have X" -> "a GRU has X"; "will a GRU stop X" -> "a GRU will stop X"
_VERBS = (
    "have|use|keep|need|contain|decide|control|stop|prevent|solve|eliminate|remove|fix|avoid|"
    "forget|replace|store|mix|blend|apply|suffer|work|train|run|learn|converge|reset|wipe|"
    "erase|clear|predate|come|require|get|perform|outperform|take|make|combine|merge|copy|"
    "pass|produce|return|output|compute|multiply|scale|matter|depend|help|cause|beat"
)
_DOES = re.compile(
    rf"^(?:does|do|did)(?:n'?t| not)?\s+(.+?)\s+({_VERBS})\b(?![\s_-]*(?:gates?|states?|after)\b)",
    re.I,
)
_BARE_DOES = re.compile(r"^(?:does|do|did)(?:n'?t| not)?\s+", re.I)
# "is the GRU older than the LSTM" -> "the GRU is older than the LSTM"
_SUBJECT = (
    r"(?:(?:an?|the|its|this|that|their|my|your|our)\s+)?(?:[\w.]+'s\s+)?[\w.]+"
    r"(?:\s+(?:gates?|states?|layers?|cells?|units?|networks?|models?|candidate|vectors?|"
    r"functions?|papers?))?"
)
_MODAL = re.compile(
    rf"^(will|would|can|could|should)(?:n'?t| not)?\s+({_SUBJECT}|grus?)\s+(?=\S)", re.I
)
_BE = re.compile(rf"^(is|are|was|were)(?:n'?t| not)?\s+({_SUBJECT})\s+(?=\S)", re.I)
_THIRD_PERSON = {"have": "has"}
# "the LSTM is older than the GRU": a comparison names both, in either order
_COMPARATIVE = re.compile(r"\bthan\b|\bcompared\b|\bvs\.?\b|\bversus\b|\bas\b[^?.]*\bas\b", re.I)
_MODEL_NAME = re.compile(r"\b(?:(an?)\s+)?(gru|lstm)(s?)\b", re.I)
# A negation just before the claim flips it: "is it true that a GRU has no output gate?"
_NEGATION_REACH = 24  # characters
_STATEMENT_NEGATION = re.compile(
    r"\b(no|not|never|without|lacks?|doesn't|does not|don't|do not|isn't|aren't)\b", re.I
)


def _third_person(verb: str) -> str:
    verb = verb.lower()
    if verb in _THIRD_PERSON:
        return _THIRD_PERSON[verb]
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def leading_statement(question: str) -> str:
    """The statement a yes/no question asks about, as a sentence the rules can read."""
    text = _ASKING_TAIL.sub("", _ASKING_HEAD.sub("", question, count=1)).strip()
    does = _DOES.match(text)
    if does:
        verb = does.group(2).lower()
        subject = does.group(1)
        plural = re.search(r"\b(grus|lstms|they|we|you|i)\b", subject, re.I)
        text = f"{subject} {verb if plural else _third_person(verb)}{text[does.end() :]}"
        return text
    if _BARE_DOES.match(text):
        return _BARE_DOES.sub("", text, count=1)
    modal = _MODAL.match(text)
    if modal:
        return f"{modal.group(2)} {modal.group(1).lower()} {text[modal.end() :]}"
    be = _BE.match(text)
    if be:
        return f"{be.group(2)} {be.group(1).lower()} {text[be.end() :]}"
    return text


def swapped_models(statement: str) -> str:
    """The statement with GRU and LSTM swapped ("an LSTM is older than a GRU")."""

    def swap(match: re.Match[str]) -> str:
        article, name, plural = match.group(1), match.group(2), match.group(3)
        other = "lstm" if name.lower() == "gru" else "gru"
        other = other.upper() if name.isupper() else other
        if not article:
            return f"{other}{plural}"
        new_article = "an" if other.lower() == "lstm" else "a"
        new_article = new_article.capitalize() if article[0].isupper() else new_article
        return f"{new_article} {other}{plural}"

    return _MODEL_NAME.sub(swap, statement)


def _asks_about_gru(question: str) -> bool:
    if not _LEADING.search(question) or not topic_is_gru(question):
        return False
    lstm, gru = _LSTM.search(question), _GRU.search(question)
    if lstm and gru and _COMPARATIVE.search(question):
        return True  # "is the LSTM older than the GRU?" is about both
    # "does an LSTM have …", "is it true that LSTMs, unlike GRUs, …"
    return not (lstm and (gru is None or lstm.start() < gru.start()))


def _comparison_claim(statement: str) -> Claim | None:
    """A comparison of the GRU and the LSTM is true when the rules call the swapped one
    false: "an LSTM has more parameters than a GRU" is right because "a GRU has more
    parameters than an LSTM" breaks a rule."""
    if not (_COMPARATIVE.search(statement) and _GRU.search(statement) and _LSTM.search(statement)):
        return None
    rule = _first_broken_rule(swapped_models(statement), pronouns_mean_gru=True)
    if rule is None:
        return None
    return Claim(re.compile(re.escape(statement)), True, rule.fact, rule.note)


def _in_lstm_clause(statement: str, at: int) -> bool:
    """The clause around ``at`` names the LSTM and not the GRU."""
    start = max(statement.rfind(mark, 0, at) for mark in ".?!;") + 1
    ends = [i for i in (statement.find(mark, at) for mark in ".?!;") if i >= 0]
    clause = statement[start : min(ends, default=len(statement))]
    return bool(_LSTM.search(clause)) and not _GRU.search(clause)


# "is z computed from r, or are the gates independent?" asks which, not yes or no
_ALTERNATIVE = re.compile(
    r"\bor\b(?!\s+not\b)(?!\s+(?:am i|is that|is this)\s+(?:wrong|right|mistaken|confused)\b)", re.I
)


def leading_claim(question: str) -> Claim | None:
    """The claim a yes/no question about a GRU asks to confirm, if it is one we know: a
    statement the sentence rules call false is a false claim, one whose GRU/LSTM swap they
    call false a true claim, else one of the named ``CLAIMS``. A question between two
    alternatives ("…, or …?") has none: neither yes nor no answers it."""
    if _ALTERNATIVE.search(question):
        return None
    about_gru = _asks_about_gru(question)
    names_both = bool(_GRU.search(question) and _LSTM.search(question))
    if not about_gru and not (names_both and _LEADING.search(question)):
        # "so the reset gate is the LSTM's forget gate, right?" names only the LSTM, but a
        # rule that holds for any model can still judge it
        rule = _first_broken_rule(leading_statement(question), pronouns_mean_gru=False)
        if _LEADING.search(question) and rule is not None and rule.any_model:
            statement = leading_statement(question)
            return Claim(re.compile(re.escape(statement)), False, rule.fact, rule.note)
        return None
    statement = leading_statement(question)
    rule = _first_broken_rule(statement, pronouns_mean_gru=True)
    if rule is not None:  # the most specific judge: "does the reset gate decide what is kept?"
        return Claim(re.compile(re.escape(statement)), False, rule.fact, rule.note)
    if not about_gru:
        return None  # "is it true that LSTMs, unlike GRUs, have …": only the rules judge it
    comparison = _comparison_claim(statement)
    if comparison is not None:
        return comparison
    for claim in CLAIMS:
        named = claim.pattern.search(statement)
        if named and _in_lstm_clause(statement, named.start()):
            continue  # "does a GRU expose more? the lstm has that output gate": the LSTM's
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
