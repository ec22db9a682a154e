"""Incremental Markdown for a streaming answer: finished blocks print once, only the
open tail is redrawn (in a transient rich Live), so cost per token stays constant.

The tail is redrawn on a time budget (``RedrawBudget``), not per token and not by a
refresh thread at a fixed rate: on a 2-core machine every millisecond spent drawing is
taken from the engine decoding the answer."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.markdown import Markdown
from rich.segment import Segment

from gruchat.safe_text import safe

FENCES = ("```", "~~~")


def _open_fence(text: str) -> str | None:
    """The opening fence line if ``text`` ends inside a fenced code block, else None."""
    opened: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(FENCES):
            if opened is None:
                opened = stripped
            elif stripped.startswith(opened[:3]):
                opened = None
    return opened


@dataclass
class RedrawBudget:
    """When the live tail may be redrawn: at most every ``floor`` seconds (8 a second,
    the old fixed refresh rate), and never so often that drawing takes more than ``share``
    of the wall time: the interval is at least the last draw's duration / ``share``.

    1%: a 1 ms paragraph redraws 8 times a second, a screen of highlighted code (about
    5 ms) twice a second; the engine decoding on the same 2 cores loses about as much."""

    floor: float = 1 / 8
    share: float = 0.01
    interval: float = field(init=False)
    last: float = field(init=False, default=-math.inf)  # when the last draw started

    def __post_init__(self) -> None:
        self.interval = self.floor

    def due(self, now: float) -> bool:
        return now - self.last >= self.interval

    def wait(self, now: float) -> float:
        """Seconds until the next draw is due (0 when it is)."""
        return max(0.0, self.last + self.interval - now)

    def spent(self, started: float, seconds: float) -> None:
        """A draw started at ``started`` and took ``seconds``."""
        self.last = started
        self.interval = max(self.floor, seconds / self.share)


@dataclass(frozen=True)
class _Frame:
    """The tail as last drawn: its rendered lines at one width (replayed, not re-rendered,
    when rich redraws the live region for a ``console.print`` above it)."""

    width: int
    lines: tuple[list[Segment], ...]


_BLANK = _Frame(0, ())


class MarkdownStream:
    """Feed text deltas; committed blocks are printed with ``console.print`` exactly once.

    ``clock`` and ``idle_redraw`` are for tests: a fake clock decides when redraws are
    due; ``idle_redraw`` (a thread that draws what arrived before a pause in the stream)
    is off where a test drives the clock."""

    def __init__(
        self,
        console: Console,
        transform: Callable[[str], str] = lambda s: s,
        *,
        budget: RedrawBudget | None = None,
        clock: Callable[[], float] = time.perf_counter,
        idle_redraw: bool = True,
    ) -> None:
        self.console = console
        self.transform = transform
        self.tail = ""
        self._reopen = ""  # fence line to prefix the tail with after a forced commit
        self._live: Live | None = None
        self._gap = False  # a paragraph break is owed before the next committed block
        self.budget = budget or RedrawBudget()
        self._clock = clock
        self._idle_redraw = idle_redraw
        self._frame = _BLANK
        self._dirty = False  # the tail changed since it was last drawn
        self._lock = threading.RLock()  # feed/close against the idle redraw thread
        self._stop = threading.Event()
        self._idle: threading.Thread | None = None
        self.redraws = 0

    def _render(self, text: str) -> Markdown:
        return Markdown(safe(self.transform(text)))

    def _too_tall(self) -> bool:
        """Whether the open tail, once wrapped, would not fit on the screen to redraw."""
        width, height = self.console.size
        width, limit = max(20, width), max(4, height - 4)
        if len(self.tail) // width + self.tail.count("\n") + 1 < limit:
            return False  # at most that many rows: checked per token, so the cheap bound first
        rows = sum(len(line) // width + 1 for line in self.tail.split("\n"))
        return rows >= limit

    def feed(self, delta: str) -> None:
        with self._lock:
            self.tail += delta
            if "\n" in delta or (" " in delta and self._too_tall()):
                self._commit_finished()
            if self.tail and not self.tail.isspace():
                self._dirty = True
                self._show_tail()
                if self.budget.due(self._clock()):
                    self._redraw()

    def _commit_finished(self) -> None:
        # The live region is redrawn by console.print right after the block: the tail is
        # cut, and the drawn frame blanked, *before* the block is printed, so no frame
        # shows the committed lines twice.
        cut = self.tail.rfind("\n\n")
        if cut > 0 and _open_fence(self._reopen + self.tail[:cut]) is None:
            block, self.tail = self._reopen + self.tail[:cut], self.tail[cut + 2 :]
            self._reopen = ""
            self._print(block)
            self._gap = True
            return
        if self._too_tall():
            # Too tall to redraw in place: commit what is there, keeping a code fence open.
            cut = self.tail.rfind("\n")
            if cut <= 0:
                cut = self.tail.rfind(" ")
            if cut <= 0:
                return
            block = self._reopen + self.tail[:cut]
            fence = _open_fence(block)
            self._reopen = fence + "\n" if fence else ""
            self.tail = self.tail[cut + 1 :]
            self._print(block + ("\n" + fence[:3] if fence else ""))

    def _commit(self, text: str) -> None:
        block, self._reopen = self._reopen + text, ""
        self._print(block)

    def _print(self, text: str) -> None:
        if text.strip():
            self._frame = _BLANK
            self._dirty = True
            if self._gap:
                self.console.print()
                self._gap = False
            self.console.print(self._render(text))

    def _redraw(self) -> None:
        """Render the tail once and draw it; the budget learns what that cost."""
        started = self._clock()
        options = self.console.options
        markdown = self._render(self._reopen + self.tail)
        lines = self.console.render_lines(markdown, options, pad=False)
        self._frame = _Frame(options.max_width, tuple(lines))
        self._dirty = False
        if self._live is not None:
            self._live.refresh()
        self.redraws += 1
        self.budget.spent(started, self._clock() - started)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """The live region: the last drawn frame, replayed. Called by rich with its own
        locks held, so it takes none and renders nothing; a resize is redrawn when due."""
        frame = self._frame
        if frame.lines and frame.width != options.max_width:
            self._dirty = True
        new_line = Segment.line()
        for index, line in enumerate(frame.lines):
            if index:
                yield new_line
            yield from line

    def _show_tail(self) -> None:
        if self._live is None:
            self._live = Live(
                self,
                console=self.console,
                transient=True,
                auto_refresh=False,
                vertical_overflow="crop",
            )
            self._live.start()
            if self._idle_redraw:
                self._stop.clear()
                self._idle = threading.Thread(
                    target=self._redraw_when_idle, name="gruchat-redraw", daemon=True
                )
                self._idle.start()

    def _redraw_when_idle(self) -> None:
        """Draw what arrived before a pause in the stream, once the budget allows."""
        while True:
            with self._lock:
                pending = self._dirty and self._live is not None
                wait = self.budget.wait(self._clock()) if pending else self.budget.interval
                if pending and wait <= 0:
                    self._redraw()
                    wait = self.budget.interval
            if self._stop.wait(wait):
                return

    def close(self) -> None:
        """Print whatever is left and stop the live region."""
        self._stop.set()
        if self._idle is not None:
            self._idle.join()
            self._idle = None
        with self._lock:
            if self._live is not None:
                self._live.stop()
                self._live = None
            if self.tail.strip():
                self._commit(self.tail)
            self.tail = ""
            self._frame = _BLANK
