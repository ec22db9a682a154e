"""Run a contender as a child process and measure what only the parent can: wall time and
peak resident memory (from the kernel's rusage for that one child, via os.wait4).

Linux counts the resident pages of the process that forks into the child's peak (the
copied address space is recorded at exec), so a big parent (a test run with torch
loaded) would lift every child's figure to its own size. A small launcher process does
the fork instead and reports its child's rusage in a side file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_child(cmd: list[str], stdin: str = "", env: dict[str, str] | None = None) -> ChildResult:
    """Run `cmd` to completion; stdout and stderr go through temp files so no pipe fills."""
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.NamedTemporaryFile("r") as rss,
    ):
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", _LAUNCHER, rss.name, *cmd],
            stdin=subprocess.PIPE, stdout=out, stderr=err, text=True,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
        proc.wait()
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        peak_kb = int(rss.read() or 0)
        return ChildResult(out.read(), err.read(), proc.returncode, wall, peak_kb / 1024)


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
