"""The conversation log: one SQLite file of every exchange, safe for two writers at once.

Each exchange is one row, inserted when the turn starts (``finish_reason = 'running'``)
and updated as the answer streams and when it ends, so a process killed mid-answer
leaves its partial answer behind, still marked ``running`` (shown as interrupted).
The file is in WAL mode with a busy timeout, so two REPLs can write at once; the schema
is versioned with ``PRAGMA user_version`` and migrated forward in one locked transaction.
Full-text search uses FTS5 where this SQLite has it, else substring matching (LIKE).
This module raises ``LogError``; what a failure means for a chat is decided by the caller.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from gruchat.inputs import clean_text
from gruchat.logbook_schema import MIGRATIONS, VERSION, add_fts_index, has_fts5

FILE_NAME = "logs.db"
BUSY_SECONDS = 1.0  # how long a write waits for another writer before it gives up
RUNNING = "running"  # finish_reason while the answer streams; left so if the process dies
INTERRUPTED = "interrupted"  # the process ended (signal, exit) while the answer streamed


class LogError(Exception):
    """The log cannot be used: ``busy`` when another process holds the write lock."""

    def __init__(self, message: str, busy: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.busy = busy


def log_path(env: Mapping[str, str] | None = None) -> Path:
    """``$GRUCHAT_HOME/logs.db``, else ``logs.db`` in the user data dir (XDG_DATA_HOME)."""
    env = os.environ if env is None else env
    home = env.get("GRUCHAT_HOME")
    if home:
        return Path(home).expanduser() / FILE_NAME
    data = env.get("XDG_DATA_HOME")
    base = Path(data) / "gruchat" if data else Path(platformdirs.user_data_dir("gruchat"))
    return base / FILE_NAME


# -- rows ----------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One logged exchange, as stored."""

    id: int
    conversation: str
    seq: int
    history: int
    started: float
    updated: float
    backend: str
    model: str
    device: str
    sampling: dict[str, Any]
    grounding: bool
    system_prompt: str
    prompt: str
    answer: str
    reasoning: str
    sources: list[str]
    note: str
    computed: str
    flags: list[str]
    finish_reason: str
    error: str
    usage: dict[str, Any] | None
    ttft: float
    total_seconds: float
    reasoning_seconds: float
    reasoning_tokens: int

    @property
    def interrupted(self) -> bool:
        """The answer never finished: the process was killed or ended mid-answer."""
        return self.finish_reason in (RUNNING, INTERRUPTED)

    @property
    def finish(self) -> str:
        """The finish reason as shown: a dead 'running' row is an interrupted one."""
        return INTERRUPTED if self.interrupted else self.finish_reason

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["finish_reason"] = self.finish
        return data


_JSON_COLUMNS = ("sampling", "sources", "flags", "usage")


def _exchange(row: sqlite3.Row) -> Exchange:
    values = dict(zip(row.keys(), row, strict=True))
    for key in _JSON_COLUMNS:
        values[key] = json.loads(values[key]) if values[key] is not None else None
    values["grounding"] = bool(values["grounding"])
    return Exchange(**values)


@dataclass
class NewExchange:
    """What is known when a turn starts."""

    conversation: str
    history: int
    prompt: str
    backend: str = ""
    model: str = ""
    device: str = ""
    sampling: dict[str, Any] = field(default_factory=dict)
    grounding: bool = True
    system_prompt: str = ""


# Columns a turn's progress and end may set, with how each is stored.
_UPDATABLE = {
    "answer": str,
    "reasoning": str,
    "sources": json.dumps,
    "note": str,
    "computed": str,
    "flags": json.dumps,
    "finish_reason": str,
    "error": str,
    "usage": lambda v: None if v is None else json.dumps(v),
    "ttft": float,
    "total_seconds": float,
    "reasoning_seconds": float,
    "reasoning_tokens": int,
}


def _clean(value: Any) -> Any:
    """Text with lone surrogates replaced (SQLite stores UTF-8 only)."""
    return clean_text(value) if isinstance(value, str) else value


def new_conversation_id() -> str:
    return secrets.token_hex(4)


# -- the store -------------------------------------------------------------------------------


def _failure(exc: sqlite3.Error) -> LogError:
    text = str(exc) or type(exc).__name__
    busy = isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)
    return LogError(text, busy=busy)


