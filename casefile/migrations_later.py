"""The later migration steps (issue 18 onwards), registered after the first ones of :mod:`casefile.migrations`
on the same ordered set. Append-only, like those: never edit or reorder a step that has shipped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .migrations_base import _date, _statements, migrations

if TYPE_CHECKING:
    from sqlite_utils import Database


@migrations()
def m009_org_check_ignores(db: Database) -> None:
    """``check --ignore org-near-duplicate --org A --org B --note …``: two organisations the researcher looked
    at and found to be different (a finding about organisations, not about an account; issue 18)."""
    db.execute(
        """
        CREATE TABLE org_check_ignores (
            rule TEXT NOT NULL,
            organizations TEXT NOT NULL,
            note TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (rule, organizations)
        )
        """
    )


@migrations()
def m011_search_everything(db: Database) -> None:
    """Search finds every text a user typed (issue 18, item 5): a fourth column, ``organization``, indexes the
    account's organisation with all its names and aliases ("PMOI" finds the accounts of the organisation
    aliased PMOI); ``summary`` now indexes every other free-text field and part (places, role, tags…) and
    ``source_title`` every text of the linked sources (titles, publishers). ``name`` also holds the keys of
    the names' romanisations. The index is made anew; casefile fills it when the step has run (see
    ``Connection._migrate``).

    What was indexed for a column ``c`` is ``coalesce(d.c, a.c, '') || coalesce(d.c_more, '')`` over
    ``accounts_fts_docs d`` and ``accounts a``: the accounts column's own text (NULL in ``d.c``, so a plain
    summary is not stored twice) or, when the indexed text does not begin with it, the whole text in ``d.c``;
    then what follows it (the other fields' text) in ``d.c_more``. The triggers are m003's, with four columns."""
    _statements(
        db,
        """
        DROP TRIGGER IF EXISTS accounts_fts_keep;
        DROP TRIGGER IF EXISTS accounts_fts_forget;
        DROP TABLE IF EXISTS accounts_fts;
        DROP TABLE IF EXISTS accounts_fts_docs;
        CREATE VIRTUAL TABLE accounts_fts USING fts5(
            name, summary, source_title, organization,
            content="accounts", content_rowid="rowid", tokenize="unicode61 remove_diacritics 2"
        );
        INSERT INTO accounts_fts (accounts_fts, rank) VALUES ('rank', 'bm25(10.0, 1.0, 3.0, 2.0)');
        CREATE TABLE accounts_fts_docs (
            rowid INTEGER PRIMARY KEY,
            name TEXT,
            name_more TEXT,
            summary TEXT,
            summary_more TEXT,
            source_title TEXT,
            source_title_more TEXT,
            organization TEXT,
            organization_more TEXT
        )
        """,
    )
    db.execute(
        """
        CREATE TRIGGER accounts_fts_keep AFTER UPDATE OF name, summary, source_title, organization ON accounts
        WHEN old.name IS NOT new.name OR old.summary IS NOT new.summary OR old.source_title IS NOT new.source_title
            OR old.organization IS NOT new.organization
        BEGIN
            UPDATE accounts_fts_docs SET
                name = CASE WHEN name IS NULL AND old.name IS NOT new.name THEN coalesce(old.name, '') ELSE name END,
                summary = CASE WHEN summary IS NULL AND old.summary IS NOT new.summary
                    THEN coalesce(old.summary, '') ELSE summary END,
                source_title = CASE WHEN source_title IS NULL AND old.source_title IS NOT new.source_title
                    THEN coalesce(old.source_title, '') ELSE source_title END,
                organization = CASE WHEN organization IS NULL AND old.organization IS NOT new.organization
                    THEN coalesce(old.organization, '') ELSE organization END
            WHERE rowid = old.rowid;
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER accounts_fts_forget AFTER DELETE ON accounts BEGIN
            INSERT INTO accounts_fts (accounts_fts, rowid, name, summary, source_title, organization)
                SELECT 'delete', rowid,
                    coalesce(name, old.name, '') || coalesce(name_more, ''),
                    coalesce(summary, old.summary, '') || coalesce(summary_more, ''),
                    coalesce(source_title, old.source_title, '') || coalesce(source_title_more, ''),
                    coalesce(organization, old.organization, '') || coalesce(organization_more, '')
                FROM accounts_fts_docs WHERE rowid = old.rowid;
            DELETE FROM accounts_fts_docs WHERE rowid = old.rowid;
        END
        """
    )


#: m010's lookup of a source by its title among those without an address. "+url" keeps SQLite from walking the
#: UNIQUE index on url for "url IS NULL" (every address-less source, once per account upgraded; issue 23): the rows
#: found are the same, through idx_sources_match_key.
SOURCE_BY_TITLE = "SELECT rowid FROM sources WHERE match_key = ?{only_unaddressed} ORDER BY rowid LIMIT 1"
ONLY_UNADDRESSED = " AND +url IS NULL"


@migrations()
def m010_shared_sources(db: Database) -> None:
    """One source model (issue 18, item 4): every source is a shared record, matched by its normalised URL or
    by title, publisher and date (``casefile.sourcekeys``), so the keys are kept beside each source; and an
    account whose source lived only in its flat ``source_*`` columns gets it as a shared source linked as its
    primary one - two accounts from one article link one source.

    An account's flat values are matched like an import's: by URL key, else by title key (against sources
    without a URL when the account has one). A match gets the values it lacks from the account; a value both
    hold differently (a title typed two ways under one URL) is left as each has it - the account's flat column
    keeps its own text, nothing is overwritten. The account's flat columns that were empty are filled from the
    source, so they mirror it. Soft-deleted accounts are converted too (they may be restored)."""
    from .model import FuzzyDate
    from .sourcekeys import title_key, url_key

    _statements(
        db,
        """
        ALTER TABLE sources ADD COLUMN url_key TEXT;
        ALTER TABLE sources ADD COLUMN match_key TEXT;
        CREATE INDEX idx_sources_url_key ON sources (url_key);
        CREATE INDEX idx_sources_match_key ON sources (match_key)
        """,
    )
    dated = ("date", "date_edtf", "date_min", "date_max", "date_precision", "date_corrected", "date_note")

    def keys(title: str | None, url: str | None, publisher: str | None, raw: str | None, edtf: str | None) -> tuple:
        return url_key(url), title_key(title, publisher, FuzzyDate(raw, edtf) if raw is not None else None)

    for rowid, title, url, publisher, raw, edtf in db.execute(
        "SELECT rowid, title, url, publisher, date, date_edtf FROM sources"
    ).fetchall():
        db.execute(
            "UPDATE sources SET url_key = ?, match_key = ? WHERE rowid = ?",
            (*keys(title, url, publisher, raw, edtf), rowid),
        )
    flat = (
        "source_title, source_url, source_publisher, source_date, source_date_edtf, source_date_min, "
        "source_date_max, source_date_precision, source_date_corrected, source_date_note, source_reliability, "
        "source_credibility"
    )
    accounts = db.execute(
        f"SELECT rowid, created_at, {flat} FROM accounts a WHERE (source_title IS NOT NULL OR source_url IS NOT "
        "NULL OR source_publisher IS NOT NULL OR source_date IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM "
        "account_sources l WHERE l.account_rowid = a.rowid AND l.role = 'primary') ORDER BY rowid"
    ).fetchall()
    for rowid, created_at, title, url, publisher, *rest in accounts:
        date, reliability, credibility = rest[:7], rest[7], rest[8]
        url_k, title_k = keys(title, url, publisher, date[0], date[1])
        found = None
        if url_k is not None:
            found = db.execute(
                "SELECT rowid FROM sources WHERE url_key = ? ORDER BY rowid LIMIT 1", (url_k,)
            ).fetchone()
        if found is None and title_k is not None:
            extra = ONLY_UNADDRESSED if url_k is not None else ""
            found = db.execute(SOURCE_BY_TITLE.format(only_unaddressed=extra), (title_k,)).fetchone()
        if found is None:
            import secrets

            source = db.execute(
                f"INSERT INTO sources (id, title, url, publisher, {', '.join(dated)}, created_at, url_key, match_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (secrets.token_hex(8), title, url, publisher, *date, created_at, url_k, title_k),
            ).lastrowid
        else:
            source = found[0]
            db.execute(  # what the source lacks, from the account; a date only as a whole
                "UPDATE sources SET title = coalesce(title, ?), url = coalesce(url, ?), publisher = "
                "coalesce(publisher, ?) WHERE rowid = ?",
                (
                    title,
                    url if db.execute("SELECT 1 FROM sources WHERE url = ?", (url,)).fetchone() is None else None,
                    publisher,
                    source,
                ),
            )
            if date[0] is not None:
                db.execute(
                    f"UPDATE sources SET ({', '.join(dated)}) = (?, ?, ?, ?, ?, ?, ?) WHERE rowid = ? AND date IS NULL",
                    (*date, source),
                )
            now = db.execute("SELECT title, url, publisher, date, date_edtf FROM sources WHERE rowid = ?", (source,))
            db.execute(
                "UPDATE sources SET url_key = ?, match_key = ? WHERE rowid = ?", (*keys(*now.fetchone()), source)
            )
        db.execute("UPDATE account_sources SET position = position + 1 WHERE account_rowid = ?", (rowid,))
        db.execute(
            "INSERT INTO account_sources (account_rowid, source_rowid, position, role, reliability, credibility) "
            "VALUES (?, ?, 0, 'primary', ?, ?) ON CONFLICT (account_rowid, source_rowid) DO UPDATE SET "
            "role = 'primary', position = 0, reliability = coalesce(reliability, excluded.reliability), "
            "credibility = coalesce(credibility, excluded.credibility)",
            (rowid, source, reliability, credibility),
        )
        db.execute(  # the flat columns the account left empty now mirror its primary source
            "UPDATE accounts SET source_title = coalesce(source_title, (SELECT title FROM sources WHERE rowid = ?1)), "
            "source_url = coalesce(source_url, (SELECT url FROM sources WHERE rowid = ?1)), source_publisher = "
            "coalesce(source_publisher, (SELECT publisher FROM sources WHERE rowid = ?1)) WHERE rowid = ?2",
            (source, rowid),
        )
        if date[0] is None:
            db.execute(
                f"UPDATE accounts SET ({', '.join('source_' + c for c in dated)}) = (SELECT {', '.join(dated)} FROM "
                "sources WHERE rowid = ?) WHERE rowid = ?",
                (source, rowid),
            )


@migrations()
def m010b_flat_source_kind(db: Database) -> None:
    """The primary source's publisher type and stance as flat columns, so CSV and JSON imports can give them."""
    _statements(
        db,
        """
        ALTER TABLE accounts ADD COLUMN source_publisher_type TEXT;
        ALTER TABLE accounts ADD COLUMN source_stance TEXT
        """,
    )


@migrations()
def m012_codes_places_people(db: Database) -> None:
    """Codes beside free-text categories (issue 18, item 8): ``nationality_code`` (ISO 3166-1 alpha-2) and
    ``gender_code``, filled here for the rows already stored (what was written stays in ``nationality`` and
    ``gender``). Places in the person's story and people the account mentions (issue 19, items 4 and 5), each
    row with a short id (8 hex digits) that stays the same while the account is rewritten."""
    from casefile.codes import code_of

    db.execute("ALTER TABLE accounts ADD COLUMN gender_code TEXT")
    db.execute("ALTER TABLE accounts ADD COLUMN nationality_code TEXT")
    db.conn.create_function("casefile_code", 2, code_of, deterministic=True)
    db.execute(
        "UPDATE accounts SET nationality_code = casefile_code('country', nationality), "
        "gender_code = casefile_code('gender', gender) WHERE nationality IS NOT NULL OR gender IS NOT NULL"
    )
    _statements(
        db,
        f"""
        CREATE TABLE places (
            rowid INTEGER PRIMARY KEY,
            account_rowid INTEGER NOT NULL REFERENCES accounts(rowid) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            id TEXT NOT NULL,
            role TEXT NOT NULL,
            name TEXT,
            country TEXT,
            country_code TEXT,
            {_date("since")},
            {_date("until")},
            note TEXT,
            source_rowid INTEGER REFERENCES sources(rowid),
            UNIQUE (account_rowid, id)
        );
        CREATE INDEX idx_places_country ON places (country_code);
        CREATE TABLE people (
            rowid INTEGER PRIMARY KEY,
            account_rowid INTEGER NOT NULL REFERENCES accounts(rowid) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            id TEXT NOT NULL,
            name TEXT,
            relation TEXT NOT NULL,
            account TEXT,
            note TEXT,
            source_rowid INTEGER REFERENCES sources(rowid),
            UNIQUE (account_rowid, id)
        );
        CREATE INDEX idx_people_account ON people (account)
        """,
    )


def _unique_part_ids(db: Database, table: str) -> None:
    """Give every row of ``table`` without one an 8-hex-digit id, drawing again for the few that collide (two
    random ids in 4 billion meet about once in 100,000 rows)."""
    db.execute(f"UPDATE {table} SET id = lower(hex(randomblob(4))) WHERE id IS NULL")
    while True:
        cursor = db.execute(
            f"UPDATE {table} SET id = lower(hex(randomblob(4))) WHERE rowid IN (SELECT rowid FROM {table} t WHERE "
            f"EXISTS (SELECT 1 FROM {table} u WHERE u.id = t.id AND u.rowid < t.rowid))"
        )
        if not cursor.rowcount:
            return


@migrations()
def m013_part_ids(db: Database) -> None:
    """Events and quotes get a short stable id each, so one can be listed, edited or removed by it (issue 19,
    item 7). Not UNIQUE in the schema: an account merged away keeps copies of the ids its survivor took over."""
    for table in ("events", "quotes"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN id TEXT")
        _unique_part_ids(db, table)
        db.execute(f"CREATE INDEX idx_{table}_id ON {table} (id)")


@migrations()
def m013b_join_reasons_barriers(db: Database) -> None:
    """Reasons for joining and barriers to leaving, each coded apart from the reasons for leaving; a quote tied to
    the reason or allegation it supports and marked as relayed by another outlet (issue 19, item 6)."""
    db.execute("ALTER TABLE accounts ADD COLUMN join_reasons TEXT")
    db.execute("ALTER TABLE accounts ADD COLUMN barriers TEXT")
    db.execute("ALTER TABLE quotes ADD COLUMN supports TEXT")
    db.execute("ALTER TABLE quotes ADD COLUMN relayed_via TEXT")


@migrations()
def m013c_coded_items(db: Database) -> None:
    """Each code of an account's reasons, join reasons, barriers and allegations gets an id of its own, so one can
    be edited or removed, and a quote can name the one it supports (issue 19, items 6-7). The codes stay in the
    accounts' columns (``stats`` counts them there); these rows give them ids."""
    _statements(
        db,
        """
        CREATE TABLE coded_items (
            rowid INTEGER PRIMARY KEY,
            account_rowid INTEGER NOT NULL REFERENCES accounts(rowid) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            id TEXT NOT NULL,
            field TEXT NOT NULL,
            code TEXT NOT NULL
        );
        CREATE INDEX idx_coded_items_account ON coded_items (account_rowid, position);
        CREATE INDEX idx_coded_items_id ON coded_items (id);
        """,
    )
    rows = db.execute(
        "SELECT a.rowid, f.name, j.value FROM accounts a, (SELECT 'reasons' AS name, 0 AS n UNION ALL SELECT "
        "'allegations', 1 UNION ALL SELECT 'join_reasons', 2 UNION ALL SELECT 'barriers', 3) f, "
        "json_each(CASE f.name WHEN 'reasons' THEN a.reasons WHEN 'join_reasons' THEN a.join_reasons WHEN "
        "'barriers' THEN a.barriers ELSE a.allegations END) j ORDER BY a.rowid, f.n, j.key"
    ).fetchall()
    position: dict[int, int] = {}
    for account, field, code in rows:
        n = position[account] = position.get(account, -1) + 1
        db.execute(
            "INSERT INTO coded_items (account_rowid, position, id, field, code) "
            "VALUES (?, ?, lower(hex(randomblob(4))), ?, ?)",
            (account, n, field, code),
        )
    _unique_part_ids(db, "coded_items")


@migrations()
def m014_date_anchors(db: Database) -> None:
    """Dates relative to another date (issue 19): beside every date, ``<date>_anchor`` — what a derived date counts
    from. Added to every table that has a date (a ``<date>_corrected`` column) when this step runs, so the dates
    of parts added by earlier steps get one too."""
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        columns = [row[1] for row in db.execute(f"PRAGMA table_info([{table}])").fetchall()]
        for column in columns:
            if column.endswith("_corrected") and f"{column.removesuffix('_corrected')}_note" in columns:
                anchor = f"{column.removesuffix('_corrected')}_anchor"
                if anchor not in columns:
                    db.execute(f"ALTER TABLE [{table}] ADD COLUMN [{anchor}] TEXT")


@migrations()
def m014b_years_qualifier(db: Database) -> None:
    """``years_in_org`` keeps its qualifier (issue 19): "more than seven years" is 7 with ``more_than``."""
    db.execute("ALTER TABLE accounts ADD COLUMN years_in_org_qualifier TEXT")


@migrations()
def m015_evidence(db: Database) -> None:
    """Evidence preservation (issue 21): the bytes of captured pages and attached files, content-addressed by
    SHA-256 inside this file (one copy however many sources point at it, stored in chunks written and read
    with incremental BLOB I/O); each capture or attachment of a source with its fixity record; and a custody
    log per artifact that is append-only - no UPDATE at all, and a DELETE only once its artifact is gone
    (purge, or undo of the capture that stored it) - each entry carrying the hash of the one before."""
    _statements(
        db,
        """
        CREATE TABLE artifacts (
            rowid INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            sha1 TEXT NOT NULL,
            size INTEGER NOT NULL,
            media_type TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE artifact_chunks (
            rowid INTEGER PRIMARY KEY,
            artifact_rowid INTEGER NOT NULL REFERENCES artifacts(rowid),
            seq INTEGER NOT NULL,
            data BLOB NOT NULL,
            UNIQUE (artifact_rowid, seq)
        );
        CREATE TABLE captures (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            source_rowid INTEGER NOT NULL REFERENCES sources(rowid),
            artifact_rowid INTEGER NOT NULL REFERENCES artifacts(rowid),
            warc_rowid INTEGER REFERENCES artifacts(rowid),
            method TEXT NOT NULL,
            file_name TEXT,
            request_url TEXT,
            final_url TEXT,
            redirects TEXT,
            status INTEGER,
            headers TEXT,
            media_type TEXT,
            content_encoding TEXT,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            sha1 TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            tool TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            collector TEXT NOT NULL,
            ip_address TEXT
        );
        CREATE INDEX idx_captures_source ON captures (source_rowid);
        CREATE INDEX idx_captures_artifact ON captures (artifact_rowid);
        CREATE INDEX idx_captures_warc ON captures (warc_rowid);
        CREATE TABLE custody (
            rowid INTEGER PRIMARY KEY,
            artifact_rowid INTEGER NOT NULL REFERENCES artifacts(rowid),
            seq INTEGER NOT NULL,
            ts TEXT NOT NULL,
            event TEXT NOT NULL,
            actor TEXT NOT NULL,
            tool TEXT NOT NULL,
            detail TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (artifact_rowid, seq)
        );
        """,
    )
    # triggers hold ";" inside them: one execute each, not through _statements
    db.execute(
        "CREATE TRIGGER custody_append_only BEFORE UPDATE ON custody BEGIN "
        "SELECT RAISE(ABORT, 'the custody log is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER custody_kept BEFORE DELETE ON custody WHEN EXISTS (SELECT 1 FROM artifacts WHERE rowid = "
        "OLD.artifact_rowid) BEGIN SELECT RAISE(ABORT, 'the custody log is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER artifacts_forget AFTER DELETE ON artifacts BEGIN DELETE FROM custody WHERE artifact_rowid = "
        "OLD.rowid; DELETE FROM artifact_chunks WHERE artifact_rowid = OLD.rowid; END"
    )


@migrations()
def m015b_artifact_texts(db: Database) -> None:
    """The working copy of an artifact's text (issue 21): extracted from a captured HTML page or PDF, kept apart
    from the original and marked as derived (which extractor made it); gone with its artifact."""
    db.execute(
        """
        CREATE TABLE artifact_texts (
            artifact_rowid INTEGER PRIMARY KEY REFERENCES artifacts(rowid),
            extractor TEXT NOT NULL,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        "CREATE TRIGGER artifacts_forget_text AFTER DELETE ON artifacts BEGIN DELETE FROM artifact_texts WHERE "
        "artifact_rowid = OLD.rowid; END"
    )


@migrations()
def m017_review(db: Database) -> None:
    """``review``: an account drafted by ``casefile ingest --accept`` and filed without a person's review
    says so (``unreviewed``) until someone marks it ``reviewed`` (issue 22)."""
    db.execute("ALTER TABLE accounts ADD COLUMN review TEXT")


@migrations()
def m018_born(db: Database) -> None:
    """``born``: the year of birth as written when it is not one exact year ("1988/1989", "1986–90", "before
    1990"; issue 19, item 2), a date with its parsed parts; ``birth_year`` keeps the exact year as before."""
    for column in _date("born").split(", "):
        db.execute(f"ALTER TABLE accounts ADD COLUMN {column}")
    db.execute("ALTER TABLE accounts ADD COLUMN born_anchor TEXT")


@migrations()
def m018b_org_founded_part_ids(db: Database) -> None:
    """``founded``: when an organisation was founded, as written (issue 19, item 3); ``check`` flags a joined
    date before it. Places and people find their rows by id as events and quotes do (``place|person edit
    PART-ID``, and a new id drawn against the whole table): an index on it. An account's link to a source gets
    a short id of its own too (``source-link edit|remove``; issue 19, item 7)."""
    db.execute("ALTER TABLE organizations ADD COLUMN founded TEXT")
    db.execute("ALTER TABLE account_sources ADD COLUMN id TEXT")
    _unique_part_ids(db, "account_sources")
    for table in ("places", "people", "account_sources"):
        db.execute(f"CREATE INDEX idx_{table}_id ON {table} (id)")


@migrations()
def m020_artifact_timestamps(db: Database) -> None:
    """Trusted time (issue 21): the RFC 3161 timestamps of an artifact - each the TSA's DER TimeStampResp as it
    came (base64, so the audit log's JSON before-images can hold it), what it says (time, serial, policy, the
    TSA's name, the imprint's algorithm and hash) and the CA certificate it was checked against. No UPDATE;
    gone with its artifact (purge, undo)."""
    db.execute(
        """
        CREATE TABLE artifact_timestamps (
            rowid INTEGER PRIMARY KEY,
            artifact_rowid INTEGER NOT NULL REFERENCES artifacts(rowid),
            tsa_url TEXT NOT NULL,
            hash_algorithm TEXT NOT NULL,
            digest TEXT NOT NULL,
            gen_time TEXT NOT NULL,
            serial TEXT NOT NULL,
            policy TEXT,
            tsa_name TEXT,
            response TEXT NOT NULL,
            ca_pem TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_artifact_timestamps_artifact ON artifact_timestamps (artifact_rowid)")
    db.execute(
        "CREATE TRIGGER artifact_timestamps_kept BEFORE UPDATE ON artifact_timestamps BEGIN "
        "SELECT RAISE(ABORT, 'a timestamp is kept as the authority gave it'); END"
    )
    db.execute(
        "CREATE TRIGGER artifacts_forget_timestamps AFTER DELETE ON artifacts BEGIN DELETE FROM artifact_timestamps "
        "WHERE artifact_rowid = OLD.rowid; END"
    )


@migrations()
def m021_search_index_stale(db: Database) -> None:
    """The database knows when its search index is out of date (issue 23, I1): ``import --no-index`` leaves the
    accounts it writes out of the index and puts the one row here (when); ``search`` and a plain ``publish``
    then refuse, ``check`` and ``doctor`` say so, and only a full rebuild (``casefile reindex``) takes the row
    away. Not audited: no undo or later write may clear it by accident."""
    db.execute("CREATE TABLE search_index_stale (rowid INTEGER PRIMARY KEY CHECK (rowid = 1), since TEXT NOT NULL)")


@migrations()
def m022_audit_create_ranges(db: Database) -> None:
    """An import's creations as rowid ranges in the audit log (issue 23, D1): a ``create`` entry with a
    ``last_rid`` stands for the records ``rid`` to ``last_rid`` its batch created - one entry a run of rowids
    rather than one a record (~90 bytes each with its index entries: 0.08x of an imported CSV's size). Its
    ``record_id`` is empty: the records' ids are read from the records, or from the entry that recorded one's
    going (``store/history.py``). Entries written before keep ``last_rid`` NULL and read as they always did.
    The partial index finds the ranges holding a rowid."""
    db.execute("ALTER TABLE audit_log ADD COLUMN last_rid INTEGER")
    db.execute("CREATE INDEX idx_audit_log_ranges ON audit_log (kind, last_rid) WHERE last_rid IS NOT NULL")
