"""The live tail's redraw budget (gruchat.markdown_stream): redraws are bounded by elapsed
time, committed blocks are never drawn again, and what ends on screen does not depend on
how often the tail was redrawn. Time is an injected clock, never the wall clock."""

from __future__ import annotations

import io
import math
import time

import pytest
from rich.console import Console
from rich.markdown import Markdown
from test_render import screen, tokens

from gruchat.markdown_stream import MarkdownStream, RedrawBudget


class Clock:
    """A clock the test moves: ``tick`` seconds per token fed, ``draw`` per render."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def terminal(width: int = 80, height: int = 25) -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=width, height=height)


ANSWER = "\n".join(
    [
        "# Gates",
        "",
        "A GRU has an **update gate** and a *reset gate*; each is a sigmoid of the input",
        "and the previous state, so every gate value lies between 0 and 1.",
        "",
        "- the update gate z mixes old and new state",
        "- the reset gate r decides how much of the past the candidate sees",
        "",
        "```python",
        *(f"h_{i} = (1 - z_{i}) * h_{i - 1} + z_{i} * n_{i}" for i in range(1, 13)),
        "```",
        "",
        " ".join(f"word{i}" for i in range(120)),
        "",
        "1. first step",
        "2. second step",
        "",
        "The end.",
    ]
)


def run(text, budget=None, clock=None, tick=0.0, console=None, draw_cost=0.0):
    """Stream ``text`` token by token; the clock advances ``tick`` per token and
    ``draw_cost`` per Markdown render. Returns (stream, console)."""
    console = console or terminal()
    clock = clock or Clock()

    def transform(s: str) -> str:
        clock.now += draw_cost
        return s

    stream = MarkdownStream(console, transform, budget=budget, clock=clock, idle_redraw=False)
    for token in tokens(text):
        stream.feed(token)
        clock.now += tick
    stream.close()
    return stream, console


def test_budget_interval_is_the_floor_or_the_draw_cost_over_its_share():
    budget = RedrawBudget(floor=0.1, share=0.05)
    assert budget.due(0.0)
    budget.spent(started=1.0, seconds=0.001)  # cheap draw: the floor rules
    assert budget.interval == 0.1
    assert not budget.due(1.09) and budget.due(1.11)
    assert budget.wait(1.04) == pytest.approx(0.06)
    budget.spent(started=2.0, seconds=0.02)  # 20 ms draw: 0.4 s, so drawing is 5% of time
    assert budget.interval == pytest.approx(0.4)
    assert not budget.due(2.39) and budget.due(2.41)


@pytest.mark.parametrize("tick", [0.0005, 0.011, 0.2])
def test_redraws_are_bounded_by_elapsed_time_over_the_interval(tick):
    """At any token rate the tail is drawn at most once per interval (plus the first)."""
    clock = Clock()
    budget = RedrawBudget(floor=0.125)
    text = ANSWER if tick < 0.125 else ANSWER[:300]
    stream, _ = run(text, budget=budget, clock=clock, tick=tick)
    elapsed = clock.now
    assert 1 <= stream.redraws <= math.floor(elapsed / 0.125) + 1
    if tick >= 0.125:  # slower than the floor: every token that leaves a tail is drawn
        assert stream.redraws >= len(tokens(text)) // 2


def test_a_slow_draw_stretches_the_interval_so_drawing_stays_within_its_share():
    """Each render costs 30 ms on the clock: redraws are spaced 30 / 0.05 = 0.6 s apart,
    so drawing takes at most 5% of the time (plus one draw)."""
    clock = Clock()
    budget = RedrawBudget(floor=0.125, share=0.05)
    stream, _ = run(ANSWER, budget=budget, clock=clock, tick=0.011, draw_cost=0.03)
    assert budget.interval == pytest.approx(0.6)
    elapsed = clock.now
    assert stream.redraws <= elapsed / 0.6 + 1
    assert stream.redraws * 0.03 <= 0.05 * elapsed + 0.03


@pytest.mark.parametrize("width,height", [(80, 25), (40, 10)])
def test_the_final_screen_does_not_depend_on_the_redraw_schedule(width, height):
    """Drawn after every token, never, or on the budget: the same final screen, and the
    same as on a console with no live region at all (only the committed blocks)."""
    schedules = {
        "every token": RedrawBudget(floor=0.0, share=math.inf),
        "never after the first": RedrawBudget(floor=math.inf),
        "budget": RedrawBudget(),
    }
    shown = {}
    for name, budget in schedules.items():
        _, console = run(ANSWER, budget=budget, tick=0.011, console=terminal(width, height))
        shown[name] = screen(console.file.getvalue())
    plain = Console(file=io.StringIO(), width=width, height=height)
    run(ANSWER, console=plain)
    assert shown["every token"] == shown["never after the first"] == shown["budget"]
    assert shown["budget"] == screen(plain.file.getvalue())
    for word in ("Gates", "h_12 = (1 - z_12)", "word119", "second step", "The end."):
        assert shown["budget"].count(word) == 1, word


def test_committed_blocks_are_rendered_once_and_the_redrawn_tail_stays_short():
    """A 5,000-token answer: each committed block is rendered exactly once; a redraw only
    ever renders the open tail, which fits on the screen whatever the answer's length."""
    console = terminal(80, 25)
    clock = Clock()
    rendered: list[str] = []
    stream = MarkdownStream(console, clock=clock, idle_redraw=False)
    original = stream._render
    stream._render = lambda text: (rendered.append(text), original(text))[1]
    committed: list[str] = []
    original_print = stream._print
    stream._print = lambda text: (committed.append(text), original_print(text))[1]
    for i in range(5000):
        stream.feed(f"w{i}.\n\n" if i % 50 == 49 else f"w{i} ")
        clock.now += 0.011
    for i in range(3000):  # and a long paragraph, committed in screen-sized parts
        stream.feed(f"v{i} ")
        clock.now += 0.011
    stream.close()
    for block in committed:
        assert rendered.count(block) == 1
    tails = [text for text in rendered if text not in committed]
    assert len(tails) == stream.redraws
    assert stream.redraws <= clock.now / stream.budget.floor + 1
    assert max(len(t) for t in tails) <= 80 * 25


