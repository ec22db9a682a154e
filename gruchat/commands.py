r"""The one command table: dispatch, ``\help``, completion, validation and the script runner
all read it. Both prefixes work: ``\help`` (the seed) and ``/help`` (mistral.rs today)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PREFIXES = ("\\", "/")
_SLASH_COMMAND = re.compile(r"^/([A-Za-z][\w-]*)(?:\s|$)")


@dataclass
class Reply:
    """What a command hands back: text to show, whether it was refused, and what to do next."""

    text: Any = ""  # str or a rich renderable
    error: bool = False
    action: str = ""  # "" | "exit" | "prompt" (send `prompt` to the model)
    prompt: str = ""


@dataclass(frozen=True)
class Command:
    name: str
    handler: Callable[[Any, str], Reply]  # (ShellContext, argument text) -> Reply
    summary: str
    usage: str = ""  # argument form shown in help, e.g. "<float 0.0-2.0>"
    arg: str = "none"  # "none" | "optional" | "required"
    choices: tuple[str, ...] = ()  # fixed arguments, for completion and validation
    open_choices: tuple[str, ...] = ()  # choices that take more words after them (\gru step x=…)
    aliases: tuple[str, ...] = ()
    example: str = ""
    scope: str = "any"  # "any" | "script" (only meaningful in prompt files)

    @property
    def form(self) -> str:
        return f"\\{self.name}" + (f" {self.usage}" if self.usage else "")


@dataclass
class Table:
    commands: dict[str, Command] = field(default_factory=dict)
    lookup: dict[str, Command] = field(default_factory=dict)

    def add(self, command: Command) -> None:
        self.commands[command.name] = command
        for name in (command.name, *command.aliases):
            self.lookup[name] = command

    def register(self, name: str, summary: str, **options: Any) -> Callable:
        """Decorator: declare a command once, next to its handler."""

        def wrap(handler: Callable[[Any, str], Reply]) -> Callable[[Any, str], Reply]:
            self.add(Command(name=name, handler=handler, summary=summary, **options))
            return handler

        return wrap

    def visible(self, scope: str = "repl") -> list[Command]:
        return [c for c in self.commands.values() if c.scope == "any" or c.scope == scope]

    def suggest(self, name: str, scope: str = "repl") -> str | None:
        """The nearest command valid in ``scope``, for "did you mean …?"."""
        names = {n: c for n, c in self.lookup.items() if c.scope in ("any", scope)}
        lowered = name.lower()
        if lowered in names and lowered != name:
            return names[lowered].name
        close = difflib.get_close_matches(lowered, list(names), n=1, cutoff=0.6)
        return names[close[0]].name if close and close[0] != name else None


TABLE = Table()


class CommandError(ValueError):
    """A line that looks like a command but is not a valid one."""


@dataclass(frozen=True)
class Call:
    command: Command
    arg: str


@dataclass(frozen=True)
class Prompt:
    text: str


@dataclass(frozen=True)
class Empty:
    pass


Parsed = Call | Prompt | Empty


def is_command(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith("\\") or bool(_SLASH_COMMAND.match(stripped))


# Letters that draw nothing although Unicode files them as letters or symbols.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE = ("Cc", "Cf", "Cs", "Zs", "Zl", "Zp")


def is_blank(text: str) -> bool:
    """Nothing to read: whitespace, control or format characters (zero-width spaces,
    a BOM), blank fillers. Such a line is empty, never a prompt."""
    return all(
        ch.isspace() or ch in _BLANK_LETTERS or unicodedata.category(ch) in _INVISIBLE
        for ch in text
    )


def parse(line: str, table: Table = TABLE, scope: str = "repl") -> Parsed:
    """A line is a command call, a prompt, or empty; bad commands raise CommandError."""
    if is_blank(line):
        return Empty()
    if not is_command(line):
        return Prompt(line.strip())
    body = line.strip()[1:]
    name, _, arg = body.partition(" ")
    name = name.strip()
    arg = arg.strip()
    if not name:
        raise CommandError("empty command: type \\help for the list of commands")
    command = table.lookup.get(name)
    if command is None or (command.scope != "any" and command.scope != scope):
        hint = table.suggest(name, scope)
        extra = f"; did you mean \\{hint}?" if hint else "; type \\help for the list"
        raise CommandError(f"unknown command \\{name}{extra}")
    if command.arg == "none" and arg:
        raise CommandError(f"\\{command.name} takes no arguments")
    if command.arg == "required" and not arg:
        raise CommandError(f"\\{command.name} needs an argument: {command.form}")
    word, _, more = arg.partition(" ")
    if more and word.lower() in command.open_choices:
        return Call(command, arg)
    if command.choices and arg and arg.lower() not in command.choices:
        raise CommandError(f"{command.name} must be one of: {', '.join(command.choices)}")
    return Call(command, arg)


def completions(text: str, table: Table = TABLE) -> list[str]:
    """Candidates for the text before the cursor: command names, then fixed arguments."""
    stripped = text.lstrip()
    if not stripped or stripped[0] not in PREFIXES:
        return []
    prefix = stripped[0]
    body = stripped[1:]
    if " " not in body:
        return sorted(prefix + c.name for c in table.visible() if c.name.startswith(body))
    name, _, arg = body.partition(" ")
    command = table.lookup.get(name)
    if command is None:
        return []
    return [choice for choice in command.choices if choice.startswith(arg.strip())]


def help_text(table: Table = TABLE, scope: str = "repl") -> str:
    """The \\help text, in the mistral.rs shell's shape, generated from the table."""
    lines = [
        "=" * 20,
        "Welcome to interactive mode! Type a question about GRUs, or a command.",
        "Commands start with \\ (or /):",
        "",
    ]
    for command in table.visible(scope):
        aliases = "".join(f", \\{a}" for a in command.aliases)
        lines.append(f"- `{command.form}`{aliases}: {command.summary}")
        if command.example:
            lines.append(f"    Ex: `{command.example}`")
    lines += [
        "",
        'Multi-line input: Esc-Enter (or Alt-Enter) for a new line, or a """ block.',
        "Ctrl-C stops an answer or clears the line; Ctrl-D or \\exit quits.",
        "=" * 20,
    ]
    return "\n".join(lines)


BLOCK = '"""'


def block_opening(line: str) -> str | None:
    """If ``line`` opens a triple-quoted block, the text after the quotes (else None)."""
    stripped = line.strip()
    return stripped[len(BLOCK) :] if stripped.startswith(BLOCK) else None


def block_closing(line: str) -> str | None:
    """If ``line`` closes a block, the text before the quotes (else None)."""
    stripped = line.rstrip()
    return stripped[: -len(BLOCK)] if stripped.endswith(BLOCK) else None


def single_line_block(line: str) -> str | None:
    """``\"\"\"text\"\"\"`` on one line: the text (else None)."""
    opened = block_opening(line)
    if opened is None or len(opened) < len(BLOCK):
        return None
    return block_closing(opened)
