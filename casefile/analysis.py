"""Finding and analysing accounts: ranked search with snippets, data-quality checks,
duplicate candidates (merging them is an edit: :func:`casefile.merging.merge`). No printing and no SQL
here: the store runs the queries, the CLI shows the results. Counting (``stats``) is
:mod:`casefile.counting`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import model, reconciling, searchable
from .errors import UsageError
from .errors import quote as quote_text
from .model import Account, Filter
from .store import INDEX_STALE, Store
from .text import WORD, fold, translit_key, words

# ------------------------------------------------------------------------------------------------ search

DEFAULT_LIMIT = 20
SNIPPET_CHARS = 160
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
_RAW_PART = re.compile(r'("(?:[^"]|"")*"?)|([^\W_]+\*?)', re.S)


@dataclass
class Query:
    """A user's query made safe: the FTS5 expression to run, the folded words to highlight, and the name keys
    (:func:`~casefile.text.translit_key`) a name's words may match by."""

    match: str
    terms: frozenset[str]
    prefixes: tuple[str, ...] = ()
    keys: frozenset[str] = frozenset()


def _clean(text: str) -> str:
    """Lone surrogates (undecodable bytes in argv) cannot be sent to SQLite: make them visible '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _windows(tokens: list[str], i: int) -> Iterable[str]:
    """The keys of the runs of two or three adjacent tokens that include token ``i``, written as one word."""
    for size in (2, 3):
        for start in range(max(0, i - size + 1), min(i, len(tokens) - size) + 1):
            yield translit_key("".join(tokens[start : start + size]))


def literal_query(text: str) -> Query:
    """Every word of ``text`` as a literal term: punctuation, quotes, ``AND``, ``*`` and unbalanced ``"``
    mean nothing special. A word with inner punctuation (``u.s.``) is a phrase of its parts. A Latin word
    also matches names by its romanisation key (Hasan Heirani finds Hassan Heyrani), and words written apart
    match a name written as one and back (Gholam Reza finds Gholamreza): :func:`~casefile.text.name_keys`."""
    chunks = [tokens for chunk in fold(_clean(text)).split() if (tokens := WORD.findall(chunk))]
    flat = [t for tokens in chunks for t in tokens]
    parts: list[str] = []
    keys: set[str] = set()
    position = 0
    for tokens in chunks:
        alternatives = ['"' + " ".join(tokens) + '"']
        own = [translit_key(t) for t in tokens]
        if own != tokens:
            alternatives.append("(" + " AND ".join(f'name : "{k}"' for k in own) + ")")
        joined = {k for i in range(position, position + len(tokens)) for k in _windows(flat, i)}
        alternatives += [f'name : "{k}"' for k in sorted(joined)]
        keys.update(own, joined)
        position += len(tokens)
        parts.append("(" + " OR ".join(alternatives) + ")" if len(alternatives) > 1 else alternatives[0])
    return Query(" AND ".join(parts), frozenset(flat), keys=frozenset(keys))


def raw_query(text: str) -> Query:
    """FTS5 query syntax as given (operators AND/OR/NOT/NEAR, ``"phrases"``, ``prefix*``, ``column:``),
    with the words folded as the index is."""
    out: list[str] = []
    terms: set[str] = set()
    prefixes: set[str] = set()
    pos = 0
    text = _clean(text)
    for m in _RAW_PART.finditer(text):
        out.append(text[pos : m.start()])
        pos = m.end()
        quoted, bare = m.groups()
        if quoted is not None:
            inner = quoted[1:-1] if len(quoted) > 1 and quoted.endswith('"') else quoted[1:]
            folded = fold(inner.replace('""', '"'))
            terms.update(WORD.findall(folded))
            out.append('"' + folded.replace('"', '""') + ('"' if quoted.endswith('"') and len(quoted) > 1 else ""))
        elif bare in _OPERATORS:
            out.append(bare)
        else:
            folded = fold(bare.rstrip("*"))
            following = text[pos : pos + 1]
            if following != ":":
                (prefixes if bare.endswith("*") else terms).update(WORD.findall(folded))
            out.append(folded + ("*" if bare.endswith("*") else ""))
    out.append(text[pos:])
    return Query("".join(out), frozenset(terms), tuple(sorted(prefixes)))


def search(store: Store, text: str, flt: Filter, *, raw: bool = False) -> list[dict[str, Any]]:
    """The accounts matching ``text``, best first, each with a snippet of where it matched."""
    query = raw_query(text) if raw else literal_query(text)
    if not query.match.strip():
        return []
    if flt.limit is None:
        flt.limit = DEFAULT_LIMIT
    try:
        hits = store.search(query.match, flt)
    except sqlite3.OperationalError as exc:
        if not raw:
            raise
        from .text import visible

        raise UsageError(
            f"search syntax: {visible(str(exc))}; see the FTS5 query syntax, or leave out --raw to search the "
            "words literally"
        ) from None
    accounts = store.accounts_by_rowid([rowid for rowid, _ in hits])
    orgs = store.organization_names_of({o for a in accounts.values() if (o := a.values.get("organization"))})
    rows = []
    for rowid, score in hits:
        account = accounts[rowid]
        field, snippet, spans = best_snippet(account, query, orgs.get(account.values.get("organization") or "", ()))
        rows.append(
            {
                "id": account.id,
                "external_id": account.values.get("external_id"),
                "name": account.display_name,
                "organization": account.values.get("organization"),
                "left": account.values["left"].raw if account.values.get("left") else None,
                "field": field,
                "snippet": snippet,
                "highlights": spans,
                "score": round(score, 4),
            }
        )
    return rows


def _matches(text: str, query: Query, names: bool) -> list[tuple[int, int]]:
    """Spans of the words of the original ``text`` that match a query word once folded; in a name, also the
    words whose romanisation key, or whose run with the next one or two words written as one, a query word's
    key is."""
    found = [(m.span(), words(m.group())) for m in WORD.finditer(text)]
    spans = []
    for span, folded in found:
        for w in folded:
            if w in query.terms or any(map(w.startswith, query.prefixes)) or (names and translit_key(w) in query.keys):
                spans.append(span)
                break
    if names and query.keys:
        flat = [w[0] if w else "" for _, w in found]
        for i in range(len(found)):
            for size in (2, 3):
                if i + size <= len(found) and translit_key("".join(flat[i : i + size])) in query.keys:
                    spans.extend(span for span, _ in found[i : i + size])
    return sorted(set(spans))


def best_snippet(
    account: Account, query: Query, organization_names: tuple[str, ...] = ()
) -> tuple[str, str, list[list[int]]]:
    """(where, snippet of the original text, highlighted [start, end) spans in the snippet) from the text
    of the account with the most matching words — any text search indexes (:func:`searchable.searchable_texts`),
    the organisation's aliases too; white space is collapsed so a snippet is one line."""
    best: tuple[int, str, str, list[tuple[int, int]]] | None = None
    for where, column, text in searchable.searchable_texts(account, organization_names):
        flat = " ".join(text.split())
        spans = _matches(flat, query, names=column == "name")
        if spans and (best is None or len(spans) > best[0]):
            best = (len(spans), where, flat, spans)
    if best is None:  # matched through a column filter or NOT only: show the start of the summary
        where = "summary" if account.values.get("summary") else "name"
        snippet, _ = _clip(" ".join((account.values.get("summary") or account.display_name).split()), [])
        return where, snippet, []
    _, where, flat, spans = best
    return where, *_clip(flat, spans)


