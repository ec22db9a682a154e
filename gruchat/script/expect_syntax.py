r"""``\expect``: a directive of prompt files, owned by the script parser, not a command.

The command table never holds it: the parser reads ``\expect`` lines itself (see
``parser``), so the REPL answers it as the unknown command it is there.
"""

from __future__ import annotations

EXPECT = "expect"
TEXT_KINDS = ("contains", "icontains", "equals", "starts-with", "regex")
KINDS = (*TEXT_KINDS, "reasoning", "finish", "max-tokens", "error")
FINISH_REASONS = ("stop", "length", "cancelled", "error")
# What \help adds in a prompt file (the REPL's \help leaves it out: it is no command there).
HELP_LINE = (
    "- `\\expect [not] contains|icontains|equals|starts-with|regex|reasoning|finish|"
    "max-tokens|error …`: Check the answer or reply just before this line (prompt files only)."
)
