"""The client-side loop stop: repeated sentences or a repeated block of words end a stream."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gruchat import loopstop
from gruchat.loopstop import LoopStop

LOOP = "The output gate is the output of a single step. "


def test_the_third_copy_of_a_sentence_stops_the_stream():
    stop = LoopStop()
    text = "The new state is the output of a single step. " + LOOP * 3
    fired = [i for i in range(0, len(text), 4) if stop.feed(text[i : i + 4])]
    assert fired
    first = fired[0]
    assert text[: first + 4].count("The output gate") == 3  # not before the third copy


@pytest.mark.parametrize(
    "text",
    [
        "Yes, it is. " * 3,
        "the output of the output of the output of the output of the output of the",
        "z z z z z z z z z z z z z z z z",
        "a GRU has two gates and a GRU has two gates and a GRU has two gates and",
    ],
)
def test_loops_are_found(text):
    assert LoopStop().feed(text)


@pytest.mark.parametrize(
    "text",
    [
        "A GRU has two gates. A GRU has two gates. It has no cell state.",  # twice only
        "```python\nx = 1\n```\nThen:\n```python\ny = 2\n```\nAnd:\n```python\nz = 3\n```\n",
        "1. r\n2. z\n3. n\n",
        "Yes. Yes. Yes.",  # too short to be a sentence loop
        "very very very good",
        "The update gate z keeps the old state; the reset gate r scales it in the candidate n."
        " Both are sigmoid layers, so each entry lies between 0 and 1.",
    ],
)
def test_good_answers_are_not_stopped(text):
    assert not LoopStop().feed(text)


# -- the per-token check is cheap and gives the same verdict as the plain definition --------


def plain_tail_repeats(text: str) -> bool:
    """The definition: the last words of the answer's last 4,000 characters are one block
    repeated (compared word by word against the block)."""
    words = loopstop._WORD.findall(text[-4000:].lower())
    for period in range(1, min(loopstop.MAX_PERIOD, len(words) // 3) + 1):
        span = period * max(3, -(-loopstop.MIN_LOOP_WORDS // period))
        if span <= len(words):
            tail = words[-span:]
            if all(tail[i] == tail[i % period] for i in range(span)):
                return True
    return False


WORDS = st.sampled_from(["gate", "Gate", "the", "state", ",", ".", "reset", "Σ", "a" * 30])


@settings(max_examples=150, deadline=None)
@given(
    head=st.lists(WORDS, max_size=900),
    block=st.lists(WORDS, min_size=1, max_size=45),
    times=st.integers(0, 5),
    cut=st.integers(0, 40),
    sep=st.sampled_from([" ", "\n", ""]),
)
def test_tail_check_matches_the_definition(head, block, times, cut, sep):
    """Long heads (the short-window path), loops of every period up to and past the
    longest, and a cut mid-word: the verdict is the definition's."""
    text = sep.join(head + block * times)
    text = text[: len(text) - cut] if cut < len(text) else text
    assert loopstop._tail_repeats(loopstop._last_words(text)) == plain_tail_repeats(text)
