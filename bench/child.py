"""Run a contender as a child process and measure what only the parent can: wall time and
peak resident memory (from the kernel's rusage for that one child, via os.wait4)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass


@dataclass
class ChildResult:
    stdout: str
    stderr: str
    returncode: int
    wall_s: float
    peak_rss_mb: float


def run_child(cmd: list[str], stdin: str = "", env: dict[str, str] | None = None) -> ChildResult:
    """Run `cmd` to completion; stdout and stderr go through temp files so no pipe fills."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=out, stderr=err, text=True,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildResult(out.read(), err.read(), proc.returncode, wall, usage.ru_maxrss / 1024)


def last_json_line(result: ChildResult, what: str) -> dict:
    """The child's JSON report (its last stdout line), or a one-line error naming it."""
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        tail = result.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{what} failed (exit {result.returncode}): {tail[0]}")
    return json.loads(lines[-1])


def vm_hwm_mb(pid: int) -> float | None:
    """Peak RSS of a live process (VmHWM), for contenders we cannot wait4 on (the pty REPL)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
