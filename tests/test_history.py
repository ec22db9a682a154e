r"""One history: \stats, \save, \history and the model's view all follow the exchanges.

The scripted engine only drives the turns; what is asserted is gruchat's own state and
output after \undo, \retry, \clear, \save and \load (issue 13, item 1).
"""

from __future__ import annotations

import json
from pathlib import Path

from gruchat.config import Settings
from gruchat.engine.base import Sampling, Usage
from gruchat.engine.fake import FakeEngine
from gruchat.environment import Environment
from gruchat.errors import EngineError
from gruchat.session import Session
from gruchat.shell import Shell
from gruchat.transcript import to_markdown
from gruchat.turn_log import open_turn_log
from gruchat.tutor.grounding import make_grounder

SYSTEM = "Be brief."


def make_shell(engine: FakeEngine, grounder=None) -> Shell:
    session = Session.start(SYSTEM, Sampling(temperature=0.0, max_tokens=64))
    return Shell(engine, session, Environment.in_memory(width=400), grounder)


def reply(shell: Shell, line: str) -> str:
    """What gruchat printed for one line."""
    out = shell.env.stdout
    start = out.tell()
    shell.handle(line)
    return out.getvalue()[start:]


def saved(shell: Shell, path: Path) -> dict:
    assert "Saved the transcript (json)" in reply(shell, f"\\save {path} --force")
    return json.loads(path.read_text(encoding="utf-8"))


def reported(cached: int) -> Usage:
    """Figures an engine reports for one answer (the fake reports only what it is given)."""
    return Usage(prompt_tokens=40, completion_tokens=5, cached_tokens=cached)


# -- \undo ------------------------------------------------------------------------------------


def test_undo_then_stats_shows_the_exchange_now_last():
    engine = FakeEngine().enqueue("Two gates.", usage=reported(cached=0))
    engine.enqueue("Sigmoid.", usage=reported(cached=9))
    shell = make_shell(engine)
    shell.handle("How many gates?")
    after_first = reply(shell, "\\stats")
    shell.handle("Which activation?")
    after_second = reply(shell, "\\stats")
    assert "Prefix cache: 1 hits / 2 turns" in after_second  # the second was a cache hit
    assert after_second != after_first

    assert "Dropped the last exchange" in reply(shell, "\\undo")
    assert reply(shell, "\\stats") == after_first  # the dropped answer's stats are gone
    assert "Prefix cache: 0 hits / 1 turns" in after_first
    assert "2. Which activation?" not in reply(shell, "\\history")


def test_undo_then_save_writes_one_turn_per_exchange(tmp_path):
    engine = FakeEngine()
    for answer in ("A1", "A2", "A3", "A4"):
        engine.enqueue(answer)
    shell = make_shell(engine)
    for line in ("one", "two", "three", "\\undo", "four"):
        shell.handle(line)
    doc = saved(shell, tmp_path / "chat.json")
    questions = [m["content"] for m in doc["messages"] if m["role"] == "user"]
    assert questions == ["one", "two", "four"]
    assert [t["prompt"] for t in doc["turns"]] == questions  # 3 turns for 3 exchanges
    assert [t["answer"] for t in doc["turns"]] == ["A1", "A2", "A4"]

    fresh = make_shell(FakeEngine())
    assert "Loaded 3 exchanges" in reply(fresh, f"\\load {tmp_path / 'chat.json'}")
    assert fresh.session.request_messages("x") == shell.session.request_messages("x")
    assert reply(fresh, "\\stats") == reply(shell, "\\stats")


def test_undo_with_nothing_left_is_refused_and_changes_nothing():
    shell = make_shell(FakeEngine().enqueue("A1"))
    shell.handle("one")
    shell.handle("\\undo")
    assert "error: nothing to undo" in reply(shell, "\\undo")
    assert shell.session.exchanges == []


# -- \clear -----------------------------------------------------------------------------------


def test_clear_then_stats_has_no_old_context_line():
    engine = FakeEngine().enqueue("Two gates.", usage=reported(cached=0))
    engine.enqueue("Sigmoid.", usage=reported(cached=0))
    shell = make_shell(engine)
    shell.handle("How many gates?")
    assert "Context: " in reply(shell, "\\stats")
    reply(shell, "\\clear")
    after = reply(shell, "\\stats")
    assert "Context: " not in after and "Prefix cache" not in after
    assert "No turns yet." in after
    assert "No exchanges yet." in reply(shell, "\\history")

    shell.handle("Which activation?")  # counts start again from the cleared history
    assert "Prefix cache: 0 hits / 1 turns" in reply(shell, "\\stats")


