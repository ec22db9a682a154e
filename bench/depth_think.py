r"""Measure long explanations and prompted thinking on the real models, through `gruchat run`.

Two parts, each one `gruchat run` per model and setting (greedy, grounding on):

- **depth**: four requests to be taught at length ("Explain GRUs to me." …). Each answer
  is checked for sections (Markdown headings), the four equations in Unicode (after
  gruchat's LaTeX → Unicode), a GRU-vs-LSTM table and the convention named, and its
  contradictions are counted: the guard's (gruchat.tutor.guard.contradictions) plus two
  the guard has no rule for, the other convention written as if it were this one, and
  "z ≈ 1 forgets / replaces". Read the answers too (they are in the JSON): the counts
  are a floor.
- **think**: eleven one-question conversations of prompts/quiz/tuning.gru (never the
  held-out half), asked with `think=off` and `think=on` (prompted reasoning on these
  models) and scored by bench/quiz_scoring.py exactly as bench/quiz.py scores them.

usage: flock /tmp/gruchat-model.lock python bench/depth_think.py
           [--model smollm2-135m|qwen2.5-coder-1.5b]… [--part depth|think|both] [--json PATH]
--model defaults to both offline models (SmolLM2-135M as configured, Qwen2.5-Coder-1.5B
from the model store with --isq none). Results for other models in the JSON are kept.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gruchat.tutor.guard import contradictions  # noqa: E402
from gruchat.tutor.latex import latex_to_unicode  # noqa: E402

import quiz_scoring  # noqa: E402

QWEN = Path.home() / ".cache/gruchat/models/Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf"
MODELS = {"smollm2-135m": ("smollm2-135m", ""), "qwen2.5-coder-1.5b": (str(QWEN), "none")}
DEPTH_REQUESTS = (
    "Explain GRUs to me.",
    "Walk me through the GRU equations.",
    "Give me a thorough overview of how a GRU works.",
    "Teach me GRUs from scratch.",
)
QUIZ = ROOT / "prompts/quiz/tuning.gru"
QUIZ_PICKS = (
    "What are the gates in a GRU",
    "What job does the reset gate do?",
    "What activation function is used for the candidate",
    "I saw the update written as",
    "Where is the reset gate applied in PyTorch",
    "Why does a GRU layer have fewer weights",
    "With batch_first=True",
    "Will a GRU also stop my gradients from exploding?",
    "What's the main difference between a GRU and an LSTM?",
    "Is it true that a GRU has an output gate?",
    "So z close to 1 means the GRU forgets the past",
)

_HEADING_LINE = re.compile(r"^\s{0,3}#{1,4}\s+\S.*$", re.MULTILINE)
# Pieces of the depth instruction that a model copying it instead of following it writes.
_ECHOES = ("Two or three sentences.", "written in Unicode exactly as", "A Markdown table with")
_EQUATIONS = {
    "r": re.compile(r"\br\w*\s*=\s*σ"),
    "z": re.compile(r"\bz\w*\s*=\s*σ"),
    "n": re.compile(r"(?:\bn|h̃|ĥ)\w*\s*=\s*tanh"),
    "h": re.compile(r"\bh\w*\s*=\s*\(\s*1\s*[−-]\s*z"),
}
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$", re.MULTILINE)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}", re.MULTILINE)
_CONVENTION = re.compile(r"\bCho\b|\bPyTorch\b")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)", re.MULTILINE)
# The other convention written down as if it were the notes' own.
_SWAPPED = re.compile(r"\(\s*1\s*[−-]\s*z\w*\s*\)\s*[⊙*·]?\s*h\s*(?:ₜ₋₁|_\s*\{?\s*t\s*[−-]\s*1)")
_OTHER_CONVENTION = re.compile(r"\b(?:other|some|alternative|equivalent|swap\w*)\b", re.I)
# z ≈ 1 keeps the old state; saying it forgets or replaces it is the classic swap.
_Z_ONE_WRONG = re.compile(
    r"\bz\w*\s*(?:≈|close to|near|=|is)\s*1\b(?:(?!\bz\w*\s*(?:≈|close to|near|=|is)\s*0)"
    r"[^.!?\n;])*\b(?:forgets?|forgotten|discards?|replaces?|overwrites?|mostly the candidate)\b",
    re.I,
)


def run_script(text: str, spec: str, isq: str) -> list[dict[str, Any]]:
    """Run one prompt file with `gruchat run`; the saved turns, in order."""
    with tempfile.TemporaryDirectory(prefix="gruchat-depth-") as tmp:
        saved = Path(tmp) / "turns.json"
        script = Path(tmp) / "bench.gru"
        script.write_text(f"{text.rstrip()}\n\\save {saved}\n", encoding="utf-8")
        cmd = [sys.executable, "-m", "gruchat", "run", "-q", str(script), "--model", spec]
        if isq:
            cmd += ["--isq", isq]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        if done.returncode not in (0, 1) or not saved.exists():  # 1: some checks failed
            sys.exit(f"gruchat run failed (exit {done.returncode}): {done.stderr.strip()}")
        return json.loads(saved.read_text(encoding="utf-8"))["turns"]


def depth_checks(answer: str) -> dict[str, Any]:
    """Shape and contradictions of one long answer."""
    shown = latex_to_unicode(answer)
    rows = [row for row in _TABLE_ROW.findall(shown)]
    sentences = [s.strip() for s in _SENTENCE.findall(shown) if s.strip()]
    swapped = [s for s in sentences if _SWAPPED.search(s) and not _OTHER_CONVENTION.search(s)]
    z_wrong = [s for s in sentences if _Z_ONE_WRONG.search(s)]
    guard = [{"sentence": c.sentence, "fact": c.fact} for c in contradictions(answer)]
    headings = {line.strip().lower() for line in _HEADING_LINE.findall(shown)}
    return {
        "sections": len(headings),  # distinct headings: a looping answer repeats its own
        "echoes_instruction": any(phrase in shown for phrase in _ECHOES),
        "equations": sorted(name for name, rx in _EQUATIONS.items() if rx.search(shown)),
        "table": len(rows) >= 3
        and bool(_TABLE_RULE.search(shown))
        and any("LSTM" in r for r in rows),
        "convention_named": bool(_CONVENTION.search(shown)),
        "guard_contradictions": guard,
        "other_convention_unnamed": swapped,
        "z_one_wrong": z_wrong,
        "contradictions": len(guard) + len(swapped) + len(z_wrong),
    }


def run_depth(spec: str, isq: str) -> dict[str, Any]:
    lines = ["# sampling: temperature=0"]
    for number, request in enumerate(DEPTH_REQUESTS):
        lines += (["\\clear"] if number else []) + [request]
    items = []
    for turn in run_script("\n".join(lines), spec, isq):
        usage = turn.get("usage") or {}
        items.append(
            {
                "question": turn["prompt"],
                "finish_reason": turn["finish_reason"],
                "completion_tokens": usage.get("completion_tokens"),
                "prompt_tokens": usage.get("prompt_tokens"),
                "sources": turn.get("sources", []),
                "answer": turn["answer"],
            }
        )
    return depth_summary(items)


def depth_summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Each answer's checks (computed again from its text) and the counts over all four."""
    items = [{**item, **depth_checks(item["answer"])} for item in items]
    return {
        "answers": items,
        "contradictions": sum(item["contradictions"] for item in items),
        "with_sections": sum(item["sections"] >= 3 for item in items),
        "with_all_equations": sum(len(item["equations"]) == 4 for item in items),
        "with_table": sum(item["table"] for item in items),
        "convention_named": sum(item["convention_named"] for item in items),
        "echoes_instruction": sum(item["echoes_instruction"] for item in items),
        "ran_to_the_limit": sum(item["finish_reason"] == "length" for item in items),
    }


