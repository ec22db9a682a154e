"""Side-by-side benchmark (`make bench`): the raw engine, `gruchat ask`, the REPL over a
pty, and llama.cpp when installed, on three prompt sets, in one run. Not part of `make test`.

Runs alternate between contenders, and the order rotates each round, so machine noise hits
all of them alike; we report medians with min–max, and ratios. Each run is a fresh process.

usage: python bench/run.py [--runs N] [--max-tokens N] [--sets short,system,chat]
                           [--contenders raw,ask,repl,llama,grounded] [--docs]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from contenders import ALIASES, CONTENDERS
from prompts import ROOT, prompt_sets
from report import ratio_table, set_table, summarise

RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
PRESET = "smollm2-135m"  # every contender runs this model


def model_path() -> Path:
    """The preset's file, for the scripts; gruchat's own contenders (ask, the REPL) are
    given the same preset through GRUCHAT_MODEL, whatever the default model is."""
    sys.path.insert(0, str(ROOT))
    from gruchat.models import preset_path, presets

    os.environ["GRUCHAT_MODEL"] = PRESET
    return preset_path(presets()[PRESET])


def machine() -> dict:
    cpu = "cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in ("mistralrs", "llama_cpp_python", "gruchat"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "os": platform.platform(), "versions": versions}  # fmt: skip


def pick(names: str) -> list[str]:
    chosen = [ALIASES.get(n.strip(), n.strip()) for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in CONTENDERS]
    if unknown:
        sys.exit(f"error: unknown contender {unknown[0]!r}; choose from {', '.join(ALIASES)}")
    kept = []
    for name in chosen:
        reason = CONTENDERS[name].missing()
        if reason:
            print(f"skipping {name}: {reason}", file=sys.stderr)
        else:
            kept.append(name)
    return kept


def similarity(a: list[str], b: list[str]) -> float:
    return difflib.SequenceMatcher(None, "\n".join(a), "\n".join(b)).ratio()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--sets", default="short,system,chat")
    parser.add_argument("--contenders", default=",".join(ALIASES))
    parser.add_argument("--docs", action="store_true", help="write the tables into docs")
    args = parser.parse_args()
    sets = {name: s for name, s in prompt_sets().items() if name in args.sets.split(",")}
    names = pick(args.contenders)
    model = str(model_path())
    samples: dict[str, dict[str, list[dict]]] = {s: {n: [] for n in names} for s in sets}
    for round_ in range(args.runs):
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for set_name, prompt_set in sets.items():
            spec = {"model": model, "set": prompt_set.to_json(), "max_tokens": args.max_tokens}
            for name in order:
                contender = CONTENDERS[name]
                if contender.single_turn_only and len(prompt_set.turns) > 1:
                    continue
                result = contender.run(spec)
                samples[set_name][name].append(result)
                first = result["turns"][0]
                print(f"round {round_ + 1} {set_name:6} {name:28} TTFT {first['ttft_s']:.2f}s "
                      f"prompt {first['prompt_tps']:.0f} T/s decode {first['decode_tps']:.0f} T/s",
                      file=sys.stderr)  # fmt: skip
    by_set = {
        s: {n: summarise(runs) for n, runs in per.items() if runs} for s, per in samples.items()
    }
    out = []
    for set_name, summaries in by_set.items():
        prompt_set = sets[set_name]
        out.append(f"### {set_name}: {describe(prompt_set)}\n")
        out.append(set_table(summaries, multi_turn=len(prompt_set.turns) > 1))
        out.append("")
        out.extend(answer_notes(summaries))
        out.append("")
    baselines = [n for n in ("raw mistralrs", "llama.cpp") if n in names]
    for ours in ("gruchat ask", "gruchat REPL"):
        if ours in names and baselines:
            out.append(f"### Ratios: {ours} / baseline (medians)\n")
            out.append(ratio_table(by_set, ours, baselines))
            out.append("")
    info = machine()
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    header = (
        f"Machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}; "
        f"mistralrs {info['versions']['mistralrs']}; llama-cpp-python "
        f"{info['versions']['llama_cpp_python'] or 'not installed'}. "
        f"{args.runs} runs, greedy, max {args.max_tokens} tokens. Command: `{command.strip()}`.\n"
    )
    text = header + "\n" + "\n".join(out)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    record = {"when": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": info, "args": vars(args),
              "summaries": by_set, "runs": samples, "table": text}  # fmt: skip
    path.write_text(json.dumps(record, indent=2))
    print(f"saved {path.relative_to(ROOT)}", file=sys.stderr)
    if args.docs:
        write_docs(text + f"\nRaw JSON: `{path.relative_to(ROOT)}`.\n")


def describe(prompt_set) -> str:
    system = "the default system prompt" if prompt_set.system else "no system prompt"
    turns = len(prompt_set.turns)
    what = "one question" if turns == 1 else f"a {turns}-turn chat"
    return f"{what}, {system}"


def answer_notes(summaries: dict[str, dict]) -> list[str]:
    """Do contenders give the raw engine's greedy answers? (Same engine: they should.)"""
    base = summaries.get("raw mistralrs")
    notes = []
    for name, s in summaries.items():
        steady = "same answers every run" if s["same_answers_every_run"] else "answers vary"
        if base is None or name == "raw mistralrs":
            notes.append(f"- {name}: {steady}.")
            continue
        same = s["answers"] == base["answers"][: len(s["answers"])]
        versus = (
            "identical to raw mistralrs"
            if same
            else f"text similarity to raw mistralrs {similarity(s['answers'], base['answers']):.2f}"
        )
        notes.append(f"- {name}: {steady}; {versus}.")
    return notes


def write_docs(text: str) -> None:
    doc = DOC.read_text()
    if START not in doc or END not in doc:
        sys.exit(f"error: {DOC} has no {START} … {END} markers")
    head, _, rest = doc.partition(START)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{START}\n{text}\n{END}{tail}")
    print(f"updated {DOC.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
