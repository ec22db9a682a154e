"""The REPL's commands, each declared once in the command table next to its handler.

Handlers validate first and change state only when the value is accepted, so a refused
command leaves the session exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gruchat import params, transcript
from gruchat.commands import TABLE, Reply, help_text
from gruchat.engine.base import Engine
from gruchat.info_view import info_lines
from gruchat.render import format_stats
from gruchat.session import Session


@dataclass
class ShellContext:
    """What a command may touch: the session, the engine's info, and the scope it runs in."""

    session: Session
    engine: Engine | None = None
    scope: str = "repl"  # "repl" or "script"
    own_files: set[str] = field(default_factory=set)  # transcripts saved or loaded here
    log: Any = None  # the TurnLog when exchanges are logged (\history names the conversation)


def _error(text: str) -> Reply:
    return Reply(text=text, error=True)


def _set(ctx: ShellContext, parser: Any, arg: str, key: str, label: str) -> Reply:
    try:
        value = parser(arg)
    except ValueError as exc:
        return _error(str(exc))
    ctx.session.set_sampling(**{key: value})
    shown = ("on" if value else "off") if isinstance(value, bool) else value
    return Reply(f"{label} set to {shown}.")


@TABLE.register("help", "Display this message.", aliases=("h", "?"))
def _help(ctx: ShellContext, arg: str) -> Reply:
    return Reply(help_text(scope=ctx.scope))


@TABLE.register("exit", "Quit interactive mode.", aliases=("quit", "q", "/bye"), suggest=False)
def _exit(ctx: ShellContext, arg: str) -> Reply:
    return Reply(action="exit")


SYSTEM_WORDS = ("default", "none")  # \system default | none: not taken as the prompt's text


@TABLE.register(
    "system",
    "Set the system message without running the model; with no text, show it; "
    "`default` puts the starting one back, `none` sends none.",
    usage="<system message here>|default|none",
    arg="optional",
    aliases=("/set system",),
    complete=lambda: list(SYSTEM_WORDS),
    example="\\system Always respond as a pirate.",
)
def _system(ctx: ShellContext, arg: str) -> Reply:
    session = ctx.session
    if not arg:
        current = session.system_prompt or "(none)"
        return Reply(f"System prompt:\n{current}")
    word = arg.lower()
    if word == "default":
        session.system_prompt = session.default_system_prompt
        shown = "the default" if session.system_prompt else "none (the default is empty)"
        return Reply(f"System prompt back to {shown}.")
    if word == "none":
        session.system_prompt = ""
        return Reply("No system prompt; \\system default puts it back.")
    session.system_prompt = arg
    return Reply("System prompt set.")


@TABLE.register("clear", "Clear the chat history (the system prompt is kept).", suggest=False)
def _clear(ctx: ShellContext, arg: str) -> Reply:
    ctx.session.clear()
    return Reply("Cleared chat history; the system prompt is kept.")


@TABLE.register(
    "temperature", "Set sampling temperature (0 is greedy).", usage="<float 0.0-2.0>",
    arg="required", aliases=("/set parameter temperature",),
)  # fmt: skip
def _temperature(ctx: ShellContext, arg: str) -> Reply:
    return _set(ctx, params.temperature, arg, "temperature", "Temperature")


@TABLE.register(
    "topk", "Set top-k sampling value.", usage="<int > 0>", arg="required",
    aliases=("/set parameter top_k",),
)  # fmt: skip
def _topk(ctx: ShellContext, arg: str) -> Reply:
    return _set(ctx, params.top_k, arg, "top_k", "Top-k")


@TABLE.register(
    "topp", "Set top-p sampling value.", usage="<float in (0.0, 1.0]>", arg="required",
    aliases=("/set parameter top_p",),
)  # fmt: skip
def _topp(ctx: ShellContext, arg: str) -> Reply:
    return _set(ctx, params.top_p, arg, "top_p", "Top-p")


@TABLE.register(
    "maxtokens", "Set the most tokens per answer.", usage="<int>", arg="required",
    aliases=("/set parameter num_predict",),
)  # fmt: skip
def _maxtokens(ctx: ShellContext, arg: str) -> Reply:
    context = ctx.engine.info.context_length if ctx.engine else None
    return _set(ctx, lambda text: params.max_tokens(text, context), arg, "max_tokens", "Max tokens")


@TABLE.register(
    "think", "Ask the model to reason first (prompted where it cannot natively).",
    usage="on|off", arg="required", choices=("on", "off"),
)  # fmt: skip
def _think(ctx: ShellContext, arg: str) -> Reply:
    reply = _set(ctx, params.on_off, arg, "think", "Thinking")
    engine = ctx.engine
    if reply.error or engine is None or engine.info.thinking != "prompted":
        return reply
    if ctx.session.sampling.think:
        return Reply(f"{reply.text} {PROMPTED_THINKING}")
    return reply


