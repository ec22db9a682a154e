"""Every user-settable option, declared once; each surface is derived from this list.

An ``Option`` names its key (the config key, the ``Settings`` field, ``GRUCHAT_<KEY>``
and the JSON key), its type, its parser (``params``: the one range check and the one
message a bad value gets everywhere), its help and the surfaces it appears on: a flag, a
REPL command, and, for the sampling options sent with every request, the ``Sampling``
field, the ``# sampling:`` pragma key, ``ask --json`` and transcripts. Its default is not
here: it is read from ``configs/default.toml`` (``defaults()``), the one place defaults
live, and every declared key must be there and every key there declared.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gruchat import params
from gruchat.errors import UsageError
from gruchat.resources import read_text

DEFAULTS_FILE = "configs/default.toml"


@dataclass(frozen=True)
class Option:
    """One option and where it appears; see the module docstring."""

    key: str
    type: type  # what a flag parses to and what the field holds
    parse: Callable[..., Any]  # text or a TOML value -> typed value, or ValueError
    help: str  # the flag's help and the docs' description
    flag: bool | str = False  # True: --key-with-dashes; a str names it; bools get --no-…
    short: str = ""  # e.g. "-m"
    metavar: str = ""
    sampling: bool = False  # sent with each request (Sampling, pragma, --json, transcripts)
    label: str = ""  # how replies name it: "top-k" (\params), "Top-k set to 5."
    command: str = ""  # the REPL command that sets it (\topk)
    handwritten: bool = False  # that command has its own handler (it does more than set)
    summary: str = ""  # the generated command's help line
    usage: str = ""  # the generated command's argument form
    ollama: str = ""  # ollama's name for it, for the /set parameter NAME alias (default: key)
    below_context: bool = False  # must stay below the model's context (checked in the REPL)

    @property
    def env(self) -> str:
        return f"GRUCHAT_{self.key.upper()}"

    @property
    def flag_name(self) -> str:
        """The flag as typed (``--top-k``), or "" when the option has none."""
        if not self.flag:
            return ""
        return self.flag if isinstance(self.flag, str) else "--" + self.key.replace("_", "-")

    @property
    def pragma_keys(self) -> tuple[str, ...]:
        """The ``# sampling:`` keys (also the command's spelling: ``topk=5``)."""
        if not self.sampling:
            return ()
        return (self.key, self.command) if self.command else (self.key,)

    @property
    def aliases(self) -> tuple[str, ...]:
        generated = self.sampling and self.command and not self.handwritten
        return (f"/set parameter {self.ollama or self.key}",) if generated else ()


OPTIONS: tuple[Option, ...] = (
    Option(
        "model", str, params.model_name, "Preset name, path to a .gguf, or REPO/FILE.gguf hub id.",
        flag=True, short="-m",
    ),
    Option("device", str, params.device, "auto, cpu or cuda.", flag=True),
    Option("isq", str, params.isq, "In-situ quantisation on load (Q8_0, Q4K, none).", flag=True),
    Option("system_prompt", str, params.text, "System prompt text.", flag="--system"),
    Option(
        "system_prompt_file", str, params.text, 'System prompt file ("" for none).',
        flag="--system-file", metavar="PATH",
    ),
    Option(
        "temperature", float, params.temperature, "0.0 to 2.0; 0 is greedy.", flag=True,
        sampling=True, label="temperature", command="temperature",
        summary="Set sampling temperature (0 is greedy).", usage="<float 0.0-2.0>",
    ),
    Option(
        "top_k", int, params.top_k, "Top-k sampling (> 0).", flag=True, sampling=True,
        label="top-k", command="topk", summary="Set top-k sampling value.", usage="<int > 0>",
    ),
    Option(
        "top_p", float, params.top_p, "Top-p sampling in (0, 1].", flag=True, sampling=True,
        label="top-p", command="topp", summary="Set top-p sampling value.",
        usage="<float in (0.0, 1.0]>",
    ),
    Option(
        "min_p", float, params.min_p, "Min-p sampling in [0, 1]; 0 is off.", flag=True,
        sampling=True, label="min-p", command="minp",
        summary="Set min-p sampling value (0 is off).", usage="<float 0.0-1.0>",
    ),
    Option(
        "max_tokens", int, params.max_tokens, "Most tokens per answer.", flag=True,
        sampling=True, label="max tokens", command="maxtokens",
        summary="Set the most tokens per answer.", usage="<int>", ollama="num_predict",
        below_context=True,
    ),
    Option(
        "think", bool, params.on_off, "Ask reasoning models to think.", flag=True,
        sampling=True, label="think", command="think", handwritten=True,
    ),
    Option("stats", bool, params.on_off, "Print the Stats block after each answer."),
    Option(
        "reasoning", str, params.reasoning,
        "How the reasoning trace is shown: show, hide, collapse.", command="reasoning",
        handwritten=True,
    ),
    Option(
        "grounding", bool, params.on_off, "Put relevant GRU notes in the prompt.", flag=True,
        command="grounding", handwritten=True,
    ),
    Option("grounding_notes", int, params.grounding_notes, "At most this many notes a question."),
    Option(
        "on_contradiction", str, params.on_contradiction,
        "An answer contradicting the notes: regenerate, strike or mark.",
    ),
    Option(
        "history_tokens", int, params.non_negative,
        "The history sent to the model, at most (estimated tokens); 0 = all that fits.",
    ),
    Option("prefix_cache_n", int, params.non_negative, "Sequences in the engine's prefix cache."),
    Option(
        "cache_budget_tokens", int, params.non_negative,
        "REPL: reload the model while idle once that frees more cached tokens; 0 = never.",
    ),
    Option("warmup", bool, params.on_off, "REPL: prefill the system prompt while you type."),
    Option("log", bool, params.on_off, "Keep the exchanges in the conversation log.", flag=True),
    Option(
        "endpoint", str, params.text,
        'An OpenAI-compatible server\'s URL ("" for in-process).', flag=True, metavar="URL",
    ),
    Option(
        "api_key_env", str, params.env_name,
        "Variable holding the server's API key.", flag=True, metavar="NAME",
    ),
    Option(
        "connect_timeout", float, params.seconds,
        "Seconds to connect to the server.", flag=True, metavar="S",
    ),
    Option(
        "idle_timeout", float, params.seconds,
        "Seconds the server may send nothing.", flag=True, metavar="S",
    ),
)  # fmt: skip

