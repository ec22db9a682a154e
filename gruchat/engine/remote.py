"""The "openai" backend: an OpenAI-compatible server at ``endpoint`` (HTTP in openai_compat).

The factory reads the settings (URL, the key's variable, timeouts), connects, picks the
model (``--model`` when the user named one, else the server's first) and says so.
"""

from __future__ import annotations

from rich.console import Console

from gruchat.config import Settings
from gruchat.engine.base import Engine
from gruchat.safe_text import literal


def remote_endpoint(settings: Settings):
    """The configured server (gruchat/engine/openai_compat.py), its key read from the env."""
    from gruchat.engine.openai_compat import endpoint_from

    return endpoint_from(
        settings.endpoint, settings.api_key_env, settings.connect_timeout, settings.idle_timeout
    )


def open_remote(settings: Settings, console: Console, verbose: bool = False) -> Engine:
    """Connect to --endpoint: the model is the server's id (``--model``, else its first)."""
    from gruchat.engine.openai_compat import connect

    endpoint = remote_endpoint(settings)
    wanted = None if settings.sources.get("model", "default") == "default" else settings.model
    with console.status(literal(f"Connecting to {endpoint.url} …"), spinner="dots"):
        engine = connect(endpoint, wanted)
    info = engine.info
    console.print(
        literal(f"Connected to {info.model} on {info.engine or 'a server'} at {endpoint.url}"),
        style="dim",
    )
    return engine
