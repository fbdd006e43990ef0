"""Finding people and functional entries fast ("Sök i katalogen").

Text is folded in Python (lower case, accents off: `Östlund` is stored and searched
as `ostlund`, so `lulea` finds `Luleå`), numbers are kept as digit strings in every
form people dial them. Each query word is a prefix and all must match. The indexes:
SQLite FTS5 tables kept current by triggers, or GIN indexes over a tsvector on
PostgreSQL (created by the migrations), one over all searchable text and one over names
alone. Exact extension or number matches come first, then names starting with what was
typed, then the rest, alphabetically.
"""
import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import text

from kundweb.database import DriverStatement
from kundweb.directory import phones
from kundweb.extensions import db

MIN_QUERY_LENGTH = 2
RESULT_LIMIT = 10
MAX_TERMS = 6
# Letters that Unicode does not decompose into a base letter plus an accent.
EXTRA_FOLDS = str.maketrans({"ø": "o", "æ": "ae", "đ": "d", "ŋ": "n", "ŧ": "t", "ł": "l", "ı": "i"})
WORD = re.compile(r"[a-z0-9]+")
SWEDISH_LAST = str.maketrans({"å": "{", "ä": "|", "ö": "}", "æ": "|", "ø": "}", "ü": "y"})
SWEDISH_KEEP = re.compile(r"[{|}]")


def fold(value):
    """Lower case, accents removed, words separated by single spaces: 'Åsa-Britt Öst' -> 'asa britt ost'."""
    decomposed = unicodedata.normalize("NFKD", (value or "").casefold().translate(EXTRA_FOLDS))
    return " ".join(WORD.findall("".join(c for c in decomposed if not unicodedata.combining(c))))


def sort_key(value):
    """Swedish alphabetical order: å, ä, ö after z (as '{', '|', '}' do in byte order); other accents folded."""
    swedish = (value or "").casefold().translate(SWEDISH_LAST)
    return " ".join(fold(word) if not SWEDISH_KEEP.search(word) else word for word in swedish.split())


def index_person(person):
    """Refresh a person's search columns from their current fields (call after every change)."""
    person.search_text = fold(" ".join([person.display_name, person.given_name, person.surname,
                                        person.username, person.title, person.unit_name, person.location]))
    person.search_numbers = _numbers(person.extension, person.direct_number, person.mobile)
    person.name_folded = fold(person.display_name)
    person.sort_key = sort_key(f"{person.surname} {person.given_name} {person.display_name}")


def index_function(entry):
    """Refresh a functional entry's search columns (call after every change)."""
    entry.search_text = fold(" ".join([entry.name, entry.keywords, entry.unit_name]))
    entry.search_numbers = _numbers(None, entry.phone)
    entry.name_folded = fold(entry.name)
    entry.sort_key = sort_key(entry.name)


def optimize_index():
    """Merge the full-text index's segments into one (SQLite FTS5; about a second for 20,000 people).

    Every change adds a small segment, and a query reads every segment: the nightly
    sync calls this so that a day of edits does not slow searches down. PostgreSQL
    keeps its GIN index tidy itself (autovacuum), so there it does nothing.
    """
    if db.session.get_bind().dialect.name != "sqlite":
        return
    for table in ("directory_person", "directory_function"):
        for index in (f"{table}_fts", f"{table}_name_fts"):
            db.session.execute(text(f"INSERT INTO {index}({index}) VALUES ('optimize')"))
    db.session.commit()


def _numbers(extension, *e164_numbers):
    keys = [extension] if extension else []
    for number in e164_numbers:
        keys.extend(phones.number_keys(number))
    return " ".join(dict.fromkeys(keys))


@dataclass(frozen=True)
class Query:
    """What to look for: prefix terms (all must match); `number` when a number was typed."""

    text: str
    terms: tuple
    number: str | None

    @property
    def folded(self):
        return " ".join(self.terms)


