r"""Text gruchat did not write, made safe to show on a terminal.

Model answers, loaded transcripts, prompt files, paths and values the user typed can hold
control characters: one ESC sequence retitles the window, writes the clipboard (OSC 52)
or clears the screen; a backspace, a lone carriage return or a bidi override makes a line
read differently from what it holds. :func:`safe` shows each such character visibly:

* C0 controls other than newline and tab, and DEL: the Unicode control pictures
  (ESC ``␛``, BEL ``␇``, CR ``␍``, BS ``␈``, NUL ``␀``, DEL ``␡``);
* C1 controls U+0080–U+009F (no pictures exist): ``\x9b``;
* bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): ``\u202e``;
* a CR right before a LF (a Windows line end) is just the line end.

Everything else, including newline, tab, emoji and CJK, passes unchanged. The output
holds none of these characters, so ``safe(safe(s)) == safe(s)``. The consoles in
:mod:`gruchat.environment` and ``write_out`` apply it to everything they print.
"""

from __future__ import annotations

import re

from rich.text import Text

# Code point ranges shown visibly: C0 less \t and \n, DEL and C1, bidi controls.
_RANGES = ((0x00, 0x08), (0x0B, 0x1F), (0x7F, 0x9F), (0x202A, 0x202E), (0x2066, 0x2069))
_CONTROL = "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in _RANGES)
_UNSAFE = re.compile(f"\r\n|[{_CONTROL}]")
_UNSAFE_CHAR = re.compile(f"[{_CONTROL}]")


def _visible(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if code <= 0x9F:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


_SHOWN = {chr(c): _visible(chr(c)) for low, high in _RANGES for c in range(low, high + 1)}
_SHOWN["\r\n"] = "\n"


def _show(match: re.Match[str]) -> str:
    return _SHOWN[match.group()]


def safe(text: str) -> str:
    """``text`` with every terminal control character shown visibly (see the module doc)."""
    if _UNSAFE_CHAR.search(text) is None:  # the usual case: one fast scan, no copy
        return text
    return _UNSAFE.sub(_show, text)


def literal(text: str, style: str = "") -> Text:
    """A rich Text shown exactly as written: no markup, controls visible (titles, cells)."""
    return Text(safe(text), style=style)


def json_line(dumped: str) -> str:
    """JSON from ``json.dumps(..., ensure_ascii=False)`` with the characters it leaves raw
    (DEL, C1, bidi) written as ``\\uXXXX`` escapes: the same data, safe on a terminal."""
    return _UNSAFE_CHAR.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
