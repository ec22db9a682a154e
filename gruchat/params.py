"""Validation of user-settable values, shared by flags, config files and REPL commands.

Each parser takes the text the user typed and returns the typed value, or raises
``ValueError`` whose message names the accepted form.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

REASONING_MODES = ("show", "hide", "collapse")
DEVICES = ("auto", "cpu", "cuda")
CONTRADICTION_MODES = ("mark", "strike", "regenerate")  # what to do with a flagged answer
MAX_TOKENS_LIMIT = 1_000_000


def _float(text: str | float, message: str, lo: float, hi: float, lo_open: bool) -> float:
    if isinstance(text, bool):
        raise ValueError(message)
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not math.isfinite(value) or value > hi or value < lo or (lo_open and value == lo):
        raise ValueError(message)
    return value


def _int(text: str | int, message: str, lo: int, hi: int) -> int:
    if isinstance(text, bool):
        raise ValueError(message)
    if isinstance(text, int):
        value = text
    else:
        stripped = str(text).strip()
        digits = stripped.lstrip("+-")
        if not (digits.isascii() and digits.isdigit()) or len(stripped) > 12:
            raise ValueError(message)
        value = int(stripped)
    if not lo <= value <= hi:
        raise ValueError(message)
    return value


def temperature(text: str | float) -> float:
    return _float(text, "temperature must be a number from 0.0 to 2.0", 0.0, 2.0, False)


def top_k(text: str | int) -> int:
    return _int(text, "top-k must be a whole number greater than 0", 1, 1_000_000)


def top_p(text: str | float) -> float:
    return _float(text, "top-p must be a number greater than 0.0 and at most 1.0", 0.0, 1.0, True)


def min_p(text: str | float) -> float:
    return _float(text, "min-p must be a number from 0.0 to 1.0", 0.0, 1.0, False)


def max_tokens(text: str | int, context: int | None = None) -> int:
    """1 to the limit; below the model's context when it is known (an answer that long
    could never fit beside the question)."""
    value = _int(
        text, f"max tokens must be a whole number from 1 to {MAX_TOKENS_LIMIT}", 1, MAX_TOKENS_LIMIT
    )
    if context and value >= context:
        raise ValueError(
            f"max tokens must be less than the model's context of {context} tokens "
            f"(at most {context - 1})"
        )
    return value


def grounding_notes(text: str | int) -> int:
    return _int(text, "grounding notes must be a whole number from 1 to 4", 1, 4)


def _choice(name: str, choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = str(text).strip().lower()
        if value not in choices:
            raise ValueError(f"{name} must be one of: {', '.join(choices)}")
        return value

    return parse


reasoning = _choice("reasoning", REASONING_MODES)
device = _choice("device", DEVICES)
on_contradiction = _choice("on_contradiction", CONTRADICTION_MODES)


def on_off(text: str | bool) -> bool:
    if isinstance(text, bool):
        return text
    value = str(text).strip().lower()
    if value in ("on", "true", "yes", "1"):
        return True
    if value in ("off", "false", "no", "0"):
        return False
    raise ValueError("expected on or off")


def text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def model_name(value: object) -> str:
    """Text that must say something: an empty model name would load nothing."""
    if not text(value).strip():
        raise ValueError("must not be empty (a preset name or a .gguf path)")
    return str(value).strip()


def non_negative(value: str | int) -> int:
    return _int(value, "must be a whole number of 0 or more", 0, 1_000_000)


def isq(value: object) -> str | None:
    value = text(value).strip()
    if value.lower() in ("", "none", "off"):
        return None
    if not value.replace("_", "").isalnum():
        raise ValueError("isq must be a quantisation type such as Q8_0, Q4K or none")
    return value.upper()


def refused_at(source: str, key: str, message: str) -> str:
    """A parser's refusal from a config layer, naming the setting once. A flag or variable
    is its own name (``flag --top-k must be …``, ``env GRUCHAT_TOP_K must be …``); a file
    adds the key (``FILE: top_k must be …``). The parsers' messages start with the
    setting's own name ("top-k must be …", as the REPL shows them), which the place
    replaces; some say only what is wrong ("expected on or off")."""
    subject, must, rest = message.partition(" must ")
    if must and _spelling(subject) == _spelling(key):
        message = "must " + rest
    where = source if source.startswith(("flag ", "env ")) else f"{source}: {key}"
    return f"{where} {message}" if message.startswith("must ") else f"{where}: {message}"


def _spelling(name: str) -> str:
    return name.lower().replace("-", " ").replace("_", " ").strip()


def env_name(value: object) -> str:
    """An environment variable's name (the API key is read from it, never stored)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text(value)):
        raise ValueError("must be an environment variable name, e.g. OPENAI_API_KEY")
    return str(value)


def seconds(value: object) -> float:
    """A timeout in seconds, above 0 and at most a day."""
    message = "must be a number of seconds above 0 (at most 86400)"
    return _float(value, message, 0.0, 86_400.0, True)  # type: ignore[arg-type]
