"""Who is measured: each contender takes a spec (model, prompt set, max tokens, knobs) and
returns {"load_s", "peak_rss_mb", "turns": [...]}, whatever process it runs."""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from child import last_json_line, run_child
from prompts import ROOT

BENCH = ROOT / "bench"


@dataclass(frozen=True)
class Contender:
    name: str
    run: Callable[[dict], dict]
    single_turn_only: bool = False
    needs: str | None = None  # a module that must be importable

    def missing(self) -> str | None:
        if self.needs and importlib.util.find_spec(self.needs) is None:
            return f"{self.needs} is not installed (pip install -e '.[bench]')"
        return None


def _script(script: str, spec: dict, env: dict[str, str] | None = None) -> dict:
    """Run a bench script with SPEC in a temp file; add the child's peak RSS."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
    try:
        result = run_child([sys.executable, str(BENCH / script), handle.name], env=env)
        data = last_json_line(result, script)
    finally:
        Path(handle.name).unlink()
    data["peak_rss_mb"] = result.peak_rss_mb
    data["wall_s"] = result.wall_s
    return data


def raw_engine(spec: dict) -> dict:
    return _script("raw_engine.py", spec, env={k: str(v) for k, v in spec.get("env", {}).items()})


def llama_cpp(spec: dict) -> dict:
    return _script("llama_engine.py", spec)


def llama_server(spec: dict) -> dict:
    """llama.cpp's server binary; its own peak RSS, not the driver script's."""
    data = _script("llama_server_engine.py", spec)
    data["peak_rss_mb"] = data.pop("server_peak_rss_mb") or data["peak_rss_mb"]
    return data


def gruchat_ask(spec: dict) -> dict:
    """The whole `gruchat ask` process, with the same system prompt and question."""
    system = spec["set"]["system"]
    cmd = [sys.executable, "-m", "gruchat", "ask", "--json", "--no-grounding",
           "--isq", spec.get("isq", "Q8_0"), "--max-tokens", str(spec["max_tokens"]),
           "--temperature", "0"]  # fmt: skip
    cmd += ["--system", system] if system else ["--system-file", ""]
    result = run_child([*cmd, "-"], stdin=spec["set"]["turns"][0])
    data = last_json_line(result, "gruchat ask")
    usage = data["usage"]
    turn = {
        "ttft_s": data["timings"]["ttft_s"],
        "prompt_tokens": usage["prompt_tokens"],
        "cached_tokens": usage["cached_tokens"],
        "completion_tokens": usage["completion_tokens"],
        "prompt_tps": usage["prompt_tps"],
        "decode_tps": usage["decode_tps"],
        "answer": data["answer"],
    }
    return {"load_s": data["timings"]["load_s"], "turns": [turn],
            "peak_rss_mb": result.peak_rss_mb, "wall_s": result.wall_s}  # fmt: skip


def gruchat_repl(spec: dict) -> dict:
    from repl_driver import run_repl

    return run_repl(spec, grounding=False)


def gruchat_repl_grounded(spec: dict) -> dict:
    from repl_driver import run_repl

    return run_repl(spec, grounding=True)


CONTENDERS = {
    c.name: c
    for c in (
        Contender("raw mistralrs", raw_engine),
        Contender("gruchat ask", gruchat_ask, single_turn_only=True),
        Contender("gruchat REPL", gruchat_repl, needs="pexpect"),
        Contender("llama.cpp", llama_cpp, needs="llama_cpp"),
        Contender("gruchat REPL, grounding on", gruchat_repl_grounded, needs="pexpect"),
    )
}
# Short names for --contenders.
ALIASES = {"raw": "raw mistralrs", "ask": "gruchat ask", "repl": "gruchat REPL",
           "llama": "llama.cpp", "grounded": "gruchat REPL, grounding on"}  # fmt: skip
