"""The engine scripts' shared driver: load once, then replay the prompt set's turns as a
conversation (each answer goes back into the history), timing the load. One JSON line."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def replay(load: Callable[[dict], Any], ask: Callable[[Any, list[dict], int], dict]) -> dict:
    """SPEC (argv[1]) has the model, the set (system + turns; optional "fresh": a flag per
    turn that starts a new conversation there) and max_tokens. Prints the record and
    returns it (a script may add to it and print it again: the last line counts)."""
    spec = json.loads(Path(sys.argv[1]).read_text())
    started = time.perf_counter()
    engine = load(spec)
    load_s = time.perf_counter() - started
    system = spec["set"]["system"]
    fresh = spec.get("fresh") or [False] * len(spec["set"]["turns"])
    turns: list[dict] = []
    messages: list[dict] = []
    for question, new_chat in zip(spec["set"]["turns"], fresh, strict=True):
        if new_chat or not turns:
            messages = [{"role": "system", "content": system}] if system else []
        messages.append({"role": "user", "content": question})
        turn = ask(engine, messages, spec["max_tokens"])
        messages.append({"role": "assistant", "content": turn["answer"]})
        turns.append(turn)
    record = {"load_s": load_s, "turns": turns}
    print(json.dumps(record))
    return record
