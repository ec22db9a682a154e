"""The interactive loop: prompt_toolkit input (history, completion, multi-line, Ctrl-C)
feeding the Shell. Piped stdin gets the same Shell without the terminal features."""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from rich.console import Console
from rich.text import Text

from gruchat import __version__, command_table, signals
from gruchat.all_commands import build_table
from gruchat.config import Settings
from gruchat.engine.base import Engine
from gruchat.engine.recycle import RecyclingEngine
from gruchat.environment import Environment
from gruchat.errors import EngineDeadError, ExitStatus, UsageError
from gruchat.inputs import (
    HISTORY_LIMIT,
    TEXT_LIMIT,
    InputError,
    not_regular,
    read_tail,
    size_text,
)
from gruchat.model_notice import notice_once
from gruchat.runtime import display_state, grounder_for, new_session, open_engine
from gruchat.safe_text import literal
from gruchat.shell import Shell
from gruchat.store import state_dir
from gruchat.terminal import echo_off
from gruchat.turn_log import TurnLog, continued_line
from gruchat.warmup import WarmEngine, conversation_messages, warm_messages, warmup_wanted


class CommandCompleter(Completer):
    """Tab completion of command names and their arguments, as the command table says:
    fixed words, a command's own word list (note names), or file paths."""

    def __init__(self, table: command_table.Table) -> None:
        self.table = table
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        if "\n" in text:
            return
        command, arg = command_table.argument_of(text, self.table)
        if command is not None and command.complete == "path":
            yield from self.paths.get_completions(Document(arg, len(arg)), event)
            return
        word = text.lstrip().rpartition(" ")[2] if " " in text.lstrip() else text.lstrip()
        for candidate in command_table.completions(text, self.table):
            yield Completion(candidate, start_position=-len(word))


class SafeFileHistory(FileHistory):
    """File history that degrades to a warning when the file cannot be read or written."""

    def __init__(self, filename: str, console: Console) -> None:
        super().__init__(filename)
        self._console = console
        self._warned = False

    def _warn(self, what: str, exc: Exception) -> None:
        if not self._warned:
            self._warned = True
            self._console.print(
                f"warning: history file {self.filename!s} {what}: {exc}; continuing without it",
                style="yellow",
                markup=False,
            )

    def load_history_strings(self) -> Iterable[str]:
        """Newest first, like FileHistory, from at most the last HISTORY_LIMIT bytes of a
        regular file (a FIFO is never opened for a blocking read, /dev/zero never read)."""
        try:
            data, cut = read_tail(self.filename, HISTORY_LIMIT, "history file")
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            self._warn("could not be read", exc)
            return []
        return parse_history(data.decode("utf-8", "replace"), cut)

    def store_string(self, string: str) -> None:
        """Append one entry in FileHistory's format with a single locked write, so two
        gruchat processes never interleave their entries."""
        lines = "".join(f"+{line}\n" for line in string.split("\n"))
        entry = f"\n# {datetime.datetime.now()}\n{lines}".encode("utf-8", "replace")
        try:
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK
            fd = os.open(self.filename, flags, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                view = memoryview(entry)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)  # closing releases the lock
        except OSError as exc:
            self._warn("could not be written", exc)


def parse_history(text: str, cut: bool = False) -> list[str]:
    """FileHistory's format (``+`` lines make an entry, a ``#`` line starts the next one),
    newest first; when the start of the file was cut off, everything up to the first
    ``#`` line is a partial entry and is dropped."""
    if cut:
        text = text[text.find("\n#") + 1 :] if "\n#" in text else ""
    strings: list[str] = []
    lines: list[str] = []
    for line in [*text.splitlines(keepends=True), "#"]:
        if line.startswith("+"):
            lines.append(line[1:])
        elif lines:
            strings.append("".join(lines)[:-1])
            lines = []
    return strings[::-1]


def history_path(env: Mapping[str, str] | None = None) -> Path:
    """``$GRUCHAT_HOME/history``, else ``$XDG_STATE_HOME/gruchat/history``."""
    return state_dir(env) / "history"


def make_history(console: Console) -> History:
    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        console.print(f"warning: no history ({exc})", style="yellow", markup=False)
        return InMemoryHistory()
    kind = not_regular(path)
    if kind:
        console.print(
            f"warning: history file {path} is {kind}, not a regular file; continuing without it",
            style="yellow",
            markup=False,
        )
        return InMemoryHistory()
    return SafeFileHistory(str(path), console)


def key_bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @kb.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text:
            buffer.reset()  # Ctrl-C on a line clears it
        else:
            event.app.exit(exception=KeyboardInterrupt())

    return kb


