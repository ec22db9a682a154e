"""Shared fixtures: a scripted engine, injected streams, the real model and a CLI runner."""

from __future__ import annotations

import os
import signal

import pytest
from helpers import children_import_this_checkout, isolate_user_state, run_gruchat

# Before anything reads the environment: GRUCHAT_HOME and XDG_{CONFIG,STATE,DATA}_HOME point
# at a temporary folder for this test process and every child it starts, so no test reads
# or writes the user's config, history or data. The model store is kept (linked in).
USER_STATE = isolate_user_state(os.environ)
children_import_this_checkout(os.environ)

# A background job of a non-interactive shell (`nohup make test &`) starts with SIGINT
# and SIGHUP ignored, so Python installs no KeyboardInterrupt handler, gruchat (rightly)
# leaves an ignored SIGHUP alone, and the Ctrl-C and hang-up tests fail for the way they
# were launched; the tests (and the REPLs they spawn, which inherit it) get what a user at
# a terminal has.
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGHUP, signal.SIG_DFL)

from gruchat import models  # noqa: E402
from gruchat.engine.fake import FakeEngine  # noqa: E402
from gruchat.environment import Environment  # noqa: E402

DEFAULT_PRESET = "smollm2-135m"

# Taken before any test runs: loading the real engine sets RUST_LOG / HF_HUB_OFFLINE /
# CUDA_VISIBLE_DEVICES in os.environ, and subprocesses should not depend on test order.
_BASE_ENV = dict(os.environ)


@pytest.fixture
def fake_engine():
    """A FakeEngine with an empty script queue."""
    return FakeEngine()


@pytest.fixture
def env():
    """Factory for an Environment on StringIO streams; nothing is a terminal by default."""

    def make(stdin: str = "", *, stdin_isatty: bool = False, width: int = 100) -> Environment:
        environment = Environment.in_memory(stdin, width=width)
        environment.stdin_isatty = stdin_isatty
        return environment

    return make


@pytest.fixture(scope="session")
def default_model_path():
    """The real default model in the store; a missing model is a failure, not a skip."""
    preset = models.presets()[DEFAULT_PRESET]
    ref = models.resolve(DEFAULT_PRESET)
    assert ref.path is not None
    if not models.is_installed(preset):
        pytest.fail(
            f"the default model is not in the model store ({ref.path}); "
            f"run `make model` or `gruchat pull {DEFAULT_PRESET}` first (`make test` does)",
            pytrace=False,
        )
    return ref.path


@pytest.fixture(scope="session")
def real_engine(default_model_path):
    """The real default model loaded once through mistral.rs, on the CPU."""
    from gruchat.engine.mistral import load

    saved = dict(os.environ)
    try:
        engine = load(models.resolve(DEFAULT_PRESET), device="cpu", isq="Q8_0")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return engine


@pytest.fixture(scope="session")
def subprocess_env(tmp_path_factory):
    """Environment for child processes: no user config, no GRUCHAT_* overrides but the
    model (GRUCHAT_MODEL=smollm2-135m)."""
    config_home = tmp_path_factory.mktemp("xdg-config")
    child = {
        key: value
        for key, value in _BASE_ENV.items()
        if key != "PYTHONIOENCODING" and not (key.startswith("GRUCHAT_") and key != "GRUCHAT_HOME")
    }
    child["XDG_CONFIG_HOME"] = str(config_home)
    # The tests run on the small model (2 cores); the few that load the 1.5B default say so.
    child["GRUCHAT_MODEL"] = DEFAULT_PRESET
    child["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))  # the conversation log
    child.pop("NO_COLOR", None)
    return child


@pytest.fixture(scope="session")
def gruchat_cmd(subprocess_env):
    """Run ``python -m gruchat ARGS`` and return the CompletedProcess (text, captured)."""

    def run(*args: str, **options):
        return run_gruchat(subprocess_env, *args, **options)

    return run
