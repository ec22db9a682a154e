"""What happens to an answer that contradicts the notes, one that loops, and what is sent
again: run_turn with the scripted engine and the real notes grounder (guard + BM25)."""

from __future__ import annotations

import io
import json
import time

from rich.console import Console

from gruchat.engine.base import Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.errors import EngineError
from gruchat.render import StreamRenderer
from gruchat.session import Session
from gruchat.transcript import save, to_markdown
from gruchat.turn_runner import run_turn
from gruchat.tutor.grounding import NotesGrounder

WRONG = "A GRU cell has 3 gates."
RIGHT = "A GRU has two gates: the update gate z and the reset gate r."
QUESTION = "How many gates does a GRU cell have?"


PAUSE = 0.05  # seconds each answer takes before it starts


class SlowFake(FakeEngine):
    """Each answer starts after PAUSE, so the turn's measured total time is known to exceed it."""

    def stream(self, messages, sampling):
        time.sleep(PAUSE)
        yield from super().stream(messages, sampling)


def session(mode: str = "mark") -> Session:
    return Session.start("You are a tutor.", Sampling(), on_contradiction=mode)


def plain(environment) -> StreamRenderer:
    return StreamRenderer(environment.out, environment.err, markdown=False)


def history_sent(engine) -> list[str]:
    """The contents of the last request, system prompt and new question left out."""
    return [m["content"] for m in engine.requests[-1][0][1:-1]]


def test_marked_answer_is_shown_and_saved_but_not_sent_again(fake_engine, env, tmp_path):
    fake_engine.enqueue(WRONG).enqueue("Fine.")
    environment, chat = env(), session("mark")
    turn = run_turn(fake_engine, chat, QUESTION, plain(environment), NotesGrounder())
    assert turn.flags and "two gates" in turn.flags[0]
    assert "⚠ not right: “A GRU cell has 3 gates.”" in environment.stderr.getvalue()

    run_turn(fake_engine, chat, "hello", plain(env()), NotesGrounder())
    assert history_sent(fake_engine) == []  # the flagged exchange is left out
    assert len(fake_engine.requests) == 2

    markdown = to_markdown(chat)
    assert WRONG in markdown and "[not right: A GRU cell has 3 gates. -> a GRU has two" in markdown
    save(chat, tmp_path / "t.json")
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["messages"][1]["content"].startswith(WRONG)
    assert data["turns"][0]["flags"] == turn.flags


def test_strike_shows_the_sentence_struck_with_the_fact(fake_engine, env):
    fake_engine.enqueue(WRONG + " It is fast.")
    environment = env()
    turn = run_turn(fake_engine, session("strike"), QUESTION, plain(environment), NotesGrounder())
    err = environment.stderr.getvalue()
    assert "~~A GRU cell has 3 gates.~~ → a GRU has two gates" in err
    assert "It is fast." not in err  # only the wrong sentence is struck
    assert turn.flags and len(fake_engine.requests) == 1  # no second request


def test_strike_on_a_terminal_uses_the_strike_style(fake_engine):
    fake_engine.enqueue(WRONG)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=120)
    renderer = StreamRenderer(console, console, markdown=True)
    run_turn(fake_engine, session("strike"), QUESTION, renderer, NotesGrounder())
    assert "\x1b[9m" in buffer.getvalue()  # SGR 9: crossed out
    assert "~~" not in buffer.getvalue()


def test_regenerate_asks_once_with_the_correction_and_sends_only_the_new_answer(fake_engine, env):
    fake_engine = SlowFake().enqueue(WRONG).enqueue(RIGHT).enqueue("Next.")
    environment, chat = env(), session("regenerate")
    turn = run_turn(fake_engine, chat, QUESTION, plain(environment), NotesGrounder())
    assert len(fake_engine.requests) == 2
    first, retry = (fake_engine.requests[i][0][-1]["content"] for i in (0, 1))
    assert retry.startswith("Notes:\nA GRU has two gates: update z and reset r.\n\n")
    assert retry.endswith(first.removeprefix("Notes:\n"))
    assert turn.answer == RIGHT and turn.retracted == WRONG
    assert turn.flags == [] and turn.retracted_flags
    assert turn.total_seconds >= 2 * PAUSE  # both attempts count
    out, err = environment.stdout.getvalue(), environment.stderr.getvalue()
    assert "first attempt not right" in err and "~~A GRU cell has 3 gates.~~" in err
    assert out.index(WRONG) < out.index(RIGHT)

    run_turn(fake_engine, chat, "and the other?", plain(env()), NotesGrounder())
    assert history_sent(fake_engine) == [first, RIGHT]  # the corrected answer only
    markdown = to_markdown(chat)
    assert f"~~{WRONG}~~" in markdown and RIGHT in markdown


