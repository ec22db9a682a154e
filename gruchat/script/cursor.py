r"""Reading one ``\expect`` line a character at a time: words, strings, /regex/flags.

Kept apart from the parser so every error carries the exact column it was found at.
"""

from __future__ import annotations

import re
import warnings

import regex

from gruchat.errors import UsageError

_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


class ScriptSyntaxError(UsageError):
    """A prompt file that cannot run as written; exit status 2, nothing is run."""

    def __init__(self, path: str, line: int, col: int, what: str) -> None:
        super().__init__(f"{path}:{line}:{col}: error: {what}")
        self.path, self.line, self.col, self.what = path, line, col, what


class Cursor:
    """Walks one directive line, keeping the character position for error messages."""

    def __init__(self, text: str, pos: int, path: str, line: int) -> None:
        self.text, self.pos, self.path, self.line = text, pos, path, line
        self.regex_at = pos

    def fail(self, pos: int, what: str) -> ScriptSyntaxError:
        """An error at 0-based ``pos`` of this line (reported 1-based)."""
        return ScriptSyntaxError(self.path, self.line, pos + 1, what)

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def word(self) -> tuple[str, int]:
        self.skip()
        start = self.pos
        while self.pos < len(self.text) and not self.text[self.pos].isspace():
            self.pos += 1
        return self.text[start : self.pos], start

    def string(self) -> str:
        self.skip()
        start = self.pos
        if self.pos >= len(self.text) or self.text[self.pos] != '"':
            raise self.fail(start, 'expected a double-quoted string, e.g. "update gate"')
        out: list[str] = []
        self.pos += 1
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(out)
            if char == "\\":
                escaped = self.text[self.pos + 1 : self.pos + 2]
                if escaped not in _ESCAPES:
                    raise self.fail(self.pos, 'unknown escape: use \\", \\\\, \\n or \\t')
                out.append(_ESCAPES[escaped])
                self.pos += 2
                continue
            out.append(char)
            self.pos += 1
        raise self.fail(start, 'unterminated string: expected a closing "')

    def regex(self) -> tuple[str, str]:
        self.skip()
        start = self.pos
        if self.pos >= len(self.text) or self.text[self.pos] != "/":
            raise self.fail(start, "expected a /PATTERN/FLAGS regular expression")
        self.pos += 1
        while self.pos < len(self.text) and self.text[self.pos] != "/":
            self.pos += 2 if self.text[self.pos] == "\\" else 1
        if self.pos >= len(self.text):
            raise self.fail(start, "unterminated regex: expected a closing /")
        source = self.text[start + 1 : self.pos]
        self.pos += 1
        flags_at = self.pos
        while self.pos < len(self.text) and not self.text[self.pos].isspace():
            if self.text[self.pos] not in _REGEX_FLAGS:
                raise self.fail(self.pos, "unknown regex flag: expected i, m or s")
            self.pos += 1
        self.regex_at = start + 1
        return source, self.text[flags_at : self.pos]

    def end(self) -> None:
        self.skip()
        if self.pos < len(self.text):
            raise self.fail(self.pos, "expected the end of the line after the check")


def compile_regex(source: str, flags: str, cur: Cursor) -> regex.Pattern[str]:
    """Python ``re`` syntax (its errors and columns), compiled with the ``regex`` library,
    whose searches take a time limit (checks.REGEX_TIMEOUT)."""
    value = 0
    for flag in flags:
        value |= _REGEX_FLAGS[flag]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FutureWarning on odd sets is not our business
            re.compile(source, value)
            return regex.compile(source, value)
    except (re.error, regex.error, OverflowError, RecursionError) as exc:
        offset = getattr(exc, "pos", None) or 0
        message = getattr(exc, "msg", None) or str(exc)
        raise cur.fail(cur.regex_at + offset, f"bad regex: {message}") from None
