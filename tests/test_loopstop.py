"""The client-side loop stop: repeated sentences or a repeated block of words end a stream."""

from __future__ import annotations

import pytest

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