class Logbook:
    """An open log file. Every method raises LogError instead of sqlite3's errors."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self.fts = False

    @classmethod
    def open(cls, path: Path, busy_seconds: float | None = None) -> Logbook:
        """Open (creating the file and folder, private to the user) and migrate."""
        busy_seconds = BUSY_SECONDS if busy_seconds is None else busy_seconds
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        except OSError as exc:
            raise LogError(f"cannot create it: {exc.strerror or exc}") from None
        try:
            conn = sqlite3.connect(path, timeout=busy_seconds, isolation_level=None)
        except sqlite3.Error as exc:
            raise _failure(exc) from None
        book = cls(conn, path)
        try:
            conn.row_factory = sqlite3.Row
            book._setup()
        except sqlite3.Error as exc:
            conn.close()
            raise _failure(exc) from None
        except LogError:
            conn.close()
            raise
        return book

    def _setup(self) -> None:
        mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode != "wal":
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")  # WAL: safe against a killed process
        self.migrate()
        self.fts = self._table_exists("exchanges_fts")
        if not self.fts and has_fts5(self.conn):  # created where SQLite lacked FTS5
            with self._transaction():
                if not self._table_exists("exchanges_fts"):
                    add_fts_index(self.conn)
            self.fts = True

    def _table_exists(self, name: str) -> bool:
        found = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return found is not None

    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Bring the file to VERSION; two processes doing it at once migrate it once."""
        if self.version() == VERSION:
            return
        with self._transaction():
            current = self.version()  # another process may have migrated meanwhile
            if current > VERSION:
                raise LogError(
                    f"it has schema version {current}, newer than this gruchat's {VERSION}"
                )
            for step in MIGRATIONS[current:]:
                step(self.conn)
            self.conn.execute(f"PRAGMA user_version = {VERSION}")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """A write transaction taken at once (BEGIN IMMEDIATE), so it never deadlocks."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def _run(self, sql: str, args: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, args)
        except sqlite3.Error as exc:
            raise _failure(exc) from None

    # -- writes ----------------------------------------------------------------------------
    def insert(self, new: NewExchange, **finished: Any) -> int:
        """A new row at the end of its conversation (``running`` unless ``finished`` says)."""
        now = time.time()
        values: dict[str, Any] = {
            "conversation": new.conversation,
            "history": new.history,
            "started": now,
            "updated": now,
            "backend": _clean(new.backend),
            "model": _clean(new.model),
            "device": _clean(new.device),
            "sampling": json.dumps(new.sampling),
            "grounding": int(new.grounding),
            "system_prompt": _clean(new.system_prompt),
            "prompt": _clean(new.prompt),
        }
        values.update({k: _clean(_UPDATABLE[k](v)) for k, v in finished.items()})
        columns = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        cursor = self._run(
            f"INSERT INTO exchanges (seq, {columns}) VALUES ("
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM exchanges WHERE conversation = :conversation),"
            f" {marks})",
            values,
        )
        return int(cursor.lastrowid or 0)

    def update(self, row_id: int, **changes: Any) -> None:
        """Set some of a row's answer, stats and finish (keys of ``_UPDATABLE``)."""
        values = {k: _clean(_UPDATABLE[k](v)) for k, v in changes.items()}
        values["updated"] = time.time()
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        self._run(
            f"UPDATE exchanges SET {assignments} WHERE id = :row_id", {**values, "row_id": row_id}
        )

    def delete(self, row_id: int) -> None:
        self._run("DELETE FROM exchanges WHERE id = ?", (row_id,))

    # -- reads -----------------------------------------------------------------------------
    def _select(
        self, where: str = "", args: tuple[Any, ...] = (), tail: str = ""
    ) -> list[Exchange]:
        sql = f"SELECT e.* FROM exchanges e {where} {tail}"
        return [_exchange(row) for row in self._run(sql, args).fetchall()]

    def recent(self, limit: int = 20) -> list[Exchange]:
        """The newest ``limit`` exchanges (all when 0), oldest first."""
        rows = self._select(tail="ORDER BY e.started DESC, e.id DESC" + _limit(limit))
        return rows[::-1]

    def conversation(self, conversation: str) -> list[Exchange]:
        return self._select("WHERE e.conversation = ?", (conversation,), "ORDER BY e.seq")

    def last_conversation(self) -> str | None:
        row = self._run(
            "SELECT conversation FROM exchanges ORDER BY started DESC, id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else str(row[0])

    def find_conversation(self, prefix: str) -> list[str]:
        """Conversation ids starting with ``prefix`` (an id, or its first characters)."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._run(
            "SELECT DISTINCT conversation FROM exchanges WHERE conversation LIKE ? ESCAPE '\\'",
            (pattern,),
        ).fetchall()
        return sorted(str(r[0]) for r in rows)

    def search(self, text: str, limit: int = 20) -> list[Exchange]:
        """Exchanges whose prompt or answer hold every word of ``text``, best match first
        (FTS5 rank), or newest first where this SQLite has no FTS5 (substring match)."""
        words = text.split()
        if not words:
            return []
        if self.fts:
            query = " ".join('"' + w.replace('"', '""') + '"' for w in words)
            return self._select(
                "JOIN exchanges_fts f ON f.rowid = e.id WHERE exchanges_fts MATCH ?",
                (query,),
                "ORDER BY f.rank" + _limit(limit),
            )
        clauses = " AND ".join(
            "(e.prompt LIKE ? ESCAPE '\\' OR e.answer LIKE ? ESCAPE '\\')" for _ in words
        )
        args: list[str] = []
        for word in words:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args += [f"%{escaped}%"] * 2
        return self._select(
            f"WHERE {clauses}", tuple(args), "ORDER BY e.started DESC" + _limit(limit)
        )


def _limit(limit: int) -> str:
    return f" LIMIT {int(limit)}" if limit > 0 else ""
