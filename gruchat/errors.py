"""Exception types and the exit-status enum, so every path maps failures the same way."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Process exit codes (documented in README)."""

    OK = 0
    FAILURE = 1  # a check failed or a runtime error
    USAGE = 2  # bad flags, bad values, script syntax errors
    ENVIRONMENT = 3  # model or environment problems
    HANGUP = 129  # SIGHUP: the terminal went away
    INTERRUPTED = 130
    TERMINATED = 143  # SIGTERM


class GruchatError(Exception):
    """An error with a one-line message meant for the user."""

    status: ExitStatus = ExitStatus.FAILURE

    def __init__(self, message: str, status: ExitStatus | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class UsageError(GruchatError):
    """The user asked for something malformed (flag, value, script syntax)."""

    status = ExitStatus.USAGE


class ModelError(GruchatError):
    """The model could not be found, fetched, checked or loaded."""

    status = ExitStatus.ENVIRONMENT


class EndpointError(GruchatError):
    """The server given by --endpoint cannot be used: unreachable, a refused key, no such
    model (at start; a failure while answering is an EngineError)."""

    status = ExitStatus.ENVIRONMENT


class EngineError(GruchatError):
    """The engine failed while answering."""

    status = ExitStatus.FAILURE


class ContextOverflowError(EngineError):
    """The prompt does not fit in the model's context window."""

    def __init__(self, prompt_tokens: int, context: int) -> None:
        super().__init__(
            f"prompt is {prompt_tokens} tokens, the context holds {context}; use \\clear"
        )
        self.prompt_tokens = prompt_tokens
        self.context = context


class EngineDeadError(EngineError):
    """The engine's worker is gone; nothing more can be asked of it."""
