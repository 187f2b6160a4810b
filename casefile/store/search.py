"""The full-text index (``accounts_fts``, FTS5): what it holds for each account - names with their
romanisation keys, the body (summary, quotes, events) and source titles, folded - kept in step with every
write before COMMIT, searched with bm25 ranking, rebuilt and checked on demand.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

from casefile.errors import CasefileError, DatabaseBusy
from casefile.model import Account, Filter
from casefile.text import index_form, plural, translit_key, words

from .accounts import _SELECT_COLUMNS, order_sql, row_to_account
from .base import StoreBase

#: The text behind one account's search entry: names, body (summary, quotes, events) and source titles.
_DOC_SQL = (
    "SELECT a.rowid, a.name, a.aliases, a.summary, a.source_title, "
    "(SELECT group_concat(q.text || coalesce(char(10) || q.translation, ''), char(10)) FROM quotes q "
    "WHERE q.account_rowid = a.rowid), "
    "(SELECT group_concat(coalesce(e.description, '') || coalesce(char(10) || e.place, ''), char(10)) FROM events e "
    "WHERE e.account_rowid = a.rowid), "
    "(SELECT group_concat(s.title, char(10)) FROM account_sources l JOIN sources s ON s.rowid = l.source_rowid "
    "WHERE l.account_rowid = a.rowid) "
    "FROM accounts a WHERE a.rowid IN ({marks})"
)
#: What is indexed for accounts (see m003_search_index: a NULL in accounts_fts_docs is the accounts column).
_INDEXED_SQL = (
    "SELECT d.rowid, coalesce(d.name, a.name, ''), coalesce(d.summary, a.summary, ''), "
    "coalesce(d.source_title, a.source_title, '') FROM accounts_fts_docs d LEFT JOIN accounts a ON a.rowid = d.rowid "
    "WHERE d.rowid IN ({marks})"
)


@functools.lru_cache(maxsize=4096)
def _name_terms(name: str) -> tuple[str, frozenset[str]]:
    """A name's index form and the romanisation keys of its words (cached: names recur in bulk imports)."""
    return index_form(name), frozenset(k for w in words(name) if (k := translit_key(w)) != w)


def _search_doc(row: Sequence[Any]) -> tuple[str, str, str]:
    """What ``accounts_fts`` indexes for one row of :data:`_DOC_SQL`: (names, body, source titles), folded.

    The names column also holds the transliteration key of each Latin word that has one (Hassan → hasan),
    so a search for one romanisation finds the others."""
    _rowid, name, aliases, summary, flat_title, quotes, events, titles = row
    names = [_name_terms(n) for n in (name, *(json.loads(aliases) if aliases else ())) if n]
    keys = sorted({k for _, name_keys in names for k in name_keys})
    name_doc = "\n".join([*(form for form, _ in names), *keys])
    body = index_form("\n".join(t for t in (summary, quotes, events) if t))
    seen = dict.fromkeys(t for t in (flat_title, *(titles.split("\n") if titles else ())) if t)
    return name_doc, body, index_form("\n".join(seen))


class _Rollback(Exception):
    pass


