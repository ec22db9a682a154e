"""Sweep the engine's CPU knobs one at a time from the default, with a quality check.

Each variant is one fresh raw-engine process that answers, greedily:
  1. the REPL's real first prompt (default system prompt + the notes gruchat grounds
     "How many gates does a GRU have?" with): time to first token, prompt and decode T/s;
  2. three fixed questions (prompts.QUALITY_QUESTIONS), each a new conversation: the
     quality check compares these answers with the default's (identical, or a similarity);
  3. the 4-turn chat: TTFT of turns 2–4 against turn 1 (the prefix cache's effect).
Variants alternate round by round; medians over rounds. Not part of `make test`.

usage: python bench/sweep.py [--runs N] [--max-tokens N] [--only NAME,...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from contenders import raw_engine
from prompts import QUALITY_QUESTIONS, ROOT, default_system, prompt_sets
from run import machine, model_path, similarity

sys.path.insert(0, str(ROOT))
from gruchat.tutor.grounding import make_grounder

RESULTS = ROOT / "bench" / "results"
GROUNDED_QUESTION = "How many gates does a GRU have?"

# name -> knobs on top of the default (mistralrs defaults + gruchat's ISQ Q8_0)
VARIANTS: dict[str, dict] = {
    "default (Q8_0)": {},
    "isq none (the Q4_1 file)": {"isq": "none"},
    "isq Q4_0": {"isq": "Q4_0"},
    "isq Q4K": {"isq": "Q4K"},
    "isq Q8K": {"isq": "Q8K"},
    "dense f32 weights": {"isq": "none", "env": {"CANDLE_DEQUANTIZE_ALL": "1"}},
    "dense f16 weights": {"isq": "none", "env": {"CANDLE_DEQUANTIZE_ALL_F16": "1"}},
    "activations F16": {"dtype": "F16"},
    "activations BF16": {"dtype": "BF16"},
    "KV cache F32": {"env": {"MISTRALRS_CPU_KV_F32": "1"}},
    "AVX2 kernels forced": {"env": {"MISTRALRS_FORCE_AVX2": "1"}},
    "paged attention on": {"paged_attn": True},
    "prefix cache 0": {"prefix_cache_n": 0},
    "prefix cache 64": {"prefix_cache_n": 64},
    "max seqs 1": {"max_seqs": 1},
    "1 thread": {"env": {"CANDLE_NUM_THREADS": "1", "RAYON_NUM_THREADS": "1"}},
}


def build_spec(max_tokens: int) -> dict:
    grounded, _ = make_grounder().ground(GROUNDED_QUESTION)
    chat = prompt_sets()["chat"].turns
    turns = [grounded, *QUALITY_QUESTIONS, *chat]
    fresh = [True] * (1 + len(QUALITY_QUESTIONS)) + [True] + [False] * (len(chat) - 1)
    return {
        "model": str(model_path()),
        "set": {"system": default_system(), "turns": turns},
        "fresh": fresh,
        "max_tokens": max_tokens,
    }


def figures(result: dict) -> dict:
    turns = result["turns"]
    quality = turns[1 : 1 + len(QUALITY_QUESTIONS)]
    chat = turns[1 + len(QUALITY_QUESTIONS) :]
    return {
        "load_s": result["load_s"],
        "ttft_s": turns[0]["ttft_s"],
        "prompt_tokens": turns[0]["prompt_tokens"],
        "prompt_tps": turns[0]["prompt_tps"],
        "decode_tps": statistics.mean(t["decode_tps"] for t in turns),
        "chat_ttft_first": chat[0]["ttft_s"],
        "chat_ttft_later": statistics.mean(t["ttft_s"] for t in chat[1:]),
        "peak_rss_mb": result["peak_rss_mb"],
        "answers": [turns[0]["answer"], *(t["answer"] for t in quality)],
    }


def quality(answers: list[str], base: list[str]) -> str:
    same = sum(a == b for a, b in zip(answers, base, strict=True))
    if same == len(base):
        return "identical"
    return f"{same}/{len(base)} identical, similarity {similarity(answers, base):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--only", default="", help="comma-separated variant names")
    args = parser.parse_args()
    chosen = [v for v in VARIANTS if not args.only or v in args.only.split(",")]
    if "default (Q8_0)" not in chosen:
        chosen.insert(0, "default (Q8_0)")
    spec = build_spec(args.max_tokens)
    runs: dict[str, list[dict]] = {v: [] for v in chosen}
    failed: dict[str, str] = {}
    for round_ in range(args.runs):
        for name in [c for c in chosen if c not in failed]:
            try:
                result = figures(raw_engine({**spec, **VARIANTS[name]}))
            except RuntimeError as exc:  # e.g. a knob the engine refuses on this device
                failed[name] = str(exc).split(": ", 1)[-1]
                print(f"round {round_ + 1} {name:22} failed: {failed[name]}", file=sys.stderr)
                continue
            runs[name].append(result)
            print(f"round {round_ + 1} {name:22} TTFT {result['ttft_s']:.2f}s prompt "
                  f"{result['prompt_tps']:.0f} T/s decode {result['decode_tps']:.0f} T/s",
                  file=sys.stderr)  # fmt: skip
    base = runs["default (Q8_0)"][0]["answers"]
    median = {v: {k: statistics.median(r[k] for r in rs) for k in rs[0] if k != "answers"}
              for v, rs in runs.items() if rs}  # fmt: skip
    ref = median["default (Q8_0)"]
    lines = [
        "| variant | TTFT s | prompt T/s | decode T/s | vs default (prompt / decode) "
        "| chat TTFT turns 2–4 / turn 1 | peak RSS MB | greedy answers vs default |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, m in median.items():
        speedup = (m["prompt_tps"] / ref["prompt_tps"], m["decode_tps"] / ref["decode_tps"])
        lines.append(
            f"| {name} | {m['ttft_s']:.2f} | {m['prompt_tps']:.1f} | {m['decode_tps']:.1f} "
            f"| {speedup[0]:.2f}× / {speedup[1]:.2f}× "
            f"| {m['chat_ttft_later']:.2f} / {m['chat_ttft_first']:.2f} s "
            f"| {m['peak_rss_mb']:.0f} | {quality(runs[name][0]['answers'], base)} |"
        )
    for name, reason in failed.items():
        lines.append(f"| {name} | – | – | – | – | – | – | refused by the engine: {reason} |")
    command = "python bench/sweep.py " + " ".join(sys.argv[1:])
    table = "\n".join(lines)
    text = (f"First prompt: {ref['prompt_tokens']:.0f} tokens (system prompt + notes + question). "
            f"{args.runs} runs, medians. Command: `{command.strip()}`.\n\n{table}")  # fmt: skip
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"sweep-{time.strftime('%Y%m%d-%H%M%S')}.json"
    record = {"machine": machine(), "args": vars(args), "variants": VARIANTS, "runs": runs,
              "failed": failed, "table": text}  # fmt: skip
    path.write_text(json.dumps(record, indent=2))
    print(f"saved {path.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
