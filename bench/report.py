"""Medians, min–max and ratios over benchmark runs, as Markdown tables."""

from __future__ import annotations

import statistics
from collections.abc import Callable

# figure name -> how to read it from one run's result
FIGURES: dict[str, Callable[[dict], float | None]] = {
    "load_s": lambda r: r["load_s"],
    "ttft_s": lambda r: r["turns"][0]["ttft_s"],
    "prompt_tps": lambda r: r["turns"][0]["prompt_tps"],
    "decode_tps": lambda r: statistics.mean(t["decode_tps"] for t in r["turns"]),
    "peak_rss_mb": lambda r: r.get("peak_rss_mb"),
    "later_ttft_s": lambda r: (
        statistics.mean(t["ttft_s"] for t in r["turns"][1:]) if len(r["turns"]) > 1 else None
    ),
}
HEADERS = {
    "load_s": "load s",
    "ttft_s": "TTFT s (turn 1)",
    "prompt_tps": "prompt T/s",
    "decode_tps": "decode T/s",
    "peak_rss_mb": "peak RSS MB",
    "later_ttft_s": "TTFT s, turns 2–4",
}


def summarise(runs: list[dict]) -> dict:
    out: dict = {}
    for name, read in FIGURES.items():
        values = [v for v in (read(r) for r in runs) if v is not None]
        out[name] = (
            {"median": statistics.median(values), "min": min(values), "max": max(values)}
            if values
            else None
        )
    first = runs[0]["turns"]
    out["prompt_tokens"] = [t["prompt_tokens"] for t in first]
    out["completion_tokens"] = [t["completion_tokens"] for t in first]
    out["answers"] = [t["answer"] for t in first]
    out["same_answers_every_run"] = all(
        [t["answer"] for t in r["turns"]] == out["answers"] for r in runs
    )
    return out


def cell(figure: dict | None, digits: int = 2) -> str:
    if figure is None:
        return "–"
    low, mid, high = (f"{figure[k]:.{digits}f}" for k in ("min", "median", "max"))
    return f"{mid} ({low}–{high})"


def set_table(summaries: dict[str, dict], multi_turn: bool) -> str:
    figures = [f for f in FIGURES if multi_turn or f != "later_ttft_s"]
    head = ["contender", "prompt tokens", *(HEADERS[f] for f in figures)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, s in summaries.items():
        tokens = "/".join(str(n) for n in s["prompt_tokens"])
        digits = {"peak_rss_mb": 0, "prompt_tps": 1, "decode_tps": 1}
        cells = [cell(s[f], digits.get(f, 2)) for f in figures]
        lines.append(f"| {name} | {tokens} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratio(a: dict | None, b: dict | None, figure: str) -> str:
    if not a or not b or not a.get(figure) or not b.get(figure):
        return "–"
    return f"{a[figure]['median'] / b[figure]['median']:.2f}×"


def ratio_table(by_set: dict[str, dict[str, dict]], ours: str, theirs: list[str]) -> str:
    """gruchat against each baseline: >1 means gruchat is faster for rates, slower for times."""
    head = ["prompt set", "vs", "decode T/s", "prompt T/s", "TTFT (turn 1)", "peak RSS"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for set_name, summaries in by_set.items():
        mine = summaries.get(ours)
        for other in theirs:
            base = summaries.get(other)
            if mine is None or base is None:
                continue
            cells = [ratio(mine, base, f) for f in ("decode_tps", "prompt_tps", "ttft_s",
                                                    "peak_rss_mb")]  # fmt: skip
            lines.append(f"| {set_name} | {other} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
