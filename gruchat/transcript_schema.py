r"""The one schema of a saved transcript (``\save FILE.json``), checked whole before a load.

A transcript that loads must never break the REPL later, so every field is checked for
its type and range here, before the session changes: the first problem is reported with
its JSON path (``turns[0].usage.prompt_tokens: expected a whole number, got "12"``).
Booleans must be real JSON booleans, numbers finite, roles alternate user/assistant.
Keys this version does not know are ignored. Text is cleaned of lone surrogates.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from gruchat import params
from gruchat.engine.base import Message, Usage
from gruchat.inputs import clean_text
from gruchat.session import TRANSCRIPT_VERSION as VERSION

MAX_DEPTH = 16  # a transcript nests 4 deep; anything far deeper is not one of ours
FINISH_REASONS = ("stop", "length", "cancelled", "error", "repetition")


class SchemaError(ValueError):
    """Where the document breaks the schema and how: ``path: expected …, got …``."""

    def __init__(self, path: str, expected: str, value: Any = None, got: str | None = None):
        shown = got if got is not None else f"got {describe(value)}"
        super().__init__(f"{path or 'the document'}: expected {expected}, {shown}")


@dataclass
class Transcript:
    """A checked document: what ``Session.load_json`` may take over as it is."""

    messages: list[Message]
    system_prompt: str | None = None  # None: the file has none, keep the current one
    sampling: dict[str, Any] = field(default_factory=dict)  # only the keys it gives
    turns: list[dict[str, Any]] = field(default_factory=list)  # Turn fields, usage a Usage


def describe(value: Any) -> str:
    """A short, safe view of a JSON value for an error message."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    shown = clean_text(json.dumps(value, ensure_ascii=False))
    return shown if len(shown) <= 40 else shown[:39] + "…"


def parse(text: str) -> Any:
    """JSON text to a value; ValueError (with a line) when it is not JSON or nests too deep."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise ValueError(f"JSON nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ValueError(f"not usable JSON: {exc}") from None
    if _depth(data) > MAX_DEPTH:
        raise ValueError(f"JSON nested too deeply (more than {MAX_DEPTH} levels)")
    return data


def _depth(data: Any) -> int:
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, level + 1) for item in items)
    return deepest


# -- field checkers: (value, path) -> the value to keep ----------------------------------------


def text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise SchemaError(path, "text", value)
    return clean_text(value)


def whole(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SchemaError(path, "a whole number", value)
    if value < 0:
        raise SchemaError(path, "a whole number of 0 or more", value)
    return value


def number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaError(path, "a number", value)
    if not math.isfinite(value) or value < 0:
        raise SchemaError(path, "a finite number of 0 or more", value)
    return float(value)


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise SchemaError(path, "true or false", value)
    return value


def text_list(value: Any, path: str) -> list[str]:
    if not isinstance(value, list):
        raise SchemaError(path, "a list of text", value)
    return [text(item, f"{path}[{i}]") for i, item in enumerate(value)]


def finish_reason(value: Any, path: str) -> str:
    if value not in FINISH_REASONS:
        raise SchemaError(path, "one of " + ", ".join(FINISH_REASONS), value)
    return value


def obj(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SchemaError(path, "an object", value)
    return value


def _in_range(check: Callable[[Any], Any], kind: Checker) -> Checker:
    """A type check, then the range check shared with the REPL command (``params``)."""

    def checked(value: Any, path: str) -> Any:
        typed = kind(value, path)
        try:
            return check(typed)
        except ValueError as exc:
            raise SchemaError(path, str(exc).split(" must be ", 1)[-1], value) from None

    return checked


Checker = Callable[[Any, str], Any]
SAMPLING: dict[str, Checker] = {
    "temperature": _in_range(params.temperature, number),
    "top_k": _in_range(params.top_k, whole),
    "top_p": _in_range(params.top_p, number),
    "max_tokens": _in_range(params.max_tokens, whole),
    "think": boolean,
}
USAGE: dict[str, Checker] = {
    f.name: (whole if f.type in ("int", int) else text if f.type in ("str", str) else number)
    for f in fields(Usage)
}
TURN: dict[str, Checker] = {
    "prompt": text,
    "answer": text,
    "reasoning": text,
    "finish_reason": finish_reason,
    "ttft": number,
    "total_seconds": number,
    "reasoning_seconds": number,
    "reasoning_tokens": whole,
    "sources": text_list,
    "flags": text_list,
    "retracted": text,
    "retracted_flags": text_list,
    "note": text,
    "computed": text,
    "error": text,
}


def _fields(data: dict[str, Any], path: str, checkers: dict[str, Checker]) -> dict[str, Any]:
    """The known keys of ``data``, each checked; unknown keys are left out."""
    return {
        key: checker(data[key], f"{path}.{key}" if path else key)
        for key, checker in checkers.items()
        if key in data
    }


def _message(value: Any, path: str, role: str) -> Message:
    item = obj(value, path)
    if item.get("role") != role:
        got = f"got {describe(item['role'])}" if "role" in item else "it has none"
        raise SchemaError(f"{path}.role", f'"{role}" (roles alternate, user first)', got=got)
    if "content" not in item:
        raise SchemaError(f"{path}.content", "text", got="it is missing")
    message = {"role": role, "content": text(item["content"], f"{path}.content")}
    if "sent" in item:  # what the model is sent instead (session.py: history hygiene)
        message["sent"] = text(item["sent"], f"{path}.sent")
    return message


def _turn(value: Any, path: str) -> dict[str, Any]:
    item = obj(value, path)
    if "prompt" not in item:
        raise SchemaError(f"{path}.prompt", "text", got="it is missing")
    values = _fields(item, path, TURN)
    usage = item.get("usage")
    if usage is not None:
        values["usage"] = Usage(**_fields(obj(usage, f"{path}.usage"), f"{path}.usage", USAGE))
    return values


def validate(data: Any) -> Transcript:
    """Check a whole parsed document; SchemaError at the first field that is wrong."""
    root = obj(data, "")
    if "version" in root:
        version = whole(root["version"], "version")
        if version > VERSION:
            raise SchemaError("version", f"{VERSION} or lower (a newer gruchat wrote it)", version)
    if "messages" not in root:
        raise SchemaError("messages", "a list of messages", got="it is missing")
    raw_messages = root["messages"]
    if not isinstance(raw_messages, list):
        raise SchemaError("messages", "a list of messages", raw_messages)
    messages = [
        _message(item, f"messages[{i}]", "user" if i % 2 == 0 else "assistant")
        for i, item in enumerate(raw_messages)
    ]
    if len(messages) % 2:
        where = f"messages[{len(messages) - 1}]"
        raise SchemaError(where, "an answer after the last question", got="the list ends there")
    system = text(root["system_prompt"], "system_prompt") if "system_prompt" in root else None
    sampling = _fields(obj(root["sampling"], "sampling"), "sampling", SAMPLING) if (
        root.get("sampling") is not None
    ) else {}  # fmt: skip
    raw_turns = root.get("turns", [])
    if not isinstance(raw_turns, list):
        raise SchemaError("turns", "a list of turns", raw_turns)
    turns = [_turn(item, f"turns[{i}]") for i, item in enumerate(raw_turns)]
    return Transcript(messages, system, sampling, turns)
