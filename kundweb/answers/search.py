"""Finding published answers in the agents' one search box (R-KB-3), by question, phrasings and keywords.

The same rules as the directory (kundweb/directory/search.py): text folded the same way
(`overklagan` finds `Överklagan`), each typed word a prefix and all must match, the same
kind of index (SQLite FTS5 tables kept by triggers, GIN indexes over a tsvector on
PostgreSQL; migration bd8419226869). Ranked: questions starting with what was typed
first, then a phrasing starting with it (or a later word of the question), then the
rest; within a rank in Swedish alphabetical order. Only published answers, internal and
public, are ever found: never a draft or an archived one.
"""
from datetime import date
from typing import NamedTuple

from sqlalchemy import event

from kundweb.answers.models import Answer
from kundweb.companies.models import Company
from kundweb.database import DriverStatement
from kundweb.directory.models import Person, Unit
from kundweb.directory.search import fold, parse_query, sort_key
from kundweb.enquiries.models import EnquiryCategory
from kundweb.extensions import db

RESULT_LIMIT = 5  # answers shown among the directory's hits
OPTION_LIMIT = 10  # answers offered in the enquiry form's list
# At most this many index matches are ranked, and this many more whose question holds the typed
# words in order (the best ones, when more match). Fewer than the directory's: few answers are
# shown, and ranking them is most of the search's cost on every keystroke.
CANDIDATES = 60
NAME_CANDIDATES = 20
MAX_ROW_ID = 2**31 - 1  # the largest INTEGER key on PostgreSQL: a larger id is no answer


def search_columns(question, phrasings, keywords):
    """The folded search columns of an answer with these texts (the migration indexes old rows with it too)."""
    lines = [fold(line) for line in (phrasings or "").splitlines()]
    lines = [line for line in lines if line]
    return {
        "search_text": fold(" ".join([question or "", *(phrasings or "").splitlines(), keywords or ""])),
        "name_folded": fold(question)[:300],
        # Each phrasing between bars, so "a phrasing starts with" is one LIKE '%|words%'.
        "phrasings_folded": f"|{'|'.join(lines)}|" if lines else "",
        "sort_key": sort_key(question)[:300],
    }


def index_answer(answer):
    """Refresh an answer's search columns from its question, phrasings and keywords (after every change).

    Called for every insert and update of an Answer by the mapper events below, so that
    the services, the import, the demo data and tests cannot forget it.
    """
    for name, value in search_columns(answer.question, answer.phrasings, answer.keywords).items():
        if getattr(answer, name) != value:
            setattr(answer, name, value)


# A mapper event rather than a call in each service: answers are written by several
# features (editing, proposals accepted, import, demo data), and a forgotten call would leave
# an answer unfindable with nothing failing. Setting column attributes of the row being
# flushed in before_insert/before_update is supported: they go into the same INSERT/UPDATE.
# Bulk UPDATE statements bypass mapper events: they must call search_columns themselves.
@event.listens_for(Answer, "before_insert")
@event.listens_for(Answer, "before_update")
def _index_before_save(mapper, connection, answer):
    index_answer(answer)


class AnswerHit(NamedTuple):
    """One answer found: what the hit list and the enquiry form's list show of it."""

    id: int
    question: str
    owner: str | None  # the owning department's or company's name
    visibility: str  # "intern" or "publik"
    review_by: date
    stale: bool  # past its review date ("granska senast")


class AnswerResults(NamedTuple):
    hits: list
    more: bool  # more answers matched than shown


NO_ANSWERS = AnswerResults([], False)


def search(raw, today, limit=RESULT_LIMIT):
    """Published answers matching the typed text `raw`; `today` (the local date) decides which are stale."""
    return search_query(parse_query(raw), today, limit)


