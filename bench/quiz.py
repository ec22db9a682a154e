"""Score the GRU quiz (prompts/quiz/tuning.gru and heldout.gru) through the real CLI.

Each set runs as one ``gruchat run`` of its file (greedy, the file's sampling; one model
load; ``\\clear`` between conversations, so follow-ups keep their context), with a
``\\save`` line appended so every turn comes back with the note shown, the guard's flags
and the answer. bench/quiz_scoring.py then scores each question three ways: what the user
sees, the model's own words alone, and contradictions left unmarked.

usage: python bench/quiz.py [--model NAME] [--set tuning|heldout|both]
                            [--grounding on|off] [--max-tokens N] [--json PATH]
                            [--rescore RECORDED.json]
--rescore scores answers recorded by an earlier run (its --json) with the checks as the
quiz files have them now, without a model: greedy answers do not depend on the checks.
Wrap it as `flock /tmp/gruchat-model.lock python bench/quiz.py …` on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import quiz_scoring  # noqa: E402

SETS = {"tuning": ROOT / "prompts/quiz/tuning.gru", "heldout": ROOT / "prompts/quiz/heldout.gru"}


def with_saves(text: str, folder: Path) -> tuple[str, list[Path]]:
    """The quiz text with a ``\\save`` before every ``\\clear`` and at the end, and the
    files they write, in order: ``\\clear`` empties the session, so one ``\\save`` at the
    end would hold the last conversation only."""
    lines, saves = [], []
    for line in [*text.rstrip("\n").splitlines(), "\\clear"]:
        if line.strip() == "\\clear":
            saves.append(folder / f"turns-{len(saves)}.json")
            lines.append(f"\\save {saves[-1]}")
        lines.append(line)
    return "\n".join(lines[:-1]) + "\n", saves


def run_set(path: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Replay one quiz file with `gruchat run`; the saved turns, in order."""
    with tempfile.TemporaryDirectory(prefix="gruchat-quiz-") as tmp:
        script = Path(tmp) / path.name
        text, saves = with_saves(path.read_text(encoding="utf-8"), Path(tmp))
        script.write_text(text, encoding="utf-8")
        cmd = [sys.executable, "-m", "gruchat", "run", "-q", str(script),
               "--grounding" if args.grounding == "on" else "--no-grounding"]  # fmt: skip
        if args.model:
            cmd += ["--model", args.model]
        if args.max_tokens:
            cmd += ["--max-tokens", str(args.max_tokens)]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        written = [saved for saved in saves if saved.exists()]  # none for an empty chat
        if done.returncode not in (0, 1) or not written:  # 1: some checks failed
            sys.exit(f"gruchat run failed (exit {done.returncode}): {done.stderr.strip()}")
        return [t for saved in written for t in json.loads(saved.read_text("utf-8"))["turns"]]


def recorded_turns(path: Path, name: str) -> list[dict[str, Any]]:
    """The turns of one set as an earlier run's --json file holds them."""
    items = json.loads(path.read_text(encoding="utf-8"))["sets"].get(name)
    if items is None:
        sys.exit(f"{path} has no answers for the {name} set")
    keys = ("answer", "note", "flags")
    return [
        {"prompt": item["question"], **{key: item[key] for key in keys}}
        for item in items["questions"]
        if item["answer"] is not None
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="", help="preset, .gguf path or hub id")
    parser.add_argument("--set", choices=("tuning", "heldout", "both"), default="both")
    parser.add_argument("--file", type=Path, help="another quiz file (a subset), not a set")
    parser.add_argument("--grounding", choices=("on", "off"), default="on")
    parser.add_argument("--max-tokens", type=int, default=0, help="default: the file's")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "quiz.json")
    parser.add_argument("--rescore", type=Path, help="a --json file of an earlier run")
    args = parser.parse_args()
    if args.rescore:
        recorded = json.loads(args.rescore.read_text(encoding="utf-8"))
        args.model = args.model or recorded["model"]
        args.grounding = recorded["grounding"]
    names = ["tuning", "heldout"] if args.set == "both" else [args.set]
    sets = dict(SETS)
    if args.file:  # e.g. the leading questions of both halves, to compare two prompts
        sets, names = {args.file.stem: args.file}, [args.file.stem]
    model = args.model or "the configured default model"
    record: dict[str, Any] = {"model": model, "grounding": args.grounding, "sets": {}}
    for name in names:
        found = quiz_scoring.load_quiz(sets[name])
        turns = recorded_turns(args.rescore, name) if args.rescore else run_set(sets[name], args)
        answers = quiz_scoring.pair(found, turns)
        scores = [quiz_scoring.score(q, a) for q, a in zip(found, answers, strict=True)]
        items = []
        for question, answer, result in zip(found, answers, scores, strict=True):
            items.append(
                {"line": question.line, "category": question.category,
                 "follow_up": question.follow_up, "question": question.text,
                 "user_sees": result.user_sees, "own_words": result.own_words,
                 "unmarked_contradiction": result.unmarked, "failed_checks": list(result.failed),
                 "note": answer.note if answer else None,
                 "answer": answer.answer if answer else None,
                 "flags": [{"sentence": s, "fact": f} for s, f in answer.flags] if answer else []}
            )  # fmt: skip
            verdict = "RIGHT" if result.user_sees else "wrong"
            print(f"[{name}] {verdict}: {question.text}", file=sys.stderr)
        counts = quiz_scoring.tally(scores)
        record["sets"][name] = {"tally": vars(counts), "questions": items}
        title = f"{name} ({sets[name].name}), {model}, grounding {args.grounding}:"
        print(quiz_scoring.table(title, counts))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
