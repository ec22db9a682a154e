"""The conversation log's schema and its migrations, versioned by ``PRAGMA user_version``.

``MIGRATIONS[v]`` takes a file at version v to v + 1; ``gruchat.logbook`` runs the missing
ones in one locked transaction when it opens the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

_V1 = """
CREATE TABLE exchanges (
    id INTEGER PRIMARY KEY,
    conversation TEXT NOT NULL,
    seq INTEGER NOT NULL,              -- 1, 2, … within the conversation
    history INTEGER NOT NULL,          -- messages the session held before this exchange
    started REAL NOT NULL,             -- unix time
    updated REAL NOT NULL,
    backend TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    device TEXT NOT NULL DEFAULT '',
    sampling TEXT NOT NULL DEFAULT '{}',   -- JSON
    grounding INTEGER NOT NULL DEFAULT 1,
    system_prompt TEXT NOT NULL DEFAULT '',
    prompt TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    reasoning TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL DEFAULT '[]',    -- JSON: the notes sent with the question
    note TEXT NOT NULL DEFAULT '',         -- the verified note shown
    computed TEXT NOT NULL DEFAULT '',     -- the computed block shown
    flags TEXT NOT NULL DEFAULT '[]',      -- JSON: the guard's flagged sentences
    finish_reason TEXT NOT NULL DEFAULT 'running',
    error TEXT NOT NULL DEFAULT '',
    usage TEXT,                            -- JSON, NULL until the engine reports it
    ttft REAL NOT NULL DEFAULT 0,
    total_seconds REAL NOT NULL DEFAULT 0,
    reasoning_seconds REAL NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    UNIQUE (conversation, seq)
);
CREATE INDEX exchanges_started ON exchanges (started);
"""

_FTS = """
CREATE VIRTUAL TABLE exchanges_fts USING fts5(
    prompt, answer, content='exchanges', content_rowid='id'
);
CREATE TRIGGER exchanges_fts_insert AFTER INSERT ON exchanges BEGIN
    INSERT INTO exchanges_fts (rowid, prompt, answer) VALUES (new.id, new.prompt, new.answer);
END;
CREATE TRIGGER exchanges_fts_delete AFTER DELETE ON exchanges BEGIN
    INSERT INTO exchanges_fts (exchanges_fts, rowid, prompt, answer)
    VALUES ('delete', old.id, old.prompt, old.answer);
END;
CREATE TRIGGER exchanges_fts_update AFTER UPDATE OF prompt, answer ON exchanges BEGIN
    INSERT INTO exchanges_fts (exchanges_fts, rowid, prompt, answer)
    VALUES ('delete', old.id, old.prompt, old.answer);
    INSERT INTO exchanges_fts (rowid, prompt, answer) VALUES (new.id, new.prompt, new.answer);
END;
INSERT INTO exchanges_fts (exchanges_fts) VALUES ('rebuild');
"""


def has_fts5(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite build has the FTS5 module."""
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
    except sqlite3.OperationalError:
        return False
    conn.execute("DROP TABLE temp.fts5_probe")
    return True


def _create_v1(conn: sqlite3.Connection) -> None:
    _script(conn, _V1)


def _create_fts(conn: sqlite3.Connection) -> None:
    """Version 2: the full-text index, filled from the rows already there."""
    if has_fts5(conn):
        _script(conn, _FTS)


def _script(conn: sqlite3.Connection, sql: str) -> None:
    # executescript would COMMIT the migration's transaction; run statement by statement.
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""


# MIGRATIONS[v] takes a file at user_version v to v + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_create_v1, _create_fts]
VERSION = len(MIGRATIONS)


def add_fts_index(conn: sqlite3.Connection) -> None:
    """The full-text index on a file whose SQLite lacked FTS5 when it was migrated."""
    _script(conn, _FTS)
