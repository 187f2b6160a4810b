"""Sharing a case file: ``publish`` writes a new SQLite file holding only what may be shared (issue 17).

The file is built from an allow-list, never by copying the working database and deleting from it: a new
database with casefile's schema is made in a private folder (0700) beside the output, the store copies the
shareable rows into it (:meth:`casefile.store.Store.copy_published`), ``--redact``/``--pseudonymise`` are
applied to those rows as ``export`` applies them, the full-text index is built over them alone, and
``VACUUM INTO`` writes the result, in fresh pages, to the output's temporary file, which then takes the
output's place as every file casefile writes does (:mod:`casefile.exporters.output`: never the database, its
journals or keys). The scratch folder is removed whatever happens. The published file is plain SQLite even
when the working database is encrypted: it is meant to be shared.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .model import Filter
from .privacy import Shaper

if TYPE_CHECKING:
    from .store import Store

#: Accounts shaped (redacted, pseudonymised) per step: bounded memory whatever the size of the file.
_CHUNK = 500


@dataclass(frozen=True)
class Published:
    accounts: int
    left_out: dict[str, int]  # reason → how many (no record text)


def publish(
    store: Store, out: str, *, shape: Shaper | None = None, protect: Mapping[str, str] | None = None
) -> Published:
    """Write to ``out`` a new database holding what ``store`` may share; ``shape`` is export's redaction."""
    from .exporters.output import TEMP_PREFIX, output_path
    from .store import Store

    with output_path(out, protect=protect, scratch=str(store.path.parent)) as final:
        with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}publish.", dir=os.path.dirname(final)) as folder:
            build = Path(folder) / "published.db"
            staged = Store.open(build, create=True)
            try:
                left_out = store.copy_published(build)
                if shape is not None:
                    _shape(staged, shape)
                staged.rebuild_search()
                count = staged.count(Filter())
                staged.finish_published(Path(final))
            finally:
                staged.close()
    return Published(count, left_out)


def _shape(staged: Store, shape: Shaper) -> None:
    """Apply ``shape`` to every account of the staged file, a chunk at a time, in one transaction without the
    audit log (the staged file is private and thrown away; only its live rows reach the output)."""
    from .store import now

    stamp = now()
    rowids = [int(r[0]) for r in staged.conn.execute("SELECT rowid FROM accounts ORDER BY rowid")]
    with staged.transaction(hooks=False):
        for start in range(0, len(rowids), _CHUNK):
            accounts = staged.accounts_by_rowid(rowids[start : start + _CHUNK])
            originals = list(accounts.values())
            for original, shaped in zip(originals, shape(originals), strict=True):
                shaped.rowid = original.rowid
                staged.update(shaped, original.updated_at or stamp)
