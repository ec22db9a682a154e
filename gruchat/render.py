"""Showing a streamed answer and its stats. Holds no conversation state."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from gruchat.command_table import CARD, NOTE, Reply
from gruchat.engine.base import Finished
from gruchat.environment import write_out
from gruchat.markdown_stream import MarkdownStream
from gruchat.safe_text import literal
from gruchat.session import Session, Turn
from gruchat.waiting import WaitSpinner


def format_stats(
    turn: Turn, session: Session | None = None, context_length: int | None = None
) -> list[str]:
    """The Stats block in the mistral.rs shell's format, plus cache and context lines.

    A figure the backend did not report is shown as such or left out, never as 0: the
    cache line appears only when the backend reports cached tokens."""
    usage = turn.usage
    if usage is None:
        return ["Stats:", "(no stats: the answer did not finish)"]
    by = " (measured by gruchat)" if usage.speeds_measured_by == "client" else ""
    lines = [
        "Stats:",
        f"Time to first token: {turn.ttft:.2f}s",
        _figure("Prompt", usage.prompt_tokens, usage.prompt_tps, by),
        _figure("Decode", usage.completion_tokens, usage.decode_tps, by),
    ]
    if session is not None:
        if usage.cached_tokens is not None:
            reported = sum(
                1 for t in session.turns if t.usage and t.usage.cached_tokens is not None
            )
            lines.append(f"Prefix cache: {session.cache_hits} hits / {reported} turns")
        used = usage.total_tokens
        if context_length and used is not None:
            share = 100 * used / context_length
            lines.append(f"Context: {used} / {context_length} tokens ({share:.0f}%)")
    return lines


def _figure(label: str, tokens: int | None, tps: float | None, by: str) -> str:
    """One Prompt/Decode line: what was reported, "not reported" for what was not."""
    count = "not reported" if tokens is None else f"{tokens} tokens"
    speed = "speed not reported" if tps is None else f"{tps:.2f} T/s{by}"
    return f"{label}: {count}, {speed}"


# The header of a reasoning trace gruchat prompted for (gruchat/engine/prompted_think.py).
PROMPTED_LABEL = "Thinking (prompted: step-by-step reasoning gruchat asked for)"


def block(
    console: Console, title: str, body: str, border: str, boxes: bool, plain_tail: str = ""
) -> None:
    """A labelled block of gruchat's own text, its line breaks kept: a panel on a terminal
    (``boxes``), else plain lines."""
    if boxes:
        panel = Panel(literal(body), title=literal(title), title_align="left", border_style=border)
        console.print(panel)
    else:
        write_out(console.file, f"[{title}]\n{body}\n{plain_tail}\n")


def show_reply(console: Console, reply: Reply, boxes: bool) -> None:
    """A command's reply, drawn as its kind says; ``boxes``: the console is a terminal."""
    if reply.text == "" or reply.text is None:
        return
    if reply.error:
        console.print(f"error: {reply.text}", style="red", markup=False)
    elif reply.kind == NOTE:
        block(console, reply.title, reply.text, "cyan", boxes)
    elif reply.kind == CARD:
        console.print(reply.text)
    else:
        console.print(reply.text, markup=False, highlight=False)


class PlainWriter:
    """Line-buffered plain text for pipes: each finished line is transformed and written."""

    def __init__(self, stream: TextIO, transform: Callable[[str], str]) -> None:
        self.stream = stream
        self.transform = transform
        self.pending = ""

    def feed(self, delta: str) -> None:
        self.pending += delta
        if "\n" in self.pending:
            head, _, self.pending = self.pending.rpartition("\n")
            write_out(self.stream, self.transform(head) + "\n")

    def close(self) -> None:
        write_out(self.stream, self.transform(self.pending) + "\n")
        self.pending = ""


