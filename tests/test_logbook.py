"""The conversation log: exchanges written through the Shell and ask, continued, listed.

The store is the real SQLite file in a temporary folder; the answers come from the
scripted engine (no model). ``gruchat logs`` runs as a child process on a log filled here.
"""

from __future__ import annotations

import json
import multiprocessing
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gruchat import logbook, logbook_schema, turn_log
from gruchat.config import Settings, load_settings
from gruchat.engine.base import AnswerDelta, Sampling, Usage
from gruchat.engine.fake import FakeEngine, fake_info
from gruchat.errors import UsageError
from gruchat.logbook import Logbook, LogError, NewExchange
from gruchat.one_question import answer_one
from gruchat.session import Session
from gruchat.shell import Shell
from gruchat.turn_log import TurnLog, open_turn_log
from gruchat.tutor.grounding import make_grounder

SYSTEM = "You are a GRU tutor."


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "data" / "gruchat" / "logs.db"


def settings(**values) -> Settings:
    return Settings(**values)


def shell_with_log(engine, environment, db, grounder=None, **open_args):
    log = open_turn_log(settings(), environment.err, path=db, **open_args)
    session = Session.start(SYSTEM, Sampling(temperature=0.0, top_k=1, max_tokens=64))
    if log is not None:
        log.restore(session)
    return Shell(engine, session, environment, grounder, log=log), log


def rows(db: Path) -> list[logbook.Exchange]:
    book = Logbook.open(db)
    try:
        return book.recent(0)
    finally:
        book.close()


# -- what one exchange keeps ------------------------------------------------------------------


def test_exchange_logged_with_every_field(fake_engine, env, db):
    """Backend, model, sampling, system prompt, prompt, answer, reasoning, the note shown,
    the guard's flags, finish, usage, timings, the conversation id and the time."""
    usage = Usage(prompt_tokens=40, completion_tokens=6, cached_tokens=2, prompt_tps=80.0)
    fake_engine.enqueue("A GRU has three gates.", reasoning="Think of the gates.", usage=usage)
    environment = env()
    shell, log = shell_with_log(fake_engine, environment, db, grounder=make_grounder(2))
    before = time.time()
    turn = shell.send("What is the update gate of a GRU?").turn

    [row] = rows(db)
    assert row.conversation == log.conversation and len(row.conversation) == 8
    assert (row.seq, row.history) == (1, 0)
    assert before - 1 <= row.started <= row.updated <= time.time()
    assert (row.backend, row.model, row.device) == ("fake", "fake", "cpu")
    assert row.sampling == {
        "temperature": 0.0, "top_k": 1, "top_p": 0.95, "min_p": 0.0, "max_tokens": 64,
        "think": False, "repetition_penalty": None,
    }  # fmt: skip
    assert row.system_prompt == SYSTEM
    assert row.prompt == "What is the update gate of a GRU?"
    assert row.answer == "A GRU has three gates." == turn.answer
    assert row.reasoning == "Think of the gates."
    assert row.sources == turn.sources and row.sources  # the grounder found notes
    assert row.note == turn.note and row.note
    assert row.flags == turn.flags and any("three gates" in f for f in row.flags)
    assert row.finish_reason == "stop" and not row.interrupted
    assert row.usage == usage.as_dict() == turn.usage.as_dict()
    assert row.ttft == pytest.approx(turn.ttft) and turn.ttft > 0
    assert row.total_seconds == pytest.approx(turn.total_seconds) and turn.total_seconds > 0
    assert row.reasoning_tokens == turn.reasoning_tokens > 0


def test_exchanges_of_one_chat_share_a_conversation(fake_engine, env, db):
    """The second exchange follows the first in the same conversation, a new chat does not."""
    fake_engine.enqueue("First.").enqueue("Second.").enqueue("Other.")
    shell, log = shell_with_log(fake_engine, env(), db)
    shell.send("one")
    shell.send("two")
    other, other_log = shell_with_log(fake_engine, env(), db)
    other.send("three")
    first, second, third = rows(db)
    assert first.conversation == second.conversation == log.conversation
    assert [(r.seq, r.history) for r in (first, second)] == [(1, 0), (2, 2)]
    assert third.conversation == other_log.conversation != log.conversation
    assert (third.seq, third.history) == (1, 0)


