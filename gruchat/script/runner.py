"""``gruchat run``: every file parsed first, one engine for all of them, a fresh session each.

Lines go through the same Shell as the REPL (scope "script"): prompts via ``Shell.send``,
commands via ``Shell.handle``; the Outcome says what the checks look at. One command
table, built here, serves the parser and every file's Shell. Unless a file or
a flag says otherwise, decoding is greedy (temperature 0) so reruns are comparable.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from gruchat.all_commands import build_table
from gruchat.command_table import Reply, Table
from gruchat.config import Settings, load_settings
from gruchat.engine.base import Engine, Sampling
from gruchat.environment import Environment
from gruchat.errors import ExitStatus, GruchatError, UsageError
from gruchat.options import SAMPLING_OPTIONS
from gruchat.runtime import display_state, grounder_for, new_session, open_engine, sampling_from
from gruchat.script import golden, parser, report
from gruchat.script.checks import Subject, evaluate, excerpt, reply_text
from gruchat.script.report import FileResult, Row
from gruchat.session import Turn
from gruchat.shell import Outcome, Shell
from gruchat.turn_log import open_run_log
from gruchat.turn_runner import Grounder

EngineFactory = Callable[[Settings, Console], Engine]


@dataclass
class RunOptions:
    quiet: bool = False  # only the report, no transcript
    record: bool = False  # write golden files that do not exist yet
    update: bool = False  # rewrite golden files from this run
    golden: bool = False  # a missing golden file is a failure
    junit: Path | None = None
    json_path: Path | None = None
    verbose: bool = False
    jobs: int = 1  # files run at once; only against an --endpoint (run_jobs)


def run_files(
    paths: Sequence[Path],
    flags: dict[str, Any],
    options: RunOptions,
    env: Environment | None = None,
    engine_factory: EngineFactory | None = None,
    grounder_factory: Callable[[Settings], Grounder | None] = grounder_for,
) -> ExitStatus:
    """Parse all files, run them, report; the exit status says how it went."""
    env = env or Environment()
    check_report_paths(paths, flags, options)
    table = build_table()
    scripts = load_all(paths, env.err, table)
    if scripts is None:
        return ExitStatus.USAGE
    settings = settings_for(flags, scripts)
    if engine_factory is None:
        engine = open_engine(settings, env.err, verbose=options.verbose)
    else:
        engine = engine_factory(settings, env.err)
    grounder = grounder_factory(settings)
    meta = _LazyMeta(engine)
    jobs = options.jobs
    if jobs > 1 and not settings.endpoint:
        env.err.print(
            f"--jobs {jobs}: the in-process engine answers one question at a time, so the "
            "files run one after another (--jobs runs them at once against an --endpoint)",
            markup=False,
        )
        jobs = 1
    if jobs > 1:
        from gruchat.script.jobs import run_jobs

        results = run_jobs(scripts, jobs, env, engine, lambda script, job_env: run_file(
            script, engine, settings, grounder, job_env, options, meta, table))  # fmt: skip
    else:
        results = [
            run_file(s, engine, settings, grounder, env, options, meta, table) for s in scripts
        ]
    if not options.quiet:
        env.out.print()
    report.print_report(env.out, results)
    for path, write in (
        (options.junit, report.write_junit),
        (options.json_path, report.write_json),
    ):
        if path is not None:
            try:
                write(path, results)
            except OSError as exc:
                raise UsageError(f"cannot write the report {path}: {exc.strerror or exc}") from None
    failed = any(result.failures for result in results)
    return ExitStatus.FAILURE if failed else ExitStatus.OK


def run_file(
    script: parser.Script,
    engine: Engine,
    settings: Settings,
    grounder: Grounder | None,
    env: Environment,
    options: RunOptions,
    meta: _LazyMeta,
    table: Table,
) -> FileResult:
    """One file: its transcript, its golden-file verdict, its rows echoed on ``env.out``."""
    result, turns = run_script(script, engine, settings, grounder, env, options.quiet, table)
    before = len(result.rows)
    compare_golden(script, turns, meta, options, result)
    if not options.quiet:
        for row in result.rows[before:]:
            _echo(env.out, row)
    return result


def check_report_paths(paths: Sequence[Path], flags: dict[str, Any], options: RunOptions) -> None:
    """A report is never written over an input (a prompt file, its golden file, the system
    prompt file or the model) nor over the other report: a usage error before anything runs."""
    inputs = {}
    for path in paths:
        inputs[_file_key(Path(path))] = f"the prompt file {path}"
        inputs[_file_key(golden.golden_path(path))] = f"the golden file of {path}"
    for key, what in (("system_prompt_file", "the system prompt file"), ("model", "the model")):
        if flags.get(key) and os.path.lexists(flags[key]):
            inputs[_file_key(Path(flags[key]))] = what
    reports: dict[tuple[Any, ...], str] = {}
    for flag, target in (("--junit", options.junit), ("--json", options.json_path)):
        if target is None:
            continue
        key = _file_key(Path(target))
        if key in inputs:
            raise UsageError(
                f"{flag} {target} is {inputs[key]}; a report is never written over an input, "
                "choose another path"
            )
        if key in reports:
            raise UsageError(f"--junit and --json both name {target}; give each its own path")
        reports[key] = flag


def _file_key(path: Path) -> tuple[Any, ...]:
    """The same key for two names of one file: its inode when it exists, else its path."""
    try:
        info = path.expanduser().stat()
    except OSError:
        return ("path", os.path.realpath(path.expanduser()))
    return ("inode", info.st_dev, info.st_ino)


def load_all(
    paths: Sequence[Path], err: Console, table: Table | None = None
) -> list[parser.Script] | None:
    """Every file parsed; on any error each file's first error is shown and None returned."""
    if not paths:
        raise UsageError("no prompt files given: gruchat run FILE.gru …")
    scripts, failed = [], False
    for path in paths:
        try:
            scripts.append(parser.load(Path(path), table))
        except GruchatError as exc:
            err.print(exc.message, style="red", markup=False, highlight=False, soft_wrap=True)
            failed = True
    return None if failed else scripts


