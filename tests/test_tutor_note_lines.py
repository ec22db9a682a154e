"""Lines of the runner-up notes under the top note (gruchat.tutor.note_lines).

A question often needs one fact from the second-best note; these tests hold the rules
that pick those lines: rare shared words only, never a line the top note already shows,
a colon line kept with the line it introduces, and where the turn shows them.
"""

from __future__ import annotations

from io import StringIO

from rich.console import Console

from gruchat.display_state import DisplayState
from gruchat.engine.base import Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.render import StreamRenderer
from gruchat.session import Session
from gruchat.turn_runner import run_turn
from gruchat.tutor import note_lines
from gruchat.tutor.grounding import NotesGrounder
from gruchat.tutor.note_lines import HEADING, Line, best_lines, listed, related_lines
from gruchat.tutor.notes import default_index, get_note

RESET = "can the reset gate ever stop x_t itself from getting into the candidate?"


def _units(name: str) -> list[str]:
    return note_lines._units(get_note(name).body)


def test_a_line_ending_in_a_colon_is_kept_with_the_line_it_introduces() -> None:
    units = _units("hidden-state-update")
    opening = next(u for u in units if u.startswith("The new state mixes"))
    assert "hₜ = (1 − z) ⊙ n + z ⊙ hₜ₋₁" in opening
    assert not any(u.endswith(":") for u in units)
    body_lines = [line for line in get_note("hidden-state-update").body.splitlines() if line]
    assert len(units) < len(body_lines)


def test_best_lines_share_a_rare_word_with_the_question_and_keep_the_notes_order() -> None:
    note = get_note("candidate-state")
    picked = best_lines(note, "why does the candidate use tanh on W_hn h?")
    assert picked and len(picked) <= note_lines.LINES_PER_NOTE
    units = _units("candidate-state")
    assert [units.index(line) for line in picked] == sorted(units.index(line) for line in picked)
    assert any("tanh" in line for line in picked)
    # words every note uses are no reason to show a line
    assert best_lines(note, "what is a gru?") == []
    assert best_lines(note, "") == []


def test_related_lines_come_from_the_next_notes_and_never_repeat_the_top_one() -> None:
    top = default_index().search(RESET, k=1)[0].name
    found = related_lines(RESET, top)
    assert found, "the reset question has a fact in a runner-up note"
    assert top not in {line.note for line in found}
    assert len({line.note for line in found}) <= note_lines.RELATED_NOTES
    top_units = set(_units(top))
    assert not any(line.text in top_units for line in found)
    assert len({line.text for line in found}) == len(found)
    # an excluded note gives none
    excluded = found[0].note
    assert excluded not in {line.note for line in related_lines(RESET, top, [excluded])}


def test_the_listing_names_each_lines_note_and_is_empty_for_none() -> None:
    assert listed([]) == ""
    text = listed([Line("gates", "Two gates."), Line("equations", "r = σ(…)")])
    assert text.splitlines() == [HEADING, "• Two gates. (gates)", "• r = σ(…) (equations)"]


def test_a_request_for_depth_gets_no_related_lines() -> None:
    grounder = NotesGrounder()
    question = "explain GRUs to me in depth"
    _, sources = grounder.ground(question)
    assert grounder.related(question, sources[0]) == ""
    _, sources = grounder.ground(RESET)
    assert grounder.related(RESET, sources[0]).startswith(HEADING)


def _turn(engine: FakeEngine, session: Session, state: DisplayState, question: str) -> str:
    engine.enqueue("Only the recurrent part.")
    out = StringIO()
    console = Console(file=out, force_terminal=False, width=120)
    run_turn(engine, session, question, StreamRenderer(console, console, markdown=False),
             NotesGrounder(), display_state=state)  # fmt: skip
    return out.getvalue()


def test_the_turn_shows_related_lines_under_the_note_and_again_when_the_note_was_seen() -> None:
    engine, session, state = FakeEngine(), Session.start("Be brief.", Sampling()), DisplayState()
    first = _turn(engine, session, state, RESET)
    top = session.turns[0].sources[0]
    related = NotesGrounder().related(RESET, top)
    assert f"[verified note: {get_note(top).title}]" in first
    assert HEADING in first and related.splitlines()[1] in first
    assert first.index(get_note(top).body.splitlines()[0]) < first.index(HEADING)
    assert session.turns[0].note.endswith(related)

    again = _turn(engine, session, state, RESET)
    assert f"(verified note {top} shown above" in again
    assert get_note(top).body.splitlines()[0] not in again
    assert "[verified note: related lines]" in again
    assert related.splitlines()[1] in again and HEADING not in again
