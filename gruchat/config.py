"""One typed Settings object from four layers, each overriding the one before.

Precedence (lowest first): ``configs/default.toml`` shipped with gruchat, the user
file (``$GRUCHAT_CONFIG`` or ``$XDG_CONFIG_HOME/gruchat/config.toml``), ``GRUCHAT_<KEY>``
environment variables, and command-line flags. Every value remembers where it came from,
so ``gruchat config`` can show it. The one exception to "shipped default": a model preset
may name the ISQ measured best for it, which replaces the shipped ``isq`` (and says so)
unless the user set isq in a file, the environment or a flag.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from gruchat import params
from gruchat.errors import UsageError
from gruchat.inputs import TEXT_LIMIT, InputError, clean_text
from gruchat.inputs import read_text as read_limited
from gruchat.presets import presets
from gruchat.resources import read_text

DEFAULTS_FILE = "configs/default.toml"


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _name(value: Any) -> str:
    """Text that must say something: an empty model name would load nothing."""
    if not _str(value).strip():
        raise ValueError("must not be empty (a preset name or a .gguf path)")
    return value.strip()


def _text_isq(value: Any) -> str | None:
    return params.isq(_str(value))


def _non_negative_int(value: Any) -> int:
    return params._int(value, "must be a whole number of 0 or more", 0, 1_000_000)


def _env_name(value: Any) -> str:
    """An environment variable's name (the API key is read from it, never stored)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", _str(value)):
        raise ValueError("must be an environment variable name, e.g. OPENAI_API_KEY")
    return value


def _seconds(value: Any) -> float:
    """A timeout in seconds, above 0 and at most a day."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError("must be a number of seconds above 0") from None
    if isinstance(value, bool) or not 0 < seconds <= 86_400:
        raise ValueError("must be a number of seconds above 0 (at most 86400)")
    return seconds


# key -> parser turning a TOML value or an env string into the typed value
PARSERS: dict[str, Callable[[Any], Any]] = {
    "model": _name,
    "device": params.device,
    "isq": _text_isq,
    "system_prompt_file": _str,
    "system_prompt": _str,
    "temperature": params.temperature,
    "top_k": params.top_k,
    "top_p": params.top_p,
    "max_tokens": params.max_tokens,
    "think": params.on_off,
    "stats": params.on_off,
    "reasoning": params.reasoning,
    "grounding": params.on_off,
    "grounding_notes": params.grounding_notes,
    "on_contradiction": params.on_contradiction,
    "prefix_cache_n": _non_negative_int,
    "cache_budget_tokens": _non_negative_int,
    "warmup": params.on_off,
    "log": params.on_off,
    "endpoint": _str,  # an OpenAI-compatible server's URL; "" is the in-process engine
    "api_key_env": _env_name,
    "connect_timeout": _seconds,
    "idle_timeout": _seconds,
}


@dataclass
class Settings:
    """The effective configuration; ``sources`` maps each key to where its value came from."""

    model: str = "qwen2.5-coder-1.5b"
    device: str = "auto"
    isq: str | None = "Q8_0"
    system_prompt_file: str = "prompts/system/gru-tutor.md"
    system_prompt: str = ""
    temperature: float = 0.0
    top_k: int = 40
    top_p: float = 0.95
    max_tokens: int = 512
    think: bool = False
    stats: bool = True
    reasoning: str = "show"
    grounding: bool = True
    grounding_notes: int = 2
    on_contradiction: str = "regenerate"
    prefix_cache_n: int = 16
    cache_budget_tokens: int = 4096
    warmup: bool = True
    log: bool = True
    endpoint: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    connect_timeout: float = 5.0
    idle_timeout: float = 300.0
    sources: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "sources"}


def user_config_path(env: Mapping[str, str]) -> Path:
    explicit = env.get("GRUCHAT_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = env.get("XDG_CONFIG_HOME")
    if base:
        return Path(base) / "gruchat" / "config.toml"
    return Path(platformdirs.user_config_dir("gruchat")) / "config.toml"


def _apply(settings: Settings, values: Mapping[str, Any], source: str) -> None:
    for key, raw in values.items():
        if raw is None:
            continue
        parser = PARSERS.get(key)
        if parser is None:
            raise UsageError(f"{source}: unknown setting {key!r}")
        try:
            value = parser(raw)
        except ValueError as exc:
            raise UsageError(f"{source}: {key}: {exc}") from None
        setattr(settings, key, value)
        settings.sources[key] = source


def _read_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{where}: not valid TOML: {exc}") from None


def _read_user_file(path: Path, explicit: bool) -> str | None:
    """The user file's text (a UTF-8 BOM dropped); None when the default file is absent.
    A file named by GRUCHAT_CONFIG was asked for, so its absence is an error."""
    if not path.exists() and not path.is_symlink():
        if explicit:
            raise UsageError(f"config file not found: {path} (named by GRUCHAT_CONFIG)")
        return None
    try:
        return read_limited(path, TEXT_LIMIT, "config file")  # a BOM is dropped
    except InputError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror or exc}") from None


def load_settings(
    flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Build Settings from defaults, user file, environment and flags (flags win)."""
    env = os.environ if env is None else env
    settings = Settings()
    _apply(settings, _read_toml(read_text(DEFAULTS_FILE), DEFAULTS_FILE), "default")
    path = user_config_path(env)
    text = _read_user_file(path, explicit=bool(env.get("GRUCHAT_CONFIG")))
    if text is not None:
        _apply(settings, _read_toml(text, str(path)), str(path))
    env_values = {
        key: env[f"GRUCHAT_{key.upper()}"] for key in PARSERS if f"GRUCHAT_{key.upper()}" in env
    }
    for key, value in env_values.items():
        _apply(settings, {key: value}, f"env GRUCHAT_{key.upper()}")
    for key, value in (flags or {}).items():
        _apply(settings, {key: value}, f"flag --{key.replace('_', '-')}")
    _apply_preset_isq(settings)
    return settings


def _apply_preset_isq(settings: Settings) -> None:
    """Use the model preset's measured ISQ when only the shipped default set isq."""
    if settings.sources.get("isq", "default") != "default":
        return
    preset = presets().get(settings.model)
    if preset is not None and preset.isq:
        _apply(settings, {"isq": preset.isq}, f"preset {preset.name}")


def system_prompt_text(settings: Settings) -> str:
    """The system prompt: the inline text if set, else the file (shipped or the user's).

    The file must be a regular UTF-8 file of at most ``inputs.TEXT_LIMIT`` bytes."""
    if settings.system_prompt:
        return clean_text(settings.system_prompt)
    name = settings.system_prompt_file
    if not name:
        return ""
    path = Path(name).expanduser()
    try:
        if path.is_absolute() or os.path.lexists(path):
            return clean_text(read_limited(path, TEXT_LIMIT, "system prompt file").strip())
        return read_text(name).strip()
    except InputError as exc:
        raise UsageError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read system prompt file {name}: {exc}") from None