def _clip(flat: str, spans: list[tuple[int, int]]) -> tuple[str, list[list[int]]]:
    """About :data:`SNIPPET_CHARS` characters of ``flat`` around its first highlighted word, cut at spaces."""
    first = spans[0] if spans else (0, 0)
    start = 0 if first[0] < SNIPPET_CHARS // 3 else flat.rfind(" ", 0, first[0] - SNIPPET_CHARS // 3) + 1
    end = len(flat)
    if end - start > SNIPPET_CHARS:
        end = flat.rfind(" ", start, start + SNIPPET_CHARS)
        if end < first[1]:
            end = start + SNIPPET_CHARS
    prefix = "…" if start else ""
    shift = len(prefix) - start
    shown = [[a + shift, b + shift] for a, b in spans if a >= start and b <= end]
    return prefix + flat[start:end] + ("…" if end < len(flat) else ""), shown


# ------------------------------------------------------------------------------------------------- check


@dataclass(frozen=True)
class Rule:
    severity: str  # error, warning or info
    about: str


RULES: dict[str, Rule] = {
    "date-future": Rule("error", "a date (or the birth year) lies in the future"),
    "date-before-birth": Rule("error", "a date lies before the person's birth year"),
    "date-before-1900": Rule("warning", "a date before 1900; info when it was written so and corrected"),
    "left-before-joined": Rule("error", "left before joined"),
    "joined-before-founded": Rule("warning", "joined before the organisation was founded (`org edit --founded`)"),
    "unreviewed-draft": Rule("warning", "drafted by ingest and filed without review: check every value"),
    "event-order": Rule("warning", "timeline events, or joined/left/announced, in an impossible order"),
    "years-in-org": Rule("warning", "years_in_org disagrees with joined and left by more than a year"),
    "date-no-year": Rule("warning", "a date without a year (e.g. New Year's Eve)"),
    "date-unread": Rule("info", "a date casefile could not read, kept as written"),
    "date-no-anchor": Rule("warning", "a relative date ('last year') with nothing to count from yet"),
    "date-anchor-changed": Rule("warning", "a derived date whose anchor has changed since it was derived"),
    "no-source": Rule("warning", "an account without any source"),
    "source-ungraded": Rule("warning", "a source without an Admiralty reliability or credibility grade"),
    "org-near-duplicate": Rule("warning", "an organisation name that nearly matches another (a missing alias?)"),
    "source-not-archived": Rule(
        "info", "the primary source has no archived copy (`source capture` or `source attach`)"
    ),
    "quote-not-in-source": Rule("warning", "a quote not found in its source's archived text (after normalisation)"),
    "uncoded": Rule("info", "a nationality, gender or place's country casefile has no code for, kept as written"),
    "search-index-stale": Rule("warning", "the search index is out of date since an import with --no-index"),
}
SEVERITIES = ("error", "warning", "info")

