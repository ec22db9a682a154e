"""gruchat's own overhead, apart from the engine: start-up of commands that must not load
the engine, and the TTY renderer's cost per token at 5,000 and 10,000 tokens (linear?).

usage: python bench/overhead.py [--runs N]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time

from prompts import ROOT

sys.path.insert(0, str(ROOT))

from rich.console import Console

from gruchat.engine.base import Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.render import StreamRenderer
from gruchat.session import Session
from gruchat.turn_runner import run_turn

TOKEN_CHARS = 8  # every token is 8 characters, so the fake engine streams exactly N tokens


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


def render_seconds(tokens: int) -> float:
    engine = FakeEngine().enqueue(answer_text(tokens), chunk=TOKEN_CHARS)
    session = Session.start("", Sampling())
    console = Console(file=io.StringIO(), force_terminal=True, width=100, height=40)
    meta = Console(file=io.StringIO(), force_terminal=True, width=100, height=40)
    renderer = StreamRenderer(console, meta, markdown=True)
    started = time.perf_counter()
    run_turn(engine, session, "q", renderer)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    lines = ["| command | median s | min–max s | imports mistralrs |", "|---|---|---|---|"]
    for command in (["--help"], ["models"]):
        s = startup(command, args.runs)
        imports = "yes" if s["imports_mistralrs"] else "no"
        lines.append(f"| gruchat {' '.join(command)} | {s['median_s']:.3f} | "
                     f"{s['min_s']:.3f}–{s['max_s']:.3f} | {imports} |")  # fmt: skip
    sizes = (5000, 10000)
    seconds: dict[int, list[float]] = {n: [] for n in sizes}
    for _ in range(3):
        for n in sizes:
            seconds[n].append(render_seconds(n))
    lines += ["", "| tokens | median s | ms per token |", "|---|---|---|"]
    medians = {n: statistics.median(v) for n, v in seconds.items()}
    for n, m in medians.items():
        lines.append(f"| {n} | {m:.3f} | {1000 * m / n:.4f} |")
    growth = medians[10000] / medians[5000]
    lines.append(f"\n10,000 / 5,000 tokens: {growth:.2f}× the time (2.00× is linear)")
    text = "\n".join(lines)
    print(text)
    (ROOT / "bench" / "results" / "overhead.txt").write_text(text + "\n")


if __name__ == "__main__":
    main()
