"""The schema, as an ordered list of migrations.

Each migration runs with its version bump in one transaction, so a migration that
fails stays pending and the database is left as it was. Never edit a migration that
has shipped: add the next one.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: the statements archive, what each names, chats and their subscriptions.
    """
    CREATE TABLE statements (
        id INTEGER PRIMARY KEY,
        dedupe_key TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        url TEXT,
        source TEXT NOT NULL,
        published_at TEXT,
        fetched_at TEXT NOT NULL,
        sort_at TEXT NOT NULL,
        imcwp INTEGER NOT NULL DEFAULT 0,
        meeting INTEGER
    );
    CREATE INDEX statements_by_time ON statements (sort_at, id);
    CREATE INDEX statements_by_meeting ON statements (imcwp, meeting, sort_at, id);

    CREATE TABLE statement_parties (
        party_id TEXT NOT NULL,
        sort_at TEXT NOT NULL,
        statement_id INTEGER NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        PRIMARY KEY (party_id, sort_at, statement_id)
    ) WITHOUT ROWID;
    CREATE INDEX statement_parties_by_statement ON statement_parties (statement_id);

    CREATE TABLE statement_ambiguous (
        statement_id INTEGER NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
        token TEXT NOT NULL,
        PRIMARY KEY (statement_id, token)
    ) WITHOUT ROWID;

    CREATE VIRTUAL TABLE statements_fts USING fts5 (
        text, content = 'statements', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER statements_fts_insert AFTER INSERT ON statements BEGIN
        INSERT INTO statements_fts (rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER statements_fts_delete AFTER DELETE ON statements BEGIN
        INSERT INTO statements_fts (statements_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
    END;

    CREATE TABLE chats (
        id INTEGER PRIMARY KEY,
        platform TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        thread_id TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        UNIQUE (platform, chat_id, thread_id)
    );

    CREATE TABLE subscriptions (
        chat INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        value TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        PRIMARY KEY (chat, kind, value)
    ) WITHOUT ROWID;
    CREATE INDEX subscriptions_by_target ON subscriptions (kind, value);

    CREATE TABLE chat_settings (
        chat INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (chat, key)
    ) WITHOUT ROWID;
    """,
    # 2: the outbox, one row per (statement, chat) to deliver, and daily digests.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        statement_id INTEGER NOT NULL REFERENCES statements (id) ON DELETE CASCADE,
        chat INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        platform TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sending', 'sent', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        due_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        error TEXT,
        UNIQUE (statement_id, chat)
    );
    CREATE INDEX outbox_due ON outbox (platform, state, due_at, id);
    CREATE INDEX outbox_by_chat ON outbox (chat, state, due_at);

    ALTER TABLE chats ADD COLUMN next_digest_at TEXT;
    """,
    # 3: each polled source's state: validators, redirect, health, backoff, backlog flag.
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        location TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        moved_to TEXT,
        last_success_at TEXT,
        last_error TEXT,
        last_error_at TEXT,
        failing_since TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        items_seen INTEGER NOT NULL DEFAULT 0,
        items_stored INTEGER NOT NULL DEFAULT 0,
        next_poll_at TEXT,
        first_load_done INTEGER NOT NULL DEFAULT 0,
        alerted_at TEXT
    ) WITHOUT ROWID;
    """,
    # 4: small named values a platform keeps between runs (a Matrix session, its sync token).
    """
    CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
)

LATEST_VERSION = len(MIGRATIONS)
