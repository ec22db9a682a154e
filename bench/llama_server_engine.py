"""The llama.cpp contender without llama-cpp-python: the cached llama-server binary (the
one `make test` builds, native CPU flags), on the same GGUF. One JSON line.

usage: llama_server_engine.py SPEC.json   (the same SPEC as raw_engine.py; knobs ignored)

Load is spawn-to-/health (the server maps and prepares the weights before it answers).
Each turn is one non-streamed greedy request; time to first token is the server's own
prompt time, and the rates are its own counters (`timings`), the same work mistralrs's
usage figures cover. Peak RSS is the server's VmHWM, read before it is stopped. Threads:
2 (BENCH_THREADS), as the llama-cpp-python contender.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx

from child import vm_hwm_mb
from conversation import replay

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from llama_server import LlamaServer, find_binary

SERVERS: list[LlamaServer] = []


def load(spec: dict) -> LlamaServer:
    binary, why = find_binary()
    if binary is None:
        raise SystemExit(why)
    threads = os.environ.get("BENCH_THREADS") or "2"
    server = LlamaServer(binary, Path(spec["model"]), "-t", threads, "-tb", threads, context=4096)
    SERVERS.append(server)
    return server.start()


def ask(server: LlamaServer, messages: list[dict], max_tokens: int) -> dict:
    body = {"messages": messages, "max_tokens": max_tokens, "temperature": 0.0, "stream": False}
    reply = httpx.post(f"{server.url}/v1/chat/completions", json=body, timeout=600).json()
    timings = reply["timings"]
    return {
        "ttft_s": timings["prompt_ms"] / 1000,
        "prompt_tokens": reply["usage"]["prompt_tokens"],
        "cached_tokens": int(timings.get("cache_n", 0)),
        "completion_tokens": reply["usage"]["completion_tokens"],
        "prompt_tps": timings["prompt_per_second"],
        "decode_tps": timings["predicted_per_second"],
        "answer": reply["choices"][0]["message"]["content"],
    }


if __name__ == "__main__":
    try:
        record = replay(load, ask)
        record["server_peak_rss_mb"] = vm_hwm_mb(SERVERS[0].proc.pid)
        print(json.dumps(record))
    finally:
        for server in SERVERS:
            server.close()
