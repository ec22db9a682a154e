"""One turn on screen, the same way for the REPL, ``gruchat ask`` and ``gruchat run``.

The callers differ only in where things go (a ``View``): the answer's console, the
console for everything about it, markdown or plain, whether stats are shown. The rest is
here once: the renderer is built, the turn runs (and is logged), then come the sources,
the stats block (with the prefix-cache and context lines) and any context warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console

from gruchat.display_state import DisplayState
from gruchat.engine.base import Engine
from gruchat.render import StreamRenderer, format_stats
from gruchat.session import Session, Turn
from gruchat.turn_log import TurnLog, logged_turn
from gruchat.turn_runner import REPL_REMEDY, Grounder, context_warning


@dataclass(frozen=True)
class View:
    """Where one turn is shown and how."""

    answer: Console  # the model's words (and the verified note, the computed block)
    meta: Console  # reasoning, flags, sources, stats, warnings
    markdown: bool  # render the answer as markdown (a terminal) or write plain lines
    reasoning_mode: str  # show | hide | collapse
    stats: bool = True
    wait: Console | None = None  # a terminal to show the wait for the first token on
    renderer: type[StreamRenderer] = StreamRenderer
    remedy: str = REPL_REMEDY  # what the context warning tells the user to do


def answer_transform() -> Callable[[str], str]:
    """LaTeX math in answers shown as Unicode."""
    from gruchat.tutor.latex import latex_to_unicode

    return latex_to_unicode


def show_turn(
    engine: Engine,
    session: Session,
    text: str,
    view: View,
    grounder: Grounder | None = None,
    log: TurnLog | None = None,
    display_state: DisplayState | None = None,
) -> Turn:
    """Run one prompt and show it; ContextOverflowError (the prompt cannot fit) is the
    caller's to word, since what the user can do about it differs. ``display_state``
    remembers the verified notes already on screen (a fresh one: none)."""
    renderer = view.renderer(
        view.answer,
        view.meta,
        markdown=view.markdown,
        reasoning_mode=view.reasoning_mode,
        transform=answer_transform(),
        wait_console=view.wait,
    )
    turn = logged_turn(log, engine, session, text, renderer, grounder, display_state)
    renderer.sources(turn.sources)
    if view.stats and turn.usage is not None:
        renderer.stats(format_stats(turn, session, engine.info.context_length))
    warning = context_warning(engine, session, view.remedy)
    if warning:
        renderer.warning(warning)
    return turn
