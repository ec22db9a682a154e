"""The wait between Enter and the first token, made visible: a transient one-line spinner
with the elapsed seconds and what is happening (waiting for the model, reading N prompt
tokens). It is drawn only on a terminal, by rich's Live refresh thread (8 times a second,
never per token), and is always gone before anything else is printed."""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

WAITING = "waiting for the model"


def reading(tokens: int | None) -> str:
    """The prefill phase, with the counted prompt size when it is known."""
    return f"reading {tokens} prompt tokens" if tokens else "reading the prompt"


class WaitSpinner:
    """Shown with ``show(phase)``, removed with ``stop()``; the clock runs from creation,
    so a spinner stopped for a note panel and shown again keeps counting."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.perf_counter()
        self.phase = WAITING
        self._spinner = Spinner("dots", style="cyan")
        self._live: Live | None = None

    @property
    def active(self) -> bool:
        return self._live is not None

    def __rich__(self) -> Spinner:
        """Rendered by the Live refresh thread only."""
        elapsed = time.perf_counter() - self.started
        self._spinner.update(text=Text(f"{self.phase} · {elapsed:.1f}s", style="dim"))
        return self._spinner

    def show(self, phase: str) -> None:
        self.phase = phase
        if self._live is None:
            self._live = Live(
                self,
                console=self.console,
                transient=True,
                auto_refresh=True,
                refresh_per_second=8,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()

    def stop(self) -> None:
        """Erase the line (a no-op when it is not shown)."""
        live, self._live = self._live, None
        if live is not None:
            live.stop()