PROMPTED_THINKING = (
    "This model has no native reasoning, so gruchat asks it to reason step by step first "
    "(one more request per answer) and shows that as the reasoning trace, labelled prompted."
)


@TABLE.register(
    "reasoning", "Show, hide or collapse the reasoning trace (display only).",
    usage="show|hide|collapse", arg="required", choices=params.REASONING_MODES,
)  # fmt: skip
def _reasoning(ctx: ShellContext, arg: str) -> Reply:
    ctx.session.reasoning_mode = params.reasoning(arg)
    return Reply(f"Reasoning: {ctx.session.reasoning_mode}.")


@TABLE.register("params", "Show the current sampling parameters.", aliases=("/show parameters",))
def _params(ctx: ShellContext, arg: str) -> Reply:
    s = ctx.session.sampling
    return Reply(
        f"temperature {s.temperature}, top-k {s.top_k}, top-p {s.top_p}, "
        f"max tokens {s.max_tokens}, think {'on' if s.think else 'off'}, "
        f"reasoning {ctx.session.reasoning_mode}, "
        f"grounding {'on' if ctx.session.grounding else 'off'}"
    )


@TABLE.register("reset", "Put the sampling parameters back to their defaults.", suggest=False)
def _reset(ctx: ShellContext, arg: str) -> Reply:
    ctx.session.reset_sampling()
    return Reply("Sampling back to defaults. " + _params(ctx, "").text)


@TABLE.register("stats", "Show the last turn's stats again.")
def _stats(ctx: ShellContext, arg: str) -> Reply:
    turn = ctx.session.last_turn
    if turn is None:
        return Reply("No turns yet.")
    context = ctx.engine.info.context_length if ctx.engine else None
    return Reply("\n".join(format_stats(turn, ctx.session, context)))


@TABLE.register(
    "info", "Show the model file, size, quantisation, device and context.",
    aliases=("/show info",),
)  # fmt: skip
def _info(ctx: ShellContext, arg: str) -> Reply:
    if ctx.engine is None:
        return _error("no model loaded")
    return Reply("\n".join(info_lines(ctx.engine.info)))


@TABLE.register("retry", "Regenerate the last answer.")
def _retry(ctx: ShellContext, arg: str) -> Reply:
    prompt = ctx.session.pop_last_prompt()
    if prompt is None:
        return _error("nothing to retry yet")
    return Reply(_retry_note(ctx.session), action="prompt", prompt=prompt)


GREEDY_NOTE = (
    "(temperature 0 is greedy: the same answer is expected; \\temperature 0.7 for a different one)"
)


def _retry_note(session: Session) -> str:
    """Why a retry will look the same: greedy decoding picks the same tokens again."""
    return GREEDY_NOTE if session.sampling.temperature == 0 else ""


@TABLE.register("undo", "Drop the last question and answer.", suggest=False)
def _undo(ctx: ShellContext, arg: str) -> Reply:
    if not ctx.session.undo():
        return _error("nothing to undo")
    return Reply("Dropped the last exchange.")


FORCE = "--force"


@TABLE.register(
    "save", "Save the transcript (.md or .json by extension); --force replaces another file.",
    usage=f"<FILE> [{FORCE}]", arg="required", example="\\save gru-session.json",
    complete="path",
)  # fmt: skip
def _save(ctx: ShellContext, arg: str) -> Reply:
    name = arg.removesuffix(f" {FORCE}").removeprefix(f"{FORCE} ").strip()
    path = Path(name).expanduser()
    try:
        transcript.format_of(path)
        refusal = transcript.overwrite_refusal(path, ctx.own_files, force=name != arg)
        if refusal:
            return _error(refusal)
        kind = transcript.save(ctx.session, path)
    except ValueError as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(f"could not save {path}: {exc.strerror or exc}; nothing was changed")
    ctx.own_files.add(transcript.identity(path))
    return Reply(f"Saved the transcript ({kind}) to {path}.")


@TABLE.register(
    "load", "Load a .json transcript: messages, system prompt and sampling.",
    usage="<FILE.json>", arg="required", complete="path",
)  # fmt: skip
def _load(ctx: ShellContext, arg: str) -> Reply:
    path = Path(arg).expanduser()
    try:
        transcript.load(ctx.session, path)
    except ValueError as exc:
        return _error(str(exc))
    except OSError as exc:
        return _error(f"could not load {path}: {exc.strerror or exc}")
    ctx.own_files.add(transcript.identity(path))
    count = len(ctx.session.messages) // 2
    return Reply(f"Loaded {count} exchanges from {path}.")


@TABLE.register("history", "List this conversation's exchanges (all of it: gruchat logs).")
def _history(ctx: ShellContext, arg: str) -> Reply:
    from gruchat.logs_view import history_lines

    return Reply("\n".join(history_lines(ctx.session.turns, ctx.log)))