def quiz_subset(think: bool) -> str:
    """The picked conversations of tuning.gru as one prompt file, with think on or off."""
    text = QUIZ.read_text(encoding="utf-8")
    chats: list[str] = []
    category = ""
    for chat in re.split(r"^\\clear\s*$", text, flags=re.MULTILINE):
        lines = [line for line in chat.splitlines() if line.strip()]
        while lines and lines[0].startswith("#"):  # header, or the category label
            line = lines.pop(0)
            category = line if line.startswith("# category:") else category
        trailing = [line for line in lines if line.startswith("# category:")]
        lines = [line for line in lines if not line.startswith("# category:")]
        if any(lines[0].startswith(pick) for pick in QUIZ_PICKS):
            chats.append("\n".join([category, *lines]))
        category = trailing[-1] if trailing else category
    if len(chats) != len(QUIZ_PICKS):
        sys.exit(f"picked {len(chats)} conversations of {QUIZ}, expected {len(QUIZ_PICKS)}")
    header = f"# sampling: temperature=0 max_tokens=96 think={'on' if think else 'off'}\n"
    return header + "\n\\clear\n".join(chats) + "\n"


def run_think(spec: str, isq: str) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for think in (False, True):
        text = quiz_subset(think)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "subset.gru"
            path.write_text(text, encoding="utf-8")
            found = quiz_scoring.load_quiz(path)
        turns = run_script(text, spec, isq)
        answers = quiz_scoring.pair(found, turns)
        scores = [quiz_scoring.score(q, a) for q, a in zip(found, answers, strict=True)]
        reasoning = {t["prompt"]: t.get("reasoning", "") for t in turns}
        tokens = [(t.get("usage") or {}).get("completion_tokens") or 0 for t in turns]
        record["on" if think else "off"] = {
            "tally": vars(quiz_scoring.tally(scores)),
            "completion_tokens": sum(tokens),
            "questions": [
                {"question": q.text, "user_sees": s.user_sees, "own_words": s.own_words,
                 "unmarked_contradiction": s.unmarked, "failed_checks": list(s.failed),
                 "answer": a.answer if a else None, "reasoning": reasoning.get(q.text, "")}
                for q, a, s in zip(found, answers, scores, strict=True)
            ],
        }  # fmt: skip
    return record


