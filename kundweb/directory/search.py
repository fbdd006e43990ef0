"""Finding people and functional entries fast ("Sök i katalogen").

Text is folded in Python (lower case, accents off: `Östlund` is stored and searched
as `ostlund`, so `lulea` finds `Luleå`), numbers are kept as digit strings in every
form people dial them. Each query word is a prefix and all must match. The indexes:
SQLite FTS5 tables kept current by triggers, or GIN indexes over a tsvector on
PostgreSQL (created by the migrations), one over all searchable text and one over names
alone. Exact extension or number matches come first, then functional entries (public
numbers before personal ones), then names starting with what was typed, then the rest,
alphabetically.

When those exact matches leave room in the list, tolerant matches of names follow them:
`ericsson` finds Eriksson, `lindbak` Lindbäck, `annsofie` Ann-Sofie (see tolerant_keys),
and a typo's trigrams find the name nearest to it.
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from rapidfuzz.distance import Indel
from sqlalchemy import select, text

from kundweb.database import DriverStatement, read_time, stored_date, stored_time
from kundweb.directory import phones
from kundweb.directory.models import Person
from kundweb.extensions import db
from kundweb.hours.calendar import STOCKHOLM

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


# Swedish names spelled as they sound, in this order: `Ericsson`, `Erixon` and `Eriksson` are all
# `erikson`; `Petterson` and `Pettersson` `peterson`; `Lindbäck`, `Lindbeck` and `Lindbak` `lindbak`.
SPELLING_VARIANTS = [(re.compile(pattern), replacement) for pattern, replacement in [
    (r"ck", "k"),
    (r"c(?=[eiy])", "s"),
    (r"x", "ks"),
    (r"[cq]", "k"),
    (r"ph", "f"),
    (r"th", "t"),
    (r"w", "v"),
    (r"z", "s"),
    (r"([bdfghjklmnprstv])\1+", r"\1"),  # double consonants: Pettersson, Petterson
    (r"bek", "bak"),  # ä (folded to a) or e in -bäck/-beck: Lindbäck, Lindbeck
]]


def spelling_key(word):
    """One folded word as it sounds: 'ericsson' -> 'erikson', 'lindback' -> 'lindbak'."""
    for pattern, replacement in SPELLING_VARIANTS:
        word = pattern.sub(replacement, word)
    return word


def tolerant_keys(*names):
    """The spelling keys of every word of `names`, and of each hyphenated or multi-word name joined
    ('Ann-Sofie' -> 'an sofie ansofie'), so the name is found however it was spelled or joined."""
    keys = []
    for name in names:
        words = fold(name).split()
        keys.extend(spelling_key(word) for word in words)
        if len(words) > 1:
            keys.append(spelling_key("".join(words)))
    return " ".join(dict.fromkeys(key for key in keys if key))


def person_tolerant_keys(display_name, given_name, surname):
    """A person's name keys: each name joined ('Ann-Sofie', a given name 'Ann Sofie'), never the whole display name."""
    return tolerant_keys(*(display_name or "").split(), given_name, surname)


def function_tolerant_keys(name, keywords):
    """A functional entry's keys: the words of its name and keywords."""
    return " ".join(dict.fromkeys(spelling_key(word) for word in fold(f"{name} {keywords}").split()))


def index_person(person):
    """Refresh a person's search columns from their current fields (call after every change)."""
    person.search_text = fold(" ".join([person.display_name, person.given_name, person.surname,
                                        person.username, person.title, person.unit_name, person.location]))
    person.search_numbers = _numbers(person.extension, person.direct_number, person.mobile)
    person.name_folded = fold(person.display_name)
    person.name_tolerant = person_tolerant_keys(person.display_name, person.given_name, person.surname)
    person.sort_key = sort_key(f"{person.surname} {person.given_name} {person.display_name}")


def index_function(entry):
    """Refresh a functional entry's search columns (call after every change)."""
    entry.search_text = fold(" ".join([entry.name, entry.keywords, entry.unit_name]))
    entry.search_numbers = _numbers(None, entry.phone)
    entry.name_folded = fold(entry.name)
    entry.name_tolerant = function_tolerant_keys(entry.name, entry.keywords)
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
        for index in (f"{table}_fts", f"{table}_name_fts", f"{table}_tolerant_fts"):
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


