"""The typer app: parses flags and wires the parts together; the logic lives elsewhere."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer

from gruchat import __version__
from gruchat.errors import ExitStatus, GruchatError, UsageError

app = typer.Typer(
    name="gruchat",
    help="A terminal tutor for Gated Recurrent Units on a local language model.",
    add_completion=False,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

SUBCOMMANDS = {"chat", "ask", "run", "pull", "models", "config", "gru"}

Model = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Preset name, path to a .gguf, or REPO/FILE.gguf hub id."),
]
Device = Annotated[str | None, typer.Option(help="auto, cpu or cuda.")]
Isq = Annotated[str | None, typer.Option(help="In-situ quantisation on load (Q8_0, Q4K, none).")]
System = Annotated[str | None, typer.Option("--system", help="System prompt text.")]
SystemFile = Annotated[Path | None, typer.Option("--system-file", help="System prompt file.")]
Temperature = Annotated[float | None, typer.Option(help="0.0 to 2.0; 0 is greedy.")]
TopK = Annotated[int | None, typer.Option("--top-k", help="Top-k sampling (> 0).")]
TopP = Annotated[float | None, typer.Option("--top-p", help="Top-p sampling in (0, 1].")]
MaxTokens = Annotated[int | None, typer.Option("--max-tokens", help="Most tokens per answer.")]
Think = Annotated[
    bool | None, typer.Option("--think/--no-think", help="Ask reasoning models to think.")
]
Grounding = Annotated[
    bool | None,
    typer.Option("--grounding/--no-grounding", help="Put relevant GRU notes in the prompt."),
]
Verbose = Annotated[bool, typer.Option("--verbose", help="Show the engine's own log.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]


def _flags(**values: Any) -> dict[str, Any]:
    """Flag values the user gave (None means not given), keyed like Settings."""
    flags = {k: v for k, v in values.items() if v is not None}
    if "system_file" in flags:
        flags["system_prompt_file"] = str(flags.pop("system_file"))
        flags.setdefault("system_prompt", "")
    if "system" in flags:
        flags["system_prompt"] = flags.pop("system")
    return flags


def _pick(values: dict[str, Any], *skip: str) -> dict[str, Any]:
    """A command's own parameters minus those that are not settings."""
    return {k: v for k, v in values.items() if k not in _LOCAL_ONLY and k not in skip}


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


@app.command()
def chat(
    model: Model = None,
    device: Device = None,
    isq: Isq = None,
    system: System = None,
    system_file: SystemFile = None,
    temperature: Temperature = None,
    top_k: TopK = None,
    top_p: TopP = None,
    max_tokens: MaxTokens = None,
    think: Think = None,
    grounding: Grounding = None,
    verbose: Verbose = False,
    debug: Debug = False,
) -> int:
    """Open the interactive REPL (the default command)."""
    settings = _settings(_flags(**_pick(locals())))
    from gruchat.environment import Environment
    from gruchat.repl import run_repl

    return int(run_repl(settings, Environment(), verbose=verbose))


