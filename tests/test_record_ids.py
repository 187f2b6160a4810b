"""Record ids (issue 23: drawn from a pool of random bytes rather than one system call each): 16 hex digits,
never repeated, and a forked process never draws the ids its parent will."""

from __future__ import annotations

import os
import re

from casefile.store.connection import new_id


def test_ids_are_sixteen_hex_digits_and_never_repeat_across_many_pools() -> None:
    ids = [new_id() for _ in range(20_000)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    # random, not a counter: ids drawn one after another share no long common prefix as a rule
    assert sum(a[:4] == b[:4] for a, b in zip(ids, ids[1:], strict=False)) < 20


def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    new_id()  # the parent's pool holds unread bytes when it forks
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        os.write(write, "".join(new_id() for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    child = b""
    while chunk := os.read(read, 65536):
        child += chunk
    os.close(read)
    os.waitpid(pid, 0)
    theirs = {child[i : i + 16].decode() for i in range(0, len(child), 16)}
    ours = {new_id() for _ in range(50)}
    assert len(theirs) == 50
    assert not theirs & ours


def test_part_ids_are_eight_hex_digits_from_the_same_pool_and_do_not_repeat_in_practice() -> None:
    from casefile.store.connection import new_part_id

    ids = [new_part_id() for _ in range(5_000)]
    assert all(re.fullmatch(r"[0-9a-f]{8}", i) for i in ids)
    assert len(set(ids)) >= 4_990  # 2^32 values: a repeat is possible (the store draws again), many are not
    mixed = [new_id() if n % 3 else new_part_id() for n in range(3_000)]  # drawing both kinds never misaligns
    assert all(len(i) == (16 if n % 3 else 8) for n, i in enumerate(mixed))