def parse_query(raw):
    """The query for a typed text, or None when it is too short to search for."""
    raw = (raw or "").strip()[:100]
    if phones.looks_like_number(raw):
        number = phones.query_number_key(raw)
        return Query(raw, (number,), number) if len(number) >= MIN_QUERY_LENGTH else None
    terms = tuple(dict.fromkeys(fold(raw).split()))[:MAX_TERMS]
    if not terms or len(" ".join(terms)) < MIN_QUERY_LENGTH:
        return None
    return Query(raw, terms, None)


class Hit(NamedTuple):
    """One search result, with what an agent needs to forward a caller.

    A tuple so the results template can unpack it in its loop: this list is
    rendered on every keystroke of every agent, and Jinja's attribute lookups
    were most of its cost.
    """

    kind: str  # "person" or "function"
    id: int
    name: str
    title: str | None
    unit: str | None
    extension: str | None
    phone: str  # the direct number or the functional entry's number, shown the Swedish way ('' if none)
    mobile: str  # shown the Swedish way ('' if none)
    email: str | None
    location: str | None
    note: str | None
    opening_hours: str | None
    hidden: bool
    exact: bool  # the typed number is exactly this entry's extension or number


@dataclass(frozen=True)
class Results:
    query: Query | None
    hits: list
    more: bool  # there were more hits than shown

    @property
    def searched(self):
        return self.query is not None


def search(raw, include_hidden=False, limit=RESULT_LIMIT):
    """Active people (hidden ones only if `include_hidden`) and active functional entries matching `raw`."""
    query = parse_query(raw)
    if query is None:
        return Results(None, [], False)
    # Straight to the driver: this answers every keystroke of every agent (see DriverStatement).
    engine = db.engine
    dialect = engine.dialect.name
    params = {"limit": limit + 1, "candidates": CANDIDATES, "name_candidates": NAME_CANDIDATES}
    if dialect == "sqlite":  # terms are [a-z0-9]+ only, so they need no escaping in either syntax
        params["match"] = " ".join(f'"{term}"*' for term in query.terms)
        params["exact_match"] = f'search_numbers : "{query.number}"'
        params["name_match"] = f'"{query.folded}"*'  # the words in this order, the last one begun
    else:
        params["match"] = " & ".join(f"{term}:*" for term in query.terms)
        params["exact_match"] = query.number or ""
        params["name_match"] = " <-> ".join(query.terms) + ":*"
    if query.number is not None:
        params["exact"] = f"% {query.number} %"
        rows = _statement(dialect, "number", include_hidden).all(engine, params)
    else:
        params["name_start"] = f"{query.folded}%"
        params["name_word_start"] = f"% {query.folded}%"
        # Names beginning with what was typed rank first: when they alone fill the list, the
        # other matches are not needed (the usual case, read through the names' own index).
        rows = _statement(dialect, "names", include_hidden).all(engine, params)
        if len(rows) <= limit:
            rows = _statement(dialect, "words", include_hidden).all(engine, params)
    display = phones.display_phone
    hits = [Hit(kind, id_, name, title, unit, extension, display(phone), display(mobile), email, location, note,
                hours, bool(hidden), rank == 0)
            for kind, id_, name, title, unit, extension, phone, mobile, email, location, note, hours, hidden, rank
            in rows[:limit]]
    return Results(query, hits, len(rows) > limit)


# At most this many index matches per kind are ranked. A query matching more shows the
# best of these and "type more"; the AD sync creates people in alphabetical order, so the
# index's first matches are, for the bulk of the directory, also the alphabetically first.
CANDIDATES = 120
# As many of the names beginning with what was typed (the first rank) per kind.
NAME_CANDIDATES = 40
_STATEMENTS = {}
_RANKS = {
    # A typed number: exact matches of a whole number or extension first.
    "number": "CASE WHEN (' ' || {t}.search_numbers || ' ') LIKE :exact THEN 0 ELSE 2 END",
    # Typed words: names beginning with them (or with a later name word) first.
    "words": "CASE WHEN {t}.name_folded LIKE :name_start OR (' ' || {t}.name_folded) LIKE :name_word_start "
             "THEN 1 ELSE 2 END",
    # Only names beginning with the typed words: all of the first rank.
    "names": "1",
}


