r"""Prompt files (``*.gru``) to a Script: steps (prompts and commands) and their checks.

The whole file is parsed before anything runs, so a typo on the last line costs no model
time. Pure: the only I/O is reading the bytes in ``load``. Every error says where:
``FILE:LINE:COL: error: what was expected`` (1-based line and character column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from gruchat import command_table
from gruchat.all_commands import build_table
from gruchat.errors import UsageError
from gruchat.inputs import TEXT_LIMIT, InputError, read_bytes
from gruchat.options import SAMPLING_OPTIONS, Option
from gruchat.script.cursor import Cursor, ScriptSyntaxError, compile_regex
from gruchat.script.expect_syntax import EXPECT, FINISH_REASONS, KINDS, TEXT_KINDS

_PRAGMA = re.compile(r"#\s*(model|sampling)\s*:")
# key=VALUE with a sampling option's key or its REPL command's name (topk=5)
SAMPLING_KEYS: dict[str, Option] = {k: o for o in SAMPLING_OPTIONS for k in o.pragma_keys}


@dataclass(frozen=True)
class Expectation:
    r"""One ``\expect`` line: what to check, negated or not, and where it was written."""

    kind: str  # contains | icontains | equals | starts-with | regex | finish | max-tokens | error
    value: str | int = ""
    negate: bool = False
    target: str = "answer"  # answer | reasoning | shown (verified note + answer)
    pattern: regex.Pattern[str] | None = None
    line: int = 0
    col: int = 0
    source: str = ""  # the directive as written, for the report

    @property
    def label(self) -> str:
        return self.source or f"\\expect {self.kind} {self.value!r}"


@dataclass
class Step:
    """A prompt for the model or a command for the Shell, with the checks that follow it."""

    kind: str  # "prompt" | "command"
    text: str  # the prompt text, or the command line as the Shell gets it
    line: int
    col: int
    lines: list[str] = field(default_factory=list)  # as written, for the echo
    checks: list[Expectation] = field(default_factory=list)


@dataclass
class Script:
    path: str
    steps: list[Step] = field(default_factory=list)
    model: str | None = None
    sampling: dict[str, Any] = field(default_factory=dict)

    @property
    def checks(self) -> list[Expectation]:
        return [check for step in self.steps for check in step.checks]


def load(path: Path, table: command_table.Table | None = None) -> Script:
    """Read and parse one file; UsageError (exit 2) when it cannot be read or parsed."""
    try:
        data = read_bytes(path, TEXT_LIMIT, "prompt file")
    except InputError as exc:
        raise UsageError(f"{path}: error: {exc}") from None
    except OSError as exc:
        raise UsageError(f"{path}: error: cannot read: {exc.strerror or exc}") from None
    return parse_text(decode(data, str(path)), str(path), table)


def decode(data: bytes, path: str = "<script>") -> str:
    """UTF-8 text (a leading BOM dropped); the place of the first bad byte otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line_start = data.rfind(b"\n", 0, start) + 1
        if line_start == 0 and data.startswith(b"\xef\xbb\xbf"):
            line_start = 3  # the BOM is not a column
        line = data.count(b"\n", 0, start) + 1
        col = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
        what = f"not UTF-8 text (byte 0x{data[start]:02x})"
        raise ScriptSyntaxError(path, line, col, what) from None


def parse_text(
    text: str, path: str = "<script>", table: command_table.Table | None = None
) -> Script:
    """Parse a whole file, its commands checked against ``table`` (gruchat's own when not
    given); raises ScriptSyntaxError at the first problem."""
    return _Parser(text, path, table if table is not None else build_table()).parse()


