"""Split ``<think>…</think>`` out of streamed content, even across chunk boundaries."""

from __future__ import annotations

OPEN = "<think>"
CLOSE = "</think>"


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ThinkSplitter:
    """Feed content chunks; get (reasoning, answer) pieces back as soon as they are certain."""

    def __init__(self) -> None:
        self._pending = ""
        self._thinking = False

    def feed(self, chunk: str) -> list[tuple[str, str]]:
        """Return a list of (kind, text) with kind "reasoning" or "answer"."""
        out: list[tuple[str, str]] = []
        text = self._pending + chunk
        self._pending = ""
        while text:
            # In the answer a stray CLOSE is dropped, not shown: a server's reasoning budget
            # (llama.cpp --reasoning-budget) ends the trace, and the model closes it itself.
            tags = (CLOSE,) if self._thinking else (OPEN, CLOSE)
            kind = "reasoning" if self._thinking else "answer"
            found = [(text.find(tag), tag) for tag in tags if tag in text]
            if found:
                index, tag = min(found)
                if index:
                    out.append((kind, text[:index]))
                text = text[index + len(tag) :]
                if tag == OPEN or self._thinking:
                    self._thinking = not self._thinking
                continue
            keep = max(_partial_suffix(text, tag) for tag in tags)
            emit = text[: len(text) - keep]
            if emit:
                out.append((kind, emit))
            self._pending = text[len(text) - keep :]
            break
        return out

    def flush(self) -> list[tuple[str, str]]:
        """End of stream: whatever is held back is plain text of the current kind."""
        kind = "reasoning" if self._thinking else "answer"
        text, self._pending = self._pending, ""
        return [(kind, text)] if text else []
