"""Score the GRU quiz (prompts/regression/gru-quiz.gru) on what the user sees, with
grounding on and off.

"What the user sees" is the verified note shown with the answer plus the model's own
words (`\\expect shown …` in the quiz file). Each question has one check. We also count
answers in which the guard flagged a sentence contradicting the notes. Greedy decoding;
each question is a fresh `gruchat ask --json`, as a user would ask it.

usage: python bench/quiz.py [--max-tokens N] [--json PATH] [--modes on,off]
(GRUCHAT_GROUNDING_NOTES=1 in the environment scores one note per question.)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gruchat.engine.base import Usage  # noqa: E402
from gruchat.script.checks import evaluate  # noqa: E402
from gruchat.script.parser import load  # noqa: E402
from gruchat.session import Turn  # noqa: E402

QUIZ = ROOT / "prompts" / "regression" / "gru-quiz.gru"


def ask(question: str, grounding: bool, max_tokens: int) -> Turn:
    flag = "--grounding" if grounding else "--no-grounding"
    cmd = [sys.executable, "-m", "gruchat", "ask", "--json", flag, "--temperature", "0",
           "--max-tokens", str(max_tokens), question]  # fmt: skip
    data = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    usage = Usage(**{k: v for k, v in (data["usage"] or {}).items() if k in Usage.__annotations__})
    return Turn(
        prompt=question,
        answer=data["answer"],
        finish_reason=data["finish_reason"],
        usage=usage,
        sources=data["sources"],
        note=data["note"],
        flags=data["flags"],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "quiz.json")
    parser.add_argument("--modes", default="on,off", help="grounding modes to score")
    args = parser.parse_args()
    steps = [step for step in load(QUIZ).steps if step.kind == "prompt"]
    record: dict[str, list[dict]] = {}
    for mode in args.modes.split(","):
        record[mode] = []
        for step in steps:
            turn = ask(step.text, mode == "on", args.max_tokens)
            right = all(evaluate(check, turn).passed for check in step.checks)
            alone = all(
                evaluate(dataclasses.replace(check, target="answer"), turn).passed
                for check in step.checks
            )
            record[mode].append(
                {"question": step.text, "right": right, "model_words_alone_right": alone,
                 "sources": turn.sources, "answer": turn.answer, "flags": turn.flags}
            )  # fmt: skip
            print(f"[grounding {mode}] {'RIGHT' if right else 'wrong'}: {step.text}",
                  file=sys.stderr)  # fmt: skip
    total = len(steps)
    for mode, items in record.items():
        right = sum(i["right"] for i in items)
        alone = sum(i["model_words_alone_right"] for i in items)
        flagged = sum(bool(i["flags"]) for i in items)
        print(
            f"grounding {mode}: what the user sees is right on {right}/{total} "
            f"({100 * right / total:.0f}%); the model's words alone {alone}/{total}; "
            f"answers with a flagged contradiction {flagged}/{total}"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
