"""Wiring shared by chat, ask and run: settings -> model -> loaded engine, session, grounder."""

from __future__ import annotations

from rich.console import Console

from gruchat import models
from gruchat.config import Settings, system_prompt_text
from gruchat.display_state import DisplayState
from gruchat.engine import registry
from gruchat.engine.base import Engine, Sampling
from gruchat.engine.local import ensure_model
from gruchat.errors import ModelError
from gruchat.options import sampling_of
from gruchat.session import Session


def sampling_from(settings: Settings) -> Sampling:
    return sampling_of(settings)


def new_session(settings: Settings) -> Session:
    return Session.start(
        system_prompt_text(settings),
        sampling_from(settings),
        grounding=settings.grounding,
        on_contradiction=settings.on_contradiction,
        history_tokens=settings.history_tokens,
    )


def display_state(settings: Settings) -> DisplayState:
    """How the chat starts out shown (\\reasoning changes it; never saved)."""
    return DisplayState(reasoning_mode=settings.reasoning, show_stats=settings.stats)


def open_engine(settings: Settings, console: Console, verbose: bool = False) -> Engine:
    """Open the configured backend (an ``endpoint`` is the remote one, else in-process),
    telling the user on ``console`` (stderr) what happens."""
    system_prompt_text(settings)  # a bad --system-file is a usage error before any loading
    return registry.open_backend(registry.chosen(settings), settings, console, verbose)


__all__ = [
    "ModelError",
    "display_state",
    "ensure_model",
    "new_session",
    "open_engine",
    "sampling_from",
]


def grounder_for(settings: Settings):
    """The note retriever used to ground questions, built once."""
    from gruchat.tutor.grounding import make_grounder  # bm25s: loaded only when grounding

    return make_grounder(settings.grounding_notes, model=_model_file(settings.model))


def _model_file(spec: str) -> str:
    """The model's file name, for what was measured on it; "" when it cannot be told."""
    try:
        ref = models.resolve(spec)
    except ModelError:
        return ""
    return ref.path.name if ref.path else ref.file or ""
