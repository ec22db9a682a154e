"""The command table gruchat uses, built on request from listed entries.

Nothing registers itself on import: the REPL's commands (``gruchat.handlers``) and the
tutor's (``gruchat.tutor.commands``) are plain lists, and whoever needs a table (the
Shell, the completer, \\help, the script parser) is handed the one built here. Extra
lists (generated option commands, say) are added after them, in order.
"""

from __future__ import annotations

from collections.abc import Iterable

from gruchat import handlers
from gruchat.commands import Command, Table
from gruchat.tutor import commands as tutor_commands


def build_table(*extra: Iterable[Command]) -> Table:
    """A fresh table of the REPL's commands, the tutor's, then each of ``extra``."""
    table = Table()
    for entries in (handlers.COMMANDS, tutor_commands.COMMANDS, *extra):
        for command in entries:
            table.add(command)
    return table
