"""Just enough of a VT100 to replay what rich writes (text, CR, LF, cursor up and down,
column, erase in line) and see the screen a user would see, including the pending wrap at
the last column that makes a stray echoed ``^C`` start a new line."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07]*\x07|(\r)|(\n)|([^\x1b\r\n])")


class Screen:
    def __init__(self, width: int = 100) -> None:
        self.width = width
        self.rows: list[list[str]] = [[]]
        self.row = 0
        self.col = 0

    def _line(self) -> list[str]:
        while len(self.rows) <= self.row:
            self.rows.append([])
        return self.rows[self.row]

    def _char(self, ch: str) -> None:
        if self.col >= self.width:  # the pending wrap: the next character starts a new row
            self.row, self.col = self.row + 1, 0
        line = self._line()
        line.extend(" " * (self.col - len(line)))
        if self.col < len(line):
            line[self.col] = ch
        else:
            line.append(ch)
        self.col += 1

    def _control(self, args: str, cmd: str) -> None:
        count = int(args) if args.isdigit() else 1
        if cmd == "A":
            self.row = max(0, self.row - count)
        elif cmd == "B":
            self.row += count
            self._line()
        elif cmd == "G":
            self.col = count - 1
        elif cmd == "K":
            line = self._line()
            del line[0 if args == "2" else self.col :]

    def feed(self, data: str) -> Screen:
        for match in _TOKEN.finditer(data):
            args, cmd, cr, lf, ch = match.groups()
            if cr:
                self.col = 0
            elif lf:
                self.row, self.col = self.row + 1, 0
                self._line()
            elif ch:
                self._char(ch)
            elif cmd:
                self._control(args, cmd)
        return self

    def text(self) -> str:
        return "\n".join("".join(row).rstrip() for row in self.rows).strip("\n")
