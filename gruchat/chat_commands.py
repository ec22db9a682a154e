"""The REPL's commands: their handlers, and ``COMMANDS``, the entries listing them (name,
summary, arguments) that ``gruchat.all_commands.build_table`` puts in the table.

Handlers validate first and change state only when the value is accepted, so a refused
command leaves the session exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gruchat import params, transcript
from gruchat.command_table import Command, Reply, Table, help_text, refusal
from gruchat.display_state import DisplayState
from gruchat.engine.base import Engine
from gruchat.info_view import info_lines
from gruchat.option_commands import option_commands, set_option
from gruchat.options import BY_KEY, sampling_text
from gruchat.render import format_stats
from gruchat.script import expect_syntax
from gruchat.session import Session


@dataclass
class ShellContext:
    """What a command may touch: the session, how it is shown, the engine's info, the
    table it was found in (\\help lists it), and the scope it runs in."""

    session: Session
    engine: Engine | None = None
    scope: str = "repl"  # "repl" or "script"
    own_files: set[str] = field(default_factory=set)  # transcripts saved or loaded here
    log: Any = None  # the TurnLog when exchanges are logged (\history names the conversation)
    display_state: DisplayState = field(default_factory=DisplayState)
    table: Table = field(kw_only=True)


def _help(ctx: ShellContext, arg: str) -> Reply:
    extra = (expect_syntax.HELP_LINE,) if ctx.scope == "script" else ()
    return Reply(help_text(ctx.table, extra))


def _exit(ctx: ShellContext, arg: str) -> Reply:
    return Reply(action="exit")


SYSTEM_WORDS = ("default", "none")  # \system default | none: not taken as the prompt's text


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


def _clear(ctx: ShellContext, arg: str) -> Reply:
    ctx.session.clear()
    ctx.display_state.shown_notes.clear()  # a note is shown whole again after \clear
    return Reply("Cleared chat history; the system prompt is kept.")


def _think(ctx: ShellContext, arg: str) -> Reply:
    reply = set_option(ctx, arg, option=BY_KEY["think"], label="Thinking")
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


def _reasoning(ctx: ShellContext, arg: str) -> Reply:
    ctx.display_state.reasoning_mode = params.reasoning(arg)
    return Reply(f"Reasoning: {ctx.display_state.reasoning_mode}.")


def _params(ctx: ShellContext, arg: str) -> Reply:
    return Reply(
        f"{sampling_text(ctx.session.sampling)}, reasoning {ctx.display_state.reasoning_mode}, "
        f"grounding {'on' if ctx.session.grounding else 'off'}"
    )


def _reset(ctx: ShellContext, arg: str) -> Reply:
    ctx.session.reset_sampling()
    return Reply("Sampling back to defaults. " + _params(ctx, "").text)


def _stats(ctx: ShellContext, arg: str) -> Reply:
    turn = ctx.session.last_turn
    if turn is None:
        return Reply("No turns yet.")
    context = ctx.engine.info.context_length if ctx.engine else None
    return Reply("\n".join(format_stats(turn, ctx.session, context)))


def _info(ctx: ShellContext, arg: str) -> Reply:
    if ctx.engine is None:
        return refusal("no model loaded")
    return Reply("\n".join(info_lines(ctx.engine.info)))


def _retry(ctx: ShellContext, arg: str) -> Reply:
    prompt = ctx.session.pop_last_prompt()
    if prompt is None:
        return refusal("nothing to retry yet")
    return Reply(_retry_note(ctx.session), action="prompt", prompt=prompt)


GREEDY_NOTE = (
    "(temperature 0 is greedy: the same answer is expected; \\temperature 0.7 for a different one)"
)


def _retry_note(session: Session) -> str:
    """Why a retry will look the same: greedy decoding picks the same tokens again."""
    return GREEDY_NOTE if session.sampling.temperature == 0 else ""


def _undo(ctx: ShellContext, arg: str) -> Reply:
    if not ctx.session.undo():
        return refusal("nothing to undo")
    return Reply("Dropped the last exchange.")


FORCE = "--force"


def _save(ctx: ShellContext, arg: str) -> Reply:
    name = arg.removesuffix(f" {FORCE}").removeprefix(f"{FORCE} ").strip()
    path = Path(name).expanduser()
    try:
        transcript.format_of(path)
        why = transcript.overwrite_refusal(path, ctx.own_files, force=name != arg)
        if why:
            return refusal(why)
        kind = transcript.save(ctx.session, path)
    except ValueError as exc:
        return refusal(str(exc))
    except OSError as exc:
        return refusal(f"could not save {path}: {exc.strerror or exc}; nothing was changed")
    ctx.own_files.add(transcript.identity(path))
    return Reply(f"Saved the transcript ({kind}) to {path}.")


def _load(ctx: ShellContext, arg: str) -> Reply:
    path = Path(arg).expanduser()
    try:
        transcript.load(ctx.session, path)
    except ValueError as exc:
        return refusal(str(exc))
    except OSError as exc:
        return refusal(f"could not load {path}: {exc.strerror or exc}")
    ctx.own_files.add(transcript.identity(path))
    count = len(ctx.session.exchanges)
    return Reply(f"Loaded {count} exchanges from {path}.")


def _history(ctx: ShellContext, arg: str) -> Reply:
    from gruchat.logs_view import history_lines

    return Reply("\n".join(history_lines(ctx.session.turns, ctx.log)))


# The commands, in the order \help lists them (gruchat.all_commands builds the table).
COMMANDS: tuple[Command, ...] = (
    Command("help", _help, "Display this message.", aliases=("h", "?")),
    Command("exit", _exit, "Quit interactive mode.", aliases=("quit", "q", "/bye"), suggest=False),
    Command(
        "system",
        _system,
        "Set the system message without running the model; with no text, show it; "
        "`default` puts the starting one back, `none` sends none.",
        usage="<system message here>|default|none",
        arg="optional",
        aliases=("/set system",),
        complete=lambda: list(SYSTEM_WORDS),
        example="\\system Always respond as a pirate.",
    ),
    Command("clear", _clear, "Clear the chat history (the system prompt is kept).", suggest=False),
    *option_commands(),  # \temperature, \topk, \topp, \minp, \maxtokens: from gruchat.options
    Command(
        "think",
        _think,
        "Ask the model to reason first (prompted where it cannot natively).",
        usage="on|off",
        arg="required",
        choices=("on", "off"),
    ),
    Command(
        "reasoning",
        _reasoning,
        "Show, hide or collapse the reasoning trace (display only).",
        usage="show|hide|collapse",
        arg="required",
        choices=params.REASONING_MODES,
    ),
    Command(
        "params", _params, "Show the current sampling parameters.", aliases=("/show parameters",)
    ),
    Command("reset", _reset, "Put the sampling parameters back to their defaults.", suggest=False),
    Command("stats", _stats, "Show the last turn's stats again."),
    Command(
        "info",
        _info,
        "Show the model file, size, quantisation, device and context.",
        aliases=("/show info",),
    ),
    Command("retry", _retry, "Regenerate the last answer."),
    Command("undo", _undo, "Drop the last question and answer.", suggest=False),
    Command(
        "save",
        _save,
        "Save the transcript (.md or .json by extension); --force replaces another file.",
        usage=f"<FILE> [{FORCE}]",
        arg="required",
        example="\\save gru-session.json",
        complete="path",
    ),
    Command(
        "load",
        _load,
        "Load a .json transcript: messages, system prompt and sampling.",
        usage="<FILE.json>",
        arg="required",
        complete="path",
    ),
    Command("history", _history, "List this conversation's exchanges (all of it: gruchat logs)."),
)
