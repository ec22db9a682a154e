r"""Evaluating one ``\expect`` against what the line before produced: a Turn or a Reply.

A prompt gives a Turn (the model's own text is checked, before any display clean-up); a
command gives its Reply, or the Turn it asked for (``\retry``). A check that cannot apply
(no answer, a token count on a command) fails whether or not it is negated.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from rich.console import Console

from gruchat.command_table import NOTE, Reply
from gruchat.script.parser import Expectation
from gruchat.session import Turn

Subject = Turn | Reply | None
EXCERPT = 80
REGEX_TIMEOUT = 1.0  # seconds one \expect regex may search before it fails
_FLAGS = (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL))


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    message: str = ""  # why it failed; empty when it passed
    excerpt: str = ""  # a short view of what was checked


class NotApplicable(Exception):
    """The check has nothing to look at (it fails, negated or not)."""


def reply_text(reply: Reply) -> str:
    """A command's reply as plain text: a note's title and body; a card (\\gru) rendered."""
    if reply.text is None:
        return ""
    if reply.kind == NOTE:
        return f"{reply.title}\n{reply.text}"
    if isinstance(reply.text, str):
        return reply.text
    sink = io.StringIO()
    Console(file=sink, width=100, no_color=True, color_system=None, emoji=False).print(reply.text)
    return sink.getvalue()


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """One line of at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def subject_text(subject: Subject, target: str = "answer") -> str:
    if isinstance(subject, Turn):
        if target == "shown":  # what the user sees: computed block, verified note, answer
            return "\n".join(t for t in (subject.computed, subject.note, subject.answer) if t)
        return subject.reasoning if target == "reasoning" else subject.answer
    if isinstance(subject, Reply):
        if target == "reasoning":
            raise NotApplicable("no reasoning to check: the line before did not ask the model")
        return reply_text(subject)
    raise NotApplicable("nothing to check: the line before gave no answer")


def evaluate(check: Expectation, subject: Subject) -> CheckResult:
    """Pass or fail, with a message that says what was expected and what came back."""
    try:
        holds, actual, shown = _holds(check, subject)
    except NotApplicable as exc:
        return CheckResult(False, str(exc), "")
    if holds != check.negate:
        return CheckResult(True, "", shown)
    negation = "not " if check.negate else ""
    what = "command" if check.kind == "error" else check.target
    return CheckResult(False, f"expected the {what} {negation}to {_phrase(check)}; {actual}", shown)


def _holds(check: Expectation, subject: Subject) -> tuple[bool, str, str]:
    """(whether the plain check holds, what came back in words, an excerpt)."""
    if check.kind == "error":
        return _refused(check, subject)
    if check.kind in ("finish", "max-tokens"):
        if not isinstance(subject, Turn):
            raise NotApplicable(f"{check.kind}: the line before did not ask the model")
        shown = excerpt(subject.answer)
        if check.kind == "finish":
            return (
                subject.finish_reason == check.value,
                f"it finished: {subject.finish_reason}",
                shown,
            )
        if subject.usage is None:
            raise NotApplicable("max-tokens: no token count (the answer did not finish)")
        used = subject.usage.completion_tokens
        return used <= int(check.value), f"it used {used} tokens", shown
    text = subject_text(subject, check.target)
    shown = excerpt(text)
    got = f'got "{shown}"' if text.strip() else "it was empty"
    value = str(check.value)
    if check.kind == "contains":
        return value in text, got, shown
    if check.kind == "icontains":
        return value.casefold() in text.casefold(), got, shown
    if check.kind == "equals":
        return text.strip() == value, got, shown
    if check.kind == "starts-with":
        return text.lstrip().startswith(value), got, shown
    if check.kind == "regex" and check.pattern is not None:
        try:
            return check.pattern.search(text, timeout=REGEX_TIMEOUT) is not None, got, shown
        except TimeoutError:
            raise NotApplicable(
                f"regex /{value}/ took longer than {REGEX_TIMEOUT:g} s on the answer and was "
                "stopped; simplify the pattern (nested repeats like (a|aa)+ backtrack)"
            ) from None
    raise NotApplicable(f"unknown check {check.kind!r}")


def _refused(check: Expectation, subject: Subject) -> tuple[bool, str, str]:
    if isinstance(subject, Reply) and subject.error:
        message = reply_text(subject)
        return str(check.value) in message, f'it was refused with "{message}"', excerpt(message)
    if isinstance(subject, Reply):
        text = excerpt(reply_text(subject))
        return False, f'it was accepted: "{text}"' if text else "it was accepted", text
    if isinstance(subject, Turn):
        return False, "it asked the model (accepted)", excerpt(subject.answer)
    raise NotApplicable("nothing to check: the line before gave no reply")


def _phrase(check: Expectation) -> str:
    value = check.value
    if check.kind == "regex" and check.pattern is not None:
        flags = "".join(f for f, bit in _FLAGS if check.pattern.flags & bit)
        return f"match /{value}/{flags}"
    return {
        "contains": f'contain "{value}"',
        "icontains": f'contain "{value}" (any case)',
        "equals": f'equal "{value}"',
        "starts-with": f'start with "{value}"',
        "finish": f"finish with {value}",
        "max-tokens": f"use at most {value} tokens",
        "error": f'be refused with a message containing "{value}"',
    }.get(check.kind, check.kind)
