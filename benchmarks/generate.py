"""Deterministic generator of realistic casefile accounts, in casefile's own interchange format.

    python benchmarks/generate.py --rows N --format csv|jsonl|json [--seed S] [-o FILE]

Standard library only. One ``random.Random(seed)`` stream is consumed row by row, so the first N rows of
a bigger file are exactly the rows of an N-row file (for CSV and JSONL the first bytes are identical; a
JSON array differs only in its closing ``]``).

What a record looks like, and why:

* names in several scripts: Latin with diacritics, Persian, Arabic and Cyrillic (about 1 in 12 unnamed);
* 300 organisations, Zipf-skewed (s = 1.1: the top one is roughly a sixth of the rows), some with commas;
* dates in every form casefile reads: mostly ISO at day, month or year precision, plus "March 2016",
  "around 2008", "summer 2014", "Jan.14, 2006", "1986–1990", "late 1990s", "1986?", year-less ones
  ("New Year's Eve", "March 14") and Solar Hijri ("1403-01-15 SH");
* a 1–2 KB summary of prose paragraphs with commas, double quotes and blank lines. About 15 % of the
  summaries mention Panmunjom (a broad search term) and about 1 in 20,000 mentions Kaesong (a selective one);
* reasons and allegations from ``casefile.vocab``, free tags, a source with an Admiralty grade, and a
  unique ``external_id`` (``id`` is left empty: casefile assigns one).

Every record is valid for ``casefile import`` (tests/test_bench_generator.py imports a sample).
"""

from __future__ import annotations

import argparse
import bisect
import io
import itertools
import json
import random
import sys
from collections.abc import Iterator
from typing import Any

SEED = 20240601

#: The CSV header: ``casefile.model.TEMPLATE_COLUMNS`` (copied, so the generator runs without casefile installed;
#: tests/test_bench_generator.py checks the two agree).
CSV_COLUMNS = (
    "id", "external_id", "name", "aliases", "gender", "birth_year", "born", "nationality", "organization", "role",
    "joined", "left", "announced", "years_in_org", "years_in_org_qualifier", "left_from", "went_to", "exit_type",
    "reasons", "allegations", "summary", "tags", "confidentiality", "review", "source_title", "source_url",
    "source_publisher", "source_publisher_type", "source_stance", "source_date", "source_reliability",
    "source_credibility", "join_reasons", "barriers",
)  # fmt: skip
MULTI = frozenset({"aliases", "reasons", "allegations", "tags", "join_reasons", "barriers"})

# Codes from casefile.vocab (checked by the test as well).
EXIT_REASONS = (
    "ideological_disillusionment", "leadership_disagreement", "disapproval_of_actions", "violence_against_own_side",
    "corruption_hypocrisy", "daily_routine_dissatisfaction", "burnout", "no_future", "isolation_from_family",
    "psychological_abuse", "physical_abuse", "poor_living_conditions", "fear_for_safety", "family_reunion",
    "partner", "work_or_education", "amnesty_or_reintegration", "outside_help", "normal_life",
    "exit_denied_or_delayed", "fear_of_reprisal", "no_papers", "geographic_isolation", "dependence_on_group",
)  # fmt: skip
ALLEGATIONS = (
    "psychological_abuse", "coercive_group_sessions", "exit_denied_or_delayed", "family_contact_restricted",
    "forced_labour", "physical_abuse", "sexual_abuse", "detention", "surveillance", "threats",
)  # fmt: skip
EXIT_TYPES = ("escaped", "permitted", "expelled", "released", "repatriated", "captured", "unknown")
RELIABILITY = "ABCDEF"
CREDIBILITY = "123456"

# --------------------------------------------------------------------------------------------- vocab

