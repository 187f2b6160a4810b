"""The full-text index (``accounts_fts``, FTS5): what it holds for each account - every text a user typed,
walked from the field registry (names with the keys of their romanisations, the body, the sources, the
organisation's names and aliases), folded - kept in step with every write before COMMIT (an alias added to an
organisation or a source edited re-indexes the accounts concerned in the same transaction), searched with
bm25 ranking, rebuilt and checked on demand.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from casefile import model
from casefile.errors import CasefileError, DatabaseBusy
from casefile.model import Account, Filter
from casefile.searchable import SEARCH_COLUMNS, SEARCH_INDEXED, searchable_columns
from casefile.searchable import searchable as is_searchable
from casefile.text import index_form, name_keys, plural, words

from .accounts import _SELECT_COLUMNS, order_sql, row_to_account
from .base import StoreBase

#: What is indexed for accounts (see m011_search_everything: a NULL in accounts_fts_docs is the accounts column).
_INDEXED_SQL = (
    "SELECT d.rowid, "
    + ", ".join(SEARCH_INDEXED)
    + " FROM accounts_fts_docs d LEFT JOIN accounts a ON a.rowid = d.rowid WHERE d.rowid IN ({marks})"
)
_COLUMNS = ", ".join(SEARCH_COLUMNS)
#: The account fields search reads (their parts are loaded beside them): the registry's searchable ones.
_TEXT_FIELDS = tuple(f for f in model.FIELDS if is_searchable(f))
_TEXT_SELECT = ", ".join(f'"{f.name}"' for f in _TEXT_FIELDS)
_MARKS = ", ".join("?" for _ in SEARCH_COLUMNS)
_DOC_COLUMNS = ", ".join(f"{c}, {c}_more" for c in SEARCH_COLUMNS)
_DOC_MARKS = ", ".join("?, ?" for _ in SEARCH_COLUMNS)


def _stored(doc: str, own: str | None) -> tuple[str | None, str | None]:
    """How ``accounts_fts_docs`` keeps what was indexed for a column whose accounts column holds ``own``: NULL
    for that text when the indexed text begins with it (so it is not stored twice), and the rest."""
    own = own or ""
    if doc.startswith(own) and (len(doc) == len(own) or doc[len(own)] == "\n"):
        return None, doc[len(own) :] or None
    return doc, None


@functools.lru_cache(maxsize=4096)
def _name_terms(name: str) -> tuple[str, frozenset[str]]:
    """A name's index form and the keys it is also found by (:func:`~casefile.text.name_keys`: each word's
    romanisation key, and adjacent words written as one), less its own words (cached: names recur)."""
    return index_form(name), frozenset(name_keys(name) - set(words(name)))


def search_doc(account: Account, organization_names: tuple[str, ...] = ()) -> tuple[str, ...]:
    """What ``accounts_fts`` indexes for one account, a text per :data:`~casefile.model.SEARCH_COLUMNS`, folded:
    everything :func:`~casefile.searchable.searchable_texts` finds in the registry's fields and parts and the
    organisation's names. The names column also holds the keys each name is found by (Hassan → hasan,
    Gholam Reza → qulamraza), so a search for one romanisation finds the others as an FTS query."""
    texts = searchable_columns(account, organization_names)
    for column, found in texts.items():  # the accounts column's own text first: accounts_fts_docs need not hold it
        own = account.values.get(column)
        if own in found and found[0] != own:
            found.remove(own)
            found.insert(0, own)
    names = [_name_terms(n) for n in texts["name"]]
    keys = sorted({k for _, name_keys in names for k in name_keys})
    texts["name"] = [*(form for form, _ in names), *keys]
    return tuple(index_form("\n".join(texts[c])) for c in SEARCH_COLUMNS)


#: Accounts re-indexed per step of :meth:`Search.sync_search`: each step holds its accounts, parts and texts in
#: memory. 2,000 of the benchmark's accounts (1-2 KB of text each, with sources) took ~28 MiB; 500 take ~7 MiB
#: for the same CPU time (issue 23, I4: 92 -> 63 MiB peak for a 10,000-row import).
SYNC_BATCH = 500
#: What ``search`` (and everything else that reads the index) says while the database is marked out of date.
INDEX_STALE = "the search index is out of date since an import with --no-index: run `casefile reindex`"


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
        touch = "INSERT OR IGNORE INTO search_touched (rowid)"
        account_columns = [f.name for f in model.FIELDS if is_searchable(f)]
        source_columns = [f.name for f in model.SOURCE_FIELDS if is_searchable(f)]
        present = {r[0] for r in self.conn.execute("SELECT name FROM pragma_table_info('sources')")}
        # an organisation's accounts: those naming it by its canonical name or by one of its names - those the
        # transaction found stored: the accounts above the start are indexed whole before COMMIT anyway, and
        # looking for them cost a scan of the accounts per organisation an import created (their index is dropped
        # for a load into an empty table: 2,000 new organisations in 20,000 rows cost 5.2 s, issue 23)
        stored = "rowid <= (SELECT rowid FROM temp.search_start)"
        org_accounts = (
            f"SELECT rowid FROM main.accounts WHERE {stored} AND organization IN (SELECT name FROM "
            "main.organization_names WHERE organization_rowid = {r}.organization_rowid UNION SELECT name FROM "
            "main.organizations WHERE rowid = {r}.organization_rowid UNION SELECT {r}.name)"
        )
        statements = [
            "CREATE TEMP TABLE IF NOT EXISTS search_touched (rowid INTEGER PRIMARY KEY)",
            # the highest account rowid when the transaction began (one row, set by _search_begin)
            "CREATE TEMP TABLE IF NOT EXISTS search_start (rowid INTEGER NOT NULL)",
            f"CREATE TEMP TRIGGER IF NOT EXISTS search_accounts_update AFTER UPDATE OF "
            f"{', '.join(account_columns)} ON main.accounts BEGIN {touch} VALUES (new.rowid); END",
            f"CREATE TEMP TRIGGER IF NOT EXISTS search_sources_update AFTER UPDATE OF "
            f"{', '.join(c for c in dict.fromkeys(source_columns) if c in present)} ON main.sources BEGIN {touch} "
            "SELECT account_rowid FROM main.account_sources WHERE source_rowid = new.rowid; END",
            f"CREATE TEMP TRIGGER IF NOT EXISTS search_organizations_update AFTER UPDATE OF name ON main.organizations "
            f"BEGIN {touch} SELECT rowid FROM main.accounts WHERE {stored} AND organization IN (old.name, new.name); "
            "END",
            f"CREATE TEMP TRIGGER IF NOT EXISTS search_organizations_delete AFTER DELETE ON main.organizations "
            f"BEGIN {touch} SELECT rowid FROM main.accounts WHERE {stored} AND organization = old.name; END",
        ]
        for event, rows in (("INSERT", ("new",)), ("DELETE", ("old",)), ("UPDATE", ("old", "new"))):
            body = " ".join(f"{touch} {org_accounts.format(r=r)};" for r in rows)
            statements.append(
                f"CREATE TEMP TRIGGER IF NOT EXISTS search_organization_names_{event.lower()} AFTER {event} ON "
                f"main.organization_names BEGIN {body} END"
            )
        # every part of an account (a table with an account_rowid: sources' links, events, quotes and any part
        # added since) notes its account when a row is added, changed or removed
        parts = self.conn.execute(
            "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' "
            "AND p.name = 'account_rowid' ORDER BY m.name"
        ).fetchall()
        for (table,) in parts:
            for event, row in (("INSERT", "new"), ("DELETE", "old"), ("UPDATE", "new")):
                statements.append(
                    f'CREATE TEMP TRIGGER IF NOT EXISTS "search_{table}_{event.lower()}" AFTER {event} ON '
                    f'main."{table}" BEGIN {touch} VALUES ({row}.account_rowid); END'
                )
        for statement in statements:
            self.conn.execute(statement)
        self._tracking = True

    def _search_begin(self) -> None:
        """At the start of a transaction: nothing touched yet; the highest account rowid noted (here and for the
        triggers: the accounts above it are new, and indexed whole by :meth:`sync_search`)."""
        self.conn.execute("DELETE FROM temp.search_touched")
        self._accounts_start = int(self.conn.execute("SELECT coalesce(max(rowid), 0) FROM main.accounts").fetchone()[0])
        self.conn.execute("DELETE FROM temp.search_start")
        self.conn.execute("INSERT INTO temp.search_start (rowid) VALUES (?)", (self._accounts_start,))

    def _search_docs(self, rowids: Sequence[int]) -> dict[int, tuple[tuple[str, ...], Account]]:
        """rowid → (what the index should hold for it, the account) for the stored accounts among ``rowids``."""
        marks = ", ".join("?" for _ in rowids)
        accounts = {}
        for row in self.conn.execute(f"SELECT rowid, {_TEXT_SELECT} FROM accounts WHERE rowid IN ({marks})", rowids):
            values = {
                f.name: (json.loads(v) if v and f.multi else v) for f, v in zip(_TEXT_FIELDS, row[1:], strict=True)
            }
            accounts[row[0]] = Account(values, rowid=row[0])
        self.attach_nested(list(accounts.values()), searched=True)
        names = self.organization_names_of({o for a in accounts.values() if (o := a.values.get("organization"))})
        return {
            rowid: (search_doc(a, names.get(a.values.get("organization") or "", ())), a)
            for rowid, a in accounts.items()
        }

    @contextmanager
    def unindexed(self, leave: bool = True) -> Iterator[None]:
        """Around a :meth:`transaction` (entered before it): what it writes is left out of the index, and the
        database is marked out of date (``import --no-index``) if it wrote any account; ``leave=False`` changes
        nothing."""
        before = self._unindexed
        self._unindexed = before or leave
        try:
            yield
        finally:
            self._unindexed = before

    def _leave_unindexed(self) -> int:
        """:meth:`sync_search` under :meth:`unindexed`: no index entry is written; the mark is, when the
        transaction added or changed an account (it stays until :meth:`rebuild_search`)."""
        wrote = self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM main.accounts WHERE rowid > ?) OR EXISTS (SELECT 1 FROM temp.search_touched)",
            (self._accounts_start,),
        ).fetchone()[0]
        if wrote:
            self.conn.execute(
                "INSERT OR IGNORE INTO main.search_index_stale (rowid, since) "
                "VALUES (1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
            )
        self.conn.execute("DELETE FROM temp.search_touched")
        return 0

    def index_out_of_date(self) -> bool:
        """Whether an import with ``--no-index`` left accounts out of the index since its last full rebuild."""
        return self.conn.execute("SELECT 1 FROM main.search_index_stale").fetchone() is not None

    def require_search_index(self) -> None:
        """Refuse (exit 1) to read an index that is known to be out of date: incomplete results would look whole."""
        if self.index_out_of_date():
            raise CasefileError(INDEX_STALE)

    def sync_search(self, batch: int | None = None) -> int:
        """Bring the index entries of the touched accounts up to date, ``batch`` accounts at a time (default
        :data:`SYNC_BATCH`); returns how many changed."""
        if self._unindexed:
            return self._leave_unindexed()
        batch = batch or SYNC_BATCH
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
            old = {r[0]: tuple(r[1:]) for r in conn.execute(_INDEXED_SQL.format(marks=marks), chunk)}
            docs = self._search_docs(chunk)
            stale = [rowid for rowid in chunk if old.get(rowid) != (docs[rowid][0] if rowid in docs else None)]
            if not stale:
                continue
            changed += len(stale)
            gone = [(rowid, *old[rowid]) for rowid in stale if rowid in old]
            conn.executemany(
                f"INSERT INTO accounts_fts (accounts_fts, rowid, {_COLUMNS}) VALUES ('delete', ?, {_MARKS})", gone
            )
            conn.executemany("DELETE FROM accounts_fts_docs WHERE rowid = ?", [(g[0],) for g in gone])
            fresh = [(rowid, *docs[rowid][0]) for rowid in stale if rowid in docs]
            conn.executemany(f"INSERT INTO accounts_fts (rowid, {_COLUMNS}) VALUES (?, {_MARKS})", fresh)
            # keep only what the accounts row does not already hold (NULL: "the column's text, as it is now")
            kept = [
                (
                    rowid,
                    *(
                        part
                        for doc, column in zip(texts, SEARCH_COLUMNS, strict=True)
                        for part in _stored(doc, docs[rowid][1].values.get(column))
                    ),
                )
                for rowid, *texts in fresh
            ]
            conn.executemany(f"INSERT INTO accounts_fts_docs (rowid, {_DOC_COLUMNS}) VALUES (?, {_DOC_MARKS})", kept)
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
                self.conn.execute("DELETE FROM main.search_index_stale")  # only if all of it commits
                self.conn.execute("INSERT INTO temp.search_touched SELECT rowid FROM accounts")
                return int(self.conn.execute("SELECT count(*) FROM temp.search_touched").fetchone()[0])
        finally:
            self._indexed = None

    def search(self, match: str, flt: Filter) -> list[tuple[int, float]]:
        """(account rowid, bm25 score) of the accounts matching an FTS5 expression and the filter, best
        first (``flt.sort`` orders them by a field instead); at most ``flt.limit``. Refused while the index is
        out of date (:meth:`require_search_index`)."""
        self.require_search_index()
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
        problems = [INDEX_STALE] if self.index_out_of_date() else []
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
            for rowid, (doc, _account) in self._search_docs(chunk).items():
                if rowid not in indexed:
                    missing += 1
                elif indexed[rowid] != doc:
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
