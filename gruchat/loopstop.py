"""Stop an answer that has started repeating itself.

Greedy decoding on a 135M model falls into loops ("The output gate is the output of a
single step." forty times) until max_tokens. Measured in bench/repetition.py, the engine's
repetition penalty did not end the loop without changing good answers, so the client
stops the stream once the same sentence has come three times, or the answer's tail is one
block of words repeated (for loops with no full stop).
"""

from __future__ import annotations

import re
from collections import Counter

SENTENCE_REPEATS = 3  # the same sentence this many times ends the answer
MIN_LOOP_WORDS = 15  # a repeated block must cover at least this many words in all
MIN_SENTENCE_WORDS = 3  # shorter lines are not counted as sentences
MAX_PERIOD = 40  # the longest repeated block looked for, in words
_SENTENCE = re.compile(r"[^.!?\n]*[^\s.!?\n][^.!?\n]*[.!?\n]")
_WORD = re.compile(r"\w+|[^\w\s]")
_ENDS = re.compile(r"[.!?\n]")


def _normal(sentence: str) -> str:
    return " ".join(_WORD.findall(sentence.lower()))


class LoopStop:
    """Fed the answer as it streams; ``feed`` says True once the answer is looping."""

    def __init__(self) -> None:
        self._text = ""
        self._scanned = 0  # characters already cut into finished sentences
        self._seen: Counter[str] = Counter()

    def feed(self, delta: str) -> bool:
        self._text += delta
        # A sentence can only end in a delta holding its end mark; scanning the open
        # sentence on every delta cost ~1 ms a token (bench/remote.py's profile).
        if _ENDS.search(delta) and self._sentence_repeated():
            return True
        return _tail_repeats(_last_words(self._text))

    def _sentence_repeated(self) -> bool:
        for match in _SENTENCE.finditer(self._text, self._scanned):
            self._scanned = match.end()
            key = _normal(match.group(0))
            if len(re.findall(r"\w+", key)) < MIN_SENTENCE_WORDS:
                continue  # code fences, list numbers and "Yes." may recur in a good answer
            self._seen[key] += 1
            if self._seen[key] >= SENTENCE_REPEATS:
                return True
        return False


TAIL_CHARS = 4000  # the answer's tail looked at for a repeated block
# The most words one check compares: the longest span of a repeated block.
_LONGEST_SPAN = max(p * max(3, -(-MIN_LOOP_WORDS // p)) for p in range(1, MAX_PERIOD + 1))


def _last_words(text: str) -> list[str]:
    """The words of the last TAIL_CHARS characters, or of a shorter tail where that holds
    more words than a repeated block can span: the same verdict, at a fraction of the cost
    per token (this runs on every delta)."""
    words = _WORD.findall(text[-TAIL_CHARS // 4 :].lower())
    if len(words) > _LONGEST_SPAN + 1 or len(text) <= TAIL_CHARS // 4:
        return words  # the first word may be cut: it is never compared
    return _WORD.findall(text[-TAIL_CHARS:].lower())


def _tail_repeats(words: list[str]) -> bool:
    """True when the last words are one block repeated enough times to be a loop."""
    for period in range(1, min(MAX_PERIOD, len(words) // 3) + 1):
        times = max(3, -(-MIN_LOOP_WORDS // period))
        span = period * times
        if span > len(words):
            continue
        tail = words[-span:]
        if tail[period:] == tail[:-period]:  # each word equals the one a period before
            return True
    return False
