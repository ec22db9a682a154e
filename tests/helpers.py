"""Running gruchat as a child process, shared by the subprocess tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any


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


def _default_sigint() -> None:
    """Undo an inherited 'ignore SIGINT' (a background job of a non-interactive shell gets
    one, e.g. a CI runner's `cmd &`): Python then installs no KeyboardInterrupt handler, and
    the Ctrl-C tests would test nothing but the launcher."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn_gruchat(args: list[str], env: dict, cwd: Path | str | None = None, **options: Any):
    """``python -m gruchat ARGS`` in a pseudo-terminal (pexpect), 40×100, UTF-8."""
    import pexpect

    settings: dict[str, Any] = {"encoding": "utf-8", "dimensions": (40, 100), "timeout": 120}
    settings.update(options)
    return pexpect.spawn(
        sys.executable,
        ["-m", "gruchat", *args],
        env=env,
        cwd=None if cwd is None else str(cwd),
        preexec_fn=_default_sigint,
        **settings,
    )
