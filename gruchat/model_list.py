"""``gruchat models``: presets and local files in one table, then where each preset comes from."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from gruchat import models
from gruchat.fetch import parts_kept
from gruchat.presets import Preset, human_size


def _installed(preset: Preset) -> str:
    if preset.source == "hub":
        return "hub"
    if models.is_installed(preset):
        return "yes"
    kept = parts_kept(preset)
    return f"no ({kept}/{len(preset.wheel_parts())} parts)" if kept else "no"


def print_models(console: Console, warnings: Console | None = None) -> None:
    """The table on ``console``; a store that cannot be used is a warning on ``warnings``."""
    problem = models.store_problem()
    if problem:
        (warnings or console).print(
            f"warning: {problem}", style="yellow", markup=False, soft_wrap=True
        )
    table = Table("name", "size", "installed", "isq", "description", title="gruchat models")
    for preset in models.presets().values():
        state = _installed(preset)
        if preset.source != "hub":
            _, file = models.file_state(models.preset_path(preset))
            if file not in ("yes", "no"):
                state = file  # a broken link or an unreadable file in the store
        table.add_row(
            preset.name, human_size(preset.size), state, preset.isq or "default", preset.description
        )
    for path in models.local_files():
        size, state = models.file_state(path)
        table.add_row(path.name, human_size(size), state, "default", "local file")
    console.print(table)
    console.print("Where each preset comes from:")
    for preset in models.presets().values():
        hub = preset.source == "hub"
        where = f"{preset.repo}/{preset.file}" if hub else models.preset_path(preset)
        console.print(f"  {preset.name}: from {preset.source_text}", markup=False)
        console.print(f"    {where}", markup=False, style="dim")
    console.print(f"model store: {models.store_dir()}  (set GRUCHAT_HOME to move it)")
    console.print("use one with --model NAME; fetch one with `gruchat pull NAME`")


def print_server_models(console: Console, models_: list[dict], url: str) -> None:
    """``gruchat models --endpoint URL``: the server's /v1/models, the first being the default."""
    from gruchat.engine.openai_compat import context_of, server_kind

    table = Table("id", "server", "context", title=f"models at {url}")
    for entry in models_:
        context = context_of(entry)
        table.add_row(
            entry["id"], server_kind(entry) or str(entry.get("owned_by", "")), str(context or "")
        )
    console.print(table)
    console.print("use one with --endpoint URL --model ID (default: the first)", markup=False)