def terminal_lines(env: Environment, table: command_table.Table) -> Iterator[str]:
    """Lines typed at the prompt; ends on Ctrl-D or a second Ctrl-C on an empty line."""
    session: PromptSession[str] = PromptSession(
        history=make_history(env.err),
        completer=CommandCompleter(table),
        key_bindings=key_bindings(),
        complete_while_typing=False,
        enable_history_search=False,
        enable_suspend=True,  # Ctrl-Z at the prompt stops gruchat like any job (fg resumes)
    )

    def read(message: str) -> str:
        text = session.prompt(message)
        signals.raise_pending()
        return text

    armed = False
    while True:
        try:
            block = _collect_block(read("> "), lambda: read("... "))
        except KeyboardInterrupt:
            if armed:
                return
            armed = True
            env.out.print("(Ctrl-C again or Ctrl-D to quit)", style="dim")
            continue
        except EOFError:
            return
        except InputError as exc:
            env.out.print(f"error: {exc}", style="red", markup=False)
            continue
        armed = False
        yield block


def piped_lines(env: Environment) -> Iterator[str]:
    """Lines from a pipe or file, with the same \"\"\" blocks as the terminal; a line or
    block over TEXT_LIMIT (``/dev/zero`` has no newline) and a block left open at the end
    (the .gru parser says the same) are usage errors."""
    number = 0

    def more() -> str:
        nonlocal number
        line = env.stdin.readline(TEXT_LIMIT + 1)
        if not line:
            raise EOFError
        if len(line) > TEXT_LIMIT:
            raise InputError("stdin", f"a line is longer than the {size_text(TEXT_LIMIT)} limit")
        number += 1
        return line.rstrip("\n")

    while True:
        try:
            first = more()
        except EOFError:
            return
        except InputError as exc:
            raise UsageError(str(exc)) from None
        start = number
        try:
            block = _collect_block(first, more)
        except EOFError:
            raise UsageError(
                f'stdin line {start}: unterminated """ block: expected a closing """; '
                "the block was not sent"
            ) from None
        except InputError as exc:
            raise UsageError(str(exc)) from None
        yield block


def _collect_block(first: str, more: Callable[[], str]) -> str:
    """Join a \"\"\" block into one prompt; any other line is returned as it is."""
    single = command_table.single_line_block(first)
    if single is not None:
        return single
    opened = command_table.block_opening(first)
    if opened is None:
        return first
    parts = [opened] if opened else []
    size = len(opened)
    while True:
        line = more()
        closed = command_table.block_closing(line)
        if closed is not None:
            parts.append(closed)
            return "\n".join(parts).strip("\n")
        parts.append(line)
        size += len(line) + 1
        if size > TEXT_LIMIT:
            limit = size_text(TEXT_LIMIT)
            raise InputError('a """ block', f"it is longer than the {limit} limit")


def banner(console: Console, engine: Engine) -> None:
    info = engine.info
    context = f", context {info.context_length} tokens" if info.context_length else ""
    how = f" ({info.quantisation})" if info.quantisation else ""
    where = f" on {info.device}" if info.device else f" at {info.location}"
    about = f" — your GRU tutor · {info.model}{how}{where}{context}"
    console.print(Text.assemble((f"gruchat {__version__}", "bold"), literal(about)))
    console.print("Ask about GRUs, or type \\help for commands, \\exit or Ctrl-D to quit.")


def run_repl(
    settings: Settings, env: Environment, verbose: bool = False, log: TurnLog | None = None
) -> ExitStatus:
    engine = open_engine(settings, env.err, verbose=verbose)
    session = new_session(settings)
    restored = log.restore(session) if log is not None else 0
    recycler = None
    if settings.cache_budget_tokens and hasattr(engine, "recycle"):
        recycler = RecyclingEngine(
            engine, settings.cache_budget_tokens, lambda: conversation_messages(session)
        )
        engine = recycler
    interactive = bool(env.stdin_isatty and env.stdout_isatty)
    wanted = warmup_wanted(engine, settings.warmup, interactive)
    warm = warm_messages(session.system_prompt) if wanted else None
    if warm:  # piped input arrives at once: nothing to overlap with
        engine = WarmEngine(engine, warm)
    table = build_table()  # one table for the Shell (and \help) and the completer
    shell = Shell(
        engine,
        session,
        env,
        grounder_for(settings),
        log=log,
        table=table,
        display_state=display_state(settings),
    )
    if interactive:
        banner(env.out, engine)
        if not settings.endpoint:  # a server's model is not a preset or a file here
            notice_once(settings.model, env.out)
    if restored and log is not None:
        env.err.print(continued_line(log.conversation, restored), markup=False)
    lines = terminal_lines(env, table) if interactive else piped_lines(env)
    try:
        for line in lines:
            try:
                with echo_off(env.stdin) if interactive else contextlib.nullcontext():
                    outcome = shell.handle(line)  # keys typed meanwhile: not echoed raw
            except EngineDeadError:
                raise
            except Exception as exc:  # a bug must not cost the user the conversation
                env.err.print(
                    f"error: internal error: {type(exc).__name__}: {exc}; the session goes on",
                    style="red",
                    markup=False,
                )
                continue
            if not outcome.going:
                break
            if recycler is not None:
                recycler.idle()  # between lines: reload now if the cache grew too big
    except EngineDeadError as exc:
        env.err.print(f"fatal: {exc.message}", style="red", markup=False)
        return ExitStatus.FAILURE
    finally:
        with contextlib.suppress(Exception):
            env.out.file.flush()
    return ExitStatus.OK
