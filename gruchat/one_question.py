"""``gruchat ask``: one question, streamed answer on stdout, stats on stderr."""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console

from gruchat.command_table import is_blank
from gruchat.config import Settings
from gruchat.engine.base import Engine
from gruchat.environment import Environment, write_out
from gruchat.errors import ContextOverflowError, ExitStatus, GruchatError, UsageError
from gruchat.inputs import TEXT_LIMIT, InputError, clean_text, read_stream
from gruchat.options import SAMPLING_OPTIONS
from gruchat.render import StreamRenderer
from gruchat.runtime import new_session
from gruchat.safe_text import json_line
from gruchat.session import Turn
from gruchat.turn_log import TurnLog
from gruchat.turn_runner import Grounder
from gruchat.turn_view import View, show_turn


def read_prompt(prompt: str | None, env: Environment) -> str:
    """PROMPT, or stdin when PROMPT is '-' or absent and stdin is not a terminal."""
    if prompt is None or prompt == "-":
        if prompt is None and env.stdin_isatty:
            raise UsageError('no question given: gruchat ask "what is a GRU?"')
        try:
            prompt = read_stream(env.stdin, TEXT_LIMIT, "the question on stdin")
        except InputError as exc:
            raise UsageError(str(exc)) from None
        except UnicodeDecodeError as exc:
            raise UsageError(f"stdin is not valid UTF-8 (byte {exc.start})") from None
    prompt = clean_text(prompt).strip()
    if is_blank(prompt):  # also control or zero-width characters only
        raise UsageError("empty question: nothing to ask")
    return prompt


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 4)


def json_result(turn: Turn, engine: Engine, settings: Settings) -> dict[str, Any]:
    return {
        "answer": turn.answer,
        "reasoning": turn.reasoning,
        "finish_reason": turn.finish_reason,
        "usage": turn.usage.as_dict() if turn.usage else None,
        "timings": {
            "ttft_s": round(turn.ttft, 4),
            "total_s": round(turn.total_seconds, 4),
            "load_s": _rounded(engine.info.load_seconds),
        },
        "backend": engine.info.backend,
        "model": engine.info.model,
        "model_path": engine.info.path,
        "location": engine.info.location,
        "device": engine.info.device,
        "sampling": {o.key: getattr(settings, o.key) for o in SAMPLING_OPTIONS},
        "sources": turn.sources,
        "note": turn.note,
        "computed": turn.computed,
        "flags": turn.flags,
        "error": turn.error or None,
    }


class AnswerOnlyRenderer(StreamRenderer):
    """``ask --answer-only``: the model's words alone on stdout (``| head`` shows the answer);
    no note, computed block or sources. Flags, reasoning and stats still go to stderr.
    ``ask --json`` draws with it too: the note, block and sources are in the object."""

    def preface(self, notes: list[tuple[str, str]]) -> None:
        return None

    def preface_seen(self, name: str) -> None:
        return None

    def computed(self, title: str, body: str) -> None:
        return None

    def sources(self, names: list[str]) -> None:
        return None


def _wait_console(env: Environment) -> Console | None:
    """The terminal to show the wait on: the answer's, else stderr's, else none."""
    if env.stdout_isatty:
        return env.out
    return env.err if env.stderr_isatty else None


ASK_REMEDY = "start a new conversation (ask without --continue or --resume)"


def ask_view(env: Environment, settings: Settings, as_json: bool, answer_only: bool) -> View:
    """The answer on stdout and everything about it on stderr. ``--json``: the answer goes
    into the object instead (the stream is dropped), no stats block; a context warning
    still reaches stderr."""
    if as_json:
        sink = Console(file=io.StringIO())
        return View(
            sink,
            env.err,
            markdown=False,
            reasoning_mode="hide",
            stats=False,
            renderer=AnswerOnlyRenderer,
            remedy=ASK_REMEDY,
        )
    return View(
        env.out,
        env.err,
        markdown=bool(env.stdout_isatty),
        reasoning_mode=settings.reasoning,
        stats=settings.stats,
        wait=_wait_console(env),
        renderer=AnswerOnlyRenderer if answer_only else StreamRenderer,
        remedy=ASK_REMEDY,
    )


def answer_one(
    engine: Engine,
    settings: Settings,
    prompt: str,
    env: Environment,
    as_json: bool = False,
    grounder: Grounder | None = None,
    answer_only: bool = False,
    log: TurnLog | None = None,
) -> ExitStatus:
    try:
        return _ask(engine, settings, prompt, env, as_json, grounder, answer_only, log)
    except ContextOverflowError as exc:  # \clear is a REPL command: no use here
        raise UsageError(
            f"prompt is {exc.prompt_tokens} tokens (the question with the system prompt "
            f"and any notes), the context holds {exc.context}; shorten the question"
        ) from None


def json_error(exc: GruchatError | KeyboardInterrupt) -> str:
    """What ``ask --json`` prints when it has no answer: one object, never nothing."""
    if isinstance(exc, KeyboardInterrupt):
        message, status = "interrupted", ExitStatus.INTERRUPTED
    else:
        message, status = exc.message, exc.status
    return json.dumps({"error": message, "exit_code": int(status)}, ensure_ascii=False)


def _ask(
    engine: Engine,
    settings: Settings,
    prompt: str,
    env: Environment,
    as_json: bool,
    grounder: Grounder | None,
    answer_only: bool,
    log: TurnLog | None,
) -> ExitStatus:
    session = new_session(settings)
    if log is not None:
        log.restore(session)  # --continue / --resume: the earlier exchanges
    view = ask_view(env, settings, as_json, answer_only)
    turn = show_turn(engine, session, prompt, view, grounder, log)
    if as_json:
        text = json_line(json.dumps(json_result(turn, engine, settings), ensure_ascii=False))
        write_out(env.stdout, text + "\n")
    if turn.finish_reason == "cancelled":
        return ExitStatus.INTERRUPTED
    return ExitStatus.FAILURE if turn.finish_reason == "error" else ExitStatus.OK
