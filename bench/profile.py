"""Where the engine spends its CPU time: `perf` over the raw engine script, twice.

  prompt-heavy: the REPL's grounded first prompt, six times, one answer token each,
                prefix cache off (so every prompt is processed in full);
  decode-heavy: a short prompt and 400 answer tokens.
Prints the top symbols of each (mistral.rs's wheel keeps its symbols). Needs `perf`.

usage: flock /tmp/gruchat-model.lock python bench/profile.py [--model PRESET] [--top N]
       [--only prompt-heavy,decode-heavy]   (the preset's own ISQ; SmolLM2-135M unless told)
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from prompts import ROOT, default_system
from sweep import GROUNDED_QUESTION, make_grounder, preset_path, presets

RESULTS = ROOT / "bench" / "results"


def specs(preset_name: str) -> dict[str, dict]:
    preset = presets()[preset_name]
    model, isq = str(preset_path(preset)), preset.isq or "Q8_0"
    grounded, _ = make_grounder().ground(GROUNDED_QUESTION)
    turns = [f"({i}) {grounded}" for i in range(6)]  # differ from the start: no cache reuse
    return {
        "prompt-heavy": {"model": model, "set": {"system": default_system(), "turns": turns},
                         "fresh": [True] * 6, "max_tokens": 1, "prefix_cache_n": 0, "isq": isq},
        "decode-heavy": {"model": model, "max_tokens": 400, "isq": isq, "set": {
            "system": "", "turns": ["Write a long story about a recurrent network."]}},
    }  # fmt: skip


def top_symbols(data: Path, top: int) -> list[str]:
    report = subprocess.run(
        ["perf", "report", "-i", str(data), "--stdio", "--sort", "symbol"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows = [" ".join(line.split()) for line in report.splitlines()]
    return [r for r in rows if r and not r.startswith("#")][:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--model", default="smollm2-135m", help="a preset in the model store")
    parser.add_argument("--only", default="", help="prompt-heavy and/or decode-heavy")
    args = parser.parse_args()
    if shutil.which("perf") is None:
        sys.exit("error: perf is not installed (apt-get install linux-perf)")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in specs(args.model).items():
            if args.only and name not in args.only.split(","):
                continue
            spec_file = Path(tmp) / f"{name}.json"
            spec_file.write_text(json.dumps(spec))
            data = Path(tmp) / f"{name}.data"
            subprocess.run(
                ["perf", "record", "-F", "499", "-o", str(data), "--", sys.executable,
                 str(ROOT / "bench" / "raw_engine.py"), str(spec_file)],
                capture_output=True, check=True,
            )  # fmt: skip
            out.append(f"## {name}\n")
            out.extend(top_symbols(data, args.top))
            out.append("")
    text = "\n".join(out)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.model == "smollm2-135m" else f"-{args.model}"
    (RESULTS / f"profile{suffix}.txt").write_text(text)


if __name__ == "__main__":
    main()
