"""Running gruchat as a child process, shared by the subprocess tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_gruchat(
    base_env: dict,
    *args: str,
    input: str | bytes | None = None,
    env: dict | None = None,
    cwd: Path | None = None,
    timeout: int = 300,
    text: bool = True,
) -> subprocess.CompletedProcess:
    """``python -m gruchat ARGS`` with ``base_env`` plus ``env`` (a None value unsets)."""
    child = dict(base_env)
    for key, value in (env or {}).items():
        if value is None:
            child.pop(key, None)
        else:
            child[key] = value
    return subprocess.run(
        [sys.executable, "-m", "gruchat", *args],
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        text=text,
        capture_output=True,
        timeout=timeout,
        env=child,
        cwd=cwd,
        check=False,
    )


def run_with_closed_stdout(base_env: dict, *args: str) -> subprocess.CompletedProcess:
    """Run gruchat with stdout a pipe whose reader has already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "gruchat", *args],
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
            env=base_env,
            check=False,
        )
    finally:
        os.close(write_end)
