"""Running gruchat as a child process, shared by the subprocess tests."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_VARIABLES = ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME")


@dataclass(frozen=True)
class UserState:
    """Where the user's own files are, and the temporary home the tests use instead."""

    history: Path  # the REPL history gruchat would write without the tests' isolation
    config: Path
    store: Path  # the real model store, linked into the temporary home
    home: Path  # the temporary GRUCHAT_HOME


def word_count(messages: list[dict[str, str]]) -> int:
    """A test's stand-in tokenizer for the fake engine: words plus four per message."""
    return sum(len(m["content"].split()) + 4 for m in messages)


def children_import_this_checkout(environ: MutableMapping[str, str]) -> None:
    """Children started elsewhere (``cwd=tmp_path``) import the gruchat under test, not
    whichever checkout is installed in editable mode."""
    import gruchat

    root = str(Path(gruchat.__file__).resolve().parents[1])
    rest = environ.get("PYTHONPATH")
    environ["PYTHONPATH"] = root + (os.pathsep + rest if rest else "")


def isolate_user_state(environ: MutableMapping[str, str]) -> UserState:
    """Point GRUCHAT_HOME and XDG_{CONFIG,STATE,DATA}_HOME at a fresh temporary folder.

    The model store keeps working: ``$GRUCHAT_HOME/models`` is a link to the store the
    user's own environment names (their GRUCHAT_HOME or the user cache dir), so the real
    model is found and nothing else of the user's is reachable. Children inherit it all.
    """
    from gruchat import config, models, repl

    real = UserState(
        history=repl.history_path(environ),
        config=config.user_config_path(environ),
        store=models.store_dir(environ),
        home=Path(),
    )
    root = Path(tempfile.mkdtemp(prefix="gruchat-tests-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    home = root / "gruchat-home"
    home.mkdir()
    if real.store.is_dir():  # no store yet (a fresh machine): the unit tests need none
        (home / "models").symlink_to(real.store, target_is_directory=True)
    environ["GRUCHAT_HOME"] = str(home)
    for name in STATE_VARIABLES:
        environ[name] = str(root / name.lower())
    environ.pop("GRUCHAT_CONFIG", None)
    return UserState(real.history, real.config, real.store, home)


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


# What the REPL draws while the model reads the prompt ("waiting for the model",
# "reading 75 prompt tokens · 1.2s"): under CPU load it is on screen before the answer,
# so a test waiting for "the answer has started" must not take its words for the answer's.
WAIT_LINE_WORDS = frozenset({"waiting", "for", "the", "model", "reading", "prompt", "tokens"})
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def expect_answer_word(child: Any, min_letters: int = 3, timeout: float = 180) -> str:
    """Read the pty until a word of the answer is on screen (escape sequences removed and
    the wait line's words skipped); returns all the raw text read meanwhile."""
    import pexpect

    word = re.compile(rf"[A-Za-z]{{{min_letters},}}")
    seen = ""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise pexpect.TIMEOUT(f"no answer word within {timeout} s; screen: {seen[-300:]!r}")
        child.expect(r"(?s).+", timeout=left)
        seen += child.after
        text = _ESCAPES.sub(" ", seen)
        if any(w.lower() not in WAIT_LINE_WORDS for w in word.findall(text)):
            return seen