class _Parser:
    def __init__(self, text: str, path: str, table: command_table.Table) -> None:
        self.lines = [line.removesuffix("\r") for line in text.split("\n")]
        self.path = path
        self.table = table
        self.script = Script(path=path)

    def error(self, line: int, col: int, what: str) -> ScriptSyntaxError:
        return ScriptSyntaxError(self.path, line, col, what)

    def parse(self) -> Script:
        header = True
        index = 0
        while index < len(self.lines):
            raw = self.lines[index]
            number, col = index + 1, _indent(raw) + 1
            stripped = raw.strip()
            index += 1
            if not stripped:
                continue
            if stripped.startswith("#"):
                if _PRAGMA.match(stripped):
                    if not header:
                        what = "pragmas (# model:, # sampling:) belong in the header, before "
                        raise self.error(number, col, what + "the first prompt or command")
                    self.pragma(raw, number)
                continue
            header = False
            if command_table.block_opening(raw) is not None:
                index = self.block(index - 1)
            elif command_table.is_command(raw) and _command_name(raw) == EXPECT:
                self.directive(raw, number)
            else:
                self.step(stripped, number, col, [raw])
        return self.script

    # -- steps -----------------------------------------------------------------------
    def step(self, text: str, line: int, col: int, lines: list[str]) -> None:
        kind = "prompt"
        if command_table.is_command(text):
            kind = "command"
            name = _command_name(text)
            if name == EXPECT:
                raise self.error(line, col, "\\expect must be on its own line, not in a block")
            if name not in self.table.lookup:  # argument shapes are refused when it runs
                try:
                    command_table.parse(text, self.table)
                except command_table.CommandError as exc:
                    raise self.error(line, col, str(exc)) from None
        self.script.steps.append(Step(kind, text, line, col, lines))

    def block(self, start: int) -> int:
        """A \"\"\" block from line ``start`` (0-based); the index after its closing line."""
        raw = self.lines[start]
        number, col = start + 1, _indent(raw) + 1
        single = command_table.single_line_block(raw)
        if single is not None:
            parts, end = [single], start + 1
        else:
            opened = command_table.block_opening(raw) or ""
            parts = [opened] if opened else []
            end = start + 1
            while True:
                if end >= len(self.lines):
                    raise self.error(number, col, 'unterminated """ block: expected a closing """')
                closed = command_table.block_closing(self.lines[end])
                end += 1
                if closed is not None:
                    parts.append(closed)
                    break
                parts.append(self.lines[end - 1])
        text = "\n".join(parts).strip()
        if not text:
            raise self.error(number, col, 'empty """ block: expected a prompt inside it')
        self.step(text, number, col, self.lines[start:end])
        return end

    # -- \expect ------------------------------------------------------------------------
    def directive(self, raw: str, line: int) -> None:
        start = _indent(raw)
        if not self.script.steps:
            raise self.error(line, start + 1, "\\expect must follow a prompt or a command")
        cur = Cursor(raw, start + 1 + len(EXPECT), self.path, line)
        word, at = cur.word()
        negate = word == "not"
        if negate:
            word, at = cur.word()
        target = "answer"
        if word in ("reasoning", "shown"):
            target = word
            word, at = cur.word()
            if word not in TEXT_KINDS:
                raise cur.fail(at, f"expected a text check after {target}: {', '.join(TEXT_KINDS)}")
        if word not in KINDS:
            shown = f" {word!r}" if word else ""
            raise cur.fail(at, f"unknown check{shown}: expected one of {', '.join(KINDS)}")
        pattern: regex.Pattern[str] | None = None
        if word == "regex":
            source, flags = cur.regex()
            pattern = compile_regex(source, flags, cur)
            value: str | int = source
        elif word == "finish":
            value, at = cur.word()
            if value not in FINISH_REASONS:
                raise cur.fail(at, f"expected a finish reason: {', '.join(FINISH_REASONS)}")
        elif word == "max-tokens":
            text, at = cur.word()
            if not (text.isascii() and text.isdigit() and len(text) <= 9 and int(text) >= 1):
                raise cur.fail(at, "expected a whole number of tokens (1 or more)")
            value = int(text)
        else:
            value = cur.string()
        cur.end()
        step = self.script.steps[-1]
        if word == "error" and step.kind != "command":
            what = f"\\expect error checks a refused command, but line {step.line} is a prompt"
            raise self.error(line, start + 1, what)
        source = raw.strip()
        step.checks.append(
            Expectation(word, value, negate, target, pattern, line, start + 1, source)
        )

    # -- header pragmas ----------------------------------------------------------------
    def pragma(self, raw: str, line: int) -> None:
        start = _indent(raw)
        match = _PRAGMA.match(raw, start)
        assert match is not None
        key, value_at = match.group(1), match.end()
        if key == "model":
            if self.script.model is not None:
                raise self.error(line, start + 1, "the model pragma is given twice")
            name = raw[value_at:].strip()
            if not name:
                raise self.error(line, len(raw) + 1, "expected a model name after # model:")
            self.script.model = name
            return
        if self.script.sampling:
            raise self.error(line, start + 1, "the sampling pragma is given twice")
        tokens = list(re.finditer(r"\S+", raw[value_at:]))
        if not tokens:
            raise self.error(line, len(raw) + 1, "expected KEY=VALUE pairs after # sampling:")
        for token in tokens:
            col = value_at + token.start() + 1
            name, eq, text = token.group().partition("=")
            option = SAMPLING_KEYS.get(name.lower().replace("-", "_"))
            if option is None or not eq:
                keys = ", ".join(o.key for o in SAMPLING_OPTIONS)
                raise self.error(line, col, f"expected KEY=VALUE with KEY one of {keys}")
            try:
                self.script.sampling[option.key] = option.parse(text)
            except ValueError as exc:
                raise self.error(line, col + len(name) + 1, str(exc)) from None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _command_name(line: str) -> str:
    """The command name exactly as ``command_table.parse`` splits it."""
    return line.strip()[1:].partition(" ")[0].strip()
