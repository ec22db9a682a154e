"""The typer app: parses flags and wires the parts together; the logic lives elsewhere."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gruchat import __version__
from gruchat.cli_main import current_env, run_app, set_debug
from gruchat.cli_main import report as _report
from gruchat.cli_options import engine_options, flag_of
from gruchat.cli_typer import GruchatTyper
from gruchat.errors import ExitStatus, GruchatError, UsageError

if TYPE_CHECKING:
    from gruchat.environment import Environment

app = GruchatTyper(
    on_debug=set_debug,
    name="gruchat",
    help="A terminal tutor for Gated Recurrent Units on a local language model.",
    add_completion=True,  # --install-completion, --show-completion [bash|zsh|fish]
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

SUBCOMMANDS = {"chat", "ask", "run", "pull", "models", "config", "gru", "completion", "logs"}
ROOT_OPTIONS = ("-h", "--help", "--version", "--install-completion", "--show-completion")


EndpointFlag = flag_of("endpoint")  # `models --endpoint`: the same option as chat's
ApiKeyEnvFlag = flag_of("api_key_env")


def _settings(flags: dict[str, Any]):
    from gruchat.config import load_settings

    return load_settings(flags)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"gruchat {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Version."),
    ] = None,
) -> None:
    """Run with no command (or `chat`) to open the REPL; `gruchat COMMAND --help` for more."""


Continue = Annotated[
    bool, typer.Option("--continue", "-c", help="Continue the last logged conversation.")
]
Resume = Annotated[
    str | None,
    typer.Option("--resume", help="Continue the logged conversation ID.", metavar="ID"),
]


@app.command()
@engine_options
def chat(
    flags: dict[str, Any], verbose: bool, continue_: Continue = False, resume: Resume = None
) -> int:
    """Open the interactive REPL (the default command)."""
    settings = _settings(flags)
    from gruchat.repl import run_repl
    from gruchat.turn_log import open_turn_log

    env = current_env()
    log = open_turn_log(settings, env.err, continue_, resume)
    return int(run_repl(settings, env, verbose=verbose, log=log))


@app.command()
@engine_options
def ask(
    flags: dict[str, Any],
    verbose: bool,
    prompt: Annotated[str | None, typer.Argument(help="The question; '-' reads stdin.")] = None,
    hide_reasoning: Annotated[
        bool, typer.Option("--hide-reasoning", help="Do not show the reasoning.")
    ] = False,
    no_stats: Annotated[bool, typer.Option("--no-stats", help="Do not print stats.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    answer_only: Annotated[
        bool,
        typer.Option("--answer-only", help="Only the model's answer on stdout (no note, block)."),
    ] = False,
    continue_: Continue = False,
    resume: Resume = None,
) -> int:
    """Answer one question and exit.

    stdout: the verified note and any computed block, then the model's answer
    (--answer-only: the answer alone; --json: one JSON object instead).
    stderr: sources, flagged sentences, reasoning, stats, progress and errors.
    """
    from gruchat import one_question as ask_mod
    from gruchat.environment import write_out
    from gruchat.runtime import grounder_for, open_engine

    env = current_env()
    try:
        question = ask_mod.read_prompt(prompt, env)
        if hide_reasoning:
            flags["reasoning"] = "hide"
        if no_stats:
            flags["stats"] = False
        settings = _settings(flags)
        from gruchat.turn_log import open_turn_log

        log = open_turn_log(settings, env.err, continue_, resume)
        engine = open_engine(settings, env.err, verbose=verbose)
        if env.stderr_isatty and not settings.endpoint:
            from gruchat.model_notice import notice_once

            notice_once(settings.model, env.err)
        grounder = grounder_for(settings)
        return int(
            ask_mod.answer_one(
                engine, settings, question, env, json_out, grounder, answer_only, log
            )
        )
    except (GruchatError, KeyboardInterrupt) as exc:
        if json_out:  # a script reading stdout gets an object, the user the error line
            write_out(env.stdout, ask_mod.json_error(exc) + "\n")
        raise


@app.command()
@engine_options
def run(
    flags: dict[str, Any],
    verbose: bool,
    files: Annotated[list[Path], typer.Argument(help="Prompt files (*.gru) to replay.")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the report.")] = False,
    record: Annotated[bool, typer.Option("--record", help="Write missing golden files.")] = False,
    update: Annotated[bool, typer.Option("--update", help="Rewrite golden files.")] = False,
    golden: Annotated[bool, typer.Option("--golden", help="Missing golden file fails.")] = False,
    junit: Annotated[Path | None, typer.Option(help="Write a JUnit XML report.")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write a JSON report.")] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Files at once (with --endpoint).")
    ] = 1,
) -> int:
    """Replay prompt files through the REPL's commands and check the answers."""
    from gruchat.script.runner import RunOptions, run_files

    options = RunOptions(quiet, record, update, golden, junit, json_path, verbose, jobs)
    return int(run_files(files, flags, options))


