"""A real llama.cpp ``llama-server`` on 127.0.0.1 for the remote backend's tests and bench.

The binary is built once by scripts/build-llama-server.sh (``make test`` runs it and sets
GRUCHAT_LLAMA_SERVER); without that variable the script's cache path is used. Servers are
started on a free port and stopped with SIGKILL (SIGTERM stalls ~30 s with a stream open).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

VERSION = "11434.0.0"
BUILD = "portable"  # scripts/build-llama-server.sh's cache folder suffix (not -march=native)
ALIAS = "smollm2-135m"  # the server's model id: the preset name the prompt files use


def cache_binary() -> Path:
    base = os.environ.get("GRUCHAT_DEV_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gruchat-dev"
    )
    return Path(base) / f"llama-server-{VERSION}-{BUILD}" / "llama-server"


def find_binary() -> tuple[Path | None, str]:
    """(the binary, "") or (None, why it is missing)."""
    named = os.environ.get("GRUCHAT_LLAMA_SERVER")
    if named:
        path = Path(named)
        if path.is_file() and os.access(path, os.X_OK):
            return path, ""
        return None, f"GRUCHAT_LLAMA_SERVER={named} is not an executable file"
    path = cache_binary()
    if path.is_file() and os.access(path, os.X_OK):
        return path, ""
    return None, (
        f"no llama-server: set GRUCHAT_LLAMA_SERVER or build it into {path} with "
        "scripts/build-llama-server.sh (`make test` does)"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# A ChatML template that llama.cpp detects as a reasoning template: it renders an
# assistant's reasoning_content inside <think>…</think> and opens <think> for the answer
# unless enable_thinking is false (\think off).
REASONING_TEMPLATE = """\
{%- for message in messages -%}
{{- '<|im_start|>' + message['role'] + '\\n' -}}
{%- if message['role'] == 'assistant' and message['reasoning_content'] is defined \
and message['reasoning_content'] -%}
{{- '<think>\\n' + message['reasoning_content'] + '\\n</think>\\n' -}}
{%- endif -%}
{{- message['content'] + '<|im_end|>\\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}
{{- '<|im_start|>assistant\\n' -}}
{%- if enable_thinking is not defined or enable_thinking -%}{{- '<think>\\n' -}}{%- endif -%}
{%- endif -%}
"""


class LlamaServer:
    """One llama-server process serving ``model`` as ``alias`` (default ``ALIAS``)."""

    def __init__(self, binary: Path, model: Path, *extra: str, context: int = 2048,
                 slots: int = 1, port: int | None = None, alias: str = ALIAS) -> None:  # fmt: skip
        self.binary, self.model, self.extra = binary, model, list(extra)
        self.context, self.slots, self.alias = context, slots, alias
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in close())
            prefix="llama-server-", suffix=".log", delete=False
        )

    def args(self) -> list[str]:
        return [
            str(self.binary), "-m", str(self.model), "--host", "127.0.0.1",
            "--port", str(self.port), "-c", str(self.context), "-np", str(self.slots),
            "-a", self.alias, "-t", "2", "--no-webui", *self.extra,
        ]  # fmt: skip

    def start(self, wait: float = 120.0) -> LlamaServer:
        self.proc = subprocess.Popen(
            self.args(), stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama-server exited {self.proc.returncode}: {self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"llama-server not ready in {wait:.0f}s: {self.tail()}")

    def tail(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-2000:]

    def signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL (works on a stopped process too) and reap."""
        if self.proc is not None:
            self.signal(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)

    def close(self) -> None:
        self.kill()
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)
