"""Wiring shared by chat, ask and run: settings -> model -> loaded engine, session, grounder."""

from __future__ import annotations

from rich.console import Console

from gruchat import models
from gruchat.config import Settings, system_prompt_text
from gruchat.engine import registry
from gruchat.engine.base import Engine, Sampling
from gruchat.engine.local import ensure_model
from gruchat.errors import ModelError
from gruchat.session import Session


def sampling_from(settings: Settings) -> Sampling:
    return Sampling(
        temperature=settings.temperature,
        top_k=settings.top_k,
        top_p=settings.top_p,
        max_tokens=settings.max_tokens,
        think=settings.think,
    )


def new_session(settings: Settings) -> Session:
    return Session.start(
        system_prompt_text(settings),
        sampling_from(settings),
        reasoning_mode=settings.reasoning,
        grounding=settings.grounding,
        on_contradiction=settings.on_contradiction,
        show_stats=settings.stats,
    )


def open_engine(settings: Settings, console: Console, verbose: bool = False) -> Engine:
    """Open the configured backend (``settings.backend``, "local" until a setting names
    another), telling the user on ``console`` (stderr) what happens."""
    system_prompt_text(settings)  # a bad --system-file is a usage error before any loading
    backend = getattr(settings, "backend", registry.DEFAULT)
    return registry.open_backend(backend, settings, console, verbose)


__all__ = ["ModelError", "ensure_model", "new_session", "open_engine", "sampling_from"]


def grounder_for(settings: Settings):
    """The note retriever used to ground questions, built once (None if notes are missing)."""
    try:
        from gruchat.tutor.grounding import make_grounder
    except ImportError:
        return None
    return make_grounder(settings.grounding_notes, model=_model_file(settings.model))


def _model_file(spec: str) -> str:
    """The model's file name, for what was measured on it; "" when it cannot be told."""
    try:
        ref = models.resolve(spec)
    except ModelError:
        return ""
    return ref.path.name if ref.path else ref.file or ""
