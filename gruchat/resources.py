"""Locate the files that ship with gruchat (prompts/, configs/).

They live at the top of the repository and are force-included into the wheel
under ``gruchat/_data``; an editable install reads them from the checkout.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parent.parent


def data_path(relative: str) -> Path:
    """Return the path of a shipped data file or folder such as ``prompts/notes``."""
    packaged = Path(str(resources.files("gruchat"))) / "_data" / relative
    if packaged.exists():
        return packaged
    return _REPO_ROOT / relative


def read_text(relative: str) -> str:
    """Read a shipped text file as UTF-8."""
    return data_path(relative).read_text(encoding="utf-8")
