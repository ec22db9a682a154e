"""The tutor's grounder: verified notes into each question, and a check of each answer."""

from __future__ import annotations

from gruchat.engine.base import Sampling
from gruchat.tutor.depth import (
    depth_enabled,
    depth_notes,
    depth_sampling,
    depth_user_message,
    is_depth_request,
)
from gruchat.tutor.guard import contradictions
from gruchat.tutor.notes import default_index, get_note, grounded_user_message

NOTES_PER_QUESTION = 2


class NotesGrounder:
    """Implements gruchat.turn.Grounder with BM25 over the notes and the guard rules."""

    def __init__(self, notes_per_question: int = NOTES_PER_QUESTION, depth: bool = True) -> None:
        self.notes_per_question = notes_per_question  # each note costs ~150 prompt tokens
        self.depth = depth  # long structured answers when asked (off for models that fail)

    def ground(self, question: str) -> tuple[str, list[str]]:
        notes = default_index().search(question, k=self.notes_per_question)
        if self._is_depth(question):  # "explain GRUs to me": more notes, sections
            notes = depth_notes(notes, default_index().notes)
            return depth_user_message(question, notes), [n.name for n in notes]
        return grounded_user_message(question, notes), [n.name for n in notes]

    def sampling_for(self, question: str, sampling: Sampling) -> Sampling:
        return depth_sampling(sampling) if self._is_depth(question) else sampling

    def _is_depth(self, question: str) -> bool:
        return self.depth and is_depth_request(question)

    def note(self, name: str) -> tuple[str, str] | None:
        note = get_note(name)
        return (note.title, note.body) if note else None

    def verify(self, answer: str) -> list[tuple[str, str, str]]:
        return [(c.sentence, c.fact, c.note) for c in contradictions(answer)]


def make_grounder(notes_per_question: int = NOTES_PER_QUESTION, model: str = "") -> NotesGrounder:
    """The grounder the REPL, ask and run use; the index is built on first use.

    ``model`` (the model file) decides whether long structured answers are offered."""
    return NotesGrounder(notes_per_question, depth=depth_enabled(model))