#: Where each event type falls in a membership's course; an event may not be dated wholly after a later one.
_COURSE = {
    "captured": 0,
    "detained": 1,
    "released": 2,
    "recruited": 3,
    "joined": 3,
    "role_change": 4,
    "relocated": 4,
    "requested_exit": 5,
    "exit_blocked": 6,
    "left": 7,
    "arrived": 8,
    "joined_other_org": 8,
    "announced": 8,
    "testified": 8,
}
_ACCOUNT_COURSE = {"joined": 3, "left": 7, "announced": 8}


def _finding(
    rule: str, account: Account | None, field: str, message: str, severity: str | None = None
) -> dict[str, Any]:
    return {
        "severity": severity or RULES[rule].severity,
        "rule": rule,
        "account": account.id if account else None,
        "external_id": account.values.get("external_id") if account else None,
        "field": field,
        "message": message,
    }


def _dates(account: Account) -> Iterable[tuple[str, Any, int | None]]:
    """(where, FuzzyDate, place in the membership's course) of every date of an account."""
    for name in model.DATE_FIELDS:
        if account.values.get(name) is not None:
            yield name, account.values[name], _ACCOUNT_COURSE.get(name)
    for n, event in enumerate(account.values.get("events") or (), 1):
        if event.get("date") is not None:
            yield f"events[{n}].date ({event['type']})", event["date"], _COURSE.get(event["type"])
    for n, source in enumerate(account.values.get("sources") or (), 1):
        if source.get("date") is not None:
            yield f"sources[{n}].date", source["date"], None
    for n, place in enumerate(account.values.get("places") or (), 1):
        for name in ("since", "until"):
            if place.get(name) is not None:
                yield f"places[{n}].{name}", place[name], None


def _code_rules(account: Account) -> Iterable[dict[str, Any]]:
    """Coded fields whose value as written has no code: they count apart in ``stats``."""
    coded = [(f.name, f, account.values.get(f.name)) for f in model.FIELDS if f.coded]
    for n, place in enumerate(account.values.get("places") or (), 1):
        coded.extend((f"places[{n}].{f.name}", f, place.get(f.name)) for f in model.PLACE_FIELDS if f.coded)
    for where, f, value in coded:
        if value and f.code(value) is None:
            message = f"no {f.coded} code for what was written; it is counted as written (codes.py lists the words)"
            yield _finding("uncoded", account, where, message)


def founding_dates(store: Store) -> Callable[[str | None], reconciling.Founded | None]:
    """When an organisation was founded, by its name: its own record (``org edit --founded``), else the
    gazetteer's year for a group it knows."""
    from . import gazetteer

    known = store.founding_dates()
    cache: dict[str, reconciling.Founded | None] = {}

    def of(name: str | None) -> reconciling.Founded | None:
        if not name:
            return None
        if name in known:
            return known[name], ""
        if name not in cache:
            entry = gazetteer.entry(name)
            cache[name] = (entry.founded, f"from the gazetteer: {entry.name}") if entry and entry.founded else None
        return cache[name]

    return of