def settings_for(flags: dict[str, Any], scripts: Sequence[parser.Script]) -> Settings:
    """Settings from config and flags; the files' ``# model:`` pragma unless --model is given."""
    flags = dict(flags)
    named = {script.path: script.model for script in scripts if script.model}
    if "model" not in flags and named:
        if len(set(named.values())) > 1:
            listing = ", ".join(f"{path}: {model}" for path, model in named.items())
            raise UsageError(
                f"the files name different models ({listing}); run them separately "
                "or choose one with --model"
            )
        flags["model"] = next(iter(named.values()))
    return load_settings(flags)


def file_sampling(settings: Settings, script: parser.Script) -> Sampling:
    """Greedy by default; the file's ``# sampling:`` pragma; then the command-line flags."""
    changes = {"temperature": 0.0, **script.sampling}
    for option in SAMPLING_OPTIONS:
        if settings.sources.get(option.key, "").startswith("flag"):
            changes[option.key] = getattr(settings, option.key)
    return dataclasses.replace(sampling_from(settings), **changes)


def run_script(
    script: parser.Script,
    engine: Engine,
    settings: Settings,
    grounder: Grounder | None,
    env: Environment,
    quiet: bool = False,
    table: Table | None = None,
) -> tuple[FileResult, list[tuple[int, Turn]]]:
    """Replay one file in a fresh session; the results and the (line, Turn) of each answer."""
    session = new_session(settings)
    session.sampling = session.default_sampling = file_sampling(settings, script)
    shell_env = _silent() if quiet else env
    log = open_run_log(settings, env.err)  # only with --log: each file a conversation
    shell = Shell(
        engine,
        session,
        shell_env,
        grounder,
        scope="script",
        log=log,
        table=table,
        display_state=display_state(settings),
    )
    out = shell_env.out
    result = FileResult(script.path)
    turns: list[tuple[int, Turn]] = []
    if not quiet:
        out.print(f"== {script.path} ==", style="bold", markup=False, highlight=False)
    for index, step in enumerate(script.steps):
        for number, line in enumerate(step.lines):
            out.print(("> " if number == 0 else "... ") + line, markup=False, highlight=False)
        outcome = shell.send(step.text) if step.kind == "prompt" else shell.handle(step.text)
        subject = _subject(step, outcome)
        if isinstance(subject, Turn):
            if subject.finish_reason == "cancelled":
                raise KeyboardInterrupt
            turns.append((step.line, subject))
        rows = _implicit(script.path, step, subject, outcome.reply)
        for check in step.checks:
            verdict = evaluate(check, subject)
            rows.append(
                Row(script.path, check.line, check.label, verdict.passed, verdict.message,
                    verdict.excerpt)
            )  # fmt: skip
        for row in rows:
            _echo(out, row)
        result.rows += rows
        if not outcome.going:
            why = f"not run: \\exit on line {step.line} ended the file"
            for later in script.steps[index + 1 :]:
                result.rows += [Row(script.path, c.line, c.label, False, why) for c in later.checks]
            break
    return result, turns