LATIN_GIVEN = (
    "Zoltán", "Marta", "Jiří", "Ľubica", "Søren", "Ingrid", "José", "Ana", "François", "Zoë", "Łukasz", "Agnieszka",
    "Björn", "Ömer", "Ayşe", "Çağla", "Dāvis", "Renée", "Miguel", "Nuño", "Kim", "Sun-hee", "Ali", "Fatemeh",
    "Thomas", "Mary", "Đorđe", "Tomáš", "Ines", "Grégoire",
)  # fmt: skip
LATIN_FAMILY = (
    "Dvořák", "Kowalczyk", "Nowák", "Szabó", "Müller", "Østergård", "García", "Peña", "Lefèvre", "Çelik",
    "Yılmaz", "Kalniņš", "Đoković", "Šimek", "Brontë", "Park", "Rahimi Alashti", "O'Neill", "Smith", "Ahn",
)  # fmt: skip
PERSIAN_GIVEN = ("سارا", "علی", "مریم", "حسین", "زهرا", "مهدی", "نرگس", "رضا", "فاطمه", "محمد\u200cرضا")
PERSIAN_FAMILY = ("احمدی", "رحیمی", "کریمی", "حسینی", "موسوی", "جعفری", "صادقی", "نوری")
ARABIC_GIVEN = ("أحمد", "فاطمة", "يوسف", "ليلى", "خالد", "مريم", "عمر", "نور")
ARABIC_FAMILY = ("الحسن", "العبيدي", "الشمري", "الخطيب", "النجار", "الزبيدي")
CYRILLIC_GIVEN = ("Алексей", "Наталья", "Дмитрий", "Ольга", "Сергей", "Юлия", "Игорь", "Анастасия")
CYRILLIC_FAMILY = ("Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Новиков")
SCRIPTS = (
    (LATIN_GIVEN, LATIN_FAMILY, 60),
    (PERSIAN_GIVEN, PERSIAN_FAMILY, 15),
    (ARABIC_GIVEN, ARABIC_FAMILY, 12),
    (CYRILLIC_GIVEN, CYRILLIC_FAMILY, 13),
)

NATIONALITIES = ("IR", "IQ", "KP", "KR", "RU", "UA", "PL", "CZ", "SY", "AF", "DE", "FR", "US", "GB", "TR", "AL")
GENDERS = ("male", "female", "male", "female", "unknown", "non-binary")
ROLES = (
    "member", "recruiter", "fighter", "commander", "cook", "driver", "translator", "medic", "officer",
    "propaganda writer", "member, later a trainer", "guard", "radio operator", "accountant",
)  # fmt: skip
PLACES = (
    "Camp Ashraf 3, Manëz, Albania", "Panmunjom", "Tirana", "Baghdad", "Kabul", "Berlin, Kreuzberg", "Seoul",
    "Dandong, China", "Mosul", "Raqqa", "a farm near Olsztyn", "Paris", "Vilnius", "Kyiv", "Tehran", "Erbil",
    "the border crossing at Zakho", "Istanbul, Fatih", "Camp Liberty", "Gdańsk",
)  # fmt: skip
TAGS = (
    "pow", "albania", "synthetic", "interview", "letter", "press", "minor", "family", "border", "court",
    "verified", "needs-review", "translated", "media", "رسانه", "семья",
)  # fmt: skip
PUBLISHERS = (
    "Nejat Society", "Daily NK", "Radio Free Europe", "BBC Persian", "Le Monde", "Gazeta Wyborcza",
    "Human Rights Watch", "Amnesty International", "Iran Interlink", "Novaya Gazeta", "Al Jazeera", "self-published",
)  # fmt: skip
TITLE_WORDS = (
    "announces", "defection", "testimony", "of", "a", "former", "member", "letter", "interview", "with",
    "escape", "from", "the", "camp", "life", "after", "years", "inside", "why", "I", "left",
)  # fmt: skip

ORG_BASES = (
    "Ministry of State Security", "Mujahedin-e Khalq", "Children of the Dawn", "Northern Liberation Front",
    "People's Army", "Navy, Special Department", "Revolutionary Guard", "Unit 8200", "Shining Path",
    "Islamic State", "Lord's Resistance Army", "FARC", "ETA", "Red Brigades", "Order of the Solar Temple",
    "Unification Church", "Twelve Tribes", "Aum Shinrikyo", "Bureau 39", "Reconnaissance General Bureau",
    "Wagner Group", "Kata'ib Hezbollah", "al-Shabaab", "Boko Haram", "PKK", "Hamas, military wing",
    "Tamil Tigers", "Sendero Rojo", "Hizb ut-Tahrir", "Fraternity of the Dawn",
)  # fmt: skip
ORG_SUFFIXES = ("", " (Albania branch)", ", Western Command", " – youth wing", ", training camp", " (exile office)",
                ", Department 2", " (Europe)", ", regional cell", " (splinter)")  # fmt: skip