def words_begun(index, query_terms):
    """The hits of `index` ([(folded words, each after a space, hit)]) a word of which every term begins, in order.

    One pass over what is left per term (terms are few): this runs for every keystroke.
    """
    matches = index
    for term in query_terms:
        start = " " + term  # " term" in " words": a word beginning with it
        matches = [entry for entry in matches if start in entry[0]]
    return [hit for _, hit in matches]


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
    # The local date the person's details were last confirmed (or, never confirmed, created),
    # when that is before `stale_before`: the agent should not trust the numbers blindly.
    unconfirmed_since: date | None
    absent_until: date | None  # away until this date (inclusive), from `today` on
    # While absent: the deputy to forward to (an active one the searcher may see), else None/''.
    deputy_name: str | None
    deputy_extension: str | None
    deputy_phone: str  # the deputy's direct number, else mobile, shown the Swedish way ('' if none)
    tolerant: bool  # found by a spelling variant or a near name, not by what was typed


@dataclass(frozen=True)
class Results:
    query: Query | None
    hits: list
    more: bool  # there were more hits than shown

    @property
    def searched(self):
        return self.query is not None


def search(raw, include_hidden=False, limit=RESULT_LIMIT, today=None, stale_before=None, tolerant=True,
           parsed=None):
    """Active people (hidden ones only if `include_hidden`) and active functional entries matching `raw`.

    `tolerant`: with few exact matches, also names spelt alike (not for a query of more words than
    a name has, nor when the caller knows the query for a question rather than a name).

    `today` (the local date) shows absences that last until it or later; `stale_before` marks
    people whose details were last confirmed before it. Without them neither is shown.
    `parsed`: parse_query(raw), when the caller has it already.
    """
    query = parsed if parsed is not None else parse_query(raw)
    if query is None:
        return Results(None, [], False)
    # Straight to the driver: this answers every keystroke of every agent (see DriverStatement).
    engine = db.engine
    dialect = engine.dialect.name
    params = {"limit": limit + 1, "candidates": CANDIDATES, "name_candidates": NAME_CANDIDATES,
              "today": stored_date(today, dialect) if today else None,
              "stale_before": stored_time(stale_before, dialect) if stale_before else None}
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
        few = len(rows) < min(TOLERANT_WHEN_FEWER_THAN, limit + 1)
        if tolerant and few and len(query.terms) <= MAX_NAME_WORDS:
            # Few exact matches: tolerant ones after them. Never asked when the exact ones are enough.
            rows = rows + _tolerant_rows(engine, dialect, query, include_hidden, params,
                                         {(row[0], row[1]) for row in rows}, limit + 1 - len(rows))
    more, rows = len(rows) > limit, rows[:limit]
    deputies = _deputies({row[16] for row in rows if row[16] is not None}, include_hidden)
    display = phones.display_phone
    hits = [Hit(kind, id_, name, title, unit, extension, display(phone), display(mobile), email, location, note,
                hours, bool(hidden), rank == 0, unconfirmed and _local_date(unconfirmed),
                absent_until and _date(absent_until), *deputies.get(deputy_id, NO_DEPUTY), rank == TOLERANT_RANK)
            for kind, id_, name, title, unit, extension, phone, mobile, email, location, note, hours, hidden, rank,
            unconfirmed, absent_until, deputy_id, _ in rows]
    return Results(query, hits, more)


NO_DEPUTY = (None, None, "")


def _deputies(ids, include_hidden):
    """{person id: (name, extension, direct number or else mobile shown the Swedish way)} of the active
    deputies among `ids` the searcher may see.

    A query of its own, and only when a hit is absent with a deputy (seldom): joining the
    deputy into every search cost each keystroke more than this costs the few that need it.
    """
    if not ids:
        return {}
    statement = select(Person.id, Person.display_name, Person.extension, Person.direct_number, Person.mobile).where(
        Person.id.in_(ids), Person.active.is_(True))
    if not include_hidden:
        statement = statement.where(Person.hidden.is_(False))
    return {person_id: (name, extension, phones.display_phone(direct or mobile))
            for person_id, name, extension, direct, mobile in db.session.execute(statement)}


def _local_date(stored):
    return read_time(stored).astimezone(STOCKHOLM).date()


def _date(stored):
    return date.fromisoformat(stored) if isinstance(stored, str) else stored