def test_cancelled_and_failed_answers_are_logged_marked(env, db):
    """Ctrl-C keeps the partial answer with finish 'cancelled'; an engine error 'error'."""
    from gruchat.errors import EngineError

    class CancelAfterOne(FakeEngine):
        def stream(self, messages, sampling):
            yield AnswerDelta("The reset")
            raise KeyboardInterrupt

    shell, _ = shell_with_log(CancelAfterOne(), env(), db)
    shell.send("reset gate?")
    failing = FakeEngine().enqueue("The update gate", error=EngineError("boom"), error_after=2)
    shell.engine = failing
    shell.send("update gate?")
    cancelled, failed = rows(db)
    assert (cancelled.answer, cancelled.finish_reason) == ("The reset", "cancelled")
    assert (failed.answer, failed.finish_reason, failed.error) == ("The upda", "error", "boom")


def test_a_question_that_cannot_fit_leaves_no_row(env, db):
    """Nothing is sent when the prompt cannot fit, so nothing is logged either."""
    engine = FakeEngine(info=fake_info(context_length=8), token_count=30)
    shell, _ = shell_with_log(engine, env(), db)
    shell.send("a question far too long for a context of eight tokens")
    assert rows(db) == []


def test_answer_is_written_while_it_streams(env, db, monkeypatch):
    """The row holds the answer so far before the turn ends (every FLUSH_SECONDS)."""
    monkeypatch.setattr(turn_log, "FLUSH_SECONDS", 0.0)
    seen: list[str] = []

    class Watching(FakeEngine):
        def stream(self, messages, sampling):
            for piece in ("The ", "update ", "gate"):
                yield AnswerDelta(piece)
                seen.append(rows(db)[-1].answer)
            yield from super().stream(messages, sampling)

    shell, _ = shell_with_log(Watching().enqueue(""), env(), db)
    shell.send("z?")
    assert seen == ["The ", "The update ", "The update gate"]  # on the row before the next


# -- a process killed mid-answer ----------------------------------------------------------

_KILLED_CHILD = """
import sys, time
from pathlib import Path
from gruchat.engine.base import AnswerDelta, Sampling
from gruchat.engine.fake import FakeEngine
from gruchat.environment import Environment
from gruchat.config import Settings
from gruchat.session import Session
from gruchat.shell import Shell
from gruchat import turn_log

turn_log.FLUSH_SECONDS = 0.0

class Hangs(FakeEngine):
    def stream(self, messages, sampling):
        yield AnswerDelta("The update gate z ")
        yield AnswerDelta("decides how much")
        print("streamed", flush=True)
        time.sleep(600)

environment = Environment.in_memory()
log = turn_log.open_turn_log(Settings(), environment.err, path=Path(sys.argv[1]))
shell = Shell(Hangs(), Session.start("", Sampling()), environment, log=log)
shell.send("What does z do?")
"""