def _date_rules(
    account: Account, today: str, founding: Callable[[str | None], reconciling.Founded | None] = lambda _: None
) -> Iterable[dict[str, Any]]:
    birth = account.values.get("birth_year")
    if birth is not None and birth > int(today[:4]):
        yield _finding("date-future", account, "birth_year", "the birth year is in the future")
    for where, fd, _ in _dates(account):
        if fd.min is not None and fd.min > today:
            yield _finding("date-future", account, where, "the date is in the future")
        if birth is not None and fd.max is not None and fd.max < f"{birth:04d}-01-01" and where != "birth_year":
            yield _finding("date-before-birth", account, where, "the date is before the birth year")
        if fd.edtf is not None and fd.edtf.startswith("X"):
            yield _finding("date-no-year", account, where, "the date has no year")
        elif fd.edtf is None and fd.min is None and not fd.derived:
            yield _finding("date-unread", account, where, "the date could not be read; it is kept as written")
    dated = [(where, fd) for where, fd, _ in _dates(account)]
    founded = founding(account.values.get("organization"))
    for rule, where, message, severity in (
        *reconciling.old_years(dated, account.values, today, founded),
        *reconciling.joined_before_founded(account.values, founded),
        *reconciling.relative(dated, account.values),
    ):
        yield _finding(rule, account, where, message, severity)


def _review_rules(account: Account) -> Iterable[dict[str, Any]]:
    if account.values.get("review") == "unreviewed":
        yield _finding(
            "unreviewed-draft", account, "review", "drafted by ingest and not yet reviewed against its source"
        )


def _membership_rules(account: Account) -> Iterable[dict[str, Any]]:
    joined, left = account.values.get("joined"), account.values.get("left")
    if joined and left and joined.min and left.max and left.max < joined.min:
        yield _finding("left-before-joined", account, "left", "the person left before they joined")
    for rule, where, message, severity in reconciling.years_in_org(account.values):
        yield _finding(rule, account, where, message, severity)
    dated = [(w, fd, c) for w, fd, c in _dates(account) if c is not None and fd.min and fd.max]
    for w1, d1, c1 in dated:
        for w2, d2, c2 in dated:
            if c1 < c2 and d1.min > d2.max:
                yield _finding(
                    "event-order", account, w1, f"is dated wholly after {w2}, which comes later in a membership"
                )


def _source_rules(account: Account) -> Iterable[dict[str, Any]]:
    sources = account.values.get("sources") or []
    flat = any(account.values.get(f) for f in ("source_title", "source_url", "source_publisher"))
    if not sources and not flat:
        yield _finding("no-source", account, "sources", "the account cites no source")
    for n, source in enumerate(sources, 1):
        for grade in ("reliability", "credibility"):
            if not source.get(grade):
                yield _finding("source-ungraded", account, f"sources[{n}].{grade}", f"the source has no {grade} grade")
    if not sources and flat:
        for grade in ("source_reliability", "source_credibility"):
            if not account.values.get(grade):
                yield _finding("source-ungraded", account, grade, "the source has no grade")


def _evidence_rules(store: Store, account: Account) -> Iterable[dict[str, Any]]:
    """A primary source with no archived copy; a verbatim quote its source's archived text does not hold."""
    from .worktext import normalise

    for n, source in enumerate(account.values.get("sources") or (), 1):
        if source.get("role") == "primary" and not store.archived(source["id"]):
            yield _finding("source-not-archived", account, f"sources[{n}]", "the primary source has no archived copy")
    texts: dict[str, list[str]] = {}
    for n, item in enumerate(account.values.get("quotes") or (), 1):
        if not item.get("text") or not item.get("source"):
            continue
        if item["source"] not in texts:
            texts[item["source"]] = [normalise(t) for t in store.source_texts(item["source"])]
        if texts[item["source"]] and not any(normalise(item["text"]) in t for t in texts[item["source"]]):
            message = "the quote's words are not in the archived text of its source"
            yield _finding("quote-not-in-source", account, f"quotes[{n}].text", message)


