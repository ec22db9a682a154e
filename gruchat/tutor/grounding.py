"""The tutor's grounder: verified notes and computed facts into each question, and a check
of each answer."""

from __future__ import annotations

from gruchat.tutor.compute import Computed
from gruchat.tutor.compute_questions import compute_question
from gruchat.tutor.guard import contradictions
from gruchat.tutor.notes import default_index, get_note, grounded_user_message

NOTES_PER_QUESTION = 2


def with_computed(message: str, computed: Computed) -> str:
    """The grounded message with the computed fact last, next to where the answer starts,
    so the model restates the exact number instead of one from the notes' examples."""
    return f"{message}\n{computed.fact} Use this number."


class NotesGrounder:
    """Implements gruchat.turn.Grounder with BM25 over the notes, the computed answers and
    the guard rules."""

    def __init__(self, notes_per_question: int = NOTES_PER_QUESTION) -> None:
        self.notes_per_question = notes_per_question  # each note costs ~150 prompt tokens

    def ground(self, question: str) -> tuple[str, list[str]]:
        notes = default_index().search(question, k=self.notes_per_question)
        message = grounded_user_message(question, notes)
        computed = self.computed(question)
        if computed is not None:
            message = with_computed(message, computed)
        return message, [n.name for n in notes]

    def computed(self, question: str) -> Computed | None:
        return compute_question(question)

    def note(self, name: str) -> tuple[str, str] | None:
        note = get_note(name)
        return (note.title, note.body) if note else None

    def verify(self, answer: str) -> list[tuple[str, str, str]]:
        return [(c.sentence, c.fact, c.note) for c in contradictions(answer)]


def make_grounder(notes_per_question: int = NOTES_PER_QUESTION) -> NotesGrounder:
    """The grounder the REPL, ask and run use; the index is built on first use."""
    return NotesGrounder(notes_per_question)
