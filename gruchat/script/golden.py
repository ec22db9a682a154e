"""Golden transcripts: what each prompt got last time, so a rerun can say what changed.

``FILE.gru.golden.json`` keeps every answer with its reasoning, finish reason and token
counts, plus the model's sha256 and the versions used (no timings: they never repeat).
Comparison is on a plain-text view without line numbers, so editing comments in the
prompt file does not break it; the difference is shown as a unified diff (difflib).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from gruchat import __version__
from gruchat.engine.base import Engine
from gruchat.inputs import TRANSCRIPT_LIMIT, InputError, read_text
from gruchat.session import Turn
from gruchat.transcript import atomic_write

FORMAT = 1
SUFFIX = ".golden.json"


def golden_path(script: str | Path) -> Path:
    return Path(f"{script}{SUFFIX}")


def model_meta(engine: Engine, sha256: str | None) -> dict[str, Any]:
    info = engine.info
    return {
        "model": info.model,
        "model_sha256": sha256,
        "gruchat": __version__,
        "backend": info.backend,
        "engine": info.engine,
    }


def model_sha256(engine: Engine) -> str | None:
    """The model file's sha256 when it is a local file (hub and remote models have none)."""
    from gruchat.models import sha256_file

    if engine.info.path is None:
        return None
    path = Path(engine.info.path)
    try:
        return sha256_file(path) if path.is_file() else None
    except OSError:
        return None


def build(turns: list[tuple[int, Turn]], meta: dict[str, Any]) -> dict[str, Any]:
    """The golden document for one file's run: ``turns`` are (line, Turn) in order."""
    return {
        "format": FORMAT,
        **meta,
        "turns": [
            {
                "line": line,
                "prompt": turn.prompt,
                "answer": turn.answer,
                "reasoning": turn.reasoning,
                "finish_reason": turn.finish_reason,
                "prompt_tokens": turn.usage.prompt_tokens if turn.usage else None,
                "completion_tokens": turn.usage.completion_tokens if turn.usage else None,
            }
            for line, turn in turns
        ],
    }


def load(path: Path) -> dict[str, Any]:
    """Read a golden file; ValueError when it is not one."""
    try:
        data = json.loads(read_text(path, TRANSCRIPT_LIMIT, "golden file"))
    except InputError as exc:
        raise ValueError(str(exc)) from None
    except (OSError, ValueError, RecursionError) as exc:
        raise ValueError(f"cannot read golden file {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("turns"), list):
        raise ValueError(f"{path} is not a gruchat golden file (no turns list)")
    if not all(isinstance(turn, dict) for turn in data["turns"]):
        raise ValueError(f"{path} is not a gruchat golden file (a turn is not an object)")
    return data


def write(path: Path, data: dict[str, Any]) -> None:
    atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def view(data: dict[str, Any]) -> list[str]:
    """The compared text: model hash, then each turn's prompt, outcome, answer, reasoning."""
    lines = [f"model sha256: {data.get('model_sha256') or 'unknown'}"]
    for number, turn in enumerate(data.get("turns", []), 1):
        tag = f"[turn {number}]"
        lines.append(f"{tag} prompt: {_one_line(turn.get('prompt'))}")
        lines.append(
            f"{tag} finish: {turn.get('finish_reason')}, tokens: "
            f"{turn.get('prompt_tokens')} prompt + {turn.get('completion_tokens')} completion"
        )
        for field in ("answer", "reasoning"):
            text = turn.get(field) or ""
            if field == "reasoning" and not text:
                continue
            lines.append(f"{tag} {field}:")
            lines += [f"    {line}" for line in str(text).split("\n")]
    return lines


def diff(recorded: dict[str, Any], current: dict[str, Any], name: str) -> list[str]:
    """Unified diff from the golden file to this run; empty when nothing changed."""
    return list(
        difflib.unified_diff(
            view(recorded), view(current), f"{name} (golden)", f"{name} (this run)", lineterm=""
        )
    )


def _one_line(value: Any) -> str:
    return str(value or "").replace("\n", "\\n")
