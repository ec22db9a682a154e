"""The GRU quiz: score what the user sees with grounding on and off.

"What the user sees" is the verified note shown ahead of the answer (grounding on) plus
the model's own words. An item is right when every expected fact appears in it and the
model's words contain no contradiction the guard would not flag. Greedy decoding.

usage: python bench/quiz.py [--max-tokens N] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gruchat.tutor.guard import contradictions  # noqa: E402
from gruchat.tutor.notes import get_note  # noqa: E402

# (question, regexes that must all match what the user sees)
QUIZ: list[tuple[str, list[str]]] = [
    ("How many gates does a GRU have?", [r"\b(two|2)\b[^.]*gates|gates[^.]*\b(two|2)\b",
                                         r"update", r"reset"]),
    ("What does the update gate do?", [r"update gate", r"(kept|keep|old state|previous)"]),
    ("What does the reset gate do?", [r"reset gate", r"(candidate|previous state|past)"]),
    ("Which activation function do the GRU gates use?", [r"sigmoid|σ"]),
    ("Which activation does the candidate state use?", [r"tanh"]),
    ("Does a GRU have a separate cell state?", [r"no (separate )?cell state|single hidden"]),
    ("Does a GRU have peephole connections?", [r"peephole[^.]*LSTM|LSTM[^.]*peephole"]),
    ("How many parameters does one PyTorch GRU layer have?", [r"3\s*·\s*\(|3\s*\*\s*\("]),
    ("Who introduced the GRU, and in which year?", [r"Cho", r"2014"]),
    ("How does a GRU differ from an LSTM?", [r"LSTM", r"cell state", r"(two|2) gates"]),
    ("Why do GRUs help with vanishing gradients?", [r"gradient", r"(copy|copies|carr|kept)"]),
    ("Write the GRU hidden-state update equation.", [r"\(1 − z\) ⊙ n \+ z ⊙ h"]),
]  # fmt: skip


def ask(question: str, grounding: bool, max_tokens: int) -> dict:
    flag = "--grounding" if grounding else "--no-grounding"
    cmd = [sys.executable, "-m", "gruchat", "ask", "--json", flag, "--temperature", "0",
           "--max-tokens", str(max_tokens), question]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(proc.stdout)


def score(max_tokens: int) -> dict:
    results: dict[str, list[dict]] = {"on": [], "off": []}
    for mode in ("on", "off"):
        for question, expected in QUIZ:
            data = ask(question, mode == "on", max_tokens)
            note = get_note(data["sources"][0]).body if data["sources"] else ""
            seen = f"{note}\n{data['answer']}"
            facts = all(re.search(p, seen, re.IGNORECASE) for p in expected)
            flagged = [c.sentence for c in contradictions(data["answer"])]
            results[mode].append(
                {
                    "question": question,
                    "sources": data["sources"],
                    "answer": data["answer"],
                    "facts_present": facts,
                    "flagged_sentences": flagged,
                    "model_alone_right": all(
                        re.search(p, data["answer"], re.IGNORECASE) for p in expected
                    ),
                }
            )
            print(f"[{mode}] {'RIGHT' if facts else 'wrong'} {question}", file=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "quiz.json")
    args = parser.parse_args()
    results = score(args.max_tokens)
    total = len(QUIZ)
    for mode, items in results.items():
        seen = sum(i["facts_present"] for i in items)
        alone = sum(i["model_alone_right"] for i in items)
        flagged = sum(bool(i["flagged_sentences"]) for i in items)
        print(
            f"grounding {mode}: what the user sees right {seen}/{total} "
            f"({100 * seen / total:.0f}%), model's words alone {alone}/{total}, "
            f"answers with a flagged contradiction {flagged}/{total}"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