def search_query(query, today, limit=RESULT_LIMIT):
    """As search(), for a query the directory search has already parsed (kundweb.directory.search.Query).

    A typed number is a caller's number or an extension: no answer is looked for.
    """
    if query is None or query.number is not None:
        return NO_ANSWERS
    engine = db.engine
    dialect = engine.dialect.name
    folded = query.folded
    params = {"limit": limit + 1, "candidates": CANDIDATES, "name_candidates": NAME_CANDIDATES,
              "name_start": f"{folded}%", "name_word_start": f"% {folded}%", "phrasing_start": f"%|{folded}%"}
    if dialect == "sqlite":  # terms are [a-z0-9]+ only, so they need no escaping in either syntax
        params["match"] = " ".join(f'"{term}"*' for term in query.terms)
        params["name_match"] = f'"{folded}"*'
    else:
        params["match"] = " & ".join(f"{term}:*" for term in query.terms)
        params["name_match"] = " <-> ".join(query.terms) + ":*"
    rows = _statement(dialect).all(engine, params)
    hits = [AnswerHit(id_, question, owner, visibility, review_by, review_by < today)
            for id_, question, owner, visibility, review_by in
            ((row[0], row[1], row[2], row[3], _as_date(row[4])) for row in rows[:limit])]
    return AnswerResults(hits, len(rows) > limit)


def _as_date(value):
    # Straight from the driver: sqlite3 gives the stored ISO text, psycopg a date.
    return date.fromisoformat(value) if isinstance(value, str) else value


_STATEMENTS = {}


def _statement(dialect):
    """The answer search SELECT for a dialect, built once: rank the candidates' ids, then fetch the few kept."""
    if dialect not in _STATEMENTS:
        if dialect == "sqlite":
            words = "SELECT rowid AS id FROM answer_fts WHERE answer_fts MATCH :match LIMIT :candidates"
            names = ("SELECT rowid AS id FROM answer_name_fts WHERE answer_name_fts MATCH :name_match "
                     "LIMIT :name_candidates")
        else:
            # The same expressions as the GIN indexes in the migration, so PostgreSQL uses them.
            words = ("SELECT id FROM answer WHERE to_tsvector('simple'::regconfig, search_text) "
                     "@@ to_tsquery('simple'::regconfig, :match) LIMIT :candidates")
            names = ("SELECT id FROM answer WHERE to_tsvector('simple'::regconfig, name_folded) "
                     "@@ to_tsquery('simple'::regconfig, :name_match) LIMIT :name_candidates")
        # From the matches to the answers (CROSS JOIN keeps that order on SQLite): with `id IN (...)`
        # SQLite read every published answer through the status index and looked each up in the matches.
        _STATEMENTS[dialect] = DriverStatement(f"""
WITH matches AS (SELECT * FROM ({words}) AS word_matches UNION SELECT * FROM ({names}) AS name_matches),
top AS (
  SELECT a.id AS id,
         CASE WHEN a.name_folded LIKE :name_start THEN 1
              WHEN a.phrasings_folded LIKE :phrasing_start OR (' ' || a.name_folded) LIKE :name_word_start THEN 2
              ELSE 3 END AS rank,
         a.sort_key AS sort_key
  FROM matches m CROSS JOIN answer a
  WHERE a.id = m.id AND a.status = 'published'
  ORDER BY 2, 3, 1
  LIMIT :limit)
SELECT a.id, a.question, coalesce(u.name, c.name) AS owner, a.visibility, a.review_by
FROM top
JOIN answer a ON a.id = top.id
LEFT JOIN directory_unit u ON u.id = a.unit_id
LEFT JOIN company c ON c.id = a.company_id
ORDER BY top.rank, top.sort_key, top.id""")
    return _STATEMENTS[dialect]



class Opened(NamedTuple):
    """An answer as the panel beside the enquiry form shows it."""

    answer: Answer
    owner: str  # the owning department's or company's name
    responsible: Person | None
    category: EnquiryCategory | None
    stale: bool

    @property
    def hit(self):
        """The answer as the lists show it (the enquiry form's chosen answer, say)."""
        answer = self.answer
        return AnswerHit(answer.id, answer.question, self.owner, answer.visibility, answer.review_by, self.stale)


def published_answer(answer_id, today):
    """The published answer with this id, with its owner, responsible and category (Opened), or None.

    None for a draft, an archived answer or an id that does not exist: the agent's side
    never shows an answer that is not published.
    """
    if not answer_id or not 0 < answer_id <= MAX_ROW_ID:
        return None
    answer = db.session.get(Answer, answer_id)
    if answer is None or answer.status != "published":
        return None
    owner = db.session.get(Unit, answer.unit_id) if answer.unit_id else db.session.get(Company, answer.company_id)
    return Opened(answer, owner.name if owner else "",
                  db.session.get(Person, answer.responsible_id) if answer.responsible_id else None,
                  db.session.get(EnquiryCategory, answer.category_id) if answer.category_id else None,
                  answer.review_by < today)
