"""The tutor's grounder: verified notes into each question, and a check of each answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gruchat.tutor.guard import contradictions
from gruchat.tutor.notes import (
    default_index,
    follow_up_of,
    get_note,
    grounded_user_message,
)

NOTES_PER_QUESTION = 2


class NotesGrounder:
    """Implements gruchat.turn.Grounder with BM25 over the notes and the guard rules.

    It holds no conversation state: a follow-up ("and the other gate?", "why?") is
    resolved from the earlier questions the session passes in.
    """

    def __init__(self, notes_per_question: int = NOTES_PER_QUESTION) -> None:
        self.notes_per_question = notes_per_question  # each note costs ~150 prompt tokens

    def ground(self, question: str, previous: Sequence[str] = ()) -> tuple[str, list[str]]:
        follows = follow_up_of(question, previous)
        query = f"{question} {follows}" if follows else question
        notes = default_index().search(query, k=self.notes_per_question)
        return grounded_user_message(question, notes, follows), [n.name for n in notes]

    def note(self, name: str) -> tuple[str, str] | None:
        note = get_note(name)
        return (note.title, note.body) if note else None

    def verify(
        self,
        answer: str,
        question: str = "",
        known_numbers: Mapping[str, float] | None = None,
    ) -> list[tuple[str, str, str]]:
        found = contradictions(answer, question=question, known_numbers=known_numbers)
        return [(c.sentence, c.fact, c.note) for c in found]


def make_grounder(notes_per_question: int = NOTES_PER_QUESTION) -> NotesGrounder:
    """The grounder the REPL, ask and run use; the index is built on first use."""
    return NotesGrounder(notes_per_question)
