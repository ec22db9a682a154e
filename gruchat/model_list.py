"""``gruchat models``: presets and local files in one table."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from gruchat import models


def _size(num: int | None) -> str:
    if not num:
        return "-"
    return f"{num / 1_000_000:.1f} MB"


def print_models(console: Console) -> None:
    table = Table("name", "size", "installed", "where", "description", title="gruchat models")
    for preset in models.presets().values():
        if preset.source == "hub":
            table.add_row(
                preset.name, "-", "hub", f"{preset.repo}/{preset.file}", preset.description
            )
            continue
        path = models.preset_path(preset)
        installed = models.is_installed(preset)
        size = path.stat().st_size if installed else preset.size
        table.add_row(
            preset.name, _size(size), "yes" if installed else "no", str(path), preset.description
        )
    for path in models.local_files():
        table.add_row(path.name, _size(path.stat().st_size), "yes", str(path), "local file")
    console.print(table)
    console.print(f"model store: {models.store_dir()}  (set GRUCHAT_HOME to move it)")
