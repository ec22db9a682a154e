"""The tutor's grounder: verified notes and computed facts into each question, and a check
of each answer."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from gruchat.engine.base import Sampling
from gruchat.tutor.compute import Computed
from gruchat.tutor.compute_questions import compute_question
from gruchat.tutor.depth import (
    depth_enabled,
    depth_notes,
    depth_sampling,
    depth_user_message,
    is_depth_request,
)
from gruchat.tutor.follow_up_values import with_new_values
from gruchat.tutor.guard import contradictions
from gruchat.tutor.guard_questions import Claim, leading_claim, leading_statement
from gruchat.tutor.note_lines import listed, related_lines
from gruchat.tutor.notes import (
    default_index,
    follow_up_of,
    follow_up_query,
    get_note,
    grounded_user_message,
)

NOTES_PER_QUESTION = 2


def with_computed(message: str, computed: Computed) -> str:
    """The grounded message with the computed fact last, next to where the answer starts,
    so the model restates the exact number instead of one from the notes' examples."""
    return f"{message}\n{computed.fact} Use this number."


_NEGATED = re.compile(r"\b(?:not|no|never|cannot|without)\b|n[’']t\b", re.IGNORECASE)


def with_premise(message: str, statement: str, claim: Claim) -> str:
    """The grounded message with the guard's verdict on a leading question's premise, last.

    The 1.5B model answers "Yes, …" to almost any "…, right?" (sycophancy); told how to
    begin and the fact before it answers, it can start from the fact instead of being
    flagged after it. A negated statement ("GRUs can't be stacked, can they?") gets the
    verdict without a yes or no, which would be ambiguous there. Measured on the tuning
    half's 23 such questions (bench/results/premise-s8.txt): quoting the statement back
    ("Checked: "a GRU has an output gate" is false") was copied into answers.

    A claim the guard cannot judge gets no line (session 17): 'Tell the learner whether
    they are right, using the notes (such questions often hold a misconception); do not
    begin with "Yes".' raised qwen2.5-coder-1.5b's own words from 21 to 27 of 59 such
    tuning questions, but on the tenth held-out edition's 15 it cut the "Yes, <claim>"
    answers the echo check marks (18 → 8 answers beginning "Yes") and the wrong claims
    came back unmarked instead: 5 → 8 unmarked contradictions."""
    fact = f"{claim.fact[:1].upper()}{claim.fact[1:]}"
    if _NEGATED.search(statement):
        verdict = "right" if claim.true else "mistaken"
        return f"{message}\nThe learner is {verdict}: {fact}."
    start = "Yes" if claim.true else "No"
    return f'{message}\nBegin with "{start}," then say: {fact}.'


class NotesGrounder:
    """Implements gruchat.turn_runner.Grounder with BM25 over the notes, the computed answers and
    the guard rules.

    It holds no conversation state: a follow-up ("and the other gate?", "why?") is
    resolved from the earlier questions the session passes in. It remembers only the
    follow-up it grounded last, so that ``computed`` and ``verify`` of that same question
    can read it with its earlier question ("and if I make it bidirectional?").
    """

    def __init__(self, notes_per_question: int = NOTES_PER_QUESTION, depth: bool = True) -> None:
        self.notes_per_question = notes_per_question  # each note costs ~150 prompt tokens
        self.depth = depth  # long structured answers when asked (off for models that fail)
        self._last_follow_up = ("", "")  # (follow-up, the earlier question it leans on)

    def ground(
        self, question: str, previous: Sequence[str] = (), context: Sequence[str] = ()
    ) -> tuple[str, list[str]]:
        follows = follow_up_of(question, previous)
        self._last_follow_up = (question, follows)
        query = follow_up_query(question, follows) if follows else question
        notes = default_index().search(query, k=self.notes_per_question)
        if self._is_depth(question):  # "explain GRUs to me": more notes, sections
            notes = depth_notes(notes, default_index().notes)
            return depth_user_message(question, notes), [n.name for n in notes]
        # A note an earlier message of the history carries is not sent again: each gist
        # costs ~50 prompt tokens, the wait before the first word (issue 16.1).
        fresh = [n for n in notes if not any(n.gist in text for text in context)]
        message = grounded_user_message(question, fresh, follows, recalled=fresh != notes)
        computed = self.computed(question)
        if computed is not None:
            message = with_computed(message, computed)
        claim = leading_claim(question)
        if claim is not None:
            message = with_premise(message, leading_statement(question), claim)
        return message, [n.name for n in notes]

    def computed(self, question: str) -> Computed | None:
        """The computed answer to ``question``, or to the earlier question it follows up
        with its change ("And if I make it bidirectional?" after an nn.GRU(10, 20) count);
        a size the follow-up gives anew replaces the earlier one ("and with hidden size
        64?"), and anything else the two say differently makes it unclear."""
        try:
            found = compute_question(question)
            follow_up, earlier = self._last_follow_up
            if found is None and earlier and follow_up == question:
                found = compute_question(f"{earlier} {question}")
                if found is None and (changed := with_new_values(earlier, question)) is not None:
                    found = compute_question(changed)  # "and with hidden size 64 instead?"
        except (ArithmeticError, ValueError):  # numbers no formula takes ("ln 0" once raised):
            return None  # the answer goes on without a computed block
        return found

    def related(self, question: str, top: str) -> str:
        """The lines of the next-best notes that fit ``question``, to show under the top
        note (gruchat.tutor.note_lines); "" for none, and for a request for depth, whose
        answer draws on several notes already."""
        if self._is_depth(question):
            return ""
        follow_up, earlier = self._last_follow_up
        query = question
        if earlier and follow_up == question:
            query = follow_up_query(question, earlier)
        return listed(related_lines(query, top))

    def sampling_for(self, question: str, sampling: Sampling) -> Sampling:
        return depth_sampling(sampling) if self._is_depth(question) else sampling

    def _is_depth(self, question: str) -> bool:
        return self.depth and is_depth_request(question)

    def note(self, name: str) -> tuple[str, str] | None:
        note = get_note(name)
        return (note.title, note.body) if note else None

    def verify(
        self,
        answer: str,
        question: str = "",
        known_numbers: Mapping[str, float | tuple[float, ...]] | None = None,
    ) -> list[tuple[str, str, str]]:
        """The answer's sentences that contradict the notes, or a number or shape gruchat
        computed for this question (a parameter count the model restated wrongly)."""
        computed = self.computed(question) if question else None
        known_shapes = (computed.known_shapes or None) if computed is not None else None
        if known_numbers is None and computed is not None and computed.known_counts:
            known_numbers = {"parameters": computed.known_counts}
        found = contradictions(
            answer, question=question, known_numbers=known_numbers, known_shapes=known_shapes
        )
        return [(c.sentence, c.fact, c.note) for c in found]


def make_grounder(notes_per_question: int = NOTES_PER_QUESTION, model: str = "") -> NotesGrounder:
    """The grounder the REPL, ask and run use; the index is built on first use.

    ``model`` (the model file) decides whether long structured answers are offered."""
    return NotesGrounder(notes_per_question, depth=depth_enabled(model))