@app.command()
def ask(
    prompt: Annotated[str | None, typer.Argument(help="The question; '-' reads stdin.")] = None,
    model: Model = None,
    device: Device = None,
    isq: Isq = None,
    system: System = None,
    system_file: SystemFile = None,
    temperature: Temperature = None,
    top_k: TopK = None,
    top_p: TopP = None,
    max_tokens: MaxTokens = None,
    think: Think = None,
    grounding: Grounding = None,
    hide_reasoning: Annotated[bool, typer.Option(help="Do not show the reasoning.")] = False,
    no_stats: Annotated[bool, typer.Option("--no-stats", help="Do not print stats.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    verbose: Verbose = False,
    debug: Debug = False,
) -> int:
    """Answer one question and exit."""
    flags = _flags(**_pick(locals(), "prompt", "hide_reasoning", "no_stats", "json_out"))
    from gruchat import ask as ask_mod
    from gruchat.environment import Environment
    from gruchat.runtime import grounder_for, open_engine

    env = Environment()
    question = ask_mod.read_prompt(prompt, env)
    if hide_reasoning:
        flags["reasoning"] = "hide"
    if no_stats:
        flags["stats"] = False
    settings = _settings(flags)
    engine = open_engine(settings, env.err, verbose=verbose)
    return int(ask_mod.ask(engine, settings, question, env, json_out, grounder_for(settings)))


@app.command()
def run(
    files: Annotated[list[Path], typer.Argument(help="Prompt files (*.gru) to replay.")],
    model: Model = None,
    device: Device = None,
    isq: Isq = None,
    system: System = None,
    system_file: SystemFile = None,
    temperature: Temperature = None,
    max_tokens: MaxTokens = None,
    grounding: Grounding = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the report.")] = False,
    record: Annotated[bool, typer.Option("--record", help="Write missing golden files.")] = False,
    update: Annotated[bool, typer.Option("--update", help="Rewrite golden files.")] = False,
    golden: Annotated[bool, typer.Option("--golden", help="Missing golden file fails.")] = False,
    junit: Annotated[Path | None, typer.Option(help="Write a JUnit XML report.")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write a JSON report.")] = None,
    verbose: Verbose = False,
    debug: Debug = False,
) -> int:
    """Replay prompt files through the REPL's commands and check the answers."""
    flags = _flags(
        **_pick(locals(), "files", "quiet", "record", "update", "golden", "junit", "json_path")
    )
    from gruchat.script.runner import RunOptions, run_files

    options = RunOptions(quiet, record, update, golden, junit, json_path, verbose)
    return int(run_files(files, flags, options))


@app.command()
def pull(
    name: Annotated[str, typer.Argument(help="Preset to fetch.")] = "smollm2-135m",
) -> int:
    """Fetch a model preset into the model store and verify its sha256."""
    from gruchat import models
    from gruchat.environment import Environment
    from gruchat.pull_view import pull_with_progress

    preset = models.presets().get(name)
    if preset is None:
        raise UsageError(f"unknown preset {name!r}; see `gruchat models`")
    env = Environment()
    if preset.source == "hub":
        env.err.print(
            f"{name} ({preset.repo}/{preset.file}) is downloaded from the Hugging Face hub by "
            "the engine the first time you use it: gruchat --model " + name
        )
        return ExitStatus.OK
    pull_with_progress(preset, env.err)
    return ExitStatus.OK


@app.command("models")
def list_models() -> int:
    """List model presets and local model files."""
    from gruchat.environment import Environment
    from gruchat.model_list import print_models

    print_models(Environment().out)
    return ExitStatus.OK


@app.command("config")
def show_config(
    model: Model = None,
    device: Device = None,
    isq: Isq = None,
    temperature: Temperature = None,
) -> int:
    """Print the effective settings and where each came from."""
    settings = _settings(_flags(**locals()))
    from rich.table import Table

    from gruchat.config import user_config_path
    from gruchat.environment import Environment

    console = Environment().out

    table = Table("setting", "value", "from", title="gruchat settings")
    for key, value in settings.as_dict().items():
        table.add_row(key, repr(value), settings.sources.get(key, "built-in"))
    console.print(table)
    console.print(f"user config file: {user_config_path(os.environ)}")
    return ExitStatus.OK


@app.command("gru")
def gru_card(
    what: Annotated[str | None, typer.Argument(help="'step' for a worked GRU step.")] = None,
) -> int:
    """Show the GRU reference card, or `gru step` for one step worked through."""
    from gruchat.environment import Environment

    console = Environment().out
    if what is None:
        from gruchat.tutor.card import render_card

        console.print(render_card())
    elif what == "step":
        from gruchat.tutor.step import render_step

        console.print(render_step())
    else:
        raise UsageError(f"unknown argument {what!r}: use `gruchat gru` or `gruchat gru step`")
    return ExitStatus.OK


_LOCAL_ONLY = {"verbose", "debug"}


def _with_default_command(argv: list[str]) -> list[str]:
    """`gruchat [chat options]` means `gruchat chat [chat options]`."""
    if not argv:
        return ["chat"]
    first = argv[0]
    if first in SUBCOMMANDS or first in ("-h", "--help", "--version"):
        return argv
    return ["chat", *argv]


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn every failure into one line and an exit status."""
    from gruchat.environment import make_streams_safe, stdout_closed

    make_streams_safe()
    args = _with_default_command(list(sys.argv[1:] if argv is None else argv))
    debug = "--debug" in args
    status: int
    try:
        result = app(args=args, prog_name="gruchat", standalone_mode=False)
        status = int(result or 0)
    except typer.Exit as exc:
        status = exc.exit_code
    except typer.Abort:
        status = ExitStatus.INTERRUPTED
    except GruchatError as exc:
        _report(exc.message, debug)
        status = exc.status
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        status = ExitStatus.INTERRUPTED
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # typer's usage errors
            exc.show()
            sys.exit(ExitStatus.USAGE)
        _report(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug)", debug)
        status = ExitStatus.FAILURE
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        stdout_closed()
    sys.exit(status)


def _report(message: str, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
