"""Running the app in-process: the Environment a run writes to, and every way a run
ends mapped, by exception type, to one ``error:`` line and an ExitStatus."""

from __future__ import annotations

import contextlib
import sys
import termios
import traceback
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any, TextIO

import typer

from gruchat import signals
from gruchat.environment import Environment, is_output_error
from gruchat.errors import ExitStatus, GruchatError
from gruchat.safe_text import safe

try:  # typer 0.26+ carries its own copy of click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer on click itself
    from click import exceptions as click_errors  # type: ignore[no-redef]

_CURRENT: ContextVar[Environment | None] = ContextVar("gruchat_environment", default=None)


def current_env() -> Environment:
    """The Environment of the run in progress (a fresh one on the real streams outside
    ``run_app``)."""
    env = _CURRENT.get()
    if env is None:
        env = Environment()
        _CURRENT.set(env)
    return env


def set_debug() -> None:
    """``--debug`` was given: errors show their traceback."""
    current_env().debug = True


@contextlib.contextmanager
def _streams(env: Environment) -> Iterator[None]:
    """What typer and click print themselves (help, completion scripts) goes to the
    run's streams too."""
    if env.stdout is sys.stdout and env.stderr is sys.stderr:
        yield
        return
    with contextlib.redirect_stdout(env.stdout), contextlib.redirect_stderr(env.stderr):
        yield


def run_app(app: typer.Typer, args: list[str], env: Environment) -> int:
    """Run ``app`` on ``args`` writing to ``env``; return the exit status, never raise."""
    token = _CURRENT.set(env)
    try:
        with _streams(env):
            result = app(args=args, prog_name="gruchat", standalone_mode=False)
        status = int(result or 0)
    except BaseException as exc:  # every ending is mapped to a status
        status = ending_status(exc, env)
    finally:
        _CURRENT.reset(token)
    signalled = signals.received()
    if signalled is not None:  # whatever the clean-up raised after the signal
        status, name = signalled
        with contextlib.suppress(Exception):
            env.stderr.write(f"\nterminated ({name})\n")
    if status != ExitStatus.OK:
        signals.restore_terminal()
    return status


def ending_status(exc: BaseException, env: Environment) -> int:
    """The exit status for an exception that ended the run, its one line written."""
    if isinstance(exc, typer.Exit):
        return exc.exit_code
    if isinstance(exc, click_errors.UsageError):  # BadParameter, NoSuchOption, ...
        report(_usage_line(exc), env.debug, env.stderr)
        return ExitStatus.USAGE
    if isinstance(exc, click_errors.ClickException):  # FileError and the like
        report(exc.format_message(), env.debug, env.stderr)
        return exc.exit_code
    if isinstance(exc, typer.Abort):  # click's own (EOF at a click prompt)
        return ExitStatus.INTERRUPTED
    if isinstance(exc, KeyboardInterrupt):
        env.stderr.write("\ninterrupted\n")
        return ExitStatus.INTERRUPTED
    if isinstance(exc, GruchatError):
        report(exc.message, env.debug, env.stderr)
        return exc.status
    if isinstance(exc, signals.Terminated):
        return ExitStatus.FAILURE  # replaced by the signal's own status
    if isinstance(exc, SystemExit):  # stdout_closed() and completion's own exits
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    if isinstance(exc, termios.error):  # tcsetattr on a hung-up or taken-back terminal
        report(f"lost the terminal: {exc.args[-1]}", env.debug, env.stderr)
        return ExitStatus.FAILURE
    if is_output_error(exc):  # stdout full or failing (`>/dev/full`)
        reason = getattr(exc, "strerror", None) or exc
        report(f"cannot write to stdout: {reason}", env.debug, env.stderr)
        return ExitStatus.FAILURE
    message = f"internal error: {type(exc).__name__}: {exc}"
    report(message if env.debug else message + " (rerun with --debug)", env.debug, env.stderr)
    return ExitStatus.FAILURE


def _usage_line(exc: Any) -> str:
    """click's message (``No such option: --x``) and where the help is, on one line."""
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return message
    return f"{message}; see `{ctx.command_path} --help`"


def report(message: str, debug: bool, stream: TextIO | None = None) -> None:
    """One ``error:`` line; messages quote paths and values, so made safe. With
    ``--debug`` the traceback comes first."""
    stream = sys.stderr if stream is None else stream
    if debug and sys.exc_info()[0] is not None:
        stream.write(safe(traceback.format_exc()))
    stream.write(f"error: {safe(message)}\n")
    stream.flush()