# At most this many index matches per kind are ranked. A query matching more shows the
# best of these and "type more"; the AD sync creates people in alphabetical order, so the
# index's first matches are, for the bulk of the directory, also the alphabetically first.
CANDIDATES = 120
# As many of the names beginning with what was typed (the first rank) per kind.
NAME_CANDIDATES = 40
# Tolerant matching. Why a spelling-key column with a trigram index rather than an edit distance
# over the whole directory: the keys turn the common Swedish variants (ks/x/cs/ck, double
# consonants, -bäck/-beck, Ann-Sofie/Annsofie) into the same word, which any index finds; the
# database's own trigram index (SQLite FTS5 `tokenize='trigram'`, PostgreSQL pg_trgm) then finds
# the names sharing most trigrams with a typo, and only those few candidates are scored (an
# edit distance over words, rapidfuzz) in Python, the same way on both databases.
TOLERANT_CANDIDATES = 200
# "Few" exact matches: fewer than this many ask for tolerant ones too.
TOLERANT_WHEN_FEWER_THAN = 3
# Names have at most this many words ("Ann-Sofie af Lindbäck"); a longer query is a question.
MAX_NAME_WORDS = 4
TOLERANT_MIN_SIMILARITY = 0.8  # 1 - (inserted + deleted letters) / (letters of both): one wrong letter in five
TOLERANT_RANK = 4
_STATEMENTS = {}
# (person's rank, functional entry's rank) per mode; lower first.
_RANKS = {
    # A typed number: exact matches of a whole number or extension first.
    "number": ("CASE WHEN (' ' || {t}.search_numbers || ' ') LIKE :exact THEN 0 ELSE 2 END",) * 2,
    # Typed words: functional entries (public numbers before personal ones, R-DIR's "spread personal
    # contact details sparingly"), then names beginning with them (or with a later name word).
    "words": ("CASE WHEN {t}.name_folded LIKE :name_start OR (' ' || {t}.name_folded) LIKE :name_word_start "
              "THEN 2 ELSE 3 END", "1"),
    # Functional entries matching the words anywhere, and only names beginning with them.
    "names": ("2", "1"),
    # Near names, after every exact match; ordered by their similarity in Python.
    "tolerant": (str(TOLERANT_RANK), str(TOLERANT_RANK)),
}


