"""The lines of the runner-up notes that answer this question, shown under the top note.

The screen shows the best note whole; a question often needs one fact from the second or
third note as well ("what plays that role in a GRU?" gets the history note, while the
fact is a line of the equations note). Showing those notes whole would bury the answer,
so each line of theirs is scored by the rare words it shares with the question (the
inverse document frequency of each shared stem over all notes), and the best few are
shown, labelled with their note (a line sharing no rare word is left out, a line ending
in a colon stays with the next). Measured on the quiz's tuning half with
bench/quiz_coverage.py (session 14): the seventh edition, which no note was written for,
went from 20/64 covered by the top note to 28/64 with up to two lines from each of the
next two notes (75 more words a question on average); the rest of the half stayed at
315/317.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from gruchat.tutor.notes import Note, default_index, load_notes, stems

LINES_PER_NOTE = 2
RELATED_NOTES = 2  # the runner-up notes after the top one
MIN_SCORE = 3.0  # about one word that few notes use; below it a line is off the point
HEADING = "Related lines from other notes:"


@dataclass(frozen=True)
class Line:
    """One verified line and the note it comes from."""

    note: str
    text: str


@lru_cache(maxsize=1)
def _idf() -> dict[str, float]:
    """Each stem's inverse document frequency over the shipped notes."""
    notes = load_notes()
    counts: dict[str, int] = {}
    for note in notes:
        for stem in stems("\n".join([note.title, ", ".join(note.tags), note.body])):
            counts[stem] = counts.get(stem, 0) + 1
    return {stem: math.log(1 + len(notes) / count) for stem, count in counts.items()}


def best_lines(note: Note, query: str, k: int = LINES_PER_NOTE) -> list[str]:
    """The ``k`` lines of ``note`` sharing the rarest words with ``query``, in note order;
    a line sharing none is never picked."""
    wanted = stems(query)
    idf = _idf()
    lines = _units(note.body)
    scored = [
        (sum(idf.get(s, 0.0) for s in stems(line) & wanted), i) for i, line in enumerate(lines)
    ]
    best = sorted(scored, key=lambda pair: (-pair[0], pair[1]))[:k]
    picked = sorted(i for score, i in best if score >= MIN_SCORE)
    return [lines[i] for i in picked]


def _units(body: str) -> list[str]:
    """The note's lines, a line that ends in a colon kept with the one it introduces
    ("The new state mixes the old state and the candidate:" means nothing alone)."""
    units: list[str] = []
    for line in (line.strip() for line in body.splitlines()):
        if not line:
            continue
        if units and units[-1].endswith(":"):
            units[-1] = f"{units[-1]} {line}"
        else:
            units.append(line)
    return units


def related_lines(query: str, top: str, exclude: Sequence[str] = ()) -> list[Line]:
    """The best lines of the notes ranked after ``top`` for ``query`` (never a line the
    top note already shows, nor one of a note in ``exclude``)."""
    skipped = {top, *exclude}
    ranked = default_index().search(query, k=1 + len(skipped) + RELATED_NOTES)
    others = [note for note in ranked if note.name not in skipped][:RELATED_NOTES]
    shown = set(_units(_body(top) or ""))
    found: list[Line] = []
    for note in others:
        for text in best_lines(note, query):
            if text not in shown:
                found.append(Line(note.name, text))
                shown.add(text)
    return found


def _body(name: str) -> str | None:
    note = next((n for n in load_notes() if n.name == name), None)
    return note.body if note else None


def listed(lines: Sequence[Line]) -> str:
    """The related lines as the screen shows them, under a heading, each naming its note;
    "" for none."""
    if not lines:
        return ""
    return "\n".join([HEADING, *(f"• {line.text} ({line.note})" for line in lines)])
