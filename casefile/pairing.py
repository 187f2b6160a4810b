"""``casefile dupes``: pairs of accounts that may be one person, scored, for a researcher to look at (never
merged here). Names and aliases are compared by their romanisation keys; accounts are compared only within
the blocks their folded names share."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .model import Filter
from .store import Store

DEFAULT_MIN_SCORE = 80.0


@dataclass
class _Person:
    id: str
    external_id: str | None
    names: list[str]
    keys: list[str]
    organization: str | None
    joined: tuple[int, int] | None
    left: tuple[int, int] | None
    birth_year: int | None
    group: str | None = None  # the organisation standing for all that look like one group with this one


def _span(lo: str | None, hi: str | None) -> tuple[int, int] | None:
    return (int(lo[:4]), int(hi[:4])) if lo and hi else None


def _overlap(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool | None:
    """Whether two year spans can be the same time (a year's slack); None when either is unknown."""
    if a is None or b is None:
        return None
    return a[0] <= b[1] + 1 and b[0] <= a[1] + 1


def _blocks(key: str) -> Iterable[tuple[str, ...]]:
    """Blocking keys of one folded name key (:func:`~casefile.text.name_key`): the 3-letter starts of each pair
    of its (first four) words, so 'hasan shahbazi' and 'hasan shahbaz' meet, and a common first name alone
    never makes a block. The starts are of the folded words, not of the names as written, so Heyrani and
    Heirani (hayrani), Mohammad and Muhammad (muhamad), Hossein and Hussein (husayn) share theirs."""
    heads = [w[:3] for w in key.split()[:4]]
    if len(heads) == 1:
        yield (heads[0],)
    for i in range(len(heads)):
        for j in range(i + 1, len(heads)):
            yield (heads[i], heads[j])


def dupes(
    store: Store, flt: Filter, min_score: float = DEFAULT_MIN_SCORE, advance: Callable[[int], None] | None = None
) -> list[dict[str, Any]]:
    """Pairs of accounts that may be about the same person, best first, each with its evidence.

    Names and aliases are compared by their romanisation keys (:func:`~casefile.text.name_key`) with
    rapidfuzz (:func:`_similarity`); only accounts sharing a blocking key are compared, and only when their
    organisations agree (or one is unknown) and their joined/left dates and birth years can agree. An
    account without any name is never paired. Score = 0.8 × name similarity + 0.1 × organisation (100
    same, 50 unknown) + 0.1 × dates (100 overlapping, 50 nothing to compare). ``advance`` is told how many
    accounts were read, a thousand at a time (a progress bar)."""

    from .text import name_key

    similarity = _similarity()
    key_of = functools.lru_cache(maxsize=65536)(name_key)  # the same names recur across many accounts
    people: list[_Person] = []
    blocks: dict[tuple[str, ...], list[int]] = {}
    read = 0
    for _rowid, id_, ext, name, aliases, org, j_min, j_max, l_min, l_max, birth in store.people(flt):
        read += 1
        if advance is not None and read % 1000 == 0:
            advance(1000)
        names = [n for n in (name, *(_json_list(aliases))) if n and n.strip()]
        keys = list(dict.fromkeys(k for n in names if (k := key_of(n))))
        if not keys:
            continue
        index = len(people)
        people.append(_Person(id_, ext, names, keys, org, _span(j_min, j_max), _span(l_min, l_max), birth))
        for block in {b for k in keys for b in _blocks(k)}:
            blocks.setdefault(block, []).append(index)
    if any(p.organization for p in people):  # organisations that look like one group compare as one
        from .organizing import groups

        group = groups(store)
        for person in people:
            person.group = group.get(person.organization, person.organization) if person.organization else None
    if advance is not None:
        advance(read % 1000)
    seen: set[tuple[int, int]] = set()
    pairs: list[dict[str, Any]] = []
    for members in blocks.values():
        by_org: dict[str | None, list[int]] = {}
        for i in members:
            by_org.setdefault(people[i].group, []).append(i)
        unknown = by_org.pop(None, [])
        within = ((i, j) for group in by_org.values() for x, i in enumerate(group) for j in group[x + 1 :])
        across = ((u, m) for u in unknown for m in members if m != u)
        for i, j in itertools.chain(within, across):
            a, b = people[i], people[j]
            if not _compatible(a, b):  # cheap, and most candidates in a big block fail here
                continue
            pair = (i, j) if i < j else (j, i)
            if pair not in seen:
                seen.add(pair)
                found = _score(people[pair[0]], people[pair[1]], similarity, min_score)
                if found is not None:
                    pairs.append(found)
    pairs.sort(key=lambda p: (-p["score"], p["a"], p["b"]))
    return pairs if flt.limit is None else pairs[: flt.limit]


def _similarity() -> Any:
    """How alike two name keys are, 0–100: rapidfuzz's token-sort ratio (word order does not matter), or the
    ratio of the keys written without spaces when that is higher (Abdulrahman = Abd al-Rahman)."""
    from rapidfuzz import fuzz

    token_sort, plain = fuzz.token_sort_ratio, fuzz.ratio

    def similarity(a: str, b: str) -> float:
        return max(token_sort(a, b), plain(a.replace(" ", ""), b.replace(" ", "")))

    return similarity


def _json_list(value: str | None) -> list[str]:
    import json

    return list(json.loads(value)) if value else []


def _compatible(a: _Person, b: _Person) -> bool:
    """Whether birth years and joined/left spans can agree (unknown ones always can)."""
    if a.birth_year and b.birth_year and abs(a.birth_year - b.birth_year) > 2:
        return False
    return _overlap(a.left, b.left) is not False and _overlap(a.joined, b.joined) is not False


def _score(a: _Person, b: _Person, ratio: Any, min_score: float) -> dict[str, Any] | None:
    dates = {"joined": _overlap(a.joined, b.joined), "left": _overlap(a.left, b.left)}
    best, ka, kb = max((ratio(x, y), x, y) for x in a.keys for y in b.keys)
    org_points = 100 if a.group and a.group == b.group else 50
    date_points = 100 if True in dates.values() else 50
    score = round(0.8 * best + 0.1 * org_points + 0.1 * date_points, 1)
    if score < min_score:
        return None
    name_a = next(n for n in a.names if _same_key(n, ka))
    name_b = next(n for n in b.names if _same_key(n, kb))
    evidence = [f"names {name_a!r} ~ {name_b!r}: {best:.0f}"]
    if a.organization != b.organization and org_points == 100:
        evidence.append(
            f"organisations {a.organization!r} and {b.organization!r} look like one group (`casefile check`)"
        )
    else:
        evidence.append(
            f"same organisation {a.organization!r}" if org_points == 100 else "organisation unknown on one side"
        )
    evidence += [f"{what} dates overlap" for what, agree in dates.items() if agree]
    if a.birth_year and b.birth_year:
        evidence.append("birth years agree")
    return {
        "score": score,
        "a": a.id,
        "a_external_id": a.external_id,
        "a_name": a.names[0],
        "b": b.id,
        "b_external_id": b.external_id,
        "b_name": b.names[0],
        "evidence": evidence,
    }


def _same_key(name: str, key: str) -> bool:
    from .text import name_key

    return name_key(name) == key
