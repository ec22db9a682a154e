"""What a learner waits for: time to first token of grounded turns, side by side in one run.

The real REPL in a pty (bench/repl_driver.py) is asked the 4-turn chat of
bench/prompts.py, grounding on and off, by three contenders on the same GGUF:

- ``now``: this tree (note gists, each grounded question kept in the history as sent, so
  the next prompt begins with what the engine has cached);
- ``before``: gruchat at ``--before`` (default 998361b: full notes, the plain question in
  the history), from a ``git worktree`` of that commit;
- ``llama``: this tree's REPL against a llama.cpp ``llama-server`` on the same file
  (``--endpoint``), i.e. the same prompts through llama.cpp.

Figures are the ones the Stats block shows (counted from Enter). Rounds rotate the order.
Goals (issue 16.1): grounded turn 1 <= 1.2 s and turns 2-4 <= 1.0 s on the default model.
The first question is typed ``--reading`` seconds after the prompt appears (default 1 s;
a learner reading the banner and typing a question takes several): sooner, turn 1 also
waits for the REPL's warm-up of the system prompt.

usage: flock /tmp/gruchat-model.lock python bench/grounded_ttft.py [--model NAME]
           [--rounds 2] [--max-tokens 48] [--before COMMIT] [--contenders now,before,llama]
           [--reading 1.0]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from prompts import ROOT, prompt_sets
from repl_driver import run_repl

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from llama_server import LlamaServer, find_binary

RESULTS = ROOT / "bench" / "results"


def model_file(name: str) -> Path:
    from gruchat.models import preset_path, presets

    return preset_path(presets()[name])


def old_tree(commit: str, into: Path) -> Path:
    """A checkout of ``commit`` (its gruchat package and prompts) to run as ``before``."""
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(into), commit],
                   check=True, capture_output=True)  # fmt: skip
    return into


def one(contender: str, grounding: bool, args: argparse.Namespace, where: dict) -> dict:
    spec = {"set": prompt_sets()["chat"].to_json(), "max_tokens": args.max_tokens, "isq": None}
    env = {"GRUCHAT_MODEL": args.model, "GRUCHAT_CACHE_BUDGET_TOKENS": "0"}
    extra: tuple[str, ...] = ()
    cwd = str(where["before"]) if contender == "before" else str(ROOT)
    if contender == "llama":
        extra = ("--endpoint", where["llama"])
    result = run_repl(spec, grounding=grounding, extra_args=extra, extra_env=env, cwd=cwd,
                      reading_s=args.reading)  # fmt: skip
    turns = result["turns"]
    return {
        "contender": contender,
        "grounding": grounding,
        "ttft_turn1_s": turns[0]["ttft_s"],
        "ttft_turns2_4_s": statistics.median(t["ttft_s"] for t in turns[1:]),
        "prompt_tokens": [t["prompt_tokens"] for t in turns],
        "cache_hits": [t["cache_hit"] for t in turns],
        "decode_tps": statistics.median(t["decode_tps"] for t in turns),
        "peak_rss_mb": result["peak_rss_mb"],
        "answers": [t["answer"] for t in turns],
    }


def summary(rows: list[dict]) -> list[str]:
    out = ["| contender | grounding | TTFT turn 1 (s) | TTFT turns 2-4 (s) | prompt tokens "
           "(turns 1-4) | decode T/s |", "|---|---|---|---|---|---|"]  # fmt: skip
    keys = sorted({(r["contender"], r["grounding"]) for r in rows}, key=str)
    for contender, grounding in keys:
        mine = [r for r in rows if (r["contender"], r["grounding"]) == (contender, grounding)]
        t1 = statistics.median(r["ttft_turn1_s"] for r in mine)
        t24 = statistics.median(r["ttft_turns2_4_s"] for r in mine)
        tps = statistics.median(r["decode_tps"] for r in mine)
        out.append(f"| {contender} | {'on' if grounding else 'off'} | {t1:.2f} | {t24:.2f} | "
                   f"{mine[0]['prompt_tokens']} | {tps:.1f} |")  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--before", default="998361b")
    parser.add_argument("--contenders", default="now,before,llama")
    parser.add_argument("--reading", type=float, default=1.0, help="seconds before turn 1")
    args = parser.parse_args()
    contenders = args.contenders.split(",")
    where: dict = {}
    server = None
    with tempfile.TemporaryDirectory(prefix="gruchat-ttft-") as tmp:
        try:
            if "before" in contenders:
                where["before"] = old_tree(args.before, Path(tmp) / "before")
            if "llama" in contenders:
                binary, why = find_binary()
                if binary is None:
                    raise SystemExit(why)
                server = LlamaServer(
                    binary, model_file(args.model), context=8192, alias=args.model
                ).start()
                where["llama"] = server.url
            rows = []
            for round_no in range(args.rounds):
                shift = round_no % len(contenders)
                order = contenders[shift:] + contenders[:shift]
                for contender in order:
                    for grounding in (True, False):
                        rows.append(one(contender, grounding, args, where))
                        print(json.dumps({k: v for k, v in rows[-1].items() if k != "answers"}),
                              flush=True)  # fmt: skip
        finally:
            if server is not None:
                server.close()
            if "before" in where:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(where["before"])], capture_output=True)  # fmt: skip
    load = os.getloadavg()
    lines = summary(rows)
    print("\n".join(lines))
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"grounded-ttft-{stamp}.json"
    path.write_text(json.dumps({"model": args.model, "rows": rows, "table": lines,
                                "reading_s": args.reading, "loadavg": load}, indent=1))  # fmt: skip
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