class StreamRenderer:
    """Draws one answer: reasoning (shown dim, collapsed to a line, or hidden), then text."""

    def __init__(
        self,
        answer_console: Console,
        meta_console: Console,
        markdown: bool,
        reasoning_mode: str = "show",
        transform: Callable[[str], str] = lambda s: s,
        wait_console: Console | None = None,  # a terminal to show the wait on, or None
    ) -> None:
        self.out = answer_console
        self.meta = meta_console
        self.markdown = markdown
        self.reasoning_mode = reasoning_mode
        self.transform = transform
        self._answer: MarkdownStream | PlainWriter | None = None
        self._in_reasoning = False
        self._reasoning_started = 0.0
        self._reasoning_label = "Thinking"
        self.reasoning_tokens = 0
        self.reasoning_seconds = 0.0
        self._wait = WaitSpinner(wait_console) if wait_console is not None else None

    # -- waiting for the first token --------------------------------------------------
    def waiting(self, phase: str) -> None:
        """Show (or update) the wait line; every other output removes it first."""
        if self._wait is not None:
            self._wait.show(phase)

    def _end_wait(self) -> None:
        if self._wait is not None:
            self._wait.stop()

    # -- reasoning ---------------------------------------------------------------
    def reasoning(self, text: str, prompted: bool = False) -> None:
        """A piece of the trace; ``prompted``: gruchat asked for it (labelled so)."""
        self._end_wait()
        if not self._in_reasoning:
            self._in_reasoning = True
            self._reasoning_started = time.perf_counter()
            self._reasoning_label = PROMPTED_LABEL if prompted else "Thinking"
            if self.reasoning_mode == "show":
                self.meta.print(Rule(self._reasoning_label, style="dim", align="left"))
        self.reasoning_tokens += 1
        if self.reasoning_mode == "show":
            self.meta.print(text, style="dim italic", end="", markup=False, highlight=False)
            self.meta.file.flush()

    def _end_reasoning(self) -> None:
        if not self._in_reasoning:
            return
        self._in_reasoning = False
        self.reasoning_seconds = time.perf_counter() - self._reasoning_started
        if self.reasoning_mode == "show":
            self.meta.print()
            self.meta.print(Rule(style="dim"))
        elif self.reasoning_mode == "collapse":
            prompted = " (prompted)" if self._reasoning_label == PROMPTED_LABEL else ""
            self.meta.print(
                f"thought{prompted} for {self.reasoning_tokens} tokens, "
                f"{self.reasoning_seconds:.1f} s",
                style="dim",
            )

    # -- answer --------------------------------------------------------------------
    def answer(self, text: str) -> None:
        self._end_wait()  # before the answer's own Live region starts
        self._end_reasoning()
        if self._answer is None:
            self._answer = (
                MarkdownStream(self.out, self.transform)
                if self.markdown
                else PlainWriter(self.out.file, self.transform)
            )
        self._answer.feed(text)

    def close(self) -> None:
        """End of the answer (finished, cancelled or failed): flush what arrived."""
        self._end_wait()
        self._end_reasoning()
        if self._answer is not None:
            self._answer.close()
            self._answer = None

    def finished(self, event: Finished) -> None:
        self.close()
        if event.finish_reason == "length":
            self.meta.print("[stopped: reached max tokens]", style="yellow", markup=False)

    def repetition(self) -> None:
        """The client stopped an answer that kept repeating itself (gruchat.loopstop)."""
        self.close()
        self.meta.print("[stopped: repeating itself]", style="yellow", markup=False)

    def cancelled(self) -> None:
        self.close()
        self.meta.print("[cancelled]", style="yellow", markup=False)

    def error(self, message: str) -> None:
        self.close()
        self.meta.print(f"error: {message}", style="red", markup=False)

    def stats(self, lines: list[str]) -> None:
        self.meta.print("\n".join(lines), style="dim", markup=False, highlight=False)

    def warning(self, text: str) -> None:
        """Something the user should act on (the context filling up), after the answer."""
        self.meta.print(f"warning: {text}", style="yellow", markup=False)

    def preface(self, notes: list[tuple[str, str]]) -> None:
        """The verified note, shown ahead of the model's own words and labelled as such."""
        for title, body in notes:
            self._block(f"verified note: {title}", body, "cyan", "\n[gruchat:]")

    def computed(self, title: str, body: str) -> None:
        """An exact answer gruchat computed (a count, a shape), shown before the model's words."""
        self._block(f"computed: {title}", body, "green", "")

    def _block(self, title: str, body: str, border: str, plain_tail: str) -> None:
        self._end_wait()
        block(self.out, title, body, border, self.markdown, plain_tail)

    def preface_seen(self, name: str) -> None:
        """A note already shown in this conversation is referred to, not repeated."""
        self._end_wait()
        self.meta.print(
            f"(verified note {name} shown above; \\notes {name})", style="dim cyan", markup=False
        )

    def history_left_out(self, count: int, budget: int) -> None:
        """The model is no longer sent the oldest exchanges (gruchat.history_window)."""
        self._end_wait()
        self.meta.print(
            f"(the model is now sent the latest exchanges only, {count} older ones left out "
            f"to keep memory and speed bounded: history_tokens = {budget}; \\history still "
            "lists them)",
            style="dim",
            markup=False,
        )

    def flags(self, items: list[tuple[str, str, str]], verdict: str = "not right") -> None:
        """Sentences of the answer that contradict the notes, each with the right fact."""
        for sentence, fact, note in items:
            see = f" (see \\notes {note})" if note else ""
            self.meta.print(
                f"⚠ {verdict}: “{self.transform(sentence)}” — {fact}{see}",
                style="yellow",
                markup=False,
            )

    def struck(self, items: list[tuple[str, str, str]], heading: str = "not right:") -> None:
        """Flagged sentences struck through, each with the right fact beside it."""
        self.meta.print(heading, style="yellow", markup=False)
        for sentence, fact, note in items:
            line = Text("  ")
            shown = self.transform(sentence)  # as the answer was drawn: "xₜ", not "\\( x_t \\)"
            if self.markdown:
                line.append(shown, style="strike")
            else:  # no styles on a pipe: mark the strike in the text itself
                line.append(f"~~{shown}~~")
            line.append(f" → {fact}", style="green")
            if note:
                line.append(f" (see \\notes {note})", style="dim")
            self.meta.print(line, highlight=False)

    def regenerating(self, items: list[tuple[str, str, str]], verdict: str = "not right") -> None:
        """The first attempt contradicted the notes; a corrected one follows."""
        self.struck(items, heading=f"first attempt {verdict}; answering again with the correction:")

    def sources(self, names: list[str]) -> None:
        if names:
            self.meta.print(f"Sources: {', '.join(names)}", style="cyan", markup=False)
