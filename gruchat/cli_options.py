"""The model and sampling flags shared by chat, ask and run, declared once.

``engine_options`` appends these parameters to a command's signature (typer reads the
signature) and hands the command the given ones as a Settings-keyed ``flags`` dict.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

Model = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Preset name, path to a .gguf, or REPO/FILE.gguf hub id."),
]
Device = Annotated[str | None, typer.Option(help="auto, cpu or cuda.")]
Isq = Annotated[str | None, typer.Option(help="In-situ quantisation on load (Q8_0, Q4K, none).")]
System = Annotated[str | None, typer.Option("--system", help="System prompt text.")]
SystemFile = Annotated[
    str | None,  # a str, not a Path: "" must stay "" (no system prompt), not become "."
    typer.Option("--system-file", help='System prompt file ("" for none).', metavar="PATH"),
]
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
Log = Annotated[
    bool | None,
    typer.Option("--log/--no-log", help="Keep the exchanges in the conversation log."),
]
Endpoint = Annotated[
    str | None,
    typer.Option(help='An OpenAI-compatible server\'s URL ("" for in-process).', metavar="URL"),
]
ApiKeyEnv = Annotated[
    str | None,
    typer.Option("--api-key-env", help="Variable holding the server's API key.", metavar="NAME"),
]
IdleTimeout = Annotated[
    float | None,
    typer.Option("--idle-timeout", help="Seconds the server may send nothing.", metavar="S"),
]
ConnectTimeout = Annotated[
    float | None,
    typer.Option("--connect-timeout", help="Seconds to connect to the server.", metavar="S"),
]
Verbose = Annotated[bool, typer.Option("--verbose", help="Show the engine's own log.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]

_KW = inspect.Parameter.KEYWORD_ONLY
SHARED = [
    inspect.Parameter("model", _KW, default=None, annotation=Model),
    inspect.Parameter("device", _KW, default=None, annotation=Device),
    inspect.Parameter("isq", _KW, default=None, annotation=Isq),
    inspect.Parameter("system", _KW, default=None, annotation=System),
    inspect.Parameter("system_file", _KW, default=None, annotation=SystemFile),
    inspect.Parameter("temperature", _KW, default=None, annotation=Temperature),
    inspect.Parameter("top_k", _KW, default=None, annotation=TopK),
    inspect.Parameter("top_p", _KW, default=None, annotation=TopP),
    inspect.Parameter("max_tokens", _KW, default=None, annotation=MaxTokens),
    inspect.Parameter("think", _KW, default=None, annotation=Think),
    inspect.Parameter("grounding", _KW, default=None, annotation=Grounding),
    inspect.Parameter("log", _KW, default=None, annotation=Log),
    inspect.Parameter("endpoint", _KW, default=None, annotation=Endpoint),
    inspect.Parameter("api_key_env", _KW, default=None, annotation=ApiKeyEnv),
    inspect.Parameter("idle_timeout", _KW, default=None, annotation=IdleTimeout),
    inspect.Parameter("connect_timeout", _KW, default=None, annotation=ConnectTimeout),
    inspect.Parameter("verbose", _KW, default=False, annotation=Verbose),
    inspect.Parameter("debug", _KW, default=False, annotation=Debug),
]
_NOT_SETTINGS = ("verbose", "debug")


def settings_flags(values: dict[str, Any]) -> dict[str, Any]:
    """Flag values the user gave (None means not given), keyed like Settings."""
    flags = {k: v for k, v in values.items() if v is not None and k not in _NOT_SETTINGS}
    if "system_file" in flags:
        flags["system_prompt_file"] = str(flags.pop("system_file"))
        flags.setdefault("system_prompt", "")
    if "system" in flags:
        flags["system_prompt"] = flags.pop("system")
    return flags


def engine_options(func: Callable[..., int]) -> Callable[..., int]:
    """Give a command the shared flags; it receives ``flags`` and ``verbose`` instead."""
    own = [
        p
        for p in inspect.signature(func, eval_str=True).parameters.values()
        if p.name not in ("flags", "verbose")
    ]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> int:
        shared = {p.name: kwargs.pop(p.name) for p in SHARED}
        return func(flags=settings_flags(shared), verbose=bool(shared["verbose"]), **kwargs)

    wrapper.__signature__ = inspect.Signature(own + SHARED)  # type: ignore[attr-defined]
    return wrapper
