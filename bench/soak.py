"""A learner's afternoon: does the REPL's memory stay bounded over a long conversation?

Each mode runs 60 grounded GRU questions (greedy, short answers) through the real REPL
path (``run_repl`` with piped input, the real engine in-process) in its own child
process, and records the peak RSS (VmHWM) and current RSS (VmRSS) after question 6 and
after the last. The modes differ only in ``cache_budget_tokens`` (0 = the engine is never
reloaded); ``history_tokens`` (the history window) is the configured one, recorded.
Goal: with bounding on, peak RSS after 60 within 1.3x of that after 6.

A sampler thread reads the resident set every 20 ms and keeps two maxima: while a
reload (and its re-warm) runs, and otherwise, so a peak can be put down to its cause.
``--allocators`` runs each budget under several glibc malloc settings (the child's
environment; see ALLOCATORS).

usage: python bench/soak.py [--questions 60] [--budgets 0,4096] [--max-tokens 32]
       [--allocators default,gruchat]
       (run it as `flock /tmp/gruchat-model.lock python bench/soak.py`)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
QUIZ = ROOT / "prompts" / "regression" / "gru-quiz.gru"
EARLY = 6
STYLES = ("{q}", "Briefly: {q}", "In one sentence, {l}", "Quick check for my notes: {q}",
          "Remind me again. {q}", "Explain it to a beginner: {l}")  # fmt: skip


def questions(count: int) -> list[str]:
    """``count`` distinct grounded questions: the quiz's, in six phrasings."""
    base = [line for line in QUIZ.read_text().splitlines() if line.endswith("?")]
    out: list[str] = []
    for style in STYLES:
        for question in base:
            out.append(style.format(q=question, l=question[0].lower() + question[1:]))
    if count > len(out):
        raise SystemExit(f"at most {len(out)} distinct questions")
    return out[:count]


ALLOCATORS = {
    "gruchat": {},  # what gruchat/allocator.py sets itself
    "glibc": {"GRUCHAT_MALLOC": "default"},  # glibc's defaults (the idle trim still runs)
    # set through glibc's own variables (gruchat then leaves malloc alone):
    "mmap128k+arena2": {"MALLOC_MMAP_THRESHOLD_": "131072", "MALLOC_ARENA_MAX": "2"},
    "arena2": {"MALLOC_ARENA_MAX": "2"},
}


def memory_mb() -> dict[str, float]:
    values: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values