BY_KEY: dict[str, Option] = {option.key: option for option in OPTIONS}
SAMPLING_OPTIONS: tuple[Option, ...] = tuple(o for o in OPTIONS if o.sampling)

# Sampling fields that are not options: set only by code that measures them.
ENGINE_ONLY: tuple[tuple[str, type, Any], ...] = (
    ("repetition_penalty", float | None, None),  # bench/repetition.py; None: no penalty
)


@functools.cache
def defaults() -> dict[str, Any]:
    """Each option's default: ``configs/default.toml`` through the option's own parser.

    Errors read like the other layers' (``default: top_k must be …``); a declared option with
    no default there is one too."""
    try:
        table = tomllib.loads(read_text(DEFAULTS_FILE))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{DEFAULTS_FILE}: not valid TOML: {exc}") from None
    values = {}
    for key, raw in table.items():
        option = BY_KEY.get(key)
        if option is None:
            raise UsageError(f"default: unknown setting {key!r}")
        try:
            values[key] = option.parse(raw)
        except ValueError as exc:
            raise UsageError(params.refused_at("default", key, str(exc))) from None
    missing = [key for key in BY_KEY if key not in values]
    if missing:
        raise UsageError(f"{DEFAULTS_FILE}: no default for {', '.join(missing)}")
    return values


def default(key: str) -> Any:
    return defaults()[key]


def _as_dict(self: Any) -> dict[str, Any]:
    return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "sources"}


def _record(
    name: str, doc: str, chosen: tuple[Option, ...], extra: list[tuple[str, Any, Any]], **kw: Any
) -> type:
    """A dataclass with one field per chosen option, its default read from default.toml."""
    spec: list[tuple[str, Any, Any]] = [
        (o.key, o.type, field(default_factory=functools.partial(default, o.key))) for o in chosen
    ]
    namespace = {"as_dict": _as_dict, "__doc__": doc}
    # keyword-only: a new option anywhere in the list cannot shift a positional argument
    cls = dataclasses.make_dataclass(name, spec + extra, namespace=namespace, kw_only=True, **kw)
    cls.__module__ = __name__
    return cls


Settings = _record(
    "Settings",
    "The effective configuration; ``sources`` maps each key to where its value came from.",
    OPTIONS,
    [("sources", dict[str, str], field(default_factory=dict))],
)
Sampling = _record(
    "Sampling",
    "Sampling parameters sent with every request (temperature always explicit).",
    SAMPLING_OPTIONS,
    [(name, kind, field(default=value)) for name, kind, value in ENGINE_ONLY],
    frozen=True,
)


def sampling_of(settings: Any) -> Any:
    """The Sampling the settings ask for."""
    return Sampling(**{o.key: getattr(settings, o.key) for o in SAMPLING_OPTIONS})


def shown(value: Any) -> str:
    """A value as replies show it: on/off for a switch."""
    return ("on" if value else "off") if isinstance(value, bool) else str(value)


def sampling_text(sampling: Any) -> str:
    """``temperature 0.0, top-k 40, …``: the sampling as ``\\params`` shows it."""
    return ", ".join(f"{o.label} {shown(getattr(sampling, o.key))}" for o in SAMPLING_OPTIONS)


def docs_table() -> str:
    """The README's option table (a test keeps the two the same)."""
    rows = [
        "| key (config, `GRUCHAT_<KEY>`) | default | flag | REPL | `# sampling:` | what it does |",
        "|---|---|---|---|---|---|",
    ]
    for o in OPTIONS:
        flag = o.flag_name + (f"/--no-{o.flag_name[2:]}" if o.flag and o.type is bool else "")
        cells = [
            f"`{o.key}`",
            f"`{_toml(default(o.key))}`",
            ", ".join(f"`{f}`" for f in (flag, o.short) if f),
            f"`\\{o.command}`" if o.command else "",
            f"`{o.key}`" if o.sampling else "",
            o.help,
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return '"none"'
    return f'"{value}"' if isinstance(value, str) else str(value)


if __name__ == "__main__":  # python -m gruchat.options: the README table
    print(docs_table())
