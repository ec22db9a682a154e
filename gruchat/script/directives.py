r"""``\expect`` in the command table, scope "script": known to prompt files, refused by the REPL.

The runner reads the directive itself (see ``parser``); the handler only answers when a
line reaches the Shell directly, which the runner never lets happen.
"""

from __future__ import annotations

from gruchat import handlers  # noqa: F401  (registers the REPL commands)
from gruchat.commands import TABLE, Reply
from gruchat.tutor import commands as tutor_commands  # noqa: F401  (\notes, \gru, …)

EXPECT = "expect"
TEXT_KINDS = ("contains", "icontains", "equals", "starts-with", "regex")
KINDS = (*TEXT_KINDS, "reasoning", "finish", "max-tokens", "error")
FINISH_REASONS = ("stop", "length", "cancelled", "error")


@TABLE.register(
    EXPECT,
    "Check the answer or reply just before this line (prompt files only).",
    usage="[not] contains|icontains|equals|starts-with|regex|reasoning|finish|max-tokens|error …",
    arg="required",
    example='\\expect icontains "update gate"',
    scope="script",
)
def _expect(ctx: object, arg: str) -> Reply:
    return Reply("\\expect is checked by `gruchat run`; it does nothing on its own", error=True)