def compare_golden(
    script: parser.Script,
    turns: list[tuple[int, Turn]],
    meta: _LazyMeta,
    options: RunOptions,
    result: FileResult,
) -> None:
    """Record, update or compare ``FILE.golden.json``; adds a row when there is a verdict."""
    path = golden.golden_path(script.path)
    exists = path.exists()
    if not (exists or options.record or options.update or options.golden):
        return
    label = f"golden {path.name}"
    current = golden.build(turns, meta.get())
    if options.update or (options.record and not exists):
        if exists:
            try:
                result.golden_diff = golden.diff(golden.load(path), current, script.path)
            except ValueError:
                result.golden_diff = []
        try:
            golden.write(path, current)
        except OSError as exc:
            why = f"cannot write {path}: {exc.strerror or exc}"
            result.rows.append(Row(script.path, 0, label, False, why))
            return
        what = "updated" if exists else "recorded"
        result.rows.append(Row(script.path, 0, label, True, "", f"{what} {len(turns)} answers"))
        return
    if not exists:
        why = f"no golden file {path} (record one with --record)"
        result.rows.append(Row(script.path, 0, label, False, why))
        return
    try:
        recorded = golden.load(path)
    except ValueError as exc:
        result.rows.append(Row(script.path, 0, label, False, str(exc)))
        return
    result.golden_diff = golden.diff(recorded, current, script.path)
    if result.golden_diff:
        why = "answers differ from the golden file (see the diff; --update accepts them)"
        result.rows.append(Row(script.path, 0, label, False, why))
    else:
        result.rows.append(Row(script.path, 0, label, True, "", f"{len(turns)} answers match"))


def _subject(step: parser.Step, outcome: Outcome) -> Subject:
    """What a step's checks look at: a prompt's answer (None when it was refused), else
    the answer a command asked for (\\retry), else the command's reply."""
    if step.kind == "prompt" or outcome.turn is not None:
        return outcome.turn
    return outcome.reply


def _implicit(path: str, step: parser.Step, subject: Subject, last: Reply | None) -> list[Row]:
    """Failures nobody wrote a check for: a refused command, a prompt with no answer."""
    if isinstance(subject, Turn) and subject.finish_reason == "error":
        return [Row(path, step.line, "answer", False, f"the engine failed: {subject.error}")]
    if subject is None:
        why = reply_text(last) if last is not None else "no answer"
        return [Row(path, step.line, "answer", False, f"no answer: {why}")]
    expects_error = any(check.kind == "error" for check in step.checks)
    if isinstance(subject, Reply) and subject.error and not expects_error:
        message = excerpt(reply_text(subject), 200)
        return [Row(path, step.line, f"{step.text} (accepted)", False, f"refused: {message}")]
    return []


def _echo(out: Console, row: Row) -> None:
    if row.passed:
        detail = f": {row.excerpt}" if row.line == 0 and row.excerpt else ""  # golden verdicts
        text, style = f"  [pass] {row.check}{detail}", "green"
    else:
        text, style = f"  [FAIL] {row.check}: {row.message}", "bold red"
    out.print(text, style=style, markup=False, highlight=False, soft_wrap=True)


def _silent() -> Environment:
    return Environment.in_memory(width=None)


class _LazyMeta:
    """Model hash and versions for golden files, computed once and only when needed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.value: dict[str, Any] | None = None
        self._lock = threading.Lock()  # run --jobs: files finish at the same time

    def get(self) -> dict[str, Any]:
        with self._lock:
            if self.value is None:
                self.value = golden.model_meta(self.engine, golden.model_sha256(self.engine))
            return self.value