def _statement(dialect, mode, include_hidden):
    """The search SELECT for each dialect, mode ("number", "words", "names" or "tolerant") and visibility,
    built once.

    Two steps in one statement: rank and order only the ids and sort keys of the
    candidates (narrow, cheap), then fetch what is shown for the few that are kept.
    """
    key = (dialect, mode, include_hidden)
    if key not in _STATEMENTS:
        person_rank, function_rank = _RANKS[mode]
        visible = "" if include_hidden else " AND p.hidden = false"
        # In "names" mode functional entries are matched on every word all the same (public numbers first);
        # the full-text prefix matches hold those whose names begin with the words too.
        function_mode = "prefix" if mode == "names" else mode
        limit = "2 * :tolerant_candidates" if mode == "tolerant" else ":limit"
        # The spelling keys are scored in Python for tolerant candidates only.
        tolerant_keys = "coalesce(p.name_tolerant, f.name_tolerant)" if mode == "tolerant" else "NULL"
        _STATEMENTS[key] = DriverStatement(f"""
WITH top AS (
  SELECT 'person' AS kind, p.id AS id, {person_rank.format(t="p")} AS rank, p.sort_key AS sort_key
  FROM directory_person p
  WHERE p.id IN ({_candidates(dialect, "directory_person", mode)}) AND p.active = true{visible}
  UNION ALL
  SELECT 'function', f.id, {function_rank.format(t="f")}, f.sort_key
  FROM directory_function f
  WHERE f.id IN ({_candidates(dialect, "directory_function", function_mode)}) AND f.active = true
  ORDER BY 3, 4, 1, 2
  LIMIT {limit})
SELECT top.kind, top.id, coalesce(p.display_name, f.name) AS name, p.title, coalesce(up.name, uf.name) AS unit,
       p.extension, coalesce(p.direct_number, f.phone) AS phone, p.mobile, coalesce(p.email, f.email) AS email,
       p.location, p.reach_note AS note, f.opening_hours, coalesce(p.hidden, false) AS hidden, top.rank,
       CASE WHEN coalesce(p.confirmed_at, p.created_at) < :stale_before
            THEN coalesce(p.confirmed_at, p.created_at) END AS unconfirmed_since,
       CASE WHEN p.absent_until >= :today THEN p.absent_until END AS absent_until,
       CASE WHEN p.absent_until >= :today THEN p.deputy_id END AS deputy_id,
       {tolerant_keys} AS name_tolerant
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
    matches, always; "tolerant": the names sharing most trigrams with the longest typed word's key.
    """
    if dialect == "sqlite":
        fts, names, tolerant = f"{table}_fts", f"{table}_name_fts", f"{table}_tolerant_fts"
        prefix = f"SELECT rowid FROM {fts} WHERE {fts} MATCH :match LIMIT :candidates"
        exact = f"SELECT rowid FROM {fts} WHERE {fts} MATCH :exact_match"
        named = f"SELECT rowid FROM {names} WHERE {names} MATCH :name_match LIMIT :name_candidates"
        near = (f"SELECT rowid FROM {tolerant} WHERE {tolerant} MATCH :tolerant_match "
                f"ORDER BY rank LIMIT :tolerant_candidates")  # rank: bm25, only for the few rows of a typo's trigrams
    else:
        # The same expressions as the GIN indexes in the migrations, so PostgreSQL uses them.
        vector = "to_tsvector('simple'::regconfig, search_text || ' ' || search_numbers)"
        prefix = f"SELECT id FROM {table} WHERE {vector} @@ to_tsquery('simple'::regconfig, :match) LIMIT :candidates"
        exact = f"SELECT id FROM {table} WHERE {vector} @@ to_tsquery('simple'::regconfig, :exact_match)"
        named = (f"SELECT id FROM {table} WHERE to_tsvector('simple'::regconfig, name_folded) "
                 f"@@ to_tsquery('simple'::regconfig, :name_match) LIMIT :name_candidates")
        # pg_trgm's word similarity (`<%`, through the GIN trigram index), nearest first.
        near = (f"SELECT id FROM {table} WHERE :tolerant_match <% name_tolerant "
                f"ORDER BY :tolerant_match <<-> name_tolerant LIMIT :tolerant_candidates")
    if mode == "names":
        return named
    if mode == "prefix":
        return prefix
    if mode == "words":
        return f"SELECT * FROM ({prefix}) AS prefix_matches UNION SELECT * FROM ({named}) AS name_matches"
    if mode == "tolerant":
        return near
    return f"SELECT * FROM ({prefix}) AS prefix_matches UNION {exact}"


def _tolerant_rows(engine, dialect, query, include_hidden, params, seen, wanted):
    """Up to `wanted` rows of names near the typed words (not in `seen`), the nearest first.

    Every typed word must be near a word of the name (its spelling key, or the key begun):
    the index only proposes candidates by the longest word, this decides.
    """
    keys = [spelling_key(term) for term in query.terms]
    longest = max(keys, key=len)
    if len(longest) < 3:
        return []
    statement = _statement(dialect, "tolerant", include_hidden)
    params = {**params, "tolerant_candidates": TOLERANT_CANDIDATES}
    if dialect == "sqlite":
        # First every key as it is (a spelling variant: cheap, no ranking), then, if that finds
        # nothing new, any of the longest key's trigrams, the rows sharing most of them first (a typo).
        rows = _scored(statement.all(engine, {**params, "tolerant_match": " ".join(
            f'"{key}"' for key in keys if len(key) >= 3)}), keys, seen)
        if not rows:
            rows = _scored(statement.all(engine, {**params, "tolerant_match": " OR ".join(
                f'"{trigram}"' for trigram in dict.fromkeys(longest[i:i + 3] for i in range(len(longest) - 2)))}),
                keys, seen)
    else:
        rows = _scored(statement.all(engine, {**params, "tolerant_match": longest}), keys, seen)
    return rows[:wanted]


def _scored(rows, keys, seen):
    """The rows (not in `seen`) near enough to every key, the nearest first."""
    scored = []
    for row in rows:
        if (row[0], row[1]) not in seen:
            similarity = _similarity(keys, (row[-1] or "").split())
            if similarity >= TOLERANT_MIN_SIMILARITY:
                scored.append((-similarity, len(scored), row))
    return [row for _, _, row in sorted(scored)]


def _similarity(keys, words):
    """How near the least near typed key is to a word of the name (1.0: the name's word begins with it)."""
    worst = 1.0
    for key in keys:
        best = 0.0
        for word in words:
            if word.startswith(key):
                best = 1.0
                break
            if len(key) >= 4:
                # A whole word mistyped, or the beginning of a longer one.
                best = max(best, Indel.normalized_similarity(key, word),
                           Indel.normalized_similarity(key, word[:len(key)]) if len(word) > len(key) else 0.0)
        worst = min(worst, best)
        if worst < TOLERANT_MIN_SIMILARITY:
            break
    return worst
