"""Grounding a question on the verified notes: what the model is sent, and which notes."""

from __future__ import annotations

from gruchat.tutor.notes import default_index, grounded_user_message

NOTES_PER_QUESTION = 2


def ground(question: str) -> tuple[str, list[str]]:
    """The user turn to send (notes + question) and the names of the notes used."""
    notes = default_index().search(question, k=NOTES_PER_QUESTION)
    return grounded_user_message(question, notes), [n.name for n in notes]


def make_grounder():
    """The grounder the REPL, ask and run use; the index is built on first use."""
    return ground