class MeasuredLines:
    """The REPL's piped stdin (iterated or read by line): the questions, sampling memory
    when the REPL asks for line EARLY + 1 (question EARLY done) and at the end."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.read = 0
        self.samples: dict[str, dict[str, float]] = {}

    def readline(self, limit: int = -1) -> str:
        if self.read == EARLY:
            self.samples["early"] = memory_mb()
        if self.read == len(self.lines):
            self.samples.setdefault("end", memory_mb())
            return ""
        self.read += 1
        return self.lines[self.read - 1] + "\n"

    def __iter__(self) -> Iterator[str]:
        return iter(self.readline, "")


class Sampler(threading.Thread):
    """The resident set every ``period`` s: its maximum while a reload runs, and otherwise."""

    def __init__(self, period: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.period, self.reloading = period, False
        self.peak = {"reload": 0.0, "turns": 0.0}
        self._page = os.sysconf("SC_PAGE_SIZE") / 2**20
        self._done = threading.Event()

    def run(self) -> None:
        with open("/proc/self/statm", "rb", buffering=0) as statm:
            while not self._done.wait(self.period):
                statm.seek(0)
                rss = int(statm.read().split()[1]) * self._page
                key = "reload" if self.reloading else "turns"
                self.peak[key] = max(self.peak[key], rss)

    def stop(self) -> dict[str, float]:
        self._done.set()
        self.join()
        return {k: round(v) for k, v in self.peak.items()}


def child(budget: int, count: int, max_tokens: int) -> dict:
    """One mode in this process: the real REPL loop over ``count`` questions."""
    sys.path.insert(0, str(ROOT))
    from gruchat import repl
    from gruchat.config import load_settings
    from gruchat.engine.recycle import RecyclingEngine
    from gruchat.environment import Environment

    made: list[RecyclingEngine] = []
    sampler = Sampler()
    sampler.start()

    class Counting(RecyclingEngine):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

        def _recycle(self) -> None:
            sampler.reloading = True
            try:
                super()._recycle()
            finally:
                sampler.reloading = False

    repl.RecyclingEngine = Counting  # only to read its counters afterwards
    lines = MeasuredLines(questions(count))
    env = Environment.in_memory("")
    env.stdin = lines  # type: ignore[assignment]
    flags = {"cache_budget_tokens": budget, "max_tokens": max_tokens, "temperature": 0.0}
    settings = load_settings(flags)
    status = repl.run_repl(settings, env)
    for engine in made:
        engine.wait()
    peaks = sampler.stop()
    out = env.out.file.getvalue()
    ttfts = [float(x) for x in re.findall(r"Time to first token: ([\d.]+)s", out)]
    hits = re.findall(r"Prefix cache: (\d+) hits / (\d+) turns", out)
    return {
        "budget_tokens": budget,
        "history_tokens": settings.history_tokens,  # GRUCHAT_HISTORY_TOKENS or the default
        "model": settings.model,
        "exit": int(status),
        "answers": len(ttfts),
        "errors": out.count("error:"),
        "prefix_cache": f"{hits[-1][0]}/{hits[-1][1]}" if hits else None,
        "median_ttft_s": statistics.median(ttfts) if ttfts else None,
        "max_ttft_s": max(ttfts) if ttfts else None,
        "recycles": made[0].recycles if made else 0,
        "allocator": os.environ.get("SOAK_ALLOCATOR", "gruchat"),
        "sampled_peak_mb": peaks,  # max resident set during reloads / the rest
        "early": lines.samples.get("early"),
        "end": lines.samples.get("end"),
    }


def run_mode(budget: int, allocator: str, count: int, max_tokens: int) -> dict:
    with tempfile.NamedTemporaryFile("r", suffix=".json") as handle:
        cmd = [sys.executable, __file__, "--child", str(budget), "--questions", str(count),
               "--max-tokens", str(max_tokens), "--out", handle.name]  # fmt: skip
        env = {**os.environ, "RUST_LOG": "error", **ALLOCATORS[allocator]}
        env["SOAK_ALLOCATOR"] = allocator
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        return json.loads(Path(handle.name).read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--budgets", default="0,4096")
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--allocators", default="gruchat", help=", ".join(ALLOCATORS))
    parser.add_argument("--child", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.child is not None:
        args.out.write_text(json.dumps(child(args.child, args.questions, args.max_tokens)))
        return
    modes = [(int(b), a) for a in args.allocators.split(",") for b in args.budgets.split(",")]
    rows = [run_mode(b, a, args.questions, args.max_tokens) for b, a in modes]
    n = args.questions
    print(
        f"| malloc | cache_budget_tokens | peak RSS after {EARLY} | peak after {n} | ratio | "
        f"RSS after {EARLY} | RSS after {n} | peak in reloads / turns | reloads | "
        "prefix-cache hits | median TTFT | answers |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        early, end, sampled = row["early"], row["end"], row["sampled_peak_mb"]
        row["peak_ratio"] = end["VmHWM"] / early["VmHWM"]
        row["rss_ratio"] = end["VmRSS"] / early["VmRSS"]
        print(f"| {row['allocator']} | {row['budget_tokens']} | {early['VmHWM']:.0f} MB | "
              f"{end['VmHWM']:.0f} MB | {row['peak_ratio']:.2f}x | {early['VmRSS']:.0f} MB | "
              f"{end['VmRSS']:.0f} MB ({row['rss_ratio']:.2f}x) | {sampled['reload']} / "
              f"{sampled['turns']} MB | {row['recycles']} | {row['prefix_cache']} | "
              f"{row['median_ttft_s']:.2f}s | {row['answers']} |")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"soak-{stamp}.json"
    meta = {"questions": n, "max_tokens": args.max_tokens, "early": EARLY}
    path.write_text(json.dumps({**meta, "modes": rows}, indent=1))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
