"""What \\info says about the loaded backend: its own fields, and nothing it lacks.

A local GGUF shows its file, size, source and quantisation; a remote backend its
endpoint. What the backend reports (cache figures, speeds, exact counts) is listed.
"""

from __future__ import annotations

from gruchat.engine.base import Capabilities, EngineInfo
from gruchat.presets import presets
from gruchat.tutor.depth import depth_capability


def info_lines(info: EngineInfo) -> list[str]:
    """What \\info says: the backend's own fields; a field it has not is left out."""
    size = f" ({info.size_bytes / 1_000_000:.1f} MB)" if info.size_bytes else ""
    lines = [
        f"Backend: {info.backend}" + (f" ({info.engine})" if info.engine else ""),
        f"Model: {info.model}",
        f"File: {info.path}{size}" if info.path else f"Location: {info.location}",
    ]
    if info.path:
        lines.append(f"Source: {_source(info.model)}")
    optional = [("Quantisation", info.quantisation), ("Device", info.device)]
    lines += [f"{name}: {value}" for name, value in optional if value]
    lines.append(f"Context length: {info.context_length or 'unknown'} tokens")
    if info.chat_template:
        lines.append(f"Chat template: {info.chat_template}")
    if info.load_seconds is not None:
        lines.append(f"Load time: {info.load_seconds:.1f}s")
    lines.append(f"Thinking: {_thinking_line(info.thinking)}")
    lines.append(f"Reports: {_reports(info.capabilities)}")
    if info.path:
        lines.append(f"Long explanations: {depth_capability(info.path)}")
    return lines + [f"{k}: {v}" for k, v in info.extra.items()]


def _reports(can: Capabilities) -> str:
    said = [
        ("prefix-cache figures", can.prefix_cache_figures),
        ("speeds", can.reports_speeds),
        ("exact token counts", can.exact_token_count),
    ]
    names = [name for name, yes in said if yes]
    return ", ".join(names) if names else "no cache figures, speeds or exact token counts"


def _source(model: str) -> str:
    preset = presets().get(model)
    return preset.source_text if preset is not None else "a file you named (not a preset)"


def _thinking_line(kind: str) -> str:
    if kind == "prompted":
        return "prompted (no native reasoning; \\think on asks for step-by-step reasoning first)"
    return "native (\\think on sets enable_thinking in the model's template)"
