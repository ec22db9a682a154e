"""Backends by name, and the engines this process opened (closed once, on the way out).

A backend is a factory ``(settings, console, verbose) -> Engine``: it resolves and checks
its own model, says on ``console`` (stderr) what it does, and returns a ready engine.
Built-in backends are named by "module:function" so that choosing one imports only it
(``gruchat --help`` never imports mistralrs); tests and plug-ins may ``register`` more.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from rich.console import Console

from gruchat.config import Settings
from gruchat.engine.base import Engine
from gruchat.errors import UsageError

Factory = Callable[[Settings, Console, bool], Engine]

DEFAULT = "local"
_BUILTIN: dict[str, str] = {
    "local": "gruchat.engine.local:open_local",
    "openai": "gruchat.engine.remote:open_remote",
}
_registered: dict[str, Factory] = {}
_opened: list[Engine] = []


def register(name: str, factory: Factory) -> None:
    """Add (or replace) a backend under ``name``."""
    _registered[name] = factory


def unregister(name: str) -> None:
    """Remove a backend added with ``register`` (built-in ones stay)."""
    _registered.pop(name, None)


def names() -> list[str]:
    """Every backend that can be chosen, built-in first."""
    return [*_BUILTIN, *(name for name in _registered if name not in _BUILTIN)]


def factory(name: str) -> Factory:
    """The factory of backend ``name``; a UsageError naming the choices when there is none."""
    if name in _registered:
        return _registered[name]
    target = _BUILTIN.get(name)
    if target is None:
        raise UsageError(f"unknown backend {name!r}; choose one of: {', '.join(names())}")
    module, _, function = target.partition(":")
    found: Factory = getattr(importlib.import_module(module), function)
    return found


def chosen(settings: Settings) -> str:
    """The backend the settings ask for: "openai" when an endpoint is set, else the local one."""
    return "openai" if settings.endpoint else DEFAULT


def open_backend(name: str, settings: Settings, console: Console, verbose: bool = False) -> Engine:
    """Open backend ``name`` and remember the engine, so ``close_all`` can release it."""
    engine = factory(name)(settings, console, verbose)
    _opened.append(engine)
    return engine


def close_all() -> bool:
    """Close every engine opened here (newest first); True when all say a normal
    interpreter shutdown is safe, False when the process must leave with ``os._exit``."""
    safe = True
    while _opened:
        engine = _opened.pop()
        try:
            safe = engine.close() and safe
        except Exception:  # a failing close must not hide the exit status
            safe = False
    return safe