SENTENCE_STARTS = (
    "He said that", "She recalled that", "According to the letter,", "In the interview", "The source reports that",
    "Years later", "After the move to the camp,", "During the war", "Her brother wrote that", "The account says",
    "In his own words,", "The researcher notes that", "By the time of the split", "At the border",
)  # fmt: skip
SENTENCE_BODIES = (
    "the routine was exhausting, with meetings every evening and no time alone",
    "members were told that leaving meant betraying the martyrs",
    "letters from the family were withheld for more than a decade",
    "the leadership lived by different rules than the rank and file",
    "she asked to leave three times and was told to \"wait for the right moment\"",
    "the commander called it \"a voluntary duty\", though nobody could refuse",
    "they crossed near Panmunjom at night, guided by a smuggler",
    "he worked in the kitchen, then on the farm, and later in the printing room",
    "an outside organisation helped with papers, tickets and a place to sleep",
    "the group's newspaper described the defection as \"treason\"",
    "they were moved from camp to camp, never told the reason",
    "the self-criticism sessions lasted until dawn",
    "she met her sister again after 19 years, in a hotel lobby",
    "the money sent by relatives never reached them",
    "the doctor was not allowed to see the injured",
    "he carried a forged passport, a phone number and nothing else",
    "the officers read every letter, in both directions",
    "she could not say goodbye to her friends; one of them followed later",
    "the radio was the only window on the outside world",
    "nobody explained what happened to those who had tried before",
)  # fmt: skip
SENTENCE_ENDS = (".", ".", ".", ", or so the source claims.", "; the dates are uncertain.", ", which others confirm.")

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
MONTH_ABBR = ("Jan.", "Feb.", "Mar.", "Apr.", "May ", "Jun.", "Jul.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")
SEASONS = ("spring", "summer", "autumn", "winter")
YEARLESS = ("New Year's Eve", "Christmas", "Christmas Eve", "March 14", "14 July", "summer", "New Year's Day")
DASHES = ("–", "-", " to ", "–")


# ------------------------------------------------------------------------------------------ pieces


def _organisations(rng: random.Random) -> list[str]:
    names: list[str] = []
    for suffix in ORG_SUFFIXES:
        for base in ORG_BASES:
            names.append(base + suffix)
    rng.shuffle(names)
    return names[:300]


def _zipf_cumulative(n: int, s: float) -> list[float]:
    weights = [1 / (k**s) for k in range(1, n + 1)]
    return list(itertools.accumulate(weights))


def _date(rng: random.Random, lo: int, hi: int) -> str:
    """One date in a form picked by weight; mostly ISO at mixed precision."""
    r = rng.random()
    year = rng.randint(lo, hi)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    if r < 0.50:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if r < 0.66:
        return f"{year:04d}-{month:02d}"
    if r < 0.76:
        return f"{year:04d}"
    if r < 0.81:
        return f"{MONTHS[month - 1]} {year}"
    if r < 0.85:
        return f"around {year}"
    if r < 0.88:
        return f"{SEASONS[month % 4]} {year}"
    if r < 0.905:
        return f"{MONTH_ABBR[month - 1]}{day}, {year}"
    if r < 0.925:
        return f"{year - rng.randint(1, 6)}{DASHES[day % 4]}{year}"
    if r < 0.94:
        return f"{('early', 'mid', 'late')[day % 3]} {year // 10 * 10}s"
    if r < 0.955:
        return f"{year}?"
    if r < 0.965:
        return f"c. {year}"
    if r < 0.975:
        return YEARLESS[day % len(YEARLESS)]
    if r < 0.985:
        return f"{max(day, 13):02d}/{month:02d}/{year}"  # day > 12: unambiguous without --dayfirst
    return f"{year - 621:04d}-{month:02d}-{day:02d} SH"  # Solar Hijri, roughly the same era


def _sentence_pool(rng: random.Random, size: int) -> list[str]:
    pool = []
    for _ in range(size):
        sentence = f"{rng.choice(SENTENCE_STARTS)} {rng.choice(SENTENCE_BODIES)}{rng.choice(SENTENCE_ENDS)}"
        pool.append(sentence)
    return pool


