"""Sweep the engine's CPU knobs one at a time from the default, with a quality check.

Each variant is one fresh raw-engine process that answers, greedily:
  1. the REPL's real first prompt (default system prompt + the notes gruchat grounds
     "How many gates does a GRU have?" with): time to first token, prompt and decode T/s;
  2. three fixed questions (prompts.QUALITY_QUESTIONS), each a new conversation: the
     quality check compares these answers with the default's (identical, or a similarity);
  3. the 4-turn chat: TTFT of turns 2–4 against turn 1 (the prefix cache's effect).
Variants alternate round by round; medians over rounds. Not part of `make test`.

The default is the preset's own settings (--model, SmolLM2-135M unless told): its ISQ from
configs/models.toml, mistralrs's defaults otherwise. "UQFF" variants load weights that an
earlier run re-quantised and saved (write_uqff), through Which.Plain(from_uqff=...); the
sweep writes them once, before round 1, and reports how long that took.

usage: flock /tmp/gruchat-model.lock python bench/sweep.py [--model PRESET] [--runs N]
           [--max-tokens N] [--only NAME,...] [--no-chat]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from contenders import llama_server, raw_engine
from prompts import QUALITY_QUESTIONS, ROOT, default_system, prompt_sets
from run import machine, similarity

sys.path.insert(0, str(ROOT))
from gruchat.models import preset_path, presets
from gruchat.tutor.grounding import make_grounder

RESULTS = ROOT / "bench" / "results"
GROUNDED_QUESTION = "How many gates does a GRU have?"

DEFAULT = "default"
# name -> knobs on top of the default (mistralrs defaults + the preset's ISQ)
VARIANTS: dict[str, dict] = {
    DEFAULT: {},
    "isq none": {"isq": "none"},
    "isq Q8_0": {"isq": "Q8_0"},
    "isq Q4_0": {"isq": "Q4_0"},
    "isq Q4K": {"isq": "Q4K"},
    "isq Q6K": {"isq": "Q6K"},
    "isq Q8K": {"isq": "Q8K"},
    "UQFF Q8_0": {"uqff": "Q8_0"},
    "UQFF Q4K": {"uqff": "Q4K"},
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
    "2 threads": {"env": {"CANDLE_NUM_THREADS": "2", "RAYON_NUM_THREADS": "2"}},
    # what gruchat/allocator.py sets (the raw engine script does not): does it cost speed?
    "malloc mmap128k+arena2": {
        "env": {"MALLOC_MMAP_THRESHOLD_": "131072", "MALLOC_ARENA_MAX": "2"}
    },
    # not mistralrs: llama.cpp's llama-server on the same file, 2 threads, for the ratios
    "llama.cpp (llama-server)": {"contender": "llama-server"},
}


def build_spec(model: Path, isq: str, max_tokens: int, chat: bool) -> dict:
    grounded, _ = make_grounder().ground(GROUNDED_QUESTION)
    chat_turns = prompt_sets()["chat"].turns if chat else ()
    turns = [grounded, *QUALITY_QUESTIONS, *chat_turns]
    fresh = [True] * (1 + len(QUALITY_QUESTIONS)) + [True] * bool(chat_turns)
    fresh += [False] * max(len(chat_turns) - 1, 0)
    return {
        "model": str(model),
        "isq": isq,
        "set": {"system": default_system(), "turns": turns},
        "fresh": fresh,
        "max_tokens": max_tokens,
    }


def write_uqff(spec: dict, isq: str, folder: Path) -> tuple[dict, float]:
    """Re-quantise the model to ISQ once and save it as UQFF in FOLDER (one short answer,
    to check the writing run works); returns the knobs that load it and the seconds taken."""
    target = folder / f"model-{isq}.uqff"
    one = {**spec, "isq": isq, "write_uqff": str(target), "max_tokens": 1,
           "set": {"system": "", "turns": ["Hi"]}, "fresh": [True]}  # fmt: skip
    started = time.perf_counter()
    raw_engine(one)
    written = sorted(folder.glob(f"model-{isq}*.uqff"))  # shards: model-Q8_0-0.uqff, ...
    if not written:
        raise RuntimeError(f"write_uqff left no file in {folder}")
    return {"from_uqff": str(written[0])}, time.perf_counter() - started


def figures(result: dict) -> dict:
    turns = result["turns"]
    quality = turns[1 : 1 + len(QUALITY_QUESTIONS)]
    chat = turns[1 + len(QUALITY_QUESTIONS) :] or [{"ttft_s": 0.0}] * 2
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
    parser.add_argument("--model", default="smollm2-135m", help="a preset in the model store")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--only", default="", help="comma-separated variant names")
    parser.add_argument("--no-chat", action="store_true", help="skip the 4-turn chat")
    args = parser.parse_args()
    preset = presets().get(args.model)
    if preset is None or preset.source != "pypi":
        sys.exit(f"error: {args.model!r} is not a pypi preset ({', '.join(presets())})")
    unknown = [v for v in args.only.split(",") if v and v not in VARIANTS]
    if unknown:
        sys.exit(f"error: unknown variant {unknown[0]!r}; choose from {', '.join(VARIANTS)}")
    chosen = [v for v in args.only.split(",") if v] or list(VARIANTS)  # in the order given
    if DEFAULT not in chosen:
        chosen.insert(0, DEFAULT)
    spec = build_spec(preset_path(preset), preset.isq or "Q8_0", args.max_tokens, not args.no_chat)
    knobs = {name: dict(VARIANTS[name]) for name in chosen}
    failed: dict[str, str] = {}
    written: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="sweep-uqff-") as scratch:
        for name in [n for n in chosen if "uqff" in knobs[n]]:
            isq = knobs[name].pop("uqff")
            try:
                extra, written[name] = write_uqff(spec, isq, Path(scratch) / isq)
                knobs[name].update(extra)
            except RuntimeError as exc:  # e.g. "UQFF serialization requires at least one ISQ"
                failed[name] = str(exc).split(": ", 1)[-1]
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"sweep-{args.model}-{time.strftime('%Y%m%d-%H%M%S')}.json"

        def save(runs: dict) -> str:  # after every run: a timeout keeps what was measured
            text = report(runs, failed, written, args)
            record = {"machine": machine(), "args": vars(args), "variants": knobs, "runs": runs,
                      "failed": failed, "uqff_write_s": written, "table": text}  # fmt: skip
            path.write_text(json.dumps(record, indent=2))
            return text

        print(save(sweep(spec, chosen, knobs, failed, args.runs, save)))
    print(f"saved {path.relative_to(ROOT)}", file=sys.stderr)


def sweep(spec: dict, chosen: list[str], knobs: dict, failed: dict, rounds: int,
          save: Callable[[dict], object]) -> dict:  # fmt: skip
    """Variants alternate round by round; a variant the engine refuses is dropped."""
    runs: dict[str, list[dict]] = {v: [] for v in chosen}
    for round_ in range(rounds):
        for name in [c for c in chosen if c not in failed]:
            try:
                run = llama_server if knobs[name].get("contender") else raw_engine
                result = figures(run({**spec, **knobs[name]}))
            except RuntimeError as exc:  # e.g. a knob the engine refuses on this device
                failed[name] = str(exc).split(": ", 1)[-1]
                print(f"round {round_ + 1} {name:22} failed: {failed[name]}", file=sys.stderr)
                continue
            result["loadavg_1m"] = os.getloadavg()[0]
            runs[name].append(result)
            print(f"round {round_ + 1} {name:22} load {result['load_s']:.2f}s TTFT "
                  f"{result['ttft_s']:.2f}s prompt {result['prompt_tps']:.0f} T/s decode "
                  f"{result['decode_tps']:.1f} T/s (load avg {result['loadavg_1m']:.2f})",
                  file=sys.stderr)  # fmt: skip
            if runs[DEFAULT]:
                save(runs)
    return runs


def report(runs: dict, failed: dict, written: dict, args: argparse.Namespace) -> str:
    base = runs[DEFAULT][0]["answers"]
    median = {v: {k: statistics.median(r[k] for r in rs) for k in rs[0] if k != "answers"}
              for v, rs in runs.items() if rs}  # fmt: skip
    ref = median[DEFAULT]
    lines = [
        "| variant | load s | TTFT s | prompt T/s | decode T/s | vs default (prompt / decode) "
        "| chat TTFT turns 2–4 / turn 1 | peak RSS MB | greedy answers vs default |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in median.items():
        speedup = (m["prompt_tps"] / ref["prompt_tps"], m["decode_tps"] / ref["decode_tps"])
        chat = "–" if args.no_chat else f"{m['chat_ttft_later']:.2f} / {m['chat_ttft_first']:.2f} s"
        lines.append(
            f"| {name} | {m['load_s']:.2f} | {m['ttft_s']:.2f} | {m['prompt_tps']:.1f} "
            f"| {m['decode_tps']:.1f} | {speedup[0]:.2f}× / {speedup[1]:.2f}× | {chat} "
            f"| {m['peak_rss_mb']:.0f} | {quality(runs[name][0]['answers'], base)} |"
        )
    for name, reason in failed.items():
        lines.append(f"| {name} | – | – | – | – | – | – | – | refused by the engine: {reason} |")
    loads = [r["loadavg_1m"] for rs in runs.values() for r in rs]
    notes = [f"UQFF written once for '{n}' in {s:.1f} s (not in its load time)."
             for n, s in written.items()]  # fmt: skip
    command = "python bench/sweep.py " + " ".join(sys.argv[1:])
    return (f"Model {args.model}; first prompt: {ref['prompt_tokens']:.0f} tokens (system prompt "
            f"+ notes + question). {args.runs} runs, medians; 1-minute load average "
            f"{min(loads):.2f}–{max(loads):.2f} after each run. Command: `{command.strip()}`. "
            + " ".join(notes) + "\n\n" + "\n".join(lines))  # fmt: skip


if __name__ == "__main__":
    main()
