"""Where the engine spends its CPU time: `perf` over the raw engine script, twice.

  prompt-heavy: the REPL's grounded first prompt, six times, one answer token each,
                prefix cache off (so every prompt is processed in full);
  decode-heavy: a short prompt and 400 answer tokens.
Prints the top symbols of each (mistral.rs's wheel keeps its symbols). Needs `perf`.

usage: python bench/profile.py [--top N]
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
from sweep import GROUNDED_QUESTION, make_grounder, model_path

RESULTS = ROOT / "bench" / "results"


def specs() -> dict[str, dict]:
    model = str(model_path())
    grounded, _ = make_grounder().ground(GROUNDED_QUESTION)
    turns = [f"({i}) {grounded}" for i in range(6)]  # differ from the start: no cache reuse
    return {
        "prompt-heavy": {"model": model, "set": {"system": default_system(), "turns": turns},
                         "fresh": [True] * 6, "max_tokens": 1, "prefix_cache_n": 0},
        "decode-heavy": {"model": model, "max_tokens": 400, "set": {
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
    args = parser.parse_args()
    if shutil.which("perf") is None:
        sys.exit("error: perf is not installed (apt-get install linux-perf)")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in specs().items():
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
    (RESULTS / "profile.txt").write_text(text)


if __name__ == "__main__":
    main()
