"""The model and sampling flags shared by chat, ask and run, made from gruchat.options.

``engine_options`` appends these parameters to a command's signature (typer reads the
signature) and hands the command the given ones as a Settings-keyed ``flags`` dict.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from gruchat.options import BY_KEY, OPTIONS, Option

Verbose = Annotated[bool, typer.Option("--verbose", help="Show the engine's own log.")]


def _flag(option: Option) -> Any:
    """The typer annotation of an option's flag: its type or None (not given)."""
    name = option.flag_name
    decls = [f"{name}/--no-{name[2:]}" if option.type is bool else name]
    decls += [option.short] if option.short else []
    extra = {"metavar": option.metavar} if option.metavar else {}
    return Annotated[option.type | None, typer.Option(*decls, help=option.help, **extra)]


def flag_of(key: str) -> Any:
    """One option's flag, for a command that takes it alone (``models --endpoint``)."""
    return _flag(BY_KEY[key])


_KW = inspect.Parameter.KEYWORD_ONLY
SHARED = [
    *(inspect.Parameter(o.key, _KW, default=None, annotation=_flag(o)) for o in OPTIONS if o.flag),
    inspect.Parameter("verbose", _KW, default=False, annotation=Verbose),
]
_NOT_SETTINGS = ("verbose",)  # --debug is every command's (cli_typer)


def settings_flags(values: dict[str, Any]) -> dict[str, Any]:
    """Flag values the user gave (None means not given), keyed like Settings."""
    flags = {k: v for k, v in values.items() if v is not None and k not in _NOT_SETTINGS}
    if "system_prompt_file" in flags:  # a file given beats a configured inline prompt
        flags.setdefault("system_prompt", "")
    return flags


def engine_options(func: Callable[..., int]) -> Callable[..., int]:
    """Give a command the shared flags; it receives ``flags`` and ``verbose`` instead."""
    own = [
        p
        for p in inspect.signature(func, eval_str=True).parameters.values()
        if p.name not in ("flags", "verbose")
    ]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> int:
        shared = {p.name: kwargs.pop(p.name) for p in SHARED}
        return func(flags=settings_flags(shared), verbose=bool(shared["verbose"]), **kwargs)

    wrapper.__signature__ = inspect.Signature(own + SHARED)  # type: ignore[attr-defined]
    return wrapper