@app.command()
def pull(
    name: Annotated[
        str | None, typer.Argument(help="Preset to fetch (default: the configured model).")
    ] = None,
) -> int:
    """Fetch a model preset into the model store, verifying every part and the file."""
    from gruchat import models
    from gruchat.pull_view import pull_with_progress

    env = current_env()
    if name is None:
        settings = _settings({})
        name = settings.model
        if name not in models.presets():
            env.err.print(
                f"nothing to pull: the configured model {name!r} "
                f"({settings.sources.get('model', 'default')}) is not a preset",
                markup=False,
            )
            return ExitStatus.OK
    preset = models.presets().get(name)
    if preset is None:
        raise UsageError(f"unknown preset {name!r}; see `gruchat models`")
    if preset.source == "hub":
        env.err.print(
            f"{name} ({preset.repo}/{preset.file}) is downloaded from the Hugging Face hub by "
            "the engine the first time you use it: gruchat --model " + name
        )
        return ExitStatus.OK
    try:
        pull_with_progress(preset, env.err)
    except models.PullInterrupted as exc:
        env.err.print(exc.message, markup=False)
        return ExitStatus.INTERRUPTED
    return ExitStatus.OK


@app.command("models")
def list_models(endpoint: EndpointFlag = None, api_key_env: ApiKeyEnvFlag = None) -> int:
    """List model presets and local model files (--endpoint: a server's models)."""
    from gruchat.model_list import print_models, print_server_models

    env = current_env()
    if endpoint or api_key_env:
        from gruchat.engine.openai_compat import list_models as server_models
        from gruchat.engine.remote import remote_endpoint

        settings = _settings({"endpoint": endpoint, "api_key_env": api_key_env})
        if not settings.endpoint:
            raise UsageError("--api-key-env needs --endpoint URL (or `endpoint` in the config)")
        server = remote_endpoint(settings)
        print_server_models(env.out, server_models(server), server.url)
        return ExitStatus.OK
    print_models(env.out, env.err)
    return ExitStatus.OK


@app.command("config")
@engine_options
def show_config(flags: dict[str, Any], verbose: bool) -> int:
    """Print the effective settings (with any flags given) and where each came from."""
    settings = _settings(flags)
    from rich.table import Table

    from gruchat.config import user_config_path

    console = current_env().out

    table = Table("setting", "value", "from", title="gruchat settings")
    for key, value in settings.as_dict().items():
        table.add_row(key, repr(value), settings.sources.get(key, "built-in"))
    console.print(table)
    console.print(f"user config file: {user_config_path(os.environ)}")
    return ExitStatus.OK


