r"""What ``gruchat logs`` and ``\history`` show: a table, Markdown or JSON of exchanges.

Everything here is text gruchat did not write (prompts, answers), so it goes out through
the sanitizing consoles of ``Environment`` or ``write_out``/``json_line``, never raw.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from gruchat.environment import Environment, write_out
from gruchat.errors import ExitStatus, GruchatError, UsageError
from gruchat.logbook import Exchange, Logbook, LogError, log_path
from gruchat.safe_text import json_line
from gruchat.session import Turn

EXCERPT = 60


def excerpt(text: str, width: int = EXCERPT) -> str:
    """The text on one line, cut to ``width`` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def when(started: float) -> str:
    return datetime.datetime.fromtimestamp(started).strftime("%Y-%m-%d %H:%M")


def finish_shown(finish: str) -> str:
    return "[interrupted]" if finish == "interrupted" else finish


def table(rows: Sequence[Exchange], title: str, width: int = 100) -> Table:
    """One line per exchange: time, conversation, number, model, prompt excerpt, finish.
    The prompt takes the width the other columns leave and is cut with an ellipsis."""
    names = ("time", "conversation", "#", "model", "prompt", "finish")
    cells = [
        (
            when(row.started),
            row.conversation,
            str(row.seq),
            row.model,
            excerpt(row.prompt),
            finish_shown(row.finish),
        )
        for row in rows
    ]
    widths = [max([len(name), *(len(line[i]) for line in cells)]) for i, name in enumerate(names)]
    widths[3] = min(widths[3], 24)  # a long model path is cut
    gaps = 2 * (len(names) - 1)  # one space of padding each side of an inner edge
    left = width - sum(w for i, w in enumerate(widths) if i != 4) - gaps
    widths[4] = max(12, min(widths[4], left))
    grid = Table(title=title, title_justify="left", box=None, pad_edge=False, header_style="bold")
    for name, size in zip(names, widths, strict=True):
        grid.add_column(name, no_wrap=True, overflow="ellipsis", max_width=size)
    for line in cells:
        grid.add_row(*line)
    return grid


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines() or [""])


def markdown(rows: Sequence[Exchange]) -> str:
    """Each exchange whole, in order: heading, the question quoted, notes, the answer."""
    parts: list[str] = []
    conversation = None
    for row in rows:
        if row.conversation != conversation:
            conversation = row.conversation
            parts.append(f"# Conversation {conversation}\n")
        head = f"## {row.seq}. {when(row.started)} · {row.model} · {finish_shown(row.finish)}"
        parts.append(head + "\n")
        parts.append(_quoted(row.prompt) + "\n")
        if row.computed:
            parts.append(f"Computed:\n\n```\n{row.computed}\n```\n")
        if row.note:
            parts.append(f"Verified note ({', '.join(row.sources[:1])}):\n\n{row.note}\n")
        if row.reasoning:
            parts.append(
                f"<details><summary>reasoning</summary>\n\n{row.reasoning}\n\n</details>\n"
            )
        answer = row.answer.strip() or "(no answer)"
        if row.interrupted:
            answer += " [interrupted]"
        parts.append(answer + "\n")
        if row.flags:
            parts.append(
                "Flagged by the guard:\n\n" + "\n".join(f"- {f}" for f in row.flags) + "\n"
            )
        if row.error:
            parts.append(f"Error: {row.error}\n")
        if row.sources:
            parts.append(f"Sources: {', '.join(row.sources)}\n")
        parts.append(_stats_line(row) + "\n")
    return "\n".join(parts)


def _stats_line(row: Exchange) -> str:
    usage = row.usage or {}
    bits = [f"model {row.model} ({row.backend}, {row.device})"]
    if usage:
        bits.append(
            f"{usage.get('prompt_tokens', 0)} prompt + "
            f"{usage.get('completion_tokens', 0)} answer tokens"
        )
    if row.ttft:
        bits.append(f"first token {row.ttft:.2f}s")
    labels = {"temperature": "temperature", "top_k": "top-k", "top_p": "top-p"}
    sampling = ", ".join(f"{labels[k]} {row.sampling[k]}" for k in labels if k in row.sampling)
    if sampling:
        bits.append(sampling)
    return "*" + "; ".join(bits) + "*"


def as_json(rows: Sequence[Exchange]) -> str:
    """A JSON array of the exchanges, every field, safe to print on a terminal."""
    data: list[dict[str, Any]] = [row.as_dict() for row in rows]
    return json_line(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


def history_lines(turns: Sequence[Turn], log: Any = None) -> list[str]:
    r"""``\history``: this conversation's exchanges, one line each, and where it is logged."""
    active = log is not None and getattr(log, "active", False)
    if active:
        head = f"Conversation {log.conversation} (gruchat logs --conversation {log.conversation}):"
    else:
        head = "This conversation (not logged):"
    if not turns:
        return [head, "No exchanges yet."]
    lines = [head]
    width = len(str(len(turns)))
    for number, turn in enumerate(turns, 1):
        lines.append(f"{number:>{width}}. {excerpt(turn.prompt)}  [{turn.finish_reason}]")
    return lines


def show_logs(
    env: Environment,
    count: int = 20,
    conversation: str | None = None,
    search: str | None = None,
    fmt: str = "table",
    path: Path | None = None,
) -> ExitStatus:
    """``gruchat logs``: recent exchanges, a search, or one conversation whole."""
    if count < 0:
        raise UsageError("-n must be 0 (all) or more")
    path = path or log_path()
    if not path.exists():
        env.err.print(f"No exchanges logged yet ({path}).", markup=False)
        return ExitStatus.OK
    try:
        book = Logbook.open(path)
    except LogError as exc:
        raise GruchatError(f"conversation log {path}: {exc.message}") from None
    try:
        rows, title = _query(book, count, conversation, search)
    except LogError as exc:
        raise GruchatError(f"conversation log {path}: {exc.message}") from None
    finally:
        book.close()
    if search and not book.fts:
        env.err.print(
            "note: this SQLite has no full-text search (FTS5); matched substrings instead",
            markup=False,
        )
    if fmt == "json":
        write_out(env.stdout, as_json(rows))
    elif not rows:
        env.err.print("No exchanges match." if search else "No exchanges logged yet.")
    elif fmt == "markdown" or (conversation is not None and fmt == "table"):
        write_out(env.stdout, markdown(rows))
    else:
        env.out.print(table(rows, title, env.out.width))
    return ExitStatus.OK


def _query(
    book: Logbook, count: int, conversation: str | None, search: str | None
) -> tuple[list[Exchange], str]:
    if conversation is not None:
        found = book.find_conversation(conversation.strip()) if conversation.strip() else []
        if conversation in found:
            found = [conversation]
        if not found:
            raise UsageError(f"no conversation {conversation!r} in the log")
        if len(found) > 1:
            raise UsageError(
                f"{conversation!r} names {len(found)} conversations; give more of the id"
            )
        rows = book.conversation(found[0])
        if search:
            keep = {row.id for row in book.search(search, 0)}
            rows = [row for row in rows if row.id in keep]
        return rows, f"Conversation {found[0]}"
    if search:
        return book.search(search, count), f"Exchanges matching {search!r}, best first"
    rows = book.recent(count)
    plural = "" if len(rows) == 1 else "s"
    return rows, f"The last {len(rows)} exchange{plural}, oldest first"
