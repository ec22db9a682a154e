"""How much of the quiz the screen gets right before the model says a word.

The tutor shows the top note (with the related lines of the next notes) and any computed
block above the model's answer. This scores
each quiz question's fact checks on those alone (an empty answer trips no wrong-claim
check), with the same grounder, follow-up handling and scoring as a real run. It needs no
model and runs in seconds, so notes, retrieval and the computed answers can be tuned on
the tuning half and then checked on the held-out half; a question this misses can only be
right if the model's own words supply the fact.

usage: python bench/quiz_coverage.py [--set tuning|heldout|both] [--misses] [--json PATH]
--misses prints each missed question with the note it got (never use it on heldout while
tuning: that is what the held-out half must not be tuned on).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gruchat.tutor.grounding import make_grounder  # noqa: E402

import quiz_scoring  # noqa: E402

SETS = {"tuning": ROOT / "prompts/quiz/tuning.gru", "heldout": ROOT / "prompts/quiz/heldout.gru"}


def screen_before_answer(questions: list[quiz_scoring.Question]) -> list[dict[str, Any]]:
    """Per question: the top note's name and text and the computed block, as a real turn
    would show them (follow-ups see the earlier questions of their conversation)."""
    grounder = make_grounder()
    earlier: list[str] = []
    shown = []
    for question in questions:
        if not question.follow_up:
            earlier = []
        _message, sources = grounder.ground(question.text, list(reversed(earlier)), ())
        note = grounder.note(sources[0]) if sources else None
        related = grounder.related(question.text, sources[0]) if sources else ""
        computed = grounder.computed(question.text)
        shown.append(
            {
                "note_name": sources[0] if sources else "",
                "note": "\n\n".join(part for part in (note[1] if note else "", related) if part),
                "computed": [computed.text] if computed is not None else [],
            }
        )
        earlier.append(question.text)
    return shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("tuning", "heldout", "both"), default="tuning")
    parser.add_argument("--misses", action="store_true", help="print each missed question")
    parser.add_argument("--json", type=Path, help="write per-question results here")
    args = parser.parse_args()
    names = ["tuning", "heldout"] if args.set == "both" else [args.set]
    record: dict[str, Any] = {}
    for name in names:
        found = quiz_scoring.load_quiz(SETS[name])
        items = []
        for question, screen in zip(found, screen_before_answer(found), strict=True):
            answer = quiz_scoring.Answer(
                answer="", note=screen["note"], computed=tuple(screen["computed"])
            )
            result = quiz_scoring.score(question, answer)
            items.append({"line": question.line, "category": question.category,
                          "covered": result.user_sees, **screen})  # fmt: skip
            if args.misses and not result.user_sees:
                print(f"[{name}] L{question.line} {question.category}: {question.text}")
                got = screen["note_name"] or "-"
                print(f"    note: {got}; computed: {bool(screen['computed'])}")
        covered = sum(item["covered"] for item in items)
        by_category = {
            category: f"{sum(i['covered'] for i in items if i['category'] == category)}"
            f"/{sum(i['category'] == category for i in items)}"
            for category in quiz_scoring.CATEGORIES
        }
        print(f"{name}: the screen before the answer covers {covered}/{len(items)}")
        print("  " + ", ".join(f"{cat} {share}" for cat, share in by_category.items()))
        record[name] = {"covered": covered, "questions": items}
    if args.json:
        args.json.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
