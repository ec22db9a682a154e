r"""The REPL commands that set a sampling option (``\topk 5``), made from its declaration.

Each is a plain ``Command`` for the table: name, summary, usage and ollama's alias come
from ``gruchat.options``; the handler parses with the option's own parser, so a refusal
is the same line the flag, config file and pragma give, and changes nothing.
"""

from __future__ import annotations

import functools
from typing import Any

from gruchat.command_table import Command, Reply, refusal
from gruchat.options import OPTIONS, Option, shown


def set_option(ctx: Any, arg: str, *, option: Option, label: str = "") -> Reply:
    """Parse ``arg`` for a sampling option and set it; ``Label set to VALUE.`` or the refusal."""
    try:
        if option.below_context:
            context = ctx.engine.info.context_length if ctx.engine else None
            value = option.parse(arg, context)
        else:
            value = option.parse(arg)
    except ValueError as exc:
        return refusal(str(exc))
    ctx.session.set_sampling(**{option.key: value})
    return Reply(f"{label or option.label.capitalize()} set to {shown(value)}.")


def option_commands() -> list[Command]:
    """One command per sampling option whose command is not written by hand."""
    return [
        Command(
            name=option.command,
            handler=functools.partial(set_option, option=option),
            summary=option.summary,
            usage=option.usage,
            arg="required",
            aliases=option.aliases,
        )
        for option in OPTIONS
        if option.sampling and option.command and not option.handwritten
    ]