class Generator:
    """Yields records as dicts of field → value (lists for multi-valued fields, int/float where numeric)."""

    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)
        setup = random.Random(seed ^ 0x5EED)  # tables built from their own stream: rows stay independent of them
        self.orgs = _organisations(setup)
        self.org_cum = _zipf_cumulative(len(self.orgs), 1.1)
        self.org_total = self.org_cum[-1]
        self.sentences = _sentence_pool(setup, 4000)
        self.script_cum = list(itertools.accumulate(w for _, _, w in SCRIPTS))

    def records(self, rows: int) -> Iterator[dict[str, Any]]:
        for i in range(rows):
            yield self.record(i)

    def _name(self) -> tuple[str | None, list[str]]:
        rng = self.rng
        if rng.random() < 0.08:
            return None, []
        given, family, _ = SCRIPTS[bisect.bisect_right(self.script_cum, rng.random() * self.script_cum[-1])]
        name = f"{rng.choice(given)} {rng.choice(family)}"
        aliases = [f"{rng.choice(given)} {rng.choice(family)}"] if rng.random() < 0.3 else []
        return name, aliases

    def _summary(self) -> str:
        rng = self.rng
        target = rng.randint(1000, 2000)
        parts: list[str] = []
        length = 0
        sentences = self.sentences
        while length < target:
            paragraph = " ".join(rng.choices(sentences, k=rng.randint(3, 6)))
            parts.append(paragraph)
            length += len(paragraph) + 2
        if rng.random() < 0.15:
            parts.insert(1, "The crossing at Panmunjom is described in detail.")
        if rng.random() < 0.00005:
            parts.append("He later worked in Kaesong.")
        return "\n\n".join(parts)[:2000]

    def record(self, i: int) -> dict[str, Any]:
        rng = self.rng
        name, aliases = self._name()
        org = self.orgs[bisect.bisect_right(self.org_cum, rng.random() * self.org_total)]
        joined_year = rng.randint(1955, 2018)
        left_year = min(joined_year + rng.randint(1, 30), 2024)
        reasons = rng.sample(EXIT_REASONS, rng.randint(0, 4))
        allegations = rng.sample(ALLEGATIONS, rng.randint(0, 3)) if rng.random() < 0.6 else []
        tags = rng.sample(TAGS, rng.randint(0, 3))
        grade = rng.random() < 0.8
        title = " ".join(rng.choices(TITLE_WORDS, k=rng.randint(4, 9))).capitalize()
        return {
            "id": None,
            "external_id": f"{('NEJAT', 'DNK', 'RFE', 'HRW', 'ARCH')[i % 5]}-{i:08d}",
            "name": name,
            "aliases": aliases,
            "gender": rng.choice(GENDERS),
            "birth_year": rng.randint(1930, 2005) if rng.random() < 0.6 else None,
            "born": None,  # an uncertain year of birth: the generated ones are exact (same random stream as before)
            "nationality": rng.choice(NATIONALITIES),
            "organization": org,
            "role": rng.choice(ROLES),
            "joined": _date(rng, joined_year, joined_year) if rng.random() < 0.7 else None,
            "left": _date(rng, left_year, left_year) if rng.random() < 0.95 else None,
            "announced": _date(rng, left_year, min(left_year + 2, 2024)) if rng.random() < 0.3 else None,
            "years_in_org": (rng.randint(1, 40) if rng.random() < 0.8 else rng.randint(1, 79) / 2)
            if rng.random() < 0.5
            else None,
            "left_from": rng.choice(PLACES),
            "went_to": rng.choice(PLACES) if rng.random() < 0.7 else None,
            "exit_type": rng.choice(EXIT_TYPES),
            "reasons": reasons,
            "allegations": allegations,
            "summary": self._summary(),
            "tags": tags,
            "confidentiality": ("internal", "internal", "internal", "public", "public", "restricted")[rng.randrange(6)],
            "source_title": title,
            "source_url": f"https://example.org/a/{i}" if rng.random() < 0.7 else None,
            "source_publisher": rng.choice(PUBLISHERS),
            "source_date": _date(rng, left_year, 2024) if rng.random() < 0.8 else None,
            "source_reliability": rng.choice(RELIABILITY) if grade else None,
            "source_credibility": rng.choice(CREDIBILITY) if grade else None,
        }


# ------------------------------------------------------------------------------------------ writers


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(value)
    elif not isinstance(value, str):
        value = str(value)
    if '"' in value or "," in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_lines(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    """RFC 4180 with CRLF line ends and minimal quoting (as ``csv.writer``, written by hand for speed)."""
    yield ",".join(CSV_COLUMNS) + "\r\n"
    for record in records:
        yield ",".join([_csv_cell(record.get(c)) for c in CSV_COLUMNS]) + "\r\n"  # columns it leaves empty


_JSON = json.JSONEncoder(ensure_ascii=False)


def _json_record(record: dict[str, Any]) -> str:
    return _JSON.encode({k: v for k, v in record.items() if v is not None and v != []})


def jsonl_lines(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield _json_record(record) + "\n"


def json_lines(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    """A JSON array with one record per line (the shape of ``casefile export --format json``)."""
    separator = "[\n"
    for record in records:
        yield separator + _json_record(record)
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


WRITERS = {"csv": csv_lines, "jsonl": jsonl_lines, "json": json_lines}


def write(rows: int, fmt: str, out: io.TextIOBase | Any, seed: int = SEED) -> None:
    lines = WRITERS[fmt](Generator(seed).records(rows))
    buffer: list[str] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= 2000:
            out.write("".join(buffer))
            buffer.clear()
    out.write("".join(buffer))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--format", choices=sorted(WRITERS), default="csv")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("-o", "--output", help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            write(args.rows, args.format, out, args.seed)
    else:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        write(args.rows, args.format, out, args.seed)
        out.flush()


if __name__ == "__main__":
    main()
