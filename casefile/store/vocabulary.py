"""The codes users add to casefile's controlled vocabularies (exit reasons, allegations, event types), kept
beside the shipped ones in :mod:`casefile.vocab`.
"""

from __future__ import annotations

from .base import StoreBase


class Vocabulary(StoreBase):
    """Codes users added to the vocabularies."""

    def user_codes(self) -> list[tuple[str, str, str, str, str]]:
        """(vocabulary, code, label, description, group) of every code users added."""
        return [
            tuple(r)  # type: ignore[misc]
            for r in self.conn.execute(
                "SELECT vocabulary, code, label, coalesce(description, ''), coalesce(grp, '') FROM vocabulary "
                "ORDER BY vocabulary, rowid"
            )
        ]

    def codes(self) -> dict[str, frozenset[str]]:
        """Every vocabulary's codes: the shipped ones and those users added."""
        from casefile import vocab

        out = {name: set(vocab.codes(name)) for name in vocab.VOCABULARIES}
        for vocabulary, code, *_ in self.user_codes():
            out.setdefault(vocabulary, set()).add(code)
        return {name: frozenset(codes) for name, codes in out.items()}

    def add_code(self, vocabulary: str, code: str, label: str, description: str, group: str, stamp: str) -> None:
        self.conn.execute(
            "INSERT INTO vocabulary (vocabulary, code, label, description, grp, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (vocabulary, code, label, description or None, group or None, stamp),
        )