def test_killed_mid_answer_keeps_the_partial_answer_marked(db, gruchat_cmd, tmp_path):
    """SIGKILL while the answer streams: the row keeps the text so far, shown interrupted."""
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_CHILD, str(db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "streamed"
        time.sleep(0.2)  # past the last write
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    [row] = rows(db)
    assert row.finish_reason == "running"
    assert row.interrupted and row.finish == "interrupted"
    assert row.answer == "The update gate z decides how much"
    proc = gruchat_cmd("logs", "--conversation", row.conversation, env=_child_env(db))
    assert proc.returncode == 0, proc.stderr
    assert "The update gate z decides how much [interrupted]" in proc.stdout
    table = gruchat_cmd("logs", env=_child_env(db))
    assert "[interrupted]" in table.stdout


def test_interrupted_flush_marks_a_session_ended_by_a_signal(env, db):
    """An exit raised mid-answer (SystemExit from a signal handler) leaves 'interrupted'."""

    class Exits(FakeEngine):
        def stream(self, messages, sampling):
            yield AnswerDelta("Half an ")
            raise SystemExit(143)

    shell, _ = shell_with_log(Exits(), env(), db)
    with pytest.raises(SystemExit):
        shell.send("what is h?")
    [row] = rows(db)
    assert (row.answer, row.finish_reason) == ("Half an ", "interrupted")


# -- off means off ------------------------------------------------------------------------


def test_no_log_writes_nothing_and_creates_no_file(fake_engine, env, tmp_path):
    """log = false: no TurnLog, no folder, no file, and the chat works as before."""
    db = tmp_path / "nowhere" / "logs.db"
    environment = env()
    log = open_turn_log(settings(log=False), environment.err, path=db)
    assert log is None
    fake_engine.enqueue("Two gates.")
    shell = Shell(fake_engine, Session.start("", Sampling()), environment, log=log)
    assert shell.send("how many gates?").turn.answer == "Two gates."
    assert not db.parent.exists()
    assert "conversation log" not in environment.stderr.getvalue()


def test_log_setting_from_file_env_and_flag(tmp_path):
    """`log` is a setting like any other: config file, GRUCHAT_LOG, --no-log."""
    config = tmp_path / "config.toml"
    config.write_text("log = false\n")
    assert load_settings({}, env={"GRUCHAT_CONFIG": str(config)}).log is False
    assert (
        load_settings({}, env={"GRUCHAT_LOG": "off", "XDG_CONFIG_HOME": str(tmp_path)}).log is False
    )
    flagged = load_settings({"log": False}, env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert flagged.log is False and flagged.sources["log"] == "flag --log"
    assert load_settings({}, env={"XDG_CONFIG_HOME": str(tmp_path)}).log is True


def test_continue_without_the_log_is_a_usage_error(env, tmp_path):
    with pytest.raises(UsageError, match="--continue needs the conversation log"):
        open_turn_log(settings(log=False), env().err, continue_last=True, path=tmp_path / "x.db")
    assert not (tmp_path / "x.db").exists()


def test_no_log_flag_end_to_end_creates_no_file(gruchat_cmd, tmp_path):
    """`gruchat --no-log --continue` refuses (exit 2) before any model, and writes nothing."""
    data = tmp_path / "data"
    proc = gruchat_cmd(
        "--no-log", "--continue", env={"XDG_DATA_HOME": str(data), "GRUCHAT_HOME": None}
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: --continue needs the conversation log, which is off (--no-log or log = false)"
    )
    assert not data.exists()


# -- continuing a conversation -----------------------------------------------------------------


def test_continue_rebuilds_the_history_as_it_was(fake_engine, env, db):
    r"""\retry and \undo replay as they happened; the next request carries the history."""
    for answer in ("A1", "A2", "A2 again", "A3"):
        fake_engine.enqueue(answer)
    shell, log = shell_with_log(fake_engine, env(), db)
    for line in ("one", "two", "\\retry", "\\undo", "three"):
        shell.handle(line)
    live = list(shell.session.messages)
    assert [m["content"] for m in live] == ["one", "A1", "three", "A3"]

    environment = env()
    again, continued = shell_with_log(fake_engine, environment, db, continue_last=True)
    assert continued.conversation == log.conversation
    assert again.session.messages == live
    assert [t.prompt for t in again.session.turns] == ["one", "three"]  # as live: one history
    fake_engine.enqueue("A4")
    again.send("four")
    sent = [m["content"] for m in fake_engine.requests[-1][0]]
    assert sent == [SYSTEM, "one", "A1", "three", "A3", "four"]
    last = rows(db)[-1]
    assert (last.conversation, last.seq, last.history) == (log.conversation, 5, 4)


def test_resume_by_id_or_prefix_and_the_system_prompt(fake_engine, env, db):
    """--resume takes an id or its start; the system prompt comes back unless given."""
    fake_engine.enqueue("A.").enqueue("B.").enqueue("C.")
    first, log_a = shell_with_log(fake_engine, env(), db)
    first.session.system_prompt = "Answer like a pirate."
    first.send("a?")
    second, _ = shell_with_log(fake_engine, env(), db)
    second.send("b?")
    resumed, log = shell_with_log(fake_engine, env(), db, resume=log_a.conversation[:5])
    assert log.conversation == log_a.conversation
    assert resumed.session.system_prompt == "Answer like a pirate."
    assert [m["content"] for m in resumed.session.messages] == ["a?", "A."]

    flagged = Settings()
    flagged.sources["system_prompt"] = "flag --system-prompt"
    keep = open_turn_log(flagged, env().err, resume=log_a.conversation, path=db)
    session = Session.start("Be terse.", Sampling())
    keep.restore(session)
    assert session.system_prompt == "Be terse."


def test_continue_and_resume_errors(env, db, tmp_path):
    """An empty log, an unknown id and an empty id are usage errors naming the problem."""
    with pytest.raises(UsageError, match="no conversation to continue: the log is empty"):
        open_turn_log(settings(), env().err, continue_last=True, path=db)
    with pytest.raises(UsageError, match="no conversation 'beef' in the log"):
        open_turn_log(settings(), env().err, resume="beef", path=db)
    with pytest.raises(UsageError, match="no conversation '' in the log"):
        open_turn_log(settings(), env().err, resume="", path=db)


def test_ask_continue_sends_the_earlier_exchange(fake_engine, env, db):
    """`ask --continue`: the earlier exchange is in the messages, logged in the same one."""
    fake_engine.enqueue("Two gates.").enqueue("z and r.")
    first_log = open_turn_log(settings(), env().err, path=db)
    answer_one(fake_engine, Settings(system_prompt=SYSTEM), "How many gates?", env(), log=first_log)
    log = open_turn_log(settings(), env().err, continue_last=True, path=db)
    answer_one(fake_engine, Settings(system_prompt=SYSTEM), "Which?", env(), log=log)
    sent = [m["content"] for m in fake_engine.requests[-1][0]]
    assert sent == [SYSTEM, "How many gates?", "Two gates.", "Which?"]
    assert [(r.conversation, r.seq) for r in rows(db)] == [
        (first_log.conversation, 1),
        (first_log.conversation, 2),
    ]


def test_history_command_lists_this_conversation(fake_engine, env, db):
    r"""\history: number, prompt excerpt and finish of each exchange, and the id."""
    fake_engine.enqueue("Two.").enqueue("Sigmoid.")
    environment = env()
    shell, log = shell_with_log(fake_engine, environment, db)
    shell.handle("\\history")
    assert "No exchanges yet." in environment.stdout.getvalue()
    shell.handle("how many gates does a GRU have?")
    shell.handle("which activation " + "very " * 20 + "long?")
    shell.handle("\\history")
    out = environment.stdout.getvalue().split("No exchanges yet.")[1]
    assert f"Conversation {log.conversation}" in out
    assert "1. how many gates does a GRU have?  [stop]" in out
    assert "2. which activation very very" in out and "…  [stop]" in out


def test_history_without_the_log(fake_engine, env):
    fake_engine.enqueue("Two.")
    environment = env()
    shell = Shell(fake_engine, Session.start("", Sampling()), environment)
    shell.handle("gates?")
    shell.handle("\\history")
    assert "This conversation (not logged):\n1. gates?  [stop]" in environment.stdout.getvalue()


# -- schema and migrations ----------------------------------------------------------------


def test_a_new_file_is_migrated_from_version_0(db):
    """An empty file (user_version 0) gets every migration: the table and the FTS index."""
    db.parent.mkdir(parents=True)
    sqlite3.connect(db).close()
    book = Logbook.open(db)
    assert book.version() == logbook.VERSION == 2
    assert book.fts
    mode = book.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    book.close()


def test_log_file_is_private_to_the_user(db):
    Logbook.open(db).close()
    assert db.stat().st_mode & 0o777 == 0o600


def test_version_1_rows_are_migrated_and_searchable(db):
    """A file written before the FTS index (version 1) keeps its rows and finds them."""
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db, isolation_level=None)
    logbook.MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO exchanges (conversation, seq, history, started, updated, prompt, answer,"
        " finish_reason) VALUES ('0ld0ld00', 1, 0, 1.0, 1.0, 'what is a peephole', "
        "'LSTMs have peepholes', 'stop')"
    )
    conn.close()
    book = Logbook.open(db)
    assert book.version() == 2
    [found] = book.search("peepholes")
    assert found.conversation == "0ld0ld00"
    book.close()


def test_a_newer_schema_is_a_warning_and_left_alone(fake_engine, env, db):
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(LogError, match="schema version 99, newer"):
        Logbook.open(db)
    fake_engine.enqueue("Two.")
    environment = env()
    shell, _ = shell_with_log(fake_engine, environment, db)
    assert shell.send("gates?").turn.answer == "Two."
    assert "newer than this gruchat's 2; the chat goes on without logging" in (
        environment.stderr.getvalue()
    )
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == 99


def test_search_without_fts5_falls_back_to_substrings(db, monkeypatch):
    """Where SQLite has no FTS5, the log is made without the index and LIKE finds words."""
    monkeypatch.setattr(logbook, "has_fts5", lambda conn: False)
    monkeypatch.setattr(logbook_schema, "has_fts5", lambda conn: False)
    book = Logbook.open(db)
    assert not book.fts
    new = NewExchange(conversation="c0ffee00", history=0, prompt="What is 100% of z_t?")
    book.insert(new, answer="All of it.", finish_reason="stop")
    book.insert(new, answer="Nothing.", finish_reason="stop")
    assert [r.answer for r in book.search("100% z_t")] == ["Nothing.", "All of it."]
    assert [r.answer for r in book.search("all z_t")] == ["All of it."]
    assert book.search("10_%") == []  # % and _ are literal
    book.close()
    monkeypatch.undo()
    book = Logbook.open(db)  # FTS5 back: the index is made and filled then
    assert book.fts and [r.answer for r in book.search("nothing")] == ["Nothing."]
    book.close()


def test_search_words_are_not_fts_syntax(db):
    """Quotes, stars, NEAR and column names in the search are words, not query syntax."""
    book = Logbook.open(db)
    new = NewExchange(conversation="c", history=0, prompt='say "NEAR" answer: * OR')
    book.insert(new, answer="ok", finish_reason="stop")
    assert len(book.search('"NEAR" answer: * OR')) == 1
    assert book.search('"near" AND missing') == []
    book.close()


# -- two writers, a corrupt file, a locked file -----------------------------------------------


def _write_rows(path: str, conversation: str, start, count: int) -> None:
    start.wait()
    book = Logbook.open(Path(path), busy_seconds=10)
    for i in range(count):
        row = book.insert(NewExchange(conversation=conversation, history=2 * i, prompt=f"q{i}"))
        book.update(row, answer=f"{conversation} answer {i}", finish_reason="stop")
    book.close()


def test_two_processes_write_at_once(db):
    """Two processes, 50 exchanges each, one of them in a shared conversation: all 100 rows
    are there, and each conversation's numbers run 1… without a gap or a repeat."""
    Logbook.open(db).close()
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [
        context.Process(target=_write_rows, args=(str(db), name, start, 50))
        for name in ("aaaa0000", "bbbb0000")
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    logged = rows(db)
    assert len(logged) == 100
    for name in ("aaaa0000", "bbbb0000"):
        mine = [r for r in logged if r.conversation == name]
        assert sorted(r.seq for r in mine) == list(range(1, 51))
        assert {r.answer for r in mine} == {f"{name} answer {i}" for i in range(50)}


def test_corrupt_file_is_one_warning_and_the_chat_goes_on(fake_engine, env, db):
    """Garbage in the file: one warning line, answers as usual, the file left untouched."""
    db.parent.mkdir(parents=True)
    garbage = b"not a database at all " * 400
    db.write_bytes(garbage)
    fake_engine.enqueue("Two gates.").enqueue("Sigmoid.")
    environment = env()
    shell, _ = shell_with_log(fake_engine, environment, db)
    assert shell.send("gates?").turn.answer == "Two gates."
    assert shell.send("activation?").turn.answer == "Sigmoid."
    warnings = [line for line in environment.stderr.getvalue().splitlines() if line]
    assert warnings == [
        f"warning: conversation log {db}: file is not a database; the chat goes on without logging"
    ]
    assert db.read_bytes() == garbage


def test_unwritable_folder_is_a_warning(fake_engine, env, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    db = blocker / "gruchat" / "logs.db"
    fake_engine.enqueue("Two gates.")
    environment = env()
    shell, _ = shell_with_log(fake_engine, environment, db)
    assert shell.send("gates?").turn.answer == "Two gates."
    assert "cannot create it: Not a directory; the chat goes on" in environment.stderr.getvalue()


_LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def test_locked_file_is_a_warning_then_logging_resumes(fake_engine, env, db, monkeypatch):
    """Another process holds an exclusive lock: after the busy timeout one warning, the
    answer as usual; once the lock is gone the next exchange is logged again."""
    monkeypatch.setattr(logbook, "BUSY_SECONDS", 0.2)
    Logbook.open(db).close()
    fake_engine.enqueue("Two gates.").enqueue("Sigmoid.").enqueue("tanh.")
    environment = env()
    shell, log = shell_with_log(fake_engine, environment, db)
    locker = subprocess.Popen(
        [sys.executable, "-c", _LOCKER, str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        started = time.monotonic()
        assert shell.send("gates?").turn.answer == "Two gates."
        assert shell.send("activation?").turn.answer == "Sigmoid."
        assert time.monotonic() - started >= 0.2
    finally:
        assert locker.stdin is not None
        locker.stdin.write("\n")
        locker.stdin.close()
        locker.wait(timeout=30)
    warnings = [line for line in environment.stderr.getvalue().splitlines() if line]
    assert len(warnings) == 1 and warnings[0].startswith(f"warning: conversation log {db}: ")
    assert "database is locked" in warnings[0] and "another gruchat" in warnings[0]
    assert shell.send("candidate?").turn.answer == "tanh."
    assert [r.prompt for r in rows(db)] == ["candidate?"]
    assert log.active


# -- gruchat logs ---------------------------------------------------------------------------


def _child_env(db: Path) -> dict[str, str | None]:
    return {"XDG_DATA_HOME": str(db.parent.parent), "GRUCHAT_HOME": None}


def _fill(db: Path) -> dict[str, str]:
    """Two conversations, five exchanges, one with hostile text; their ids by name."""
    book = Logbook.open(db)
    ids = {"gates": "a1b2c3d4", "hostile": "e5f6a7b8"}
    sampling = {"temperature": 0.0, "top_k": 1, "top_p": 0.95, "max_tokens": 64}
    for prompt, answer in (
        ("How many gates does a GRU have?", "Two: the update gate and the reset gate."),
        ("What does the reset gate do?", "It scales the old state inside the candidate."),
        ("And the update gate?", "It mixes the old state with the candidate."),
    ):
        new = NewExchange(ids["gates"], 0, prompt, "mistralrs 0.8", "smollm2-135m", "cpu", sampling)
        book.insert(new, answer=answer, finish_reason="stop", sources=["gates"], note="N")
    hostile = NewExchange(ids["hostile"], 0, "title \x1b]0;pwned\x07 please", model="m")
    book.insert(hostile, answer="\x1b[2J cleared \u202e", finish_reason="length")
    book.insert(NewExchange(ids["hostile"], 2, "half", model="m"), answer="partial")
    book.close()
    return ids


def test_logs_table_lists_recent_exchanges(gruchat_cmd, db):
    _fill(db)
    proc = gruchat_cmd("logs", env=_child_env(db))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for text in ("a1b2c3d4", "smollm2-135m", "How many gates does a GRU have?", "stop"):
        assert text in out
    assert "[interrupted]" in out and "length" in out
    assert out.index("How many gates") < out.index("And the update gate?") < out.index("half")
    assert "\x1b" not in out and "\x07" not in out and "␛]0;pwned␇" in out
    last = gruchat_cmd("logs", "-n", "1", env=_child_env(db))
    assert "half" in last.stdout and "How many gates" not in last.stdout


def test_logs_json_has_every_field(gruchat_cmd, db):
    ids = _fill(db)
    proc = gruchat_cmd("logs", "--json", "-n", "0", env=_child_env(db))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data) == 5
    first = data[0]
    assert first["conversation"] == ids["gates"] and first["seq"] == 1
    assert first["answer"] == "Two: the update gate and the reset gate."
    assert first["sampling"]["top_k"] == 1 and first["sources"] == ["gates"]
    assert data[-1]["finish_reason"] == "interrupted" and data[-1]["answer"] == "partial"
    assert data[3]["prompt"] == "title \x1b]0;pwned\x07 please"  # the data, escaped in JSON
    assert "\x1b" not in proc.stdout and "\u202e" not in proc.stdout


def test_logs_conversation_shows_it_whole(gruchat_cmd, db):
    ids = _fill(db)
    proc = gruchat_cmd("logs", "--conversation", ids["gates"][:4], env=_child_env(db))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(f"# Conversation {ids['gates']}")
    for answer in ("Two: the update", "It scales the old state", "It mixes the old state"):
        assert answer in out
    assert "> What does the reset gate do?" in out and "half" not in out
    markdown = gruchat_cmd("logs", "--markdown", "-n", "2", env=_child_env(db))
    assert "## 1." in markdown.stdout and "partial [interrupted]" in markdown.stdout
    assert "\x1b" not in markdown.stdout and "␛[2J cleared \\u202e" in markdown.stdout


def test_logs_search_is_full_text(gruchat_cmd, db):
    _fill(db)
    proc = gruchat_cmd("logs", "--search", "candidate old", env=_child_env(db))
    assert proc.returncode == 0, proc.stderr
    assert "What does the reset gate do?" in proc.stdout and "And the update" in proc.stdout
    assert "How many gates" not in proc.stdout
    none = gruchat_cmd("logs", "--search", "peephole", env=_child_env(db))
    assert none.returncode == 0 and none.stderr.strip() == "No exchanges match."


def test_logs_errors(gruchat_cmd, db, tmp_path):
    """No log yet, an unknown id, bad -n and a corrupt file: one line each, right status."""
    empty = gruchat_cmd("logs", env=_child_env(db))
    assert empty.returncode == 0 and "No exchanges logged yet" in empty.stderr
    assert not db.exists()  # listing creates nothing
    _fill(db)
    unknown = gruchat_cmd("logs", "--conversation", "zzzz", env=_child_env(db))
    assert unknown.returncode == 2
    assert unknown.stderr == "error: no conversation 'zzzz' in the log\n"
    negative = gruchat_cmd("logs", "-n", "-1", env=_child_env(db))
    assert negative.returncode == 2 and "-n must be 0 (all) or more" in negative.stderr
    both = gruchat_cmd("logs", "--json", "--markdown", env=_child_env(db))
    assert both.returncode == 2
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"\x00garbage" * 100)
    corrupt = gruchat_cmd("logs", env=_child_env(db))
    assert corrupt.returncode == 1
    assert corrupt.stderr == f"error: conversation log {db}: file is not a database\n"
    where = gruchat_cmd("logs", "--path", env=_child_env(db))
    assert where.stdout.strip() == str(db)


def test_logs_path_follows_gruchat_home(tmp_path):
    assert logbook.log_path({"GRUCHAT_HOME": str(tmp_path)}) == tmp_path / "logs.db"
    data = {"XDG_DATA_HOME": str(tmp_path)}
    assert logbook.log_path(data) == tmp_path / "gruchat" / "logs.db"


def test_turn_log_never_raises_on_a_closed_book(env, db, fake_engine):
    """A file that breaks mid-chat (here: closed under it) is a warning, then no log."""
    fake_engine.enqueue("One.").enqueue("Two.")
    environment = env()
    shell, log = shell_with_log(fake_engine, environment, db)
    assert isinstance(log, TurnLog) and log.book is not None
    log.book.conn.close()
    assert shell.send("one?").turn.answer == "One."
    assert shell.send("two?").turn.answer == "Two."
    assert not log.active
    assert environment.stderr.getvalue().count("warning: conversation log") == 1


@pytest.mark.integration
def test_ask_logs_and_ask_continue_sees_it_with_the_real_model(gruchat_cmd, default_model_path, db):
    """The real model: `ask` logs the exchange; `ask --continue` sends it again (its prompt
    is longer than the same question asked fresh) and is logged in the same conversation."""
    fast = ("--max-tokens", "12", "--temperature", "0", "--no-grounding", "--json")
    first = gruchat_cmd("ask", "What is a GRU?", *fast, env=_child_env(db))
    assert first.returncode == 0, first.stderr
    [row] = rows(db)
    answer = json.loads(first.stdout)["answer"]
    assert (row.prompt, row.answer, row.model) == ("What is a GRU?", answer, "smollm2-135m")
    assert row.backend.startswith("mistralrs ") and row.finish_reason in ("stop", "length")
    assert row.usage["prompt_tokens"] > 0 and row.usage["completion_tokens"] > 0

    follow = gruchat_cmd("ask", "--continue", "And its gates?", *fast, env=_child_env(db))
    assert follow.returncode == 0, follow.stderr
    fresh = gruchat_cmd("ask", "--no-log", "And its gates?", *fast, env=_child_env(db))
    assert fresh.returncode == 0, fresh.stderr
    continued = json.loads(follow.stdout)["usage"]["prompt_tokens"]
    alone = json.loads(fresh.stdout)["usage"]["prompt_tokens"]
    assert continued > alone + row.usage["completion_tokens"]  # the earlier Q and A were sent
    logged = rows(db)
    assert len(logged) == 2  # --no-log wrote nothing
    assert (logged[1].conversation, logged[1].seq, logged[1].history) == (row.conversation, 2, 2)


@pytest.mark.integration
def test_repl_logs_and_continue_lists_it_with_the_real_model(gruchat_cmd, default_model_path, db):
    r"""The piped REPL logs its exchange; `gruchat -c` continues it and \history lists it."""
    fast = ("--max-tokens", "8", "--temperature", "0", "--no-grounding")
    first = gruchat_cmd(*fast, input="What is a GRU?\n\\history\n", env=_child_env(db))
    assert first.returncode == 0, first.stderr
    [row] = rows(db)
    assert f"Conversation {row.conversation}" in first.stdout
    assert "1. What is a GRU?  [" in first.stdout
    again = gruchat_cmd("-c", *fast, input="And its gates?\n\\history\n", env=_child_env(db))
    assert again.returncode == 0, again.stderr
    assert f"Continuing conversation {row.conversation} (1 exchange;" in again.stderr
    assert "1. What is a GRU?  [" in again.stdout and "2. And its gates?  [" in again.stdout
    assert [(r.conversation, r.seq) for r in rows(db)] == [
        (row.conversation, 1),
        (row.conversation, 2),
    ]


def test_run_logs_only_with_the_log_flag(tmp_path, env, monkeypatch):
    """`gruchat run` replays test files: not logged by default; with --log each file is a
    conversation of its own."""
    from gruchat.script.runner import RunOptions, run_files

    monkeypatch.delenv("GRUCHAT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-xdg-config"))
    monkeypatch.delenv("GRUCHAT_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    db = tmp_path / "data" / "gruchat" / "logs.db"
    paths = []
    for name in ("a.gru", "b.gru"):
        paths.append(tmp_path / name)
        paths[-1].write_text(f"question in {name}\n", encoding="utf-8")
    engine = FakeEngine()

    def go(flags):
        return run_files(paths, flags, RunOptions(quiet=True), env(), lambda s, c: engine,
                         lambda s: None)  # fmt: skip

    assert go({}) == 0
    assert not db.exists()
    assert go({"log": True}) == 0
    logged = rows(db)
    assert [r.prompt for r in logged] == ["question in a.gru", "question in b.gru"]
    assert logged[0].conversation != logged[1].conversation


def test_a_failed_write_mid_answer_is_not_retried_at_every_flush(env, db, monkeypatch):
    """A lock taken mid-answer: the answer is written again only at the end, so the busy
    timeout is not waited at every flush of the stream."""
    monkeypatch.setattr(turn_log, "FLUSH_SECONDS", 0.0)
    calls = []

    def busy_update(self, row_id, **changes):
        calls.append(sorted(changes))
        raise LogError("database is locked", busy=True)

    monkeypatch.setattr(Logbook, "update", busy_update)
    engine = FakeEngine().enqueue("one two three four five six", chunk=4)
    environment = env()
    shell, log = shell_with_log(engine, environment, db)
    assert shell.send("count?").turn.answer == "one two three four five six"
    assert len(calls) == 2  # the first flush, then the end
    assert "finish_reason" in calls[1] and log.active
    assert environment.stderr.getvalue().count("warning: conversation log") == 1
    [row] = rows(db)
    assert row.finish_reason == "running"  # what the lock kept from being written
