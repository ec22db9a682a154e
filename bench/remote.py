"""The remote backend, measured side by side in one run against one llama-server.

1. Overhead: gruchat's turn over the remote backend (run_turn: the fit check through
   /apply-template + /tokenize, the stream, the renderer) against a minimal raw streaming
   client (httpx, the same request body), alternating on the same server and prompt.
   TTFT is from "Enter" to the first answer delta; decode is (deltas - 1) / (last delta -
   first delta), both timed on the client, so the ratio shows what gruchat adds. The
   goal is >= 0.98x on both (for TTFT, raw / gruchat; for decode, gruchat / raw).
2. Concurrency: `gruchat run --jobs 4` against `--jobs 1` on `llama-server -np 4` with a
   suite of 12 prompt files: the wall-time ratio.

usage: flock /tmp/gruchat-model.lock python bench/remote.py [--runs N] [--files N]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from prompts import ROOT, default_system

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx
from rich.console import Console

from gruchat import models
from gruchat.engine.base import Sampling
from gruchat.engine.openai_compat import connect, endpoint_from, request_body
from gruchat.render import StreamRenderer
from gruchat.session import Session
from gruchat.turn_runner import run_turn

from llama_server import ALIAS, LlamaServer, find_binary

QUESTION = "Explain in a few sentences what the update gate of a GRU does."
MAX_TOKENS = 96


def raw_once(client: httpx.Client, url: str, messages: list[dict], sampling: Sampling) -> dict:
    """The minimal client: one streamed request on a kept-alive connection (as gruchat's),
    content deltas timed as they arrive."""
    body = request_body(ALIAS, messages, sampling, "llama.cpp")
    started = time.perf_counter()
    times: list[float] = []
    with client.stream("POST", f"{url}/v1/chat/completions", json=body) as response:
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            for choice in chunk.get("choices") or []:
                if (choice.get("delta") or {}).get("content"):
                    times.append(time.perf_counter())
    return _figures(started, times)


def gruchat_once(engine, system: str, sampling: Sampling) -> dict:
    """One REPL-shaped turn (no grounding, so both send the same messages)."""
    session = Session.start(system, sampling, grounding=False)
    console = Console(file=io.StringIO(), width=100)
    renderer = StreamRenderer(console, console, markdown=False)
    times: list[float] = []
    answer = renderer.answer

    def timed(text: str) -> None:
        times.append(time.perf_counter())
        answer(text)

    renderer.answer = timed  # type: ignore[method-assign]
    started = time.perf_counter()
    turn = run_turn(engine, session, QUESTION, renderer)
    assert turn.finish_reason in ("stop", "length"), turn.error
    return _figures(started, times)


def _figures(started: float, times: list[float]) -> dict:
    decode = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    return {"ttft_s": times[0] - started, "decode_tps": decode, "deltas": len(times)}


def overhead(url: str, runs: int) -> dict:
    system = default_system()
    sampling = Sampling(temperature=0.0, max_tokens=MAX_TOKENS)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": QUESTION}]
    engine = connect(endpoint_from(url, env={}))
    client = httpx.Client(timeout=300)
    raw_once(client, url, messages, sampling)  # both then find the prompt in the cache
    gruchat_once(engine, system, sampling)
    raw, ours = [], []
    for _ in range(runs):
        raw.append(raw_once(client, url, messages, sampling))
        ours.append(gruchat_once(engine, system, sampling))
    engine.close()
    client.close()

    def median(rows: list[dict], key: str) -> float:
        return statistics.median(row[key] for row in rows)

    result = {
        "runs": runs,
        "raw": {k: median(raw, k) for k in ("ttft_s", "decode_tps", "deltas")},
        "gruchat": {k: median(ours, k) for k in ("ttft_s", "decode_tps", "deltas")},
    }
    result["decode_ratio"] = result["gruchat"]["decode_tps"] / result["raw"]["decode_tps"]
    result["ttft_ratio"] = result["raw"]["ttft_s"] / result["gruchat"]["ttft_s"]
    return result


def suite(folder: Path, count: int) -> list[str]:
    topics = [
        "the update gate", "the reset gate", "the candidate state", "hidden state",
        "vanishing gradients", "GRU vs LSTM", "nn.GRU", "bidirectional GRUs",
        "sequence length", "batch_first", "dropout in GRUs", "stacked GRUs",
        "teacher forcing", "gradient clipping", "initial hidden state", "GRUCell",
    ]  # fmt: skip
    paths = []
    for index in range(count):
        path = folder / f"q{index:02d}.gru"
        path.write_text(
            f"# sampling: max_tokens=48\nIn two sentences, what is {topics[index % len(topics)]}?\n"
            "\\expect regex /\\w/\n",
            encoding="utf-8",
        )
        paths.append(str(path))
    return paths


def jobs(binary: Path, model: Path, count: int) -> dict:
    server = LlamaServer(binary, model, context=8192, slots=4).start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            files = suite(Path(folder), count)
            env = {**os.environ, "GRUCHAT_MODEL": ALIAS, "GRUCHAT_LOG": "off"}
            walls, busiest = {}, {}
            for n in (1, 4):
                watch = SlotWatch(server.url)
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "gruchat", "run", "-q", "--endpoint", server.url,
                     "--jobs", str(n), "--no-grounding", *files],
                    capture_output=True, text=True, env=env, check=False,
                )  # fmt: skip
                walls[n] = time.perf_counter() - started
                busiest[n] = watch.stop()
                if done.returncode != 0:
                    raise SystemExit(f"run --jobs {n} failed: {done.stdout[-800:]}{done.stderr}")
    finally:
        server.close()
    return {
        "files": count,
        "slots": 4,
        "jobs1_s": walls[1],
        "jobs4_s": walls[4],
        "wall_ratio_jobs4_over_jobs1": walls[4] / walls[1],
        "most_slots_busy_at_once": busiest,  # from /slots: did the files overlap?
    }


class SlotWatch:
    """Polls llama-server's /slots while a run goes on: the most slots busy at once."""

    def __init__(self, url: str) -> None:
        self.url, self.most, self._done = url, 0, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        with httpx.Client(timeout=5) as client:
            while not self._done.wait(0.05):
                try:
                    slots = client.get(f"{self.url}/slots").json()
                except (httpx.HTTPError, ValueError):
                    continue
                self.most = max(self.most, sum(bool(s.get("is_processing")) for s in slots))

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=12)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "remote.json")
    args = parser.parse_args()
    binary, why = find_binary()
    if binary is None:
        raise SystemExit(why)
    model = models.resolve(ALIAS).path
    assert model is not None
    server = LlamaServer(binary, model, context=2048).start()
    try:
        result = {"overhead": overhead(server.url, args.runs)}
    finally:
        server.close()
    result["jobs"] = jobs(binary, model, args.files)
    result["machine"] = f"{os.cpu_count()} cores, shared with other work while measured"
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
