"""gruchat's own overhead, apart from the engine: start-up of commands that must not load
the engine, and the TTY renderer's cost per token at 1,000, 5,000 and 10,000 tokens
(flat?), unpaced and on a paced stream, where the live redraws happen as in the REPL.

usage: python bench/overhead.py [--runs N] [--rate T/S] [--no-startup]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from prompts import ROOT

sys.path.insert(0, str(ROOT))

from rich.console import Console

from gruchat.engine.base import Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.render import StreamRenderer
from gruchat.session import Session
from gruchat.turn_runner import run_turn
from gruchat.turn_view import answer_transform

TOKEN_CHARS = 8  # every token is 8 characters, so the fake engine streams exactly N tokens
SIZES = (1000, 5000, 10000)
REPL_RATE = 90.0  # tokens a second: SmolLM2-135M's decode rate on this machine
REPL_TOKENS = 256  # the answer length of the REPL-vs-raw measurement


def startup(args: list[str], runs: int) -> dict:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gruchat", *args], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    probe = (
        "import sys, runpy; sys.argv = ['gruchat', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('gruchat', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('mistralrs' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "imports_mistralrs": loaded.stdout.strip().splitlines()[-1] == "True",
    }


def answer_text(tokens: int) -> str:
    """Markdown-like text: 8-character words, a paragraph break every 40 tokens."""
    words = [
        f"wd{i % 1000:03d}.\n\n" if i % 40 == 39 else f"wd{i % 100000:05d} " for i in range(tokens)
    ]
    return "".join(words)


def code_text(tokens: int) -> str:
    """One fenced code block, 8-character tokens, a line break every 8: a tail as tall as
    the screen, committed in parts (the costliest shape to redraw)."""
    words = ["```text\n", *(f"v{i:06d}\n" if i % 8 == 7 else f"v{i:06d}+" for i in range(tokens))]
    return "".join(words[:tokens])


def consoles() -> tuple[Console, Console]:
    def make() -> Console:
        return Console(file=io.StringIO(), force_terminal=True, width=100, height=40)

    return make(), make()


def render_seconds(tokens: int) -> float:
    """CPU seconds of the whole turn path (run_turn, loop check, renderer), as fast as the
    fake engine goes (CPU, not wall time: the machine is shared)."""
    engine = FakeEngine().enqueue(answer_text(tokens), chunk=TOKEN_CHARS)
    session = Session.start("", Sampling())
    console, meta = consoles()
    renderer = StreamRenderer(console, meta, markdown=True)
    started = time.process_time()
    run_turn(engine, session, "q", renderer)
    return time.process_time() - started


def paced_cpu(text: str, rate: float, draw: bool) -> tuple[float, float]:
    """(CPU seconds of every thread, wall seconds) to feed ``text`` token by token at
    ``rate`` tokens a second, as an engine streams, into the REPL's renderer (``draw``) or
    into nothing (the pacing's own cost, subtracted)."""
    pieces = [text[i : i + TOKEN_CHARS] for i in range(0, len(text), TOKEN_CHARS)]
    console, meta = consoles()
    renderer = StreamRenderer(console, meta, markdown=True, transform=answer_transform())
    feed: Callable[[str], None] = renderer.answer if draw else (lambda _: None)
    cpu, wall = time.process_time(), time.perf_counter()
    for index, piece in enumerate(pieces):
        feed(piece)
        wait = wall + (index + 1) / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
    renderer.close()
    return time.process_time() - cpu, time.perf_counter() - wall


def renderer_cpu(text: str, rate: float, runs: int) -> dict:
    """The renderer's CPU per token and as a share of one core, medians over ``runs``."""
    tokens = len(text) // TOKEN_CHARS
    costs, shares = [], []
    for _ in range(runs):
        drawn, wall = paced_cpu(text, rate, draw=True)
        idle, _ = paced_cpu(text, rate, draw=False)
        costs.append(max(0.0, drawn - idle) / tokens)
        shares.append(max(0.0, drawn - idle) / wall)
    return {"ms_per_token": 1000 * statistics.median(costs),
            "core_share": statistics.median(shares)}  # fmt: skip


def flat_table(title: str, per_token: dict[int, float]) -> list[str]:
    lines = ["", f"{title}", "", "| tokens | ms per token |", "|---|---|"]
    lines += [f"| {n:,} | {ms:.4f} |" for n, ms in per_token.items()]
    growth = per_token[SIZES[-1]] / per_token[SIZES[0]]
    lines.append(f"\nper token, 10,000 / 1,000 tokens: {growth:.2f}× (1.00× is flat)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="tokens a second for the paced 1k–10k table")  # fmt: skip
    parser.add_argument("--no-startup", action="store_true")
    args = parser.parse_args()
    lines = []
    if not args.no_startup:
        lines += ["| command | median s | min–max s | imports mistralrs |", "|---|---|---|---|"]
        for command in (["--help"], ["models"]):
            s = startup(command, args.runs)
            imports = "yes" if s["imports_mistralrs"] else "no"
            lines.append(f"| gruchat {' '.join(command)} | {s['median_s']:.3f} | "
                         f"{s['min_s']:.3f}–{s['max_s']:.3f} | {imports} |")  # fmt: skip
    seconds: dict[int, list[float]] = {n: [] for n in SIZES}
    for _ in range(5):
        for n in SIZES:
            seconds[n].append(render_seconds(n))
    unpaced = {n: 1000 * statistics.median(v) / n for n, v in seconds.items()}
    lines += flat_table("run_turn on the fake engine, as fast as it streams (CPU):", unpaced)
    for shape, make in (("prose", answer_text), ("code", code_text)):
        paced = {n: renderer_cpu(make(n), args.rate, 1)["ms_per_token"] for n in SIZES}
        title = f"The renderer's CPU, {shape}, paced at {args.rate:.0f} T/s (live redraws on):"
        lines += flat_table(title, paced)
    lines += ["", f"A {REPL_TOKENS}-token answer at {REPL_RATE:.0f} T/s, as in the REPL:", "",
              "| shape | renderer ms per token | share of one core |", "|---|---|---|"]  # fmt: skip
    for shape, make in (("prose", answer_text), ("code", code_text)):
        r = renderer_cpu(make(REPL_TOKENS), REPL_RATE, 3)
        lines.append(f"| {shape} | {r['ms_per_token']:.3f} | {100 * r['core_share']:.2f}% |")
    text = "\n".join(lines).lstrip("\n")
    print(text)
    (ROOT / "bench" / "results" / "overhead.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