@app.command("logs")
def logs(
    count: Annotated[int, typer.Option("-n", help="How many exchanges (0: all).")] = 20,
    conversation: Annotated[
        str | None,
        typer.Option(
            "--conversation", help="One conversation whole (its id or id start).", metavar="ID"
        ),
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", help="Exchanges holding all these words.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="A JSON array, every field.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Each exchange whole.")] = False,
    path: Annotated[bool, typer.Option("--path", help="Print where the log is.")] = False,
) -> int:
    """List, search or show the logged exchanges (the conversation log)."""
    from gruchat.logbook import log_path
    from gruchat.logs_view import show_logs

    env = current_env()
    if path:
        env.out.print(str(log_path()), markup=False, highlight=False)
        return ExitStatus.OK
    if json_out and markdown:
        raise UsageError("--json and --markdown cannot be used together")
    fmt = "json" if json_out else "markdown" if markdown else "table"
    return int(show_logs(env, count, conversation, search, fmt))


@app.command("gru")
def gru_card(
    what: Annotated[str | None, typer.Argument(help="'step' for a worked GRU step.")] = None,
    numbers: Annotated[
        list[str] | None, typer.Argument(help="For step: x=V,… h=V,… input=N hidden=N seed=N.")
    ] = None,
) -> int:
    """Show the GRU reference card, or `gru step` (x=… h=… optional) for one worked step."""
    console = current_env().out
    if what is None:
        from gruchat.tutor.card import render_card

        console.print(render_card())
    elif what == "step":
        from gruchat.tutor.step import parse_step_args, render_step

        try:
            setup = parse_step_args(" ".join(numbers)) if numbers else None
        except ValueError as exc:
            raise UsageError(str(exc).replace("\\gru step", "gruchat gru step")) from None
        console.print(render_step(setup))
    else:
        raise UsageError(f"unknown argument {what!r}: use `gruchat gru` or `gruchat gru step`")
    return ExitStatus.OK


COMPLETION_SHELLS = ("bash", "zsh", "fish")


@app.command("completion")
def completion(
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish.")],
) -> int:
    """Print the shell completion script, e.g. `gruchat completion bash >> ~/.bashrc`
    (or `gruchat --install-completion` for the shell you are in)."""
    from typer._completion_shared import get_completion_script

    if shell not in COMPLETION_SHELLS:
        raise UsageError(f"completion: shell must be one of: {', '.join(COMPLETION_SHELLS)}")
    script = get_completion_script(
        prog_name="gruchat", complete_var="_GRUCHAT_COMPLETE", shell=shell
    )
    typer.echo(script)
    return ExitStatus.OK


def _with_default_command(argv: list[str]) -> list[str]:
    """`gruchat [chat options]` means `gruchat chat [chat options]`."""
    if not argv:
        return ["chat"]
    first = argv[0]
    if first in SUBCOMMANDS or first in ROOT_OPTIONS:
        return argv
    return ["chat", *argv]


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    """Run the app in-process on ``argv`` (default: the process's arguments), writing to
    ``env`` (default: the real streams), and return the exit status; nothing escapes."""
    from gruchat import signals
    from gruchat.environment import Environment, make_streams_safe

    if env is None:  # the real process: its streams and signals
        make_streams_safe()
        signals.install()
        env = Environment()
    args = _with_default_command(list(sys.argv[1:] if argv is None else argv))
    return run_app(app, args, env)


def console_main() -> None:
    """The console script: ``main`` on the real process, then its exit status."""
    _exit(main())


def _exit(status: int) -> None:
    """Flush, close the engines and exit. An engine whose close() says a normal shutdown
    is unsafe (a native thread still inside it: an answer cut short by `| head` or
    Ctrl-C) makes us leave with os._exit; otherwise normally."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError) as exc:
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
            if stream is sys.stdout and status == 0 and not isinstance(exc, BrokenPipeError):
                _report(f"cannot write to stdout: {getattr(exc, 'strerror', None) or exc}", False)
                status = ExitStatus.FAILURE
    registry = sys.modules.get("gruchat.engine.registry")  # not loaded: no engine opened
    if registry is not None and not registry.close_all():
        os._exit(status)
    sys.exit(status)
