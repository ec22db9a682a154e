"""The REPL contender: the real `gruchat` REPL in a pseudo-terminal, driven like a user.

Each turn is typed at the prompt; the figures are read back from the Stats block the user
sees (time to first token counts from the moment the line was submitted). Load time is the
wall time from spawning the process to the first prompt, so it includes Python start-up.
The first question is sent READING_S after the prompt appears, as a user reading the
banner would (typing a question takes longer still); the REPL's warm-up uses that time.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import pexpect

from child import vm_hwm_mb

READING_S = 1.0
READY = "\x1b[?2004h"  # prompt_toolkit turns bracketed paste on when the prompt is up
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STATS = re.compile(
    r"Time to first token: (?P<ttft>[\d.]+)s\s+"
    r"Prompt: (?P<pt>\d+) tokens, (?P<ptps>[\d.]+) T/s\s+"
    r"Decode: (?P<ct>\d+) tokens, (?P<dtps>[\d.]+) T/s\s+"
    r"Prefix cache: (?P<hits>\d+) hits"
)


def run_repl(
    spec: dict,
    grounding: bool = False,
    extra_args: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
    cwd: str | None = None,
    reading_s: float = READING_S,
) -> dict:
    """Type the set's turns into one REPL process; return the same shape as raw_engine.py.

    ``spec["isq"]`` None passes no --isq (the preset's own); ``extra_args`` and
    ``extra_env`` go to the REPL process (an --endpoint), which starts in ``cwd`` (another
    checkout's root runs that checkout's gruchat: ``-m`` puts the start folder first).
    ``reading_s``: how long the user reads the banner and types before the first question."""
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "PROMPT_TOOLKIT_NO_CPR": "1",
            "TERM": "xterm",
            "COLUMNS": "100",
            "LINES": "40",
            "XDG_STATE_HOME": str(Path(home) / "state"),
            "XDG_CONFIG_HOME": str(Path(home) / "config"),
            **(extra_env or {}),
        }
        system = spec["set"]["system"]
        isq = spec.get("isq", "Q8_0")
        args = ["-m", "gruchat", "chat", "--temperature", "0", "--no-log",
                "--max-tokens", str(spec["max_tokens"]), *(["--isq", isq] if isq else []),
                "--grounding" if grounding else "--no-grounding", *extra_args]  # fmt: skip
        args += ["--system", system] if system else ["--system-file", ""]
        started = time.perf_counter()
        child = pexpect.spawn(sys.executable, args, env=env, encoding="utf-8",
                              dimensions=(40, 100), timeout=300, cwd=cwd)  # fmt: skip
        try:
            child.expect_exact(READY)
            load_s = time.perf_counter() - started
            turns = []
            hits = 0
            time.sleep(reading_s)
            for question in spec["set"]["turns"]:
                child.sendline(question)
                child.expect(r"Prefix cache: \d+ hits")
                text = ANSI.sub("", child.before + child.after)
                stats = STATS.search(text)
                if stats is None:
                    raise RuntimeError(f"no Stats block after {question!r}: {text[-300:]!r}")
                child.expect_exact(READY)
                turns.append(_turn(stats, hits))
                hits = int(stats["hits"])
            peak = vm_hwm_mb(child.pid)
            saved = Path(home) / "chat.json"
            child.sendline(f"\\save {saved}")
            child.expect("Saved the transcript")
            answers = [m["content"] for m in json.loads(saved.read_text())["messages"]
                       if m["role"] == "assistant"]  # fmt: skip
            for turn, answer in zip(turns, answers, strict=True):
                turn["answer"] = answer
            child.sendline("\\exit")
            child.expect(pexpect.EOF)
        finally:
            if child.isalive():
                child.terminate(force=True)
    return {"load_s": load_s, "turns": turns, "peak_rss_mb": peak}


def _turn(stats: re.Match, hits_before: int) -> dict:
    return {
        "ttft_s": float(stats["ttft"]),
        "prompt_tokens": int(stats["pt"]),
        "cached_tokens": None,
        "cache_hit": int(stats["hits"]) > hits_before,
        "completion_tokens": int(stats["ct"]),
        "prompt_tps": float(stats["ptps"]),
        "decode_tps": float(stats["dtps"]),
        "answer": None,  # filled from the saved transcript, the exact text
    }
