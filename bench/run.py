"""Side-by-side benchmark: the raw engine, `gruchat ask`, and each ISQ type, in one run.

Runs alternate between contenders (A B C A B C …) so machine noise hits all of them
alike; we report medians with min–max and ratios. Not part of `make test`.

usage: python bench/run.py [--runs N] [--max-tokens N] [--isq Q8_0,none,...]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
QUESTION = (
    "Explain how the update gate and the reset gate of a GRU work together when the "
    "network reads a long sentence, and why this helps with vanishing gradients."
)
FIELDS = ("load_s", "ttft_s", "prompt_tps", "decode_tps")


def model_path() -> Path:
    sys.path.insert(0, str(ROOT))
    from gruchat.models import preset_path, presets

    return preset_path(presets()["smollm2-135m"])


def run_raw(model: Path, isq: str, prompt: Path, max_tokens: int) -> dict:
    system = ROOT / "prompts" / "system" / "gru-tutor.md"
    cmd = [sys.executable, str(ROOT / "bench" / "raw_engine.py"), str(model), isq,
           str(prompt), str(max_tokens), str(system)]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_gruchat(isq: str, prompt: Path, max_tokens: int) -> dict:
    cmd = [sys.executable, "-m", "gruchat", "ask", "--json", "--no-grounding",
           "--isq", isq, "--max-tokens", str(max_tokens),
           "--temperature", "0", "-"]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run(cmd, input=prompt.read_text(), capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    data = json.loads(proc.stdout)
    usage = data["usage"]
    return {
        "load_s": data["timings"]["load_s"],
        "ttft_s": data["timings"]["ttft_s"],
        "prompt_tokens": usage["prompt_tokens"],
        "completion_tokens": usage["completion_tokens"],
        "prompt_tps": usage["prompt_tps"],
        "decode_tps": usage["decode_tps"],
        "wall_s": wall,
        "answer": data["answer"],
    }


def summarise(samples: list[dict]) -> dict:
    out = {}
    for field in FIELDS:
        values = [s[field] for s in samples if s.get(field) is not None]
        out[field] = {
            "median": statistics.median(values),
            "min": min(values),
            "max": max(values),
        }
    out["prompt_tokens"] = samples[0]["prompt_tokens"]
    out["completion_tokens"] = samples[0]["completion_tokens"]
    out["same_answer_every_run"] = len({s["answer"] for s in samples}) == 1
    out["answer"] = samples[0]["answer"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--isq", default="Q8_0,none,Q4K,Q6K")
    args = parser.parse_args()
    model = model_path()
    isqs = args.isq.split(",")
    contenders = {f"raw engine, isq {q}": ("raw", q) for q in isqs}
    contenders["gruchat ask, isq Q8_0"] = ("gruchat", "Q8_0")
    samples: dict[str, list[dict]] = {name: [] for name in contenders}
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(QUESTION)
    prompt = Path(handle.name)
    for round_ in range(args.runs):
        for name, (kind, isq) in contenders.items():
            if kind == "raw":
                result = run_raw(model, isq, prompt, args.max_tokens)
            else:
                result = run_gruchat(isq, prompt, args.max_tokens)
            samples[name].append(result)
            print(f"round {round_ + 1}: {name}: decode {result['decode_tps']:.1f} T/s",
                  file=sys.stderr)  # fmt: skip
    summary = {name: summarise(runs) for name, runs in samples.items()}
    base = summary["raw engine, isq Q8_0"] if "Q8_0" in isqs else next(iter(summary.values()))
    lines = [
        "| contender | load s | TTFT s | prompt T/s | decode T/s | decode vs raw Q8_0 |",
        "|---|---|---|---|---|---|",
    ]
    for name, s in summary.items():
        ratio = s["decode_tps"]["median"] / base["decode_tps"]["median"]
        cells = [f"{s[f]['median']:.2f} ({s[f]['min']:.2f}–{s[f]['max']:.2f})" for f in FIELDS]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio:.2f}× |")
    for name, s in summary.items():
        same = s["answer"] == base["answer"]
        lines.append(f"\n{name}: greedy answer {'identical to' if same else 'differs from'} "
                     f"raw Q8_0")  # fmt: skip
    table = "\n".join(lines)
    print(table)
    machine = (
        f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}"
    )
    record = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": machine,
        "runs": args.runs,
        "max_tokens": args.max_tokens,
        "prompt": QUESTION,
        "summary": summary,
        "table": table,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"ask-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(record, indent=2))
    print(f"saved {out.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
