"""The history window: a long chat sends only its latest exchanges, moved in blocks."""

from __future__ import annotations

import itertools

import pytest

from gruchat.engine.fake import FakeEngine
from gruchat.history_window import estimated_tokens, window_start
from gruchat.session import Session, Turn
from gruchat.turn_runner import run_turn
from tests.test_turn_and_ask import renderer_for


def test_no_budget_sends_everything():
    assert window_start([500] * 40, 0) == 0


def test_under_the_budget_nothing_is_left_out():
    assert window_start([100, 100, 100], 1000) == 0


def test_passing_the_budget_cuts_back_to_half_of_it():
    # 4 x 300 = 1200 > 1000: the oldest are dropped until at most 500 remain (the last one)
    assert window_start([300, 300, 300, 300], 1000) == 3
    # the start then stays put while the history grows back towards the budget
    assert window_start([300, 300, 300, 300, 300], 1000) == 3
    assert window_start([300, 300, 300, 300, 300, 300], 1000) == 3
    assert window_start([300] * 7, 1000) == 6  # 4 x 300 since the start: over again


def test_the_start_moves_rarely_so_the_prefix_cache_keeps_hitting():
    sizes = [250] * 60
    starts = [window_start(sizes[:n], 2000) for n in range(1, 61)]
    moves = sum(1 for a, b in itertools.pairwise(starts) if b != a)
    assert moves <= 60 // 4  # about once every budget / 2 / size turns, not every turn
    assert all(sum(sizes[s:n]) <= 2000 for n, s in enumerate(starts, start=1))


def test_one_huge_exchange_is_left_out_whole():
    assert window_start([100, 5000], 1000) == 2


def test_the_estimate_counts_every_message():
    one = [{"role": "user", "content": "x" * 300}]
    assert estimated_tokens(one) == 104
    assert estimated_tokens(one * 2) == 208


def _turn(session: Session, engine: FakeEngine, env, question: str) -> str:
    environment = env()
    run_turn(engine, session, question, renderer_for(environment))
    return environment.stderr.getvalue() + environment.stdout.getvalue()


def test_a_long_chat_sends_only_its_latest_exchanges_and_says_so_once(env):
    engine = FakeEngine()
    session = Session.start("system", Session().sampling, history_tokens=300)
    words = "a" * 290  # ~100 tokens per exchange with its answer
    shown = []
    for i in range(6):
        engine.enqueue(f"answer {i} " + words)
        shown.append(_turn(session, engine, env, f"question {i}?"))
    sent = [m["content"] for m in engine.requests[-1][0]]
    assert sent[0] == "system" and sent[-1] == "question 5?"
    assert "question 0?" not in sent  # left out
    notices = [i for i, out in enumerate(shown) if "older ones left out" in out]
    assert notices and len(notices) <= 2  # when the window moves, not at every turn
    assert "history_tokens = 300" in shown[notices[0]]
    # everything is still kept, shown and saved
    assert [t.prompt for t in session.turns] == [f"question {i}?" for i in range(6)]
    assert len(session.to_json()["messages"]) == 12


@pytest.mark.parametrize("budget", [0, 100_000])
def test_a_short_chat_or_no_budget_sends_everything_without_a_notice(env, budget):
    engine = FakeEngine()
    session = Session.start("system", Session().sampling, history_tokens=budget)
    outs = []
    for i in range(4):
        engine.enqueue(f"answer {i} " + "b" * 200)
        outs.append(_turn(session, engine, env, f"q{i}?"))
    assert len(engine.requests[-1][0]) == 1 + 2 * 3 + 1
    assert not any("left out" in out for out in outs)


def test_undo_brings_the_window_back_with_the_exchanges():
    session = Session.start("", Session().sampling, history_tokens=100)
    for i in range(5):
        session.record(Turn(prompt=f"q{i}", answer="c" * 150))
    moved = session.window_start()
    assert moved > 0
    while session.undo():
        assert session.window_start() <= moved
    assert session.window_start() == 0
