"""Logging a chat's turns into the conversation log, without ever stopping the chat.

``open_turn_log`` opens the log for a REPL or ``ask`` (and finds the conversation to
continue); ``logged_turn`` wraps ``run_turn``: the exchange row is written when the turn
starts, its answer is written again while it streams (at most every ``FLUSH_SECONDS``,
seen through the renderer), and its end is written with the turn. Any problem with the
file is one warning on the console: a locked file skips what could not be written and
tries again next turn; any other problem (corrupt file, unwritable folder, newer schema)
turns the log off for the rest of the run.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from gruchat.config import Settings
from gruchat.display_state import DisplayState
from gruchat.engine.base import Engine, Usage
from gruchat.errors import ContextOverflowError, UsageError
from gruchat.logbook import (
    INTERRUPTED,
    Exchange,
    Logbook,
    LogError,
    NewExchange,
    log_path,
    new_conversation_id,
)
from gruchat.render import StreamRenderer
from gruchat.session import Session, Turn
from gruchat.turn_runner import Grounder, run_turn

FLUSH_SECONDS = 0.5  # the most answer a killed process can lose from its log
FAILED = object()  # what TurnLog.write returns when the write did not happen


class TurnLog:
    """The log as one chat sees it: its conversation id, warnings once, never a crash."""

    def __init__(
        self,
        book: Logbook | None,
        console: Console,
        conversation: str,
        earlier: list[Exchange] | None = None,
        path: Path | None = None,
        keep_system: bool = False,
    ) -> None:
        self.book = book
        self.keep_system = keep_system  # a system prompt given as a flag wins over the log's
        self.console = console
        self.conversation = conversation
        self.earlier = earlier or []  # the exchanges of a continued conversation
        self.path = path or (book.path if book else log_path())
        self._warned: set[str] = set()

    @property
    def active(self) -> bool:
        return self.book is not None

    def warn(self, problem: LogError) -> None:
        """One line per kind of problem; a problem other than a lock turns the log off."""
        kind = "busy" if problem.busy else "broken"
        if kind not in self._warned:
            self._warned.add(kind)
            if problem.busy:
                tail = "another gruchat or program holds it; what could not be written is missing"
            else:
                tail = "the chat goes on without logging"
            self.console.print(
                f"warning: conversation log {self.path}: {problem.message}; {tail}",
                style="yellow",
                markup=False,
                soft_wrap=True,
            )
        if not problem.busy and self.book is not None:
            self.book.close()
            self.book = None

    def write(self, action: str, *args: Any, **kwargs: Any) -> Any:
        """Call a Logbook method; FAILED (after a warning) when the log cannot take it."""
        if self.book is None:
            return FAILED
        try:
            return getattr(self.book, action)(*args, **kwargs)
        except LogError as exc:
            self.warn(exc)
            return FAILED

    def restore(self, session: Session) -> int:
        """Put a continued conversation's exchanges into ``session``; how many there were.

        The history is rebuilt as the REPL built it: each exchange first cuts the
        exchanges back to the messages it saw (``history``), so \\retry, \\undo and
        \\clear replay as they happened. The system prompt comes from the last exchange
        unless one was given on the command line."""
        if not self.earlier:
            return 0
        for row in self.earlier:
            session.cut_to(row.history)
            session.record(turn_from(row))
        if not self.keep_system:
            session.system_prompt = self.earlier[-1].system_prompt
        return len(self.earlier)

    def begin(self, engine: Engine, session: Session, prompt: str) -> LoggedExchange:
        info = engine.info
        new = NewExchange(
            conversation=self.conversation,
            history=len(session.messages),
            prompt=prompt,
            backend=backend_of(engine),
            model=info.model,
            device=info.device or "",
            sampling=session.sampling.as_dict(),
            grounding=session.grounding,
            system_prompt=session.system_prompt,
        )
        return LoggedExchange(self, new)


class LoggedExchange:
    """One turn's row: written at the start, as the answer streams, and at the end."""

    def __init__(self, log: TurnLog, new: NewExchange) -> None:
        self.log = log
        self.new = new
        self.answer: list[str] = []
        self.reasoning: list[str] = []
        row_id = log.write("insert", new)
        self.row_id: int | None = None if row_id is FAILED else row_id
        # After a failed write the answer is not written again until the end: a locked
        # file would stall the stream for the busy timeout at every flush.
        self.stalled = self.row_id is None
        self.flushed = time.monotonic()

    def streamed(self, answer: str = "", reasoning: str = "") -> None:
        if answer:
            self.answer.append(answer)
        if reasoning:
            self.reasoning.append(reasoning)
        if not self.stalled and time.monotonic() - self.flushed >= FLUSH_SECONDS:
            self.flush()

    def flush(self, **more: Any) -> None:
        """Write the answer so far (and ``more`` columns) onto the row."""
        self.flushed = time.monotonic()
        if self.row_id is None:
            return
        fields = {"answer": "".join(self.answer), "reasoning": "".join(self.reasoning), **more}
        if self.log.write("update", self.row_id, **fields) is FAILED:
            self.stalled = True

    def finish(self, turn: Turn) -> None:
        """The turn's end; a row that could not be written at the start is written now."""
        fields = finished_fields(turn)
        if self.row_id is None:
            self.log.write("insert", self.new, **fields)
        else:
            self.log.write("update", self.row_id, **fields)

    def interrupted(self, error: str = "") -> None:
        """The process is ending mid-answer (a signal, an exit): keep what came, marked."""
        self.flush(finish_reason=INTERRUPTED, error=error)

    def discard(self) -> None:
        """Nothing was sent (the question cannot fit): the turn never happened."""
        if self.row_id is not None:
            self.log.write("delete", self.row_id)

    def tap(self, renderer: StreamRenderer) -> StreamRenderer:
        return _Tap(renderer, self)  # type: ignore[return-value]


