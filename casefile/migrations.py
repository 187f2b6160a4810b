"""The database schema, as append-only migration steps (the first here, the later ones in
:mod:`casefile.migrations_later`).

Each step is a literal statement of what changed, never derived from the field registry: the registry
describes the current shape, these steps are the history that gets an old file there. Never edit or
reorder a step that has shipped; add a new one. ``tests/test_migrations.py`` proves a fresh database has
exactly the registry's columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .migrations_base import Step, Steps, _date, _statements, migrations

if TYPE_CHECKING:
    from sqlite_utils import Database

__all__ = ["Step", "Steps", "migrations"]


@migrations()
def m001_accounts(db: Database) -> None:
    db.execute(
        f"""
        CREATE TABLE accounts (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            external_id TEXT UNIQUE,
            name TEXT,
            aliases TEXT,
            gender TEXT,
            birth_year INTEGER,
            nationality TEXT,
            organization TEXT,
            role TEXT,
            {_date("joined")},
            {_date("left")},
            {_date("announced")},
            years_in_org REAL,
            left_from TEXT,
            went_to TEXT,
            exit_type TEXT,
            reasons TEXT,
            allegations TEXT,
            summary TEXT,
            tags TEXT,
            confidentiality TEXT NOT NULL DEFAULT 'internal',
            source_title TEXT,
            source_url TEXT,
            source_publisher TEXT,
            {_date("source_date")},
            source_reliability TEXT,
            source_credibility TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_accounts_org_left ON accounts (organization COLLATE NOCASE, left_min)")
    db.execute("CREATE INDEX idx_accounts_left_min ON accounts (left_min)")
    db.execute("CREATE INDEX idx_accounts_left_max ON accounts (left_max)")
    db.execute("CREATE INDEX idx_accounts_exit_type ON accounts (exit_type)")


@migrations()
def m002_research_record(db: Database) -> None:
    """Organisations known by many names, shared graded sources, timelines, quotes, user vocabulary."""
    _statements(
        db,
        f"""
        CREATE TABLE organizations (
            rowid INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            type TEXT,
            country TEXT,
            notes TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE organization_names (
            rowid INTEGER PRIMARY KEY,
            organization_rowid INTEGER NOT NULL REFERENCES organizations(rowid) ON DELETE CASCADE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            match_key TEXT NOT NULL UNIQUE
        );
        CREATE INDEX idx_organization_names_org ON organization_names (organization_rowid);
        CREATE TABLE sources (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT,
            url TEXT UNIQUE,
            publisher TEXT,
            publisher_type TEXT,
            stance TEXT,
            {_date("date")},
            language TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE account_sources (
            account_rowid INTEGER NOT NULL REFERENCES accounts(rowid) ON DELETE CASCADE,
            source_rowid INTEGER NOT NULL REFERENCES sources(rowid),
            position INTEGER NOT NULL,
            role TEXT NOT NULL,
            locator TEXT,
            reliability TEXT,
            credibility TEXT,
            PRIMARY KEY (account_rowid, source_rowid)
        );
        CREATE INDEX idx_account_sources_source ON account_sources (source_rowid);
        CREATE TABLE events (
            rowid INTEGER PRIMARY KEY,
            account_rowid INTEGER NOT NULL REFERENCES accounts(rowid) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            type TEXT NOT NULL,
            {_date("date")},
            place TEXT,
            description TEXT,
            source_rowid INTEGER REFERENCES sources(rowid)
        );
        CREATE INDEX idx_events_account ON events (account_rowid, position);
        CREATE INDEX idx_events_date ON events (date_min);
        CREATE TABLE quotes (
            rowid INTEGER PRIMARY KEY,
            account_rowid INTEGER NOT NULL REFERENCES accounts(rowid) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            speaker TEXT,
            language TEXT,
            translation TEXT,
            locator TEXT,
            source_rowid INTEGER REFERENCES sources(rowid)
        );
        CREATE INDEX idx_quotes_account ON quotes (account_rowid, position);
        CREATE TABLE vocabulary (
            vocabulary TEXT NOT NULL,
            code TEXT NOT NULL,
            label TEXT NOT NULL,
            description TEXT,
            grp TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (vocabulary, code)
        );
        """,
    )


@migrations()
def m003_search_index(db: Database) -> None:
    """Full-text search over accounts, in a form Datasette's search box finds.

    ``accounts_fts`` is an FTS5 table with external content ``content="accounts"`` (that declaration is
    how Datasette's ``detect_fts`` pairs it with the accounts table). Its three columns are columns of
    ``accounts``, so any SQLite tool can read them, but casefile indexes more than they hold: ``name``
    indexes the name, every alias and their romanisation keys; ``summary`` the summary, quotes and their
    translations, event descriptions and places; ``source_title`` every linked source's title — with
    diacritics and Arabic-script letter variants folded.

    FTS5 can only delete an entry given exactly what was indexed. ``accounts_fts_docs`` has a row for each
    indexed account holding, per column, what was indexed — or NULL when that is the accounts column's
    current text (a plain English summary), so most accounts cost a few bytes here. The first trigger
    keeps that true when any tool changes such a column; the second removes the entry when any tool
    deletes the account. Both are plain SQL. casefile rewrites the entries of the accounts it touched
    before each COMMIT.
    """
    _statements(
        db,
        """
        CREATE VIRTUAL TABLE accounts_fts USING fts5(
            name, summary, source_title,
            content="accounts", content_rowid="rowid", tokenize="unicode61 remove_diacritics 2"
        );
        INSERT INTO accounts_fts (accounts_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0, 3.0)');
        CREATE TABLE accounts_fts_docs (
            rowid INTEGER PRIMARY KEY,
            name TEXT,
            summary TEXT,
            source_title TEXT
        )
        """,
    )
    db.execute(
        """
        CREATE TRIGGER accounts_fts_keep AFTER UPDATE OF name, summary, source_title ON accounts
        WHEN old.name IS NOT new.name OR old.summary IS NOT new.summary OR old.source_title IS NOT new.source_title
        BEGIN
            UPDATE accounts_fts_docs SET
                name = CASE WHEN name IS NULL AND old.name IS NOT new.name THEN coalesce(old.name, '') ELSE name END,
                summary = CASE WHEN summary IS NULL AND old.summary IS NOT new.summary
                    THEN coalesce(old.summary, '') ELSE summary END,
                source_title = CASE WHEN source_title IS NULL AND old.source_title IS NOT new.source_title
                    THEN coalesce(old.source_title, '') ELSE source_title END
            WHERE rowid = old.rowid;
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER accounts_fts_forget AFTER DELETE ON accounts BEGIN
            INSERT INTO accounts_fts (accounts_fts, rowid, name, summary, source_title)
                SELECT 'delete', rowid, coalesce(name, old.name, ''), coalesce(summary, old.summary, ''),
                    coalesce(source_title, old.source_title, '')
                FROM accounts_fts_docs WHERE rowid = old.rowid;
            DELETE FROM accounts_fts_docs WHERE rowid = old.rowid;
        END
        """
    )


@migrations()
def m004_stats_index(db: Database) -> None:
    """``stats --by organization`` counts live accounts per organisation from this index alone."""
    db.execute("CREATE INDEX idx_accounts_org_deleted ON accounts (organization, deleted_at)")


@migrations()
def m005_check_ignores(db: Database) -> None:
    """``check --ignore RULE --account ID --note …``: a finding the researcher looked at and accepted."""
    db.execute(
        """
        CREATE TABLE check_ignores (
            rule TEXT NOT NULL,
            account_rowid INTEGER NOT NULL REFERENCES accounts(rowid) ON DELETE CASCADE,
            note TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (rule, account_rowid)
        )
        """
    )


@migrations()
def m006_account_redirects(db: Database) -> None:
    """``merge KEEP OTHER``: OTHER's id (and external id) go on resolving, to KEEP."""
    db.execute(
        """
        CREATE TABLE account_redirects (
            old_id TEXT PRIMARY KEY,
            new_id TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m007_audit_log(db: Database) -> None:
    """Who changed what: one batch per command, one entry per record it changed, with a before-image."""
    _statements(
        db,
        """
        CREATE TABLE audit_batches (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            ts TEXT NOT NULL,
            actor TEXT NOT NULL,
            command TEXT NOT NULL,
            undoes TEXT
        );
        CREATE INDEX idx_audit_batches_undoes ON audit_batches (undoes);
        CREATE TABLE audit_log (
            rowid INTEGER PRIMARY KEY,
            batch_rowid INTEGER NOT NULL REFERENCES audit_batches(rowid),
            action TEXT NOT NULL,
            kind TEXT NOT NULL,
            rid INTEGER NOT NULL,
            record_id TEXT NOT NULL,
            before TEXT,
            diff TEXT,
            scrubbed_at TEXT
        );
        CREATE INDEX idx_audit_log_batch ON audit_log (batch_rowid);
        CREATE INDEX idx_audit_log_record ON audit_log (kind, rid, batch_rowid);
        """,
    )


@migrations()
def m008_org_list_index(db: Database) -> None:
    """``list --org X --limit 50``: an index on the organisation alone keeps each organisation's accounts in
    rowid order, so the newest-last listing stops after 50 rows instead of sorting every match (issue 9, Q1:
    199 ms → 0.5 ms for an organisation with 190,000 accounts)."""
    db.execute("CREATE INDEX idx_accounts_org ON accounts (organization COLLATE NOCASE)")


# The later steps register after these, in the order they are written there; this module stays the one place
# every caller imports the set from.
from . import migrations_later  # noqa: E402,F401
