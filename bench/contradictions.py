"""What to do with an answer that contradicts the notes: mark, strike or regenerate?

Fifteen misconception-prone questions (leading questions, gate counts, history, z ≈ 1,
vanishing gradients) go through the real engine and gruchat's own turn (run_turn, the
notes grounder, the guard, the loop stop), greedy, once per mode. Each final answer, the
one shown as *the* answer, is judged by a per-question regex independent of the guard:
"wrong" is a contradiction; it is "unmarked" when the turn carries no flag. Seconds are
the wall time of the whole turn (both attempts when the answer was regenerated).

usage: flock /tmp/gruchat-model.lock python bench/contradictions.py [--max-tokens N]
       python bench/contradictions.py --rejudge bench/results/contradictions.json
(--rejudge applies the judge, and the current guard, to saved answers: no model.)
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from gruchat import models  # noqa: E402
from gruchat.config import load_settings  # noqa: E402
from gruchat.engine.mistral import load  # noqa: E402
from gruchat.render import StreamRenderer  # noqa: E402
from gruchat.runtime import new_session  # noqa: E402
from gruchat.turn_runner import run_turn  # noqa: E402
from gruchat.tutor.grounding import NotesGrounder  # noqa: E402

YES = r"^\W*(yes|correct|true|right)\b"
NO = r"^\W*no\b"
# question, a wrong final answer matches this (case-insensitive)
QUESTIONS: list[tuple[str, str]] = [
    ("How many gates does a GRU cell have?", r"\b(three|3|four|4) gates|output gate|forget gate"),
    ("Is it true that a GRU has an output gate?", rf"{YES}|\bhas an output gate"),
    ("Does a GRU have a cell state?", rf"{YES}|\bhas a (separate )?cell state"),
    ("Does a GRU have three gates?", rf"{YES}|\b(has|have) (three|3) gates"),
    ("Does a GRU have a forget gate?", rf"{YES}|\bhas a forget gate"),
    ("Who introduced the GRU?", r"chung[^.]*introduc|introduc[^.]*chung|hochreiter"),
    ("Chung et al. introduced the GRU in 2014, right?", rf"{YES}|^\W*chung et al\.?[^.]*introduc"),
    (
        "What does z close to 1 mean in a GRU?",
        r"\bz\b[^.]*\b1\b[^.]*(forget|discard|overwrit|replac|ignor)",
    ),
    ("If the update gate is close to 1, does the GRU forget the past?", rf"{YES}|forgets the"),
    ("What does the reset gate do?", r"reset gate[^.]*\b(kept|keeps?|retain)|reset gate \(?z"),
    ("Do GRUs eliminate vanishing gradients?", rf"{YES}|(?<!not )eliminates? (the )?vanishing"),
    (
        "Do GRUs suffer from vanishing gradients at all?",
        rf"{NO}|(do not|don't|never) suffer",
    ),
    ("Is a GRU a type of LSTM?", rf"{YES}|is (indeed )?a (type|kind|variant) of lstm"),
    ("Which activation do the GRU gates use?", r"gates?[^.]*\b(use|uses) (a |the )?tanh"),
    ("Does the GRU candidate use a sigmoid?", rf"{YES}|candidate (n )?uses? a sigmoid"),
]


def judge(question: str, answer: str) -> bool:
    wrong = dict(QUESTIONS)[question]
    return bool(re.search(wrong, answer, re.IGNORECASE))


def summary(record: dict[str, list[dict]]) -> None:
    for mode, rows in record.items():
        print(
            f"{mode:10} final answers wrong {sum(r['wrong'] for r in rows)}/{len(rows)}, "
            f"wrong and unmarked {sum(r['unmarked_wrong'] for r in rows)}, "
            f"final answer flagged {sum(bool(r['flags']) for r in rows)}, "
            f"first attempt flagged {sum(r['first_flagged'] for r in rows)}, "
            f"wall seconds {sum(r['seconds'] for r in rows):.1f}",
            flush=True,
        )


def rejudge(path: Path) -> None:
    """Saved answers judged again; also whether today's guard would flag them."""
    record = json.loads(path.read_text())
    grounder = NotesGrounder()
    for rows in record.values():
        for r in rows:
            r["wrong"] = judge(r["question"], r["answer"])
            r["unmarked_wrong"] = r["wrong"] and not r["flags"]
            r["guard_now"] = bool(grounder.verify(r["answer"], question=r["question"]))
    summary(record)
    for mode, rows in record.items():
        now = sum(r["wrong"] and not r["guard_now"] for r in rows)
        print(f"{mode:10} wrong and not flagged by the current guard: {now}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--modes", default="mark,strike,regenerate")
    parser.add_argument("--json", type=Path, default=ROOT / "bench/results/contradictions.json")
    parser.add_argument("--rejudge", type=Path)
    args = parser.parse_args()
    if args.rejudge:
        rejudge(args.rejudge)
        return
    engine = load(models.resolve("smollm2-135m"), device="cpu", isq="Q8_0")
    grounder = NotesGrounder()
    record: dict[str, list[dict]] = {}
    for mode in args.modes.split(","):
        settings = load_settings(
            {"temperature": 0.0, "top_k": 1, "max_tokens": args.max_tokens,
             "on_contradiction": mode},
            env={},
        )  # fmt: skip
        rows = []
        for question, _ in QUESTIONS:
            sink = Console(file=io.StringIO(), width=120)
            started = time.perf_counter()
            turn = run_turn(engine, new_session(settings), question,
                            StreamRenderer(sink, sink, markdown=False), grounder)  # fmt: skip
            is_wrong = judge(question, turn.answer)
            rows.append({
                "question": question, "answer": turn.answer, "retracted": turn.retracted,
                "finish_reason": turn.finish_reason, "flags": turn.flags,
                "first_flagged": bool(turn.flags or turn.retracted_flags),
                "wrong": is_wrong, "unmarked_wrong": is_wrong and not turn.flags,
                "seconds": round(time.perf_counter() - started, 2),
            })  # fmt: skip
        record[mode] = rows
        args.json.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    summary(record)


if __name__ == "__main__":
    main()
