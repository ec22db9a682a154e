"""Does the engine's repetition penalty, or the client's loop stop, end the runaway
"output gate" loop without changing good answers?

One process, the real default model, greedy, grounded as the tutor grounds. For each
engine setting: the looping question at 512 tokens (completion tokens, seconds, whether
LoopStop would fire and after how many streamed chunks), and a few good questions at
96 tokens (answers identical to no penalty, guard flags).

usage: flock /tmp/gruchat-model.lock python bench/repetition.py [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gruchat import models  # noqa: E402
from gruchat.config import load_settings, system_prompt_text  # noqa: E402
from gruchat.engine.base import AnswerDelta, Finished, Sampling  # noqa: E402
from gruchat.engine.mistral import load  # noqa: E402
from gruchat.loopstop import LoopStop  # noqa: E402
from gruchat.tutor.grounding import NotesGrounder  # noqa: E402
from gruchat.tutor.notes import get_note, grounded_user_message  # noqa: E402

LOOPING = "Is it true that a GRU has an output gate?"
# The notes the old retrieval gave this question; with them the model loops at 512 tokens.
# (The current retrieval gives gru-vs-lstm and the answer is short, so the loop is pinned.)
LOOP_NOTES = ("pytorch-usage", "hidden-state-update")
GOOD = [
    "What does the reset gate do?",
    "How many parameters does nn.GRU(10, 20) have?",
    "Why do GRUs help with vanishing gradients?",
    "What is the difference between a GRU and an LSTM?",
]
PENALTIES = [None, 1.1, 1.2, 1.3]


def answer(
    engine, system: str, grounder: NotesGrounder, question: str, sampling: Sampling, notes=None
):
    if notes is None:
        content, _ = grounder.ground(question)
    else:
        content = grounded_user_message(question, [get_note(n) for n in notes])
    messages = [{"role": "system", "content": system}, {"role": "user", "content": content}]
    started, chunks, text, loop, fired_at = time.perf_counter(), 0, [], LoopStop(), None
    finished = None
    for event in engine.stream(messages, sampling):
        if isinstance(event, AnswerDelta):
            chunks += 1
            text.append(event.text)
            if fired_at is None and loop.feed(event.text):
                fired_at = chunks
        elif isinstance(event, Finished):
            finished = event
    answer = "".join(text)
    return {
        "question": question,
        "answer": answer,
        "finish_reason": finished.finish_reason if finished else "?",
        "completion_tokens": finished.usage.completion_tokens if finished else chunks,
        "seconds": round(time.perf_counter() - started, 2),
        "loop_stop_after_chunks": fired_at,
        "flags": len(grounder.verify(answer, question=question)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, default=ROOT / "bench/results/repetition.json")
    args = parser.parse_args()
    engine = load(models.resolve("smollm2-135m"), device="cpu", isq="Q8_0")
    system = system_prompt_text(load_settings({}, env={}))
    grounder = NotesGrounder()
    rows = []
    baseline: dict[str, str] = {}
    for penalty in PENALTIES:
        loop = answer(
            engine, system, grounder, LOOPING,
            Sampling(temperature=0.0, top_k=1, max_tokens=512, repetition_penalty=penalty),
            notes=LOOP_NOTES,
        )  # fmt: skip
        short = Sampling(temperature=0.0, top_k=1, max_tokens=96, repetition_penalty=penalty)
        good = [answer(engine, system, grounder, q, short) for q in GOOD]
        if penalty is None:
            baseline = {g["question"]: g["answer"] for g in good}
        same = sum(g["answer"] == baseline[g["question"]] for g in good)
        rows.append({"penalty": penalty, "looping": loop, "good": good, "good_same": same})
        print(
            f"repetition_penalty={penalty}: loop question {loop['completion_tokens']} tokens, "
            f"{loop['finish_reason']}, {loop['seconds']} s, loop stop after "
            f"{loop['loop_stop_after_chunks']} chunks, flags {loop['flags']}; good answers "
            f"unchanged {same}/{len(good)}, flags {sum(g['flags'] for g in good)}",
            flush=True,
        )
        print(f"   loop answer starts: {loop['answer'][:160]!r}", flush=True)
    args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