def test_clear_shows_a_verified_note_whole_again():
    grounder = make_grounder()
    engine = FakeEngine().enqueue("Two.").enqueue("Two.").enqueue("Two.")
    shell = make_shell(engine, grounder)
    first = reply(shell, "How many gates does a GRU have?")
    name = shell.session.last_turn.sources[0]
    assert f"(verified note {name} shown above" in reply(shell, "How many gates does a GRU have?")
    reply(shell, "\\clear")
    again = reply(shell, "How many gates does a GRU have?")
    assert "shown above" not in again
    assert again.split("Stats:")[0] == first.split("Stats:")[0]  # the note whole, as at first


# -- \retry -----------------------------------------------------------------------------------


def test_retry_replaces_the_last_exchange(tmp_path):
    engine = FakeEngine()
    for answer in ("A1", "A2", "A2 again"):
        engine.enqueue(answer)
    shell = make_shell(engine)
    shell.handle("one")
    shell.handle("two")
    assert "A2 again" in reply(shell, "\\retry")
    assert [t.answer for t in shell.session.turns] == ["A1", "A2 again"]
    listed = reply(shell, "\\history")
    assert "1. one  [stop]" in listed and "2. two  [stop]" in listed and "3." not in listed
    doc = saved(shell, tmp_path / "r.json")
    assert [t["answer"] for t in doc["turns"]] == ["A1", "A2 again"]
    assert [m["content"] for m in doc["messages"]] == ["one", "A1", "two", "A2 again"]


def test_retry_after_a_failure_with_no_text_asks_that_question_again():
    """A fix: \\retry used to re-ask the exchange before the failed one (and drop it)."""
    engine = FakeEngine().enqueue("A1").enqueue("x", error=EngineError("engine error: boom"))
    engine.enqueue("A2")
    shell = make_shell(engine)
    shell.handle("one")
    shell.handle("two")
    assert shell.session.last_turn.finish_reason == "error"
    shell.handle("\\retry")
    assert engine.requests[-1][0][-1]["content"] == "two"
    assert [(t.prompt, t.answer) for t in shell.session.turns] == [("one", "A1"), ("two", "A2")]


# -- a continued conversation ---------------------------------------------------------------


def test_continuing_a_logged_conversation_gives_the_same_exchanges(tmp_path):
    """The log replays \\undo, \\clear and \\retry onto one history, as they were live."""
    db = tmp_path / "logs.db"
    engine = FakeEngine()
    for answer in ("A0", "A1", "A2", "A2 again", "A3", "A4"):
        engine.enqueue(answer)
    live = make_shell(engine)
    live.log = live.ctx.log = open_turn_log(Settings(), live.env.err, path=db)
    for line in ("zero", "\\clear", "one", "two", "\\retry", "three", "\\undo", "four"):
        live.handle(line)
    again = make_shell(engine)
    log = open_turn_log(Settings(), again.env.err, continue_last=True, path=db)
    log.restore(again.session)
    assert [(t.prompt, t.answer) for t in again.session.turns] == [
        ("one", "A1"),
        ("two", "A2 again"),
        ("four", "A4"),
    ]
    assert again.session.request_messages("x") == live.session.request_messages("x")
    assert reply(again, "\\stats") == reply(live, "\\stats")


# -- what the model is sent -------------------------------------------------------------------


def test_request_messages_leave_out_cancelled_and_flagged_exchanges(tmp_path):
    """Only clean answers are sent again: as before, and after a save and load."""
    engine = FakeEngine().enqueue("Two gates.")
    engine.enqueue("The update gate decides.", error=KeyboardInterrupt(), error_after=2)
    engine.enqueue("A GRU has three gates.")  # contradicts the notes: flagged
    engine.enqueue("It keeps the old state.  \n")  # shown stripped, sent as it came
    shell = make_shell(engine, make_grounder())
    for line in ("How many gates?", "What does z do?", "How many gates does a GRU have?",
                 "What does the update gate keep?"):  # fmt: skip
        shell.handle(line)
    finishes = [(t.finish_reason, bool(t.flags)) for t in shell.session.turns]
    assert finishes == [("stop", False), ("cancelled", False), ("stop", True), ("stop", False)]
    asked = engine.requests  # each grounded question is sent again as it was sent first
    expected = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": asked[0][0][-1]["content"]},
        {"role": "assistant", "content": "Two gates."},
        {"role": "user", "content": asked[-1][0][-1]["content"]},
        {"role": "assistant", "content": "It keeps the old state.  \n"},
        {"role": "user", "content": "next"},
    ]
    first = expected[1]["content"]
    assert first.startswith("Notes:") and "How many gates?" in first
    assert "What does the update gate keep?" in expected[3]["content"]
    assert shell.session.request_messages("next") == expected
    shown = [m["content"] for m in shell.session.messages]
    assert shown[3].endswith("[cancelled]") and "[not right:" in shown[5]
    assert shown[7] == "It keeps the old state."

    path = tmp_path / "t.json"
    saved(shell, path)
    fresh = make_shell(FakeEngine())
    fresh.handle(f"\\load {path}")
    assert fresh.session.request_messages("next") == expected
    assert to_markdown(fresh.session) == to_markdown(shell.session)


