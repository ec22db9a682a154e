"""The command table gruchat uses, built on request from listed entries.

Nothing registers itself on import: the REPL's commands (``gruchat.chat_commands``) and the
tutor's (``gruchat.tutor.tutor_commands``) are plain lists, and whoever needs a table (the
Shell, the completer, \\help, the script parser) is handed the one built here. Extra
lists (generated option commands, say) are added after them, in order.
"""

from __future__ import annotations

from collections.abc import Iterable

from gruchat import chat_commands
from gruchat.command_table import Command, Table
from gruchat.tutor import tutor_commands


def build_table(*extra: Iterable[Command]) -> Table:
    """A fresh table of the REPL's commands, the tutor's, then each of ``extra``."""
    table = Table()
    for entries in (chat_commands.COMMANDS, tutor_commands.COMMANDS, *extra):
        for command in entries:
            table.add(command)
    return table
