"""Incremental Markdown for a streaming answer: finished blocks print once, only the
open tail is redrawn (in a transient rich Live), so cost per token stays constant."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown

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


class MarkdownStream:
    """Feed text deltas; committed blocks are printed with ``console.print`` exactly once."""

    def __init__(self, console: Console, transform: Callable[[str], str] = lambda s: s) -> None:
        self.console = console
        self.transform = transform
        self.tail = ""
        self._reopen = ""  # fence line to prefix the tail with after a forced commit
        self._live: Live | None = None
        self._gap = False  # a paragraph break is owed before the next committed block

    def _render(self, text: str) -> Markdown:
        return Markdown(safe(self.transform(text)))

    def _too_tall(self) -> bool:
        """Whether the open tail, once wrapped, would not fit on the screen to redraw."""
        width = max(20, self.console.size.width)
        rows = sum(len(line) // width + 1 for line in self.tail.split("\n"))
        return rows >= max(4, self.console.size.height - 4)

    def feed(self, delta: str) -> None:
        self.tail += delta
        if "\n" in delta or (" " in delta and self._too_tall()):
            self._commit_finished()
        if self.tail.strip():
            self._show_tail()

    def _commit_finished(self) -> None:
        # The Live refresh thread renders the tail at any moment, and console.print redraws
        # it right after the block: the tail is cut *before* the block is printed, so no
        # frame shows the committed lines twice.
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
            if self._gap:
                self.console.print()
                self._gap = False
            self.console.print(self._render(text))

    def __rich__(self) -> Markdown:
        """Rendered by the Live refresh thread only, a few times a second, not per token."""
        return self._render(self._reopen + self.tail)

    def _show_tail(self) -> None:
        if self._live is None:
            self._live = Live(
                self,
                console=self.console,
                transient=True,
                auto_refresh=True,
                refresh_per_second=8,
                vertical_overflow="crop",
            )
            self._live.start()

    def close(self) -> None:
        """Print whatever is left and stop the live region."""
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self.tail.strip():
            self._commit(self.tail)
        self.tail = ""