class Search(StoreBase):
    """The full-text index: kept in step, searched, rebuilt, checked."""

    # The one hook: temp triggers (on this connection only, so other tools never need casefile's code)
    # note the rowid of every account whose searchable text may have changed in temp.search_touched, and
    # transaction() calls sync_search() before COMMIT, which rewrites those accounts' index entries in
    # batches. New accounts need no trigger: they are the rows above the highest rowid the transaction
    # began with (an INSERT trigger made SQLite keep a statement journal for every inserted row, which
    # more than doubled the cost of a bulk insert; docs/PERFORMANCE.md). The one insert below that rowid,
    # an account put back by undo, is noted by restore_image.
    #
    # A bulk import therefore indexes its accounts once, after they are written, set-wise, rather
    # than through per-row FTS triggers; an account that was written but whose text did not change costs a
    # comparison. Any write through this connection is covered, whichever command makes it.

    def _track_writes(self) -> None:
        if self._tracking:
            return
        touch = "INSERT OR IGNORE INTO search_touched (rowid) VALUES"
        statements = [
            "CREATE TEMP TABLE IF NOT EXISTS search_touched (rowid INTEGER PRIMARY KEY)",
            f"CREATE TEMP TRIGGER IF NOT EXISTS search_accounts_update AFTER UPDATE OF name, aliases, summary, "
            f"source_title ON main.accounts BEGIN {touch} (new.rowid); END",
            "CREATE TEMP TRIGGER IF NOT EXISTS search_sources_update AFTER UPDATE OF title ON main.sources BEGIN "
            "INSERT OR IGNORE INTO search_touched (rowid) SELECT account_rowid FROM main.account_sources "
            "WHERE source_rowid = new.rowid; END",
        ]
        for table in ("events", "quotes", "account_sources"):
            for event, row in (("INSERT", "new"), ("DELETE", "old"), ("UPDATE", "new")):
                statements.append(
                    f"CREATE TEMP TRIGGER IF NOT EXISTS search_{table}_{event.lower()} AFTER {event} ON "
                    f"main.{table} BEGIN {touch} ({row}.account_rowid); END"
                )
        for statement in statements:
            self.conn.execute(statement)
        self._tracking = True

    def sync_search(self, batch: int = 2000) -> int:
        """Bring the index entries of the touched accounts up to date; returns how many changed."""
        conn = self.conn
        conn.execute(
            "INSERT OR IGNORE INTO temp.search_touched (rowid) SELECT rowid FROM main.accounts WHERE rowid > ?",
            (self._accounts_start,),
        )
        changed = 0
        last = 0
        while True:
            chunk = [
                r[0]
                for r in conn.execute(
                    "SELECT rowid FROM temp.search_touched WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, batch)
                )
            ]
            if not chunk:
                break
            last = chunk[-1]
            if self._indexed is not None:
                self._indexed(len(chunk))
            marks = ", ".join("?" for _ in chunk)
            old = {r[0]: r[1:] for r in conn.execute(_INDEXED_SQL.format(marks=marks), chunk)}
            rows = {r[0]: r for r in conn.execute(_DOC_SQL.format(marks=marks), chunk)}
            new = {rowid: _search_doc(row) for rowid, row in rows.items()}
            stale = [rowid for rowid in chunk if old.get(rowid) != new.get(rowid)]
            if not stale:
                continue
            changed += len(stale)
            gone = [(rowid, *old[rowid]) for rowid in stale if rowid in old]
            conn.executemany(
                "INSERT INTO accounts_fts (accounts_fts, rowid, name, summary, source_title) "
                "VALUES ('delete', ?, ?, ?, ?)",
                gone,
            )
            conn.executemany("DELETE FROM accounts_fts_docs WHERE rowid = ?", [(g[0],) for g in gone])
            fresh = [(rowid, *new[rowid]) for rowid in stale if rowid in new]
            conn.executemany("INSERT INTO accounts_fts (rowid, name, summary, source_title) VALUES (?, ?, ?, ?)", fresh)
            # keep only what the accounts row does not already hold (NULL: "the column's text, as it is now")
            kept = [
                (
                    rowid,
                    *(
                        None if doc == (rows[rowid][column] or "") else doc
                        for doc, column in zip(docs, (1, 3, 4), strict=True)
                    ),
                )
                for rowid, *docs in fresh
            ]
            conn.executemany(
                "INSERT INTO accounts_fts_docs (rowid, name, summary, source_title) VALUES (?, ?, ?, ?)", kept
            )
        conn.execute("DELETE FROM temp.search_touched")
        return changed

    def rebuild_search(self, advance: Callable[[int], None] | None = None) -> int:
        """Re-index every account (after writes by other tools, which casefile cannot see); ``advance`` is told
        how many accounts each step indexed (a progress bar)."""
        self._indexed = advance
        try:
            with self.transaction():
                self.conn.execute("INSERT INTO accounts_fts (accounts_fts) VALUES ('delete-all')")
                self.conn.execute("DELETE FROM accounts_fts_docs")
                self.conn.execute("INSERT INTO temp.search_touched SELECT rowid FROM accounts")
                return int(self.conn.execute("SELECT count(*) FROM temp.search_touched").fetchone()[0])
        finally:
            self._indexed = None

    def search(self, match: str, flt: Filter) -> list[tuple[int, float]]:
        """(account rowid, bm25 score) of the accounts matching an FTS5 expression and the filter, best
        first (``flt.sort`` orders them by a field instead); at most ``flt.limit``."""
        where, params = self.where(flt)
        where = where.replace(" WHERE ", " AND ", 1)
        order = order_sql(flt) if flt.sort else " ORDER BY accounts_fts.rank"
        sql = (
            "SELECT accounts.rowid, -accounts_fts.rank FROM accounts_fts JOIN accounts ON accounts.rowid = "
            f"accounts_fts.rowid WHERE accounts_fts MATCH ?{where}{order}"
        )
        if flt.limit is not None:
            sql += " LIMIT ?"
            params.append(flt.limit)
        return [(int(r[0]), float(r[1])) for r in self.conn.execute(sql, [match, *params])]

    def accounts_by_rowid(self, rowids: Sequence[int]) -> dict[int, Account]:
        """Stored accounts (nested parts loaded) by rowid."""
        if not rowids:
            return {}
        marks = ", ".join("?" for _ in rowids)
        rows = self.conn.execute(f"SELECT {_SELECT_COLUMNS} FROM accounts WHERE rowid IN ({marks})", list(rowids))
        accounts = [row_to_account(r) for r in rows]
        self.attach_nested(accounts)
        return {int(a.rowid): a for a in accounts if a.rowid is not None}

    def optimize_search_index(self) -> None:
        """Rewrite every FTS5 index, so text deleted from the records leaves the index too (FTS5 keeps deleted
        terms in its segments until an 'optimize'; VACUUM does not remove them). The purge hook for whatever
        full-text index the database has."""
        for (name,) in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND lower(sql) LIKE 'create virtual table%using fts5%'"
        ).fetchall():
            self.conn.execute(f'INSERT INTO "{name}"("{name}") VALUES (\'optimize\')')

    def search_index_problems(self) -> list[str]:
        """What is wrong with the full-text index: FTS5's own structure check, then whether each account's
        entry is what casefile would index for it now (the index holds folded text, names and quotes, so it
        cannot be compared with the ``accounts`` columns alone)."""
        if not self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'accounts_fts'").fetchone():
            return []
        problems = []
        try:
            with self.transaction():
                # rank 0: the index's own structure; rank 1 would compare it with the accounts columns
                self.conn.execute("INSERT INTO accounts_fts (accounts_fts, rank) VALUES ('integrity-check', 0)")
                raise _Rollback
        except _Rollback:
            pass
        except DatabaseBusy:
            raise  # another command is writing: the check needs the write lock, the index is not damaged
        except CasefileError:
            problems.append("the full-text index 'accounts_fts' is damaged")
        stale = missing = 0
        rowids = [r[0] for r in self.conn.execute("SELECT rowid FROM accounts ORDER BY rowid")]
        for start in range(0, len(rowids), 2000):
            chunk = rowids[start : start + 2000]
            marks = ", ".join("?" for _ in chunk)
            indexed = {r[0]: tuple(r[1:]) for r in self.conn.execute(_INDEXED_SQL.format(marks=marks), chunk)}
            for row in self.conn.execute(_DOC_SQL.format(marks=marks), chunk):
                if row[0] not in indexed:
                    missing += 1
                elif indexed[row[0]] != _search_doc(row):
                    stale += 1
        orphaned = self.conn.execute(
            "SELECT count(*) FROM accounts_fts_docs WHERE rowid NOT IN (SELECT rowid FROM accounts)"
        ).fetchone()[0]
        for count, what, how in (
            (missing, "account", "missing from"),
            (stale, "account", "out of date in"),
            (orphaned, "entry", "for accounts that no longer exist in"),
        ):
            if count:
                problems.append(
                    f"{plural(count, what, 'entries' if what == 'entry' else None)} {how} the full-text index"
                )
        return problems
