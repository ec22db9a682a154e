r"""The quiz's scoring rules, in one place: bench/quiz.py and tests/test_quiz_files.py use them.

A quiz file (prompts/quiz/*.gru) is an ordinary prompt file; its checks are the only source
of what is right and wrong. Each question is scored three ways:

- **user sees**: every positive check holds on what is on screen (the verified note, any
  computed block, the answer, the guard's corrections; on all of it or on one block, so
  ``\A`` can mean the start of the answer) and every ``not`` check holds on the
  answer with the guard's flagged sentences taken out (a flagged sentence is shown marked
  as wrong, next to the right fact, so it does not mislead);
- **own words**: every check holds on the model's answer alone;
- **unmarked contradiction**: a ``not`` check fails on a sentence the guard did not flag.

``# category: NAME`` comments label the questions after them; ``\clear`` starts a new
conversation, so a question with no ``\clear`` before it is a follow-up.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gruchat.script.checks import evaluate
from gruchat.script.parser import Expectation, Script, load
from gruchat.session import Turn

CATEGORIES = (
    "gates",
    "equations",
    "conventions",
    "parameters",
    "api",
    "history",
    "training",
    "gru-vs-lstm",
    "misconceptions",
)
_CATEGORY = re.compile(r"^\s*#\s*category\s*:\s*(\S+)\s*$")


@dataclass(frozen=True)
class Question:
    """One prompt of a quiz file with its checks, its category and its place in a chat."""

    text: str
    line: int
    category: str
    follow_up: bool
    checks: tuple[Expectation, ...]

    @property
    def facts(self) -> tuple[Expectation, ...]:
        """Checks that the right fact is there."""
        return tuple(check for check in self.checks if not check.negate)

    @property
    def wrong_claims(self) -> tuple[Expectation, ...]:
        """Checks that a known wrong claim is not there."""
        return tuple(check for check in self.checks if check.negate)


@dataclass(frozen=True)
class Answer:
    """What came back for one question, as ``Turn.as_dict`` (a saved transcript) has it."""

    answer: str
    note: str = ""
    computed: tuple[str, ...] = ()
    flags: tuple[tuple[str, str], ...] = ()  # (flagged sentence, the correct fact)

    @classmethod
    def from_turn(cls, turn: Mapping[str, Any]) -> Answer:
        computed = turn.get("computed") or ()
        if isinstance(computed, str):
            computed = (computed,)
        return cls(
            answer=str(turn.get("answer") or ""),
            note=str(turn.get("note") or ""),
            computed=tuple(str(block) for block in computed),
            flags=tuple(_flag(item) for item in turn.get("flags") or ()),
        )

    @property
    def marked(self) -> str:
        """The answer with every flagged sentence taken out."""
        text = self.answer
        for sentence, _fact in self.flags:
            if sentence:
                text = text.replace(sentence, " ")
        return text

    @property
    def shown(self) -> str:
        """Everything on screen: note, computed blocks, the answer, the guard's facts."""
        parts = [self.note, *self.computed, self.answer, *(fact for _, fact in self.flags)]
        return "\n".join(part for part in parts if part)


def _flag(item: Any) -> tuple[str, str]:
    """A flag as ``turn.flags`` holds it ("SENTENCE -> FACT"), a mapping or a pair."""
    if isinstance(item, Mapping):
        return str(item.get("sentence", "")), str(item.get("fact", ""))
    if isinstance(item, list | tuple) and len(item) == 2:
        return str(item[0]), str(item[1])
    sentence, arrow, fact = str(item).rpartition(" -> ")
    return (sentence, fact) if arrow else (str(item), "")


@dataclass(frozen=True)
class Score:
    user_sees: bool
    own_words: bool
    unmarked: bool  # a wrong claim the guard did not flag
    failed: tuple[str, ...] = ()  # "line N" of each check that failed for what the user sees


@dataclass(frozen=True)
class Tally:
    questions: int
    user_sees: int
    own_words: int
    unmarked: int


def holds(check: Expectation, text: str) -> bool:
    """One check on one text (its own target in the file is ignored: the view decides)."""
    plain = dataclasses.replace(check, target="answer")
    return evaluate(plain, Turn(prompt="", answer=text)).passed


def on_screen(check: Expectation, answer: Answer) -> bool:
    """A fact check holds on the screen as a whole or on one block of it: the note, a
    computed block, the answer or a correction each start where they are drawn, so "\\A"
    in a check means the start of the answer too, not only the start of the note."""
    blocks = [answer.shown, answer.note, *answer.computed, answer.answer]
    blocks += [fact for _, fact in answer.flags]
    return any(holds(check, block) for block in blocks if block)


def score(question: Question, answer: Answer | None) -> Score:
    """The three scores of one question; no answer is wrong on both counts."""
    if answer is None:
        return Score(False, False, False, ("no answer",))
    failed = [f"line {c.line}" for c in question.facts if not on_screen(c, answer)]
    unmarked = [f"line {c.line}" for c in question.wrong_claims if not holds(c, answer.marked)]
    own_words = all(holds(check, answer.answer) for check in question.checks)
    return Score(not failed and not unmarked, own_words, bool(unmarked), (*failed, *unmarked))


def tally(scores: Iterable[Score]) -> Tally:
    items = list(scores)
    return Tally(
        questions=len(items),
        user_sees=sum(s.user_sees for s in items),
        own_words=sum(s.own_words for s in items),
        unmarked=sum(s.unmarked for s in items),
    )


def table(title: str, counts: Tally) -> str:
    """The lines bench/quiz.py prints for one set."""
    n = counts.questions

    def share(k: int) -> str:
        return f"{k}/{n} ({100 * k / n:.0f}%)" if n else "0/0"

    return "\n".join(
        [
            title,
            f"  what the user sees is right     {share(counts.user_sees)}",
            f"  the model's own words are right {share(counts.own_words)}",
            f"  unmarked contradictions         {counts.unmarked}",
        ]
    )


def questions(script: Script, text: str) -> list[Question]:
    """The prompts of a parsed quiz file, with categories read from its ``text``."""
    labels = _categories(text)
    found: list[Question] = []
    in_chat = False
    for step in script.steps:
        if step.kind == "command":
            if step.text.strip()[1:].split(" ", 1)[0] == "clear":
                in_chat = False
            continue
        category = next((name for line, name in reversed(labels) if line < step.line), "")
        found.append(Question(step.text, step.line, category, in_chat, tuple(step.checks)))
        in_chat = True
    return found


def load_quiz(path: Path) -> list[Question]:
    """Parse a quiz file with gruchat's own parser (UsageError on a bad file)."""
    return questions(load(path), path.read_text(encoding="utf-8"))


def _categories(text: str) -> list[tuple[int, str]]:
    labels = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _CATEGORY.match(line)
        if match:
            labels.append((number, match.group(1)))
    return labels


def pair(found: Sequence[Question], turns: Sequence[Mapping[str, Any]]) -> list[Answer | None]:
    """Match saved turns to questions by their prompt text, in order."""
    answers: list[Answer | None] = []
    position = 0
    for question in found:
        answer = None
        for index in range(position, len(turns)):
            if str(turns[index].get("prompt", "")).strip() == question.text.strip():
                answer, position = Answer.from_turn(turns[index]), index + 1
                break
        answers.append(answer)
    return answers
