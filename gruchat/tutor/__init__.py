"""GRU teaching material: verified notes, retrieval, formula card, worked step, LaTeX clean-up.

Names are re-exported lazily: importing bm25s costs ~0.2 s, which the card or the
LaTeX filter alone should not pay at start-up.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Note": "notes",
    "NoteIndex": "notes",
    "default_index": "notes",
    "get_note": "notes",
    "grounded_user_message": "notes",
    "load_notes": "notes",
    "latex_to_unicode": "latex",
    "render_card": "card",
    "gru_step": "step",
    "render_step": "step",
    "run_sequence": "step",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