class _Tap:
    """A renderer that also hands each streamed piece to the exchange's row."""

    def __init__(self, renderer: StreamRenderer, exchange: LoggedExchange) -> None:
        self._renderer = renderer
        self._exchange = exchange

    def answer(self, text: str) -> None:
        self._renderer.answer(text)
        self._exchange.streamed(answer=text)

    def reasoning(self, text: str, prompted: bool = False) -> None:
        self._renderer.reasoning(text, prompted)
        self._exchange.streamed(reasoning=text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._renderer, name)


def logged_turn(
    log: TurnLog | None,
    engine: Engine,
    session: Session,
    prompt: str,
    renderer: StreamRenderer,
    grounder: Grounder | None = None,
    display_state: DisplayState | None = None,
) -> Turn:
    """``run_turn``, with the exchange in the log (when there is one)."""
    if log is None or not log.active:
        return run_turn(engine, session, prompt, renderer, grounder, display_state)
    exchange = log.begin(engine, session, prompt)
    try:
        tapped = exchange.tap(renderer)
        turn = run_turn(engine, session, prompt, tapped, grounder, display_state)
    except ContextOverflowError:
        exchange.discard()
        raise
    except Exception as exc:  # the engine died: keep what came, as an error
        exchange.flush(finish_reason="error", error=str(getattr(exc, "message", exc)))
        raise
    except BaseException:  # SystemExit from a signal handler, a second Ctrl-C
        exchange.interrupted()
        raise
    exchange.finish(turn)
    return turn


def finished_fields(turn: Turn) -> dict[str, Any]:
    return {
        "answer": turn.answer,
        "reasoning": turn.reasoning,
        "sources": turn.sources,
        "note": turn.note,
        "computed": turn.computed,
        "flags": turn.flags,
        "finish_reason": turn.finish_reason,
        "error": turn.error,
        "usage": turn.usage.as_dict() if turn.usage else None,
        "ttft": turn.ttft,
        "total_seconds": turn.total_seconds,
        "reasoning_seconds": turn.reasoning_seconds,
        "reasoning_tokens": turn.reasoning_tokens,
    }


def turn_from(row: Exchange) -> Turn:
    """A logged exchange as a session's Turn; an interrupted answer counts as cancelled."""
    usage = None
    if row.usage:
        known = {f.name for f in dataclasses.fields(Usage)}
        usage = Usage(**{k: v for k, v in row.usage.items() if k in known})
    return Turn(
        prompt=row.prompt,
        answer=row.answer,
        reasoning=row.reasoning,
        finish_reason="cancelled" if row.interrupted else row.finish_reason,
        usage=usage,
        ttft=row.ttft,
        total_seconds=row.total_seconds,
        reasoning_seconds=row.reasoning_seconds,
        reasoning_tokens=row.reasoning_tokens,
        sources=list(row.sources),
        flags=list(row.flags),
        note=row.note,
        computed=row.computed,
        error=row.error,
    )


def backend_of(engine: Engine) -> str:
    """The engine software and its version (``mistralrs 0.x``), else the backend's name."""
    return engine.info.engine or engine.info.backend


def open_turn_log(
    settings: Settings,
    console: Console,
    continue_last: bool = False,
    resume: str | None = None,
    path: Path | None = None,
) -> TurnLog | None:
    """The log for one chat, or None when logging is off (then nothing is opened).

    ``--continue`` / ``--resume ID`` pick the conversation to continue; they need the log,
    and a conversation that is not there is a usage error. A log that cannot be opened
    is a warning: the chat goes on, in a new conversation, unlogged."""
    wanted = continue_last or resume is not None
    if not settings.log:
        if wanted:
            flag = "--continue" if continue_last else "--resume"
            raise UsageError(
                f"{flag} needs the conversation log, which is off (--no-log or log = false)"
            )
        return None
    path = path or log_path()
    flagged = any(
        settings.sources.get(key, "").startswith("flag")
        for key in ("system_prompt", "system_prompt_file")
    )
    log = TurnLog(None, console, new_conversation_id(), path=path, keep_system=flagged)
    try:
        log.book = Logbook.open(path)
        if wanted:
            conversation = _chosen(log.book, resume)
            log.earlier = log.book.conversation(conversation)
            log.conversation = conversation
    except LogError as exc:
        log.warn(exc)
        if wanted:
            console.print(
                "warning: cannot continue a conversation from that log; this is a new one",
                style="yellow",
                markup=False,
                soft_wrap=True,
            )
    return log


def open_run_log(settings: Settings, console: Console) -> TurnLog | None:
    """``gruchat run`` replays test files: logged only when asked with ``--log``."""
    if not (settings.log and settings.sources.get("log", "").startswith("flag")):
        return None
    return open_turn_log(settings, console)


def _chosen(book: Logbook, resume: str | None) -> str:
    if resume is None:
        last = book.last_conversation()
        if last is None:
            raise UsageError("no conversation to continue: the log is empty")
        return last
    found = book.find_conversation(resume.strip())
    if not found or not resume.strip():
        raise UsageError(f"no conversation {resume!r} in the log; `gruchat logs` lists them")
    if len(found) > 1 and resume not in found:
        raise UsageError(f"{resume!r} names {len(found)} conversations; give more of the id")
    return resume if resume in found else found[0]


def continued_line(conversation: str, count: int) -> str:
    plural = "" if count == 1 else "s"
    return (
        f"Continuing conversation {conversation} ({count} exchange{plural}; \\history lists them)."
    )