def depth_line(name: str, d: dict[str, Any]) -> str:
    return (
        f"{name} depth: {d['contradictions']} contradictions found by rule in 4 answers; "
        f"sections {d['with_sections']}/4, all four equations {d['with_all_equations']}/4, "
        f"table {d['with_table']}/4, convention named {d['convention_named']}/4, "
        f"instruction echoed {d['echoes_instruction']}/4, "
        f"ran to max tokens {d['ran_to_the_limit']}/4"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", choices=sorted(MODELS), help="default: both")
    parser.add_argument("--part", choices=("depth", "think", "both"), default="both")
    parser.add_argument("--json", type=Path, default=ROOT / "bench/results/depth_think.json")
    parser.add_argument("--rescore", action="store_true", help="depth checks on saved answers")
    args = parser.parse_args()
    models = {name: MODELS[name] for name in args.model or MODELS}
    record: dict[str, Any] = json.loads(args.json.read_text()) if args.json.exists() else {}
    for name, (spec, isq) in models.items():
        entry = record.setdefault(name, {})
        if args.rescore:
            entry["depth"] = depth_summary(entry["depth"]["answers"])
        elif args.part in ("depth", "both"):
            entry["depth"] = run_depth(spec, isq)
        if args.part in ("depth", "both"):
            print(depth_line(name, entry["depth"]))
        if args.part in ("think", "both") and not args.rescore:
            entry["think"] = run_think(spec, isq)
            for mode in ("off", "on"):
                counts = quiz_scoring.Tally(**entry["think"][mode]["tally"])
                print(quiz_scoring.table(f"{name}, think {mode}:", counts))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
