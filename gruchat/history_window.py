"""How much of a long conversation the model is sent: a window that slides in blocks.

A learner's afternoon in the REPL would otherwise send the whole conversation every turn:
the prompt, the KV cache of the live sequence and every copy the prefix cache keeps all
grow with it (about 85 KB of peak memory per prompt token of SmolLM2-135M on CPU, and
each turn slower to read). So only the latest exchanges, up to ``budget`` estimated
tokens, are sent.

The window moves in blocks, not one exchange at a time: when the sent history passes the
budget, the oldest exchanges are left out until it is at most half the budget, and the
start then stays put until the budget is passed again. A sliding start changes the
prompt's beginning, so each move costs one turn without a prefix-cache hit; in blocks,
that happens once every few turns instead of at every turn. The start is a pure function
of the exchanges, so \\undo, \\retry and \\load need no bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence

from gruchat.engine.base import Message

CHARS_PER_TOKEN = 3  # a cautious estimate: English runs ~4, the notes' Unicode math less


def estimated_tokens(messages: Sequence[Message]) -> int:
    """About how many tokens ``messages`` take (no tokenizer: this runs every turn)."""
    return sum(len(m["content"]) for m in messages) // CHARS_PER_TOKEN + 4 * len(messages)


def window_start(sizes: Sequence[int], budget: int) -> int:
    """The first exchange to send, given each exchange's size in tokens (as sent; 0 for
    one that is not sent) and the budget (0 or less: no limit, send everything)."""
    if budget <= 0:
        return 0
    start, total = 0, 0
    for size in sizes:
        total += size
        if total > budget:
            while start < len(sizes) and total > budget // 2:
                total -= sizes[start]
                start += 1
    return start
