"""Can the model judge one sentence of its own answer against the notes it was sent?

An every-answer check (issue 15) would ask the model, after each answer, whether each of
its sentences agrees with the notes, and mark the ones it rejects. This measures that
judge on recorded quiz answers of the tuning half, greedy, one word back: a sentence is
"wrong" when one of its question's ``not`` checks matches it alone, "right" when it comes
from an answer that passed every check. Each prompt's confusion counts are printed and
saved; the judge is worth wiring in only if it rejects most wrong sentences and few
right ones.

usage: flock /tmp/gruchat-model.lock python bench/sentence_judge.py [--model NAME]
           [--answers RECORDED.json ...] [--json PATH]
(RECORDED: bench/quiz.py --json files; their questions are looked up in tuning.gru.)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gruchat import models  # noqa: E402
from gruchat.engine.base import AnswerDelta  # noqa: E402
from gruchat.engine.mistral import load  # noqa: E402
from gruchat.options import Sampling  # noqa: E402
from gruchat.tutor.grounding import NotesGrounder  # noqa: E402
from gruchat.tutor.guard import sentences  # noqa: E402

import quiz_scoring  # noqa: E402

RESULTS = ROOT / "bench/results"
ANSWERS = (
    RESULTS / "quiz-qwen2.5-coder-1.5b-2026-12-01-tuning-s7.json",
    RESULTS / "quiz-qwen2.5-coder-1.5b-2026-12-01-heldout3-after-s7.json",
    RESULTS / "quiz-qwen2.5-coder-1.5b-2026-12-01-heldout3-before-s7.json",
)
PROMPTS = {
    "agree": (
        "You check a tutor's sentence against verified notes.",
        "{notes}\n\nLearner's question: {q}\nTutor's sentence: {s}\n\nIs the tutor's sentence "
        "correct according to the notes? Reply with one word: yes, no, or unsure.",
    ),
    "true-false": (
        "You are a strict fact checker for a course on GRU neural networks.",
        '{notes}\n\nQuestion: {q}\nAnswer sentence: "{s}"\n\nIs this answer sentence true? '
        "Reply True or False.",
    ),
}
VERDICTS = {"yes": "accepts", "true": "accepts", "no": "rejects", "false": "rejects"}


def labelled(paths: list[Path]) -> list[dict[str, str]]:
    """Each recorded sentence that the quiz's checks can label, with the notes sent."""
    quiz = {q.text: q for q in quiz_scoring.load_quiz(ROOT / "prompts/quiz/tuning.gru")}
    found: dict[tuple[str, str], dict[str, str]] = {}
    for path in paths:
        for items in json.loads(path.read_text(encoding="utf-8"))["sets"].values():
            previous: list[str] = []
            for item in items["questions"]:
                question = quiz.get(item["question"])
                previous = previous if item["follow_up"] else []
                if question is None or not item["answer"]:
                    continue
                message, _ = NotesGrounder().ground(item["question"], previous=previous)
                previous.append(item["question"])
                notes = message.split("Question:")[0].strip()
                for sentence in sentences(item["answer"]):
                    wrong = any(not quiz_scoring.holds(c, sentence) for c in question.wrong_claims)
                    label = "wrong" if wrong else "right" if item["own_words"] else ""
                    if label:
                        key = (item["question"], sentence)
                        found[key] = {"q": key[0], "s": sentence, "label": label, "notes": notes}
    return list(found.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--answers", type=Path, nargs="*", default=list(ANSWERS))
    parser.add_argument("--json", type=Path, default=RESULTS / "sentence-judge.json")
    args = parser.parse_args()
    items = labelled(args.answers)
    wrong = [i for i in items if i["label"] == "wrong"]
    right = [i for i in items if i["label"] == "right"]
    random.Random(1).shuffle(right)
    sample = wrong + right[: max(60, len(wrong))]
    print(f"{len(wrong)} wrong and {len(right)} right sentences; judging {len(sample)}")
    engine = load(models.resolve(args.model), device="cpu")
    sampling = Sampling(temperature=0.0, top_k=1, max_tokens=3)
    record: dict[str, object] = {"model": args.model, "prompts": {}}
    for name, (system, template) in PROMPTS.items():
        started, counts, replies = time.perf_counter(), {}, []
        for item in sample:
            messages = [{"role": "system", "content": system},
                        {"role": "user", "content": template.format(**item)}]  # fmt: skip
            events = engine.stream(messages, sampling)
            reply = "".join(e.text for e in events if isinstance(e, AnswerDelta)).strip()
            word = reply.lower().split()[0].strip(".,!") if reply else ""
            verdict = VERDICTS.get(word, "unsure")
            key = f"{item['label']} sentence, judge {verdict}"
            counts[key] = counts.get(key, 0) + 1
            replies.append({"question": item["q"], "sentence": item["s"],
                            "label": item["label"], "reply": reply})  # fmt: skip
        seconds = round(time.perf_counter() - started, 1)
        print(f"{name}: {dict(sorted(counts.items()))} in {seconds} s", flush=True)
        record["prompts"][name] = {"counts": counts, "seconds": seconds, "replies": replies}
    args.json.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", "utf-8")


if __name__ == "__main__":
    main()
