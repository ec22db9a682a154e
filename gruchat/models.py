"""Which model to load: ``--model`` resolution and the hub reachability check.

The presets, the store and ``pull`` live in their own modules (presets, store, fetch);
their names are re-exported here so ``models.X`` keeps working for callers.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gruchat.errors import ModelError
from gruchat.fetch import PullInterrupted, pull
from gruchat.presets import Part, Preset, human_size, presets
from gruchat.store import (
    check_gguf,
    check_store,
    file_state,
    is_installed,
    local_files,
    partial_dir,
    preset_path,
    sha256_file,
    state_dir,
    store_dir,
    store_problem,
)

HUB_HOST = ("huggingface.co", 443)

__all__ = [
    "ModelRef",
    "Part",
    "Preset",
    "PullInterrupted",
    "check_gguf",
    "check_store",
    "file_state",
    "hub_reachable",
    "human_size",
    "is_installed",
    "local_files",
    "partial_dir",
    "preset_path",
    "presets",
    "pull",
    "resolve",
    "sha256_file",
    "state_dir",
    "store_dir",
    "store_problem",
]


@dataclass(frozen=True)
class ModelRef:
    """What to load: a local GGUF file, or a hub repo + file for mistral.rs to fetch."""

    name: str
    kind: str  # "local" or "hub"
    path: Path | None = None
    repo: str = ""
    file: str = ""

    @property
    def display(self) -> str:
        return str(self.path) if self.path else f"{self.repo}/{self.file}"


def _looks_like_hub_id(spec: str) -> bool:
    parts = spec.split("/")
    return (
        len(parts) == 3
        and all(parts)
        and not spec.startswith((".", "~", "/"))
        and spec.lower().endswith(".gguf")
    )


def resolve(spec: str, env: Mapping[str, str] | None = None) -> ModelRef:
    """Turn ``--model`` (preset name, local path, or REPO/FILE.gguf) into a ModelRef."""
    table = presets()
    if spec in table:
        preset = table[spec]
        if preset.source == "hub":
            return ModelRef(name=spec, kind="hub", repo=preset.repo, file=preset.file)
        return ModelRef(name=spec, kind="local", path=preset_path(preset, env))
    path = Path(spec).expanduser()
    if path.exists() or not _looks_like_hub_id(spec):
        if not spec.lower().endswith(".gguf") and not path.exists() and "/" not in spec:
            names = ", ".join(table)
            raise ModelError(f"unknown model {spec!r}: use a preset ({names}) or a .gguf path")
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            raise ModelError(f"model file not found (symlink loop?): {path}") from None
        return ModelRef(name=path.name, kind="local", path=resolved)
    repo, _, file = spec.rpartition("/")
    return ModelRef(name=spec, kind="hub", repo=repo, file=file)


def hub_reachable(timeout: float = 3.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"):
        return False
    try:
        with socket.create_connection(HUB_HOST, timeout=timeout):
            return True
    except OSError:
        return False
