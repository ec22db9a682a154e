"""``gruchat pull``'s rich progress display around models.pull."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TransferSpeedColumn,
)

from gruchat import models


def pull_with_progress(
    preset: models.Preset, console: Console, env: Mapping[str, str] | None = None
) -> Path:
    models.check_store(env)  # before the progress display: one clean error line
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    quiet = not console.is_terminal  # a log or pipe gets the result line only
    with Progress(*columns, console=console, transient=True, disable=quiet) as progress:
        task = progress.add_task(f"checking {preset.name}", total=None)

        def on_stage(name: str, total: int) -> None:
            progress.update(task, description=name, total=total or None, completed=0)

        def on_bytes(count: int) -> None:
            progress.advance(task, count)

        path = models.pull(preset, env, on_stage=on_stage, on_bytes=on_bytes)
    console.print(f"{preset.name}: {path} (sha256 verified)")
    return path