def check(
    store: Store, flt: Filter, rule: str | None = None, today: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """(findings, how many were silenced by ``check --ignore``) for the accounts ``flt`` selects."""
    from datetime import date

    if rule is not None and rule not in RULES:
        raise UsageError(f"unknown rule {quote_text(rule)}; choose one of: {', '.join(RULES)}")
    today = today or date.today().isoformat()
    ignored = store.check_ignores()
    findings: list[dict[str, Any]] = []
    silenced = 0
    founding = founding_dates(store)
    for account in store.query(flt, nested=True):
        rules = (
            *_date_rules(account, today, founding),
            *_membership_rules(account),
            *_source_rules(account),
            *_code_rules(account),
            *_review_rules(account),
        )
        for finding in (*rules, *_evidence_rules(store, account)):
            if rule not in (None, finding["rule"]):
                continue
            if (finding["rule"], account.id) in ignored:
                silenced += 1
            else:
                findings.append(finding)
    if rule in (None, "org-near-duplicate"):
        found, quiet = _organization_rules(store)
        findings += found
        silenced += quiet
    if rule in (None, "search-index-stale") and store.index_out_of_date():  # the database's, not an account's
        findings.append(_finding("search-index-stale", None, "search index", INDEX_STALE))
    return findings, silenced


def _organization_rules(store: Store) -> tuple[list[dict[str, Any]], int]:
    """Organisations that look like one group, each finding naming the ``org merge`` that makes them one;
    (findings, how many ``check --ignore`` silenced)."""
    from . import organizing

    ignored = store.org_check_ignores()
    findings, silenced = [], 0
    for pair in organizing.near_duplicates(store):
        if ("org-near-duplicate", frozenset((pair.keep, pair.other))) in ignored:
            silenced += 1
            continue
        message = (
            f"{quote_text(pair.other)} nearly matches {quote_text(pair.keep)} ({pair.why}, {pair.score:g}); "
            f"if they are one: casefile org merge {quote_text(pair.keep)} {quote_text(pair.other)}"
        )
        finding = _finding("org-near-duplicate", None, "organization", message)
        finding["organizations"] = [pair.keep, pair.other]
        findings.append(finding)
    return findings, silenced


#: How many of the accounts one write touched are checked after it (``check`` checks them all).
WRITE_CHECK_LIMIT = 1000


def findings_after_write(store: Store, today: str | None = None) -> list[dict[str, Any]]:
    """The date and membership findings (warnings and errors, not those ``check --ignore`` silenced) on the
    accounts the last write (``store.last_batch``) created or changed: ``add``, ``edit`` and ``import`` show them."""
    from datetime import date

    if store.last_batch is None:
        return []
    ids = store.batch_record_ids(store.last_batch, "account", WRITE_CHECK_LIMIT)
    if not ids:
        return []
    today = today or date.today().isoformat()
    ignored = store.check_ignores()
    found = []
    founding = founding_dates(store)
    for account in store.query(Filter(ids=ids), nested=True):
        for finding in (*_date_rules(account, today, founding), *_membership_rules(account)):
            if finding["severity"] != "info" and (finding["rule"], account.id) not in ignored:
                found.append(finding)
    return found


def ignore_finding(store: Store, rule: str, account_ref: str, note: str) -> str:
    """Silence one rule on one account, with the researcher's note; returns the account id."""
    from .store import now

    if rule not in RULES or rule in (*ORGANIZATION_RULES, *DATABASE_RULES):
        allowed = [r for r in RULES if r not in (*ORGANIZATION_RULES, *DATABASE_RULES)]
        raise UsageError(f"cannot ignore {quote_text(rule)} on an account; choose one of: {', '.join(allowed)}")
    if not note.strip():
        raise UsageError("--ignore needs a --note saying why the finding is accepted")
    account_id = store.resolve_id(account_ref)
    with store.transaction():
        store.ignore_check(rule, account_id, note.strip(), now())
    return account_id


#: Rules whose findings are about organisations, not accounts: silenced by naming the organisations.
ORGANIZATION_RULES = ("org-near-duplicate",)
#: Rules about the database as a whole: nothing to silence (``casefile reindex`` puts it right).
DATABASE_RULES = ("search-index-stale",)


def ignore_organization_finding(
    store: Store, rule: str, names: list[str], note: str, account: str | None = None
) -> tuple[str, str]:
    """Silence a finding about two organisations (any of their names), with the researcher's note; returns
    their canonical names."""
    from .organizing import ignore_near_duplicate

    if rule not in ORGANIZATION_RULES:
        raise UsageError(f"{quote_text(rule)} is about accounts: give --account, not --org")
    if account is not None:
        raise UsageError(f"cannot ignore {rule} on an account: name the two organisations, --org A --org B")
    if not note.strip():
        raise UsageError("--ignore needs a --note saying why the finding is accepted")
    return ignore_near_duplicate(store, rule, names, note.strip())


# dupes lives in casefile.pairing; its names stay reachable here for the callers that import them from analysis
from .pairing import DEFAULT_MIN_SCORE, dupes  # noqa: E402,F401