# -- transcripts saved by version 1 ------------------------------------------------------------


def v1_turn(prompt: str, answer: str, cached: int = 0, **more) -> dict:
    """A turn as version 1 wrote it (gruchat before one history)."""
    usage = {"prompt_tokens": 21, "completion_tokens": 1, "cached_tokens": cached,
             "prompt_seconds": 0.5, "decode_seconds": 1.0}  # fmt: skip
    return {"prompt": prompt, "answer": answer, "reasoning": "", "finish_reason": "stop",
            "usage": usage, "ttft": 0.25, "total_seconds": 1.5, "sources": [], "flags": [],
            **more}  # fmt: skip


def v1_doc() -> dict:
    """What version 1 saved after: one, two, \\retry, \\undo, three (every turn kept)."""
    return {
        "version": 1,
        "system_prompt": SYSTEM,
        "sampling": {"temperature": 0.0, "top_k": 40, "top_p": 0.95, "max_tokens": 64},
        "messages": [
            {"role": "user", "content": "one"},
            {"role": "assistant", "content": "A1"},
            {"role": "user", "content": "three"},
            {"role": "assistant", "content": "A3"},
        ],
        "turns": [
            v1_turn("one", "A1"),
            v1_turn("two", "A2", cached=5),
            v1_turn("two", "A2 again", cached=5),
            v1_turn("three", "A3", cached=7),
        ],
    }


def test_a_version_1_transcript_loads_into_one_history(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps(v1_doc()), encoding="utf-8")
    shell = make_shell(FakeEngine().enqueue("A4"))
    assert "Loaded 2 exchanges" in reply(shell, f"\\load {path}")
    assert [(t.prompt, t.answer) for t in shell.session.turns] == [("one", "A1"), ("three", "A3")]
    assert "Prefix cache: 1 hits / 2 turns" in reply(shell, "\\stats")  # not 3 / 4
    listed = reply(shell, "\\history")
    assert "1. one  [stop]" in listed and "2. three  [stop]" in listed and "two" not in listed
    shell.handle("four")
    sent = [m["content"] for m in shell.engine.requests[-1][0]]
    assert sent == [SYSTEM, "one", "A1", "three", "A3", "four"]
    doc = saved(shell, tmp_path / "new.json")
    assert doc["version"] == 2
    assert [t["prompt"] for t in doc["turns"]] == ["one", "three", "four"]


def test_a_version_1_retry_takes_the_last_turn_of_its_question(tmp_path):
    doc = v1_doc()
    doc["messages"] = [doc["messages"][0], {"role": "assistant", "content": "A1 again"}]
    doc["turns"] = [v1_turn("one", "A1"), v1_turn("one", "A1 again", cached=3), v1_turn("x", "y")]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    shell = make_shell(FakeEngine())
    shell.handle(f"\\load {path}")
    assert [(t.prompt, t.answer) for t in shell.session.turns] == [("one", "A1 again")]


def test_a_version_1_transcript_without_turns_keeps_its_messages(tmp_path):
    doc = v1_doc()
    del doc["turns"]
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    engine = FakeEngine().enqueue("A3 again")
    shell = make_shell(engine)
    assert "Loaded 2 exchanges" in reply(shell, f"\\load {path}")
    assert shell.session.messages == doc["messages"]
    shell.handle("\\retry")
    assert [m["content"] for m in engine.requests[-1][0]] == [SYSTEM, "one", "A1", "three"]
    assert [m["content"] for m in shell.session.messages][-1] == "A3 again"


def test_a_version_2_file_whose_turns_do_not_match_its_messages_is_refused(tmp_path):
    shell = make_shell(FakeEngine().enqueue("A1"))
    shell.handle("one")
    path = tmp_path / "t.json"
    doc = saved(shell, path)
    doc["turns"][0]["in_history"] = False
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = shell.session.messages
    out = reply(shell, f"\\load {path}")
    assert "turns: expected 1 turns in the history" in out and "got 0" in out
    assert "nothing was changed" in out
    assert shell.session.messages == before
