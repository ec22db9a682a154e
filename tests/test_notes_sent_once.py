"""A note the history already carries is not sent to the model again (issue 16.1).

Each gist costs ~50 prompt tokens, which the learner waits for before the first word;
the second time a note is needed it is still in the conversation the model is sent.
"""

from __future__ import annotations

from io import StringIO

from rich.console import Console

from gruchat.engine.base import Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.render import StreamRenderer
from gruchat.session import Session
from gruchat.turn_runner import correction_message, run_turn
from gruchat.tutor.grounding import NotesGrounder
from gruchat.tutor.notes import get_note

GATES = "What does the reset gate do?"


def test_a_note_in_the_context_is_named_but_not_sent_again() -> None:
    grounder = NotesGrounder()
    first, sources = grounder.ground(GATES)
    gist = get_note(sources[0]).gist
    assert gist in first
    again, again_sources = grounder.ground(GATES, context=[first])
    assert again_sources == sources  # still the notes shown and checked against
    assert gist not in again
    tail = "Answer in two short sentences, using the notes' exact words."
    assert again == f"Question: {GATES}\n{tail}"


def test_only_the_notes_not_yet_sent_are_sent() -> None:
    grounder = NotesGrounder(notes_per_question=2)
    _, sources = grounder.ground("How many gates does a GRU have?")
    assert len(sources) == 2
    one, other = (get_note(name).gist for name in sources)
    carried = f"Notes:\n{one}\n\nQuestion: something else"
    again, _ = grounder.ground("How many gates does a GRU have?", context=[carried])
    assert one not in again
    assert again.startswith(f"Notes:\n{other}\n\nQuestion: ")


def test_the_correction_of_a_recalled_question_keeps_one_question_line() -> None:
    content = f"Question: {GATES}\nAnswer in two short sentences, using the notes' exact words."
    corrected = correction_message(content, [("s", "a GRU has two gates", "rule")])
    assert corrected.startswith("Notes:\nA GRU has two gates.\n\nQuestion: ")
    assert corrected.count("Question:") == 1


def _turn(engine: FakeEngine, session: Session, question: str, answer: str) -> None:
    engine.enqueue(answer)
    console = Console(file=StringIO(), force_terminal=False, width=100)
    renderer = StreamRenderer(console, console, markdown=False)
    run_turn(engine, session, question, renderer, NotesGrounder())


def test_the_second_request_carries_the_note_once_and_a_cancelled_turn_does_not_count() -> None:
    engine = FakeEngine()
    session = Session.start("Be brief.", Sampling())
    _turn(engine, session, GATES, "The reset gate decides how much of the past to use.")
    _turn(engine, session, GATES, "It scales the old state inside the candidate.")
    first_sent, second_sent = (request[0][-1]["content"] for request in engine.requests)
    gist = get_note(session.turns[0].sources[0]).gist
    assert gist in first_sent
    assert gist not in second_sent
    history = [m["content"] for m in engine.requests[1][0]]
    assert sum(gist in text for text in history) == 1  # the model still has it, once

    # an exchange never sent again (cancelled, flagged) does not carry its notes
    session.exchanges[0].messages[0]["sent"] = ""
    session.exchanges[1].messages[0]["sent"] = ""
    assert session.sent_user_texts() == []
    _turn(engine, session, GATES, "Again.")
    assert gist in engine.requests[-1][0][-1]["content"]


def test_notes_left_out_of_the_history_window_are_sent_again() -> None:
    engine = FakeEngine()
    session = Session.start("Be brief.", Sampling())
    session.history_tokens = 120  # room for about one grounded exchange
    _turn(engine, session, GATES, "The reset gate decides how much of the past to use.")
    _turn(engine, session, "Tell me a story about a cat and a dog.", "x " * 200)
    assert session.window_start() >= 1  # the first exchange is left out now
    _turn(engine, session, GATES, "Again.")
    gist = get_note(session.turns[0].sources[0]).gist
    assert gist in engine.requests[-1][0][-1]["content"]
