"""``plain_cell``'s fast path (nothing to escape: return the text) gives what the two substitutions give."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casefile.render import _PLAIN_ESCAPES, _PLAIN_EXTRA, plain_cell, visible

CHARS = st.sampled_from(["a", "Zoë", "سارا", "\\", "\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\x9f", "\u061c",
                         "\u200c", "\u200d", "\u200e", "\u2028", "\u202e", "\u2066"])  # fmt: skip


@given(st.lists(CHARS, max_size=8).map("".join))
def test_plain_cell_equals_the_full_escaping(text: str) -> None:
    assert plain_cell(text) == _PLAIN_EXTRA.sub(lambda m: _PLAIN_ESCAPES[m.group()], visible(text))
