"""GRU teaching material: verified notes, retrieval, formula card and a worked step.

Kept apart from the engine so the tutor content can be tested without a model.
"""

from gruchat.tutor.notes import Note, NoteIndex, get_note, grounded_user_message, load_notes

__all__ = ["Note", "NoteIndex", "get_note", "grounded_user_message", "load_notes"]
