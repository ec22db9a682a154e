"""The first-start line: which model is used, how big it is, where it comes from, how to switch.

Shown once per model (remembered in ``<state dir>/seen-models``), so it informs without nagging.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

from rich.console import Console

from gruchat.presets import human_size, presets
from gruchat.store import state_dir

SEEN_FILE = "seen-models"
SWITCH = "Switch with --model NAME (or `model` in the config file); `gruchat models` lists them."


def model_line(spec: str) -> str:
    """One line naming the model, its size and its source."""
    preset = presets().get(spec)
    if preset is not None:
        size = human_size(preset.size) if preset.size else "size set by the hub"
        return f"Model: {preset.name} ({size}), from {preset.source_text}."
    path = Path(spec).expanduser()
    size = human_size(path.stat().st_size) if path.is_file() else "size unknown"
    return f"Model: {spec} ({size}, your own file)."


def notice_once(spec: str, console: Console, env: Mapping[str, str] | None = None) -> bool:
    """Print the model line and how to switch, the first time this model is used; True if shown."""
    seen_path = state_dir(env) / SEEN_FILE
    try:
        seen = set(seen_path.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        seen = set()
    if spec in seen:
        return False
    console.print(model_line(spec), style="dim", markup=False)
    console.print(SWITCH, style="dim", markup=False)
    with contextlib.suppress(OSError):  # not remembering is harmless: it shows again next time
        seen_path.parent.mkdir(parents=True, exist_ok=True)
        with seen_path.open("a", encoding="utf-8") as handle:
            handle.write(spec.replace("\n", " ") + "\n")
    return True
