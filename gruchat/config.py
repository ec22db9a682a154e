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
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from gruchat import params
from gruchat.errors import UsageError
from gruchat.inputs import TEXT_LIMIT, InputError, clean_text
from gruchat.inputs import read_text as read_limited
from gruchat.options import BY_KEY, DEFAULTS_FILE, OPTIONS, Settings
from gruchat.presets import presets
from gruchat.resources import read_text

__all__ = ["DEFAULTS_FILE", "Settings", "load_settings", "system_prompt_text", "user_config_path"]


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
        option = BY_KEY.get(key)
        if option is None:
            raise UsageError(f"{source}: unknown setting {key!r}")
        try:
            value = option.parse(raw)
        except ValueError as exc:
            raise UsageError(params.refused_at(source, key, str(exc))) from None
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
    settings = Settings()  # each field's default read from configs/default.toml
    settings.sources.update(dict.fromkeys(BY_KEY, "default"))
    path = user_config_path(env)
    text = _read_user_file(path, explicit=bool(env.get("GRUCHAT_CONFIG")))
    if text is not None:
        _apply(settings, _read_toml(text, str(path)), str(path))
    for option in OPTIONS:
        if option.env in env:
            _apply(settings, {option.key: env[option.env]}, f"env {option.env}")
    for key, value in (flags or {}).items():
        _apply(settings, {key: value}, f"flag {_flag_name(key)}")
    _apply_preset_isq(settings)
    return settings


def _flag_name(key: str) -> str:
    """The flag as typed (``--system``, not ``--system-prompt``); a setting a command sets
    for itself (``ask --json`` hides reasoning) is named after its key."""
    option = BY_KEY.get(key)
    return option.flag_name if option and option.flag else "--" + key.replace("_", "-")


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
