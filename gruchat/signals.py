"""SIGTERM and SIGHUP end gruchat like an exception, not a kill: every ``finally`` runs, so
the answer's stream is cancelled, rich's live region gives the cursor back and the
prompt leaves raw mode; the exit status is then 128 + the signal number (143, 129)."""

from __future__ import annotations

import contextlib
import signal
import sys
from types import FrameType
from typing import Any

from gruchat.errors import ExitStatus

EXIT_SIGNALS = {signal.SIGTERM: ExitStatus.TERMINATED, signal.SIGHUP: ExitStatus.HANGUP}
SHOW_CURSOR = "\x1b[?25h"
BRACKETED_PASTE_OFF = "\x1b[?2004l"  # prompt_toolkit's, left on when a signal cuts it off


class Terminated(BaseException):  # like KeyboardInterrupt: a way out, not an error
    """Raised in the main thread by a terminating signal; not caught by ``except Exception``
    nor by the Ctrl-C handlers (it is no KeyboardInterrupt), so it reaches ``main``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


_received: list[int] = []
_deferred: list[int] = []  # a signal that came while the prompt's event loop ran


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _received:  # a second signal (SIGHUP then SIGTERM) must not cut the clean-up short
        return
    _received.append(signum)
    app = _running_prompt()
    if app is None:
        raise Terminated(signum)
    # Raised here, inside one of asyncio's callbacks, Terminated would be caught by the
    # loop's exception handler: prompt_toolkit prints it and waits for "Press ENTER to
    # continue..." (CI saw that). The prompt is ended from its own loop instead.
    _deferred.append(signum)
    app.loop.call_soon_threadsafe(_end_prompt, app)


def _running_prompt() -> Any:
    """The prompt_toolkit application whose event loop runs now, if any (looked up
    without importing prompt_toolkit where gruchat never opened a prompt)."""
    current = sys.modules.get("prompt_toolkit.application.current")
    app = current.get_app_or_none() if current is not None else None
    if app is None or not app.is_running or app.loop is None:
        return None
    return app


def _end_prompt(app: Any) -> None:
    if not _deferred or app.future is None or app.future.done():
        return  # raised already, or the prompt is returning its line: raise_pending does it
    app.exit(exception=Terminated(_deferred.pop()))


def raise_pending() -> None:
    """Raise the ``Terminated`` a signal left for the prompt when the prompt returned a
    line before its loop could end it; called after each prompt."""
    if _deferred:
        raise Terminated(_deferred.pop())


def install() -> None:
    """Turn SIGTERM and SIGHUP into ``Terminated`` (left alone where they are ignored,
    e.g. under ``nohup``)."""
    for signum in EXIT_SIGNALS:
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            if signal.getsignal(signum) is not signal.SIG_IGN:
                signal.signal(signum, _on_signal)


def received() -> tuple[ExitStatus, str] | None:
    """The exit status owed to the terminating signal that arrived, and its name."""
    if not _received:
        return None
    signum = signal.Signals(_received[0])
    return EXIT_SIGNALS[signum], signum.name


def restore_terminal() -> None:
    """Cursor shown, bracketed paste off: what a live region or the prompt would have
    put back had a signal or an error not cut them short (raw mode is left by
    prompt_toolkit's own context manager)."""
    with contextlib.suppress(Exception):
        if sys.stdout is not None and sys.stdout.isatty():
            sys.stdout.write(SHOW_CURSOR + BRACKETED_PASTE_OFF)
            sys.stdout.flush()
