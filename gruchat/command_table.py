r"""The command table's machinery: dispatch, ``\help``, completion, validation and the script
parser all read the Table they are given (``gruchat.all_commands.build_table`` makes the
one gruchat uses; nothing registers itself on import). Both prefixes work: ``\help`` (the
seed) and ``/help`` (mistral.rs today).

An alias may be several words (ollama's ``/set parameter top_k``, ``/show info``): the
longest alias at the start of a line wins and the rest is the argument. "Did you mean"
offers only close names, and never a command that ends or drops something."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PREFIXES = ("\\", "/")
_SLASH_COMMAND = re.compile(r"^/([A-Za-z][\w-]*)(?:\s|$)")


INFO, ERROR, NOTE, CARD = "info", "error", "note", "card"


@dataclass
class Reply:
    """What a command hands back: data for the renderer (``gruchat.render.show_reply``) and
    what to do next. ``kind`` says how it is drawn: info (plain lines), error (refused),
    note (a verified note: ``title`` and its body's own lines), card (a layout the tutor
    drew: the GRU card, a worked step)."""

    text: Any = ""  # str; a rich renderable for a card
    kind: str = INFO
    title: str = ""  # a note's title
    action: str = ""  # "" | "exit" | "prompt" (send `prompt` to the model)
    prompt: str = ""

    @property
    def error(self) -> bool:
        return self.kind == ERROR


def refusal(text: str) -> Reply:
    """A command refused: the line says why and nothing was changed."""
    return Reply(text, kind=ERROR)


@dataclass(frozen=True)
class Command:
    name: str
    handler: Callable[[Any, str], Reply]  # (ShellContext, argument text) -> Reply
    summary: str
    usage: str = ""  # argument form shown in help, e.g. "<float 0.0-2.0>"
    arg: str = "none"  # "none" | "optional" | "required"
    choices: tuple[str, ...] = ()  # fixed arguments, for completion and validation
    open_choices: tuple[str, ...] = ()  # choices that take more words after them (\gru step x=…)
    aliases: tuple[str, ...] = ()  # "/bye", "/set parameter top_k": shown with their prefix
    example: str = ""
    suggest: bool = True  # offered as "did you mean"? never for \exit, \clear, \reset, \undo
    # Argument completion beyond ``choices``: "path" (file names, done by the REPL's
    # completer) or a function giving the words to offer (\\notes: the note names).
    complete: str | Callable[[], list[str]] = ""

    @property
    def form(self) -> str:
        return f"\\{self.name}" + (f" {self.usage}" if self.usage else "")


@dataclass
class Table:
    commands: dict[str, Command] = field(default_factory=dict)
    lookup: dict[str, Command] = field(default_factory=dict)

    def add(self, command: Command) -> None:
        """Add one command; a name or alias already taken is a mistake in the lists."""
        names = [name.lstrip("".join(PREFIXES)) for name in (command.name, *command.aliases)]
        taken = [name for name in names if name in self.lookup]
        if taken:
            raise ValueError(f"command \\{command.name}: {', '.join(taken)} already in the table")
        self.commands[command.name] = command
        for name in names:
            self.lookup[name] = command

    def visible(self) -> list[Command]:
        return list(self.commands.values())

    def split(self, body: str) -> tuple[str, str]:
        """The command name at the start of ``body`` (the longest alias phrase, else the
        first word) and the argument after it."""
        words = body.split()
        for key in sorted((k for k in self.lookup if " " in k), key=len, reverse=True):
            size = key.count(" ") + 1
            if words[:size] == key.split():
                rest = body.split(None, size)
                return key, rest[size].strip() if len(rest) > size else ""
        name, _, arg = body.partition(" ")
        return name.strip(), arg.strip()

    def suggest(self, name: str) -> str | None:
        """A close command name, for "did you mean …?", or None.

        Close means the same letters in another case, one edit or swap away, or a
        difflib ratio of at least 0.75; names under three letters and commands marked
        ``suggest=False`` are never offered."""
        names = {n: c for n, c in self.lookup.items() if c.suggest and len(n) >= 3}
        lowered = name.lower()
        if lowered in names and lowered != name:
            return lowered
        if len(lowered) < 3:
            return None
        scored = [
            (difflib.SequenceMatcher(None, lowered, n).ratio(), n) for n in names if " " not in n
        ]
        close = [(r, n) for r, n in scored if r >= SUGGEST_RATIO or _one_edit(lowered, n)]
        return max(close)[1] if close else None


SUGGEST_RATIO = 0.75


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one insertion, deletion, substitution or swap."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            return a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        return len(diff) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


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


def parse(line: str, table: Table) -> Parsed:
    """A line is a command call, a prompt, or empty; bad commands raise CommandError."""
    if is_blank(line):
        return Empty()
    if not is_command(line):
        return Prompt(line.strip())
    stripped = line.strip()
    prefix, body = stripped[0], stripped[1:]
    name, arg = table.split(body)
    if not name:
        raise CommandError("empty command: type \\help for the list of commands")
    typed = prefix + name  # errors quote the command as it was typed (/bye, not \\bye)
    command = table.lookup.get(name)
    if command is None:
        raise CommandError(f"unknown command {typed}{_hint(table, prefix, name)}")
    if command.arg == "none" and arg:
        raise CommandError(f"{typed} takes no arguments")
    if command.arg == "required" and not arg:
        raise CommandError(f"{typed} needs an argument: {command.form}")
    word, _, more = arg.partition(" ")
    if more and word.lower() in command.open_choices:
        return Call(command, arg)
    if command.choices and arg and arg.lower() not in command.choices:
        raise CommandError(f"{command.name} must be one of: {', '.join(command.choices)}")
    return Call(command, arg)


def _hint(table: Table, prefix: str, name: str) -> str:
    """What to add to "unknown command NAME": its phrases, or a close name."""
    phrases = sorted(k.partition(" ")[2] for k in table.lookup if k.startswith(f"{name} "))
    if phrases:
        return f"; {prefix}{name} takes: " + ", ".join(phrases)
    hint = table.suggest(name)
    return f"; did you mean {prefix}{hint}?" if hint else "; type \\help for the list"


def completions(text: str, table: Table) -> list[str]:
    """Candidates for the text before the cursor: command names, the next word of an
    alias phrase, then fixed arguments or the command's own word list."""
    stripped = text.lstrip()
    if not stripped or stripped[0] not in PREFIXES:
        return []
    prefix = stripped[0]
    body = stripped[1:]
    if " " not in body:
        return sorted(prefix + c.name for c in table.visible() if c.name.startswith(body))
    words, partial = body.split(), ("" if body[-1].isspace() else body.split()[-1])
    done = words if not partial else words[:-1]
    phrases = [k.split() for k in table.lookup if " " in k]
    following = {
        p[len(done)]
        for p in phrases
        if len(p) > len(done) and p[: len(done)] == done and p[len(done)].startswith(partial)
    }
    if following:
        return sorted(following)
    command, arg = argument_of(text, table)
    if command is None:
        return []
    words = list(command.choices)
    if callable(command.complete):
        words += command.complete()
    return [word for word in words if word.startswith(arg)]


def argument_of(text: str, table: Table) -> tuple[Command | None, str]:
    """The command a line being typed calls, and its argument so far (for completion)."""
    stripped = text.lstrip()
    if not stripped or stripped[0] not in PREFIXES or " " not in stripped:
        return None, ""
    name, arg = table.split(stripped[1:])
    return table.lookup.get(name), arg


def help_text(table: Table, extra: tuple[str, ...] = ()) -> str:
    """The \\help text, in the mistral.rs shell's shape, generated from the table (and
    ``extra`` lines after its commands: a prompt file's ``\\expect``)."""
    lines = [
        "=" * 20,
        "Welcome to interactive mode! Type a question about GRUs, or a command.",
        "Commands start with \\ (or /):",
        "",
    ]
    for command in table.visible():
        aliases = "".join(f", {a if a[0] in PREFIXES else chr(92) + a}" for a in command.aliases)
        lines.append(f"- `{command.form}`{aliases}: {command.summary}")
        if command.example:
            lines.append(f"    Ex: `{command.example}`")
    lines += [
        *extra,
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
