"""``gruchat models``: presets and local files in one table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from gruchat import models


def _size(num: int | None) -> str:
    if not num:
        return "-"
    return f"{num / 1_000_000:.1f} MB"


def print_models(console: Console, warnings: Console | None = None) -> None:
    """The table on ``console``; a store that cannot be used is a warning on ``warnings``."""
    problem = models.store_problem()
    if problem:
        (warnings or console).print(
            f"warning: {problem}", style="yellow", markup=False, soft_wrap=True
        )
    table = Table("name", "size", "installed", "where", "description", title="gruchat models")
    for preset in models.presets().values():
        if preset.source == "hub":
            table.add_row(
                preset.name, "-", "hub", f"{preset.repo}/{preset.file}", preset.description
            )
            continue
        path = models.preset_path(preset)
        size, state = models.file_state(path)
        shown = preset.size if state == "no" else size
        table.add_row(preset.name, _size(shown), state, str(path), preset.description)
    for path in models.local_files():
        size, state = models.file_state(path)
        table.add_row(path.name, _size(size), state, str(path), "local file")
    console.print(table)
    console.print(f"model store: {models.store_dir()}  (set GRUCHAT_HOME to move it)")
