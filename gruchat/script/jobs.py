"""``gruchat run --jobs N``: prompt files at once against a server, reported in file order.

Each file runs on its own thread with its own session and its own buffered output; a
file's transcript is written whole, in the order the files were given, as soon as it and
every file before it are done. The server does the concurrent work (llama-server ``-np N``
slots, vLLM batching); the in-process engine answers one question at a time, so the runner
only comes here with an endpoint.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from gruchat.engine.base import Engine
from gruchat.environment import Environment, write_out
from gruchat.script.parser import Script
from gruchat.script.report import FileResult

RunOne = Callable[[Script, Environment], FileResult]


def run_jobs(
    scripts: Sequence[Script], jobs: int, env: Environment, engine: Engine, run_one: RunOne
) -> list[FileResult]:
    """Run ``run_one`` for every script on ``jobs`` threads; results in file order."""
    buffers = [Environment.in_memory(width=env.out.width) for _ in scripts]
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="gruchat-run")
    try:
        futures = [pool.submit(run_one, s, b) for s, b in zip(scripts, buffers, strict=True)]
        results = []
        for future, buffer in zip(futures, buffers, strict=True):
            results.append(future.result())
            write_out(env.stdout, buffer.stdout.getvalue())  # type: ignore[attr-defined]
            err = buffer.stderr.getvalue()  # type: ignore[attr-defined]
            if err:
                write_out(env.stderr, err)
        return results
    except BaseException:  # Ctrl-C: stop sending; answers in flight fail on the closed client
        pool.shutdown(wait=False, cancel_futures=True)
        close = getattr(engine, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()
        raise
    finally:
        pool.shutdown(wait=False)
