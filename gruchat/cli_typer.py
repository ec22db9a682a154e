"""The Typer app class gruchat's commands hang on: every command accepts ``--debug``
(declared here once), and ``--help`` shows value types only where a value is typed
(no ``<bool>`` after a flag, no ``<list[Path]>`` after an argument)."""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin

import typer
from typer.core import TyperGroup

Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]
DEBUG = inspect.Parameter("debug", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Debug)


def with_debug(func: Callable[..., Any], on_debug: Callable[[], None]) -> Callable[..., Any]:
    """``func`` with a ``--debug`` flag added to its signature; given, ``on_debug`` runs
    before the command does."""

    @functools.wraps(func)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
        if debug:
            on_debug()
        return func(*args, **kwargs)

    params = list(inspect.signature(func, eval_str=True).parameters.values())
    wrapper.__signature__ = inspect.Signature([*params, DEBUG])  # type: ignore[attr-defined]
    return wrapper


class GruchatTyper(typer.Typer):
    """A Typer whose every command gets ``--debug``; ``on_debug`` records it."""

    def __init__(self, *, on_debug: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(cls=TidyHelpGroup, **kwargs)
        self._on_debug = on_debug

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        register = super().command(*args, **kwargs)
        return lambda func: register(with_debug(func, self._on_debug))


def _element_type(annotation: Any) -> str:
    """``list[Path]`` -> ``path``: the name column already says ``files...``."""
    inner = [arg for arg in get_args(annotation) if arg is not type(None)]
    if get_origin(annotation) is not None and inner:
        return _element_type(inner[0])
    return getattr(annotation, "__name__", str(annotation)).lower()


def tidy_help(param: Any) -> None:
    """No type after a flag (it takes no value); a list argument shows its element type."""
    if getattr(param, "is_flag", False) and param.metavar is None:
        param.metavar = ""
    descriptor = getattr(param, "type_descriptor", None)
    if getattr(param, "param_type_name", "") == "argument" and getattr(
        descriptor, "is_list", False
    ):
        label = f"<{_element_type(descriptor.annotation)}>"
        param.display_type_rich = types.MethodType(lambda self, ctx: label, param)


class TidyHelpGroup(TyperGroup):
    """The root group: tidies the help of itself and of each command as click finds it."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            tidy_help(param)
        return params

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            for param in command.get_params(ctx):
                tidy_help(param)
        return command