def test_a_print_above_the_live_region_replays_the_frame_without_rendering():
    """rich redraws the live region after every console.print; that replays the drawn
    frame (no Markdown render) and it is the same lines a direct render gives."""
    console = terminal()
    clock = Clock()
    stream = MarkdownStream(console, clock=clock, idle_redraw=False)
    renders = 0
    original = stream._render

    def counting(text):
        nonlocal renders
        renders += 1
        return original(text)

    stream._render = counting
    stream.feed("An **open** paragraph about the reset gate ")
    assert (renders, stream.redraws) == (1, 1)
    for _ in range(5):
        console.print("a line printed above")
    assert renders == 1
    replayed = console.render_lines(stream, console.options, pad=False)
    direct = console.render_lines(
        Markdown("An **open** paragraph about the reset gate "), console.options, pad=False
    )
    assert replayed == direct
    stream.close()


def test_the_tail_left_before_a_pause_is_drawn_by_the_idle_redraw():
    """Tokens that came too soon after a draw are drawn once the stream pauses (no new
    token would trigger it). Waits for the output, without timing it."""
    console = terminal()
    stream = MarkdownStream(console, budget=RedrawBudget(floor=0.05))
    stream.feed("first ")
    stream.feed("secondword ")  # within the interval: not drawn by feed
    assert stream.redraws == 1
    deadline = time.monotonic() + 10
    while stream.redraws < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stream.redraws == 2
    assert "secondword" in console.file.getvalue()
    stream.close()
    assert screen(console.file.getvalue()) == "first secondword"