def _statement(dialect, mode, include_hidden):
    """The search SELECT for each dialect, mode ("number", "words" or "names") and visibility, built once.

    Two steps in one statement: rank and order only the ids and sort keys of the
    candidates (narrow, cheap), then fetch what is shown for the few that are kept.
    """
    key = (dialect, mode, include_hidden)
    if key not in _STATEMENTS:
        rank = _RANKS[mode]
        visible = "" if include_hidden else " AND p.hidden = false"
        _STATEMENTS[key] = DriverStatement(f"""
WITH top AS (
  SELECT 'person' AS kind, p.id AS id, {rank.format(t="p")} AS rank, p.sort_key AS sort_key
  FROM directory_person p
  WHERE p.id IN ({_candidates(dialect, "directory_person", mode)}) AND p.active = true{visible}
  UNION ALL
  SELECT 'function', f.id, {rank.format(t="f")}, f.sort_key
  FROM directory_function f
  WHERE f.id IN ({_candidates(dialect, "directory_function", mode)}) AND f.active = true
  ORDER BY 3, 4, 1, 2
  LIMIT :limit)
SELECT top.kind, top.id, coalesce(p.display_name, f.name) AS name, p.title, coalesce(up.name, uf.name) AS unit,
       p.extension, coalesce(p.direct_number, f.phone) AS phone, p.mobile, coalesce(p.email, f.email) AS email,
       p.location, p.reach_note AS note, f.opening_hours, coalesce(p.hidden, false) AS hidden, top.rank
FROM top
LEFT JOIN directory_person p ON top.kind = 'person' AND p.id = top.id
LEFT JOIN directory_unit up ON up.id = p.unit_id
LEFT JOIN directory_function f ON top.kind = 'function' AND f.id = top.id
LEFT JOIN directory_unit uf ON uf.id = f.unit_id
ORDER BY top.rank, top.sort_key, top.kind, top.id""")
    return _STATEMENTS[key]


def _candidates(dialect, table, mode):
    """Ids matching the query through the full-text indexes.

    "names": names beginning with the typed words; "words": those and the first matches
    of every word anywhere; "number": the first matches and a typed number's exact
    matches, always.
    """
    if dialect == "sqlite":
        fts, names = f"{table}_fts", f"{table}_name_fts"
        prefix = f"SELECT rowid FROM {fts} WHERE {fts} MATCH :match LIMIT :candidates"
        exact = f"SELECT rowid FROM {fts} WHERE {fts} MATCH :exact_match"
        named = f"SELECT rowid FROM {names} WHERE {names} MATCH :name_match LIMIT :name_candidates"
    else:
        # The same expressions as the GIN indexes in the migrations, so PostgreSQL uses them.
        vector = "to_tsvector('simple'::regconfig, search_text || ' ' || search_numbers)"
        prefix = f"SELECT id FROM {table} WHERE {vector} @@ to_tsquery('simple'::regconfig, :match) LIMIT :candidates"
        exact = f"SELECT id FROM {table} WHERE {vector} @@ to_tsquery('simple'::regconfig, :exact_match)"
        named = (f"SELECT id FROM {table} WHERE to_tsvector('simple'::regconfig, name_folded) "
                 f"@@ to_tsquery('simple'::regconfig, :name_match) LIMIT :name_candidates")
    if mode == "names":
        return named
    if mode == "words":
        return f"SELECT * FROM ({prefix}) AS prefix_matches UNION SELECT * FROM ({named}) AS name_matches"
    return f"SELECT * FROM ({prefix}) AS prefix_matches UNION {exact}"