def test_regenerated_answer_is_verified_too(fake_engine, env):
    fake_engine.enqueue(WRONG).enqueue("It has an output gate.").enqueue("ok")
    environment, chat = env(), session("regenerate")
    turn = run_turn(fake_engine, chat, QUESTION, plain(environment), NotesGrounder())
    assert len(fake_engine.requests) == 2  # once, not again
    assert turn.answer == "It has an output gate." and turn.flags
    assert "~~It has an output gate.~~" in environment.stderr.getvalue()
    run_turn(fake_engine, chat, "hello", plain(env()), NotesGrounder())
    assert history_sent(fake_engine) == []


def test_a_cancelled_answer_is_not_regenerated(fake_engine, env):
    fake_engine.enqueue(WRONG + " more text here", error=KeyboardInterrupt(), error_after=6)
    turn = run_turn(fake_engine, session("regenerate"), QUESTION, plain(env()), NotesGrounder())
    assert turn.finish_reason == "cancelled" and turn.flags
    assert len(fake_engine.requests) == 1


def test_a_leading_yes_is_flagged_through_the_turn(fake_engine, env):
    fake_engine.enqueue("Yes, it is.")
    question = "Is it true that a GRU has an output gate?"
    turn = run_turn(fake_engine, session(), question, plain(env()), NotesGrounder())
    assert turn.flags == ["Yes, it is. -> " + NotesGrounder().verify("Yes.", question)[0][1]]


LOOP = "The output gate is the output of a single step. "


def test_a_looping_answer_is_stopped_and_not_sent_again(fake_engine, env):
    fake_engine.enqueue("The new state is h. " + LOOP * 20).enqueue("Fine.")
    environment, chat = env(), session()
    turn = run_turn(fake_engine, chat, "what is h?", plain(environment))
    assert turn.finish_reason == "repetition"
    assert turn.answer.count("The output gate") == 3
    assert "[stopped: repeating itself]" in environment.stderr.getvalue()
    assert chat.messages[1]["content"].endswith("[stopped: repeating itself]")
    run_turn(fake_engine, chat, "again", plain(env()))
    assert history_sent(fake_engine) == []


def test_a_looping_answer_still_gets_its_stats_measured_by_gruchat(fake_engine, env):
    """The engine reports nothing for a stream gruchat closed; the Stats block says what
    gruchat measured and leaves the counts "not reported" (the pty tests wait for it)."""
    from gruchat.render import format_stats

    fake_engine.enqueue("The new state is h. " + LOOP * 20)
    turn = run_turn(fake_engine, session(), "what is h?", plain(env()))
    assert turn.finish_reason == "repetition" and turn.usage is not None
    assert turn.usage.speeds_measured_by == "client" and turn.usage.completion_tokens is None
    stats = format_stats(turn)
    assert stats[0] == "Stats:" and stats[2] == "Prompt: not reported, speed not reported"
    assert stats[3].startswith("Decode: not reported, ") and "(measured by gruchat)" in stats[3]


def test_an_error_with_partial_text_is_saved_but_not_sent(fake_engine, env, tmp_path):
    fake_engine.enqueue("Half an ans", error=EngineError("boom"), error_after=2)
    fake_engine.enqueue("Fine.").enqueue("Next.")
    chat = session()
    run_turn(fake_engine, chat, "first", plain(env()))
    run_turn(fake_engine, chat, "second", plain(env()))
    run_turn(fake_engine, chat, "third", plain(env()))
    assert history_sent(fake_engine) == ["second", "Fine."]
    assert "Half an [error]" in to_markdown(chat)
    save(chat, tmp_path / "t.json")
    reloaded = Session.start("You are a tutor.", Sampling())
    reloaded.load_json(json.loads((tmp_path / "t.json").read_text()))
    assert reloaded.request_messages("x") == chat.request_messages("x")  # "sent" survives


def test_a_follow_up_is_grounded_on_the_previous_question(fake_engine, env):
    fake_engine.enqueue("The update gate z keeps the old state.").enqueue("r.")
    chat, grounder = session(), NotesGrounder()
    run_turn(fake_engine, chat, "what does the update gate do?", plain(env()), grounder)
    turn = run_turn(fake_engine, chat, "and the other gate?", plain(env()), grounder)
    assert turn.sources[0] == "gates"
    sent = fake_engine.requests[-1][0][-1]["content"]
    assert "(following up on: what does the update gate do?)" in sent
    assert chat.messages[-2]["content"] == "and the other gate?"  # the learner's own words


def test_a_struck_or_flagged_sentence_is_shown_as_the_answer_was_drawn():
    from gruchat.turn_view import answer_transform

    buffer = io.StringIO()
    console = Console(file=buffer, width=200)
    renderer = StreamRenderer(console, console, markdown=False, transform=answer_transform())
    item = [(r"The gates only look at \( x_t \).", "r and z read xₜ and hₜ₋₁", "gates")]
    renderer.struck(item)
    renderer.flags(item)
    shown = buffer.getvalue()
    assert "~~The gates only look at xₜ.~~ → r and z read xₜ and hₜ₋₁" in shown
    assert "“The gates only look at xₜ.”" in shown and "\\(" not in shown
