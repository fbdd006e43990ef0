"""Finding published answers in the agents' one search box (R-KB-3), by question, phrasings and keywords.

The same rules as the directory (kundweb/directory/search.py): text folded the same way
(`overklagan` finds `Överklagan`), each typed word a prefix and all must match. Ranked:
questions starting with what was typed first, then a phrasing starting with it (or a later
word of the question), then the rest; within a rank in Swedish alphabetical order. Only
published answers, internal and public, are ever found: never a draft or an archived one.

The search runs on every keystroke of every agent, beside the directory's own. The answers
are few (thousands, not tens of thousands) and change seldom, so each web process keeps an
index of the published ones (built from the folded columns every save writes) and searches
it without asking the database: an SQL full-text search per keystroke made the agents' search
about 15 % slower (bench: unified_search). The index is checked against the database at most
every ANSWER_SEARCH_CACHE_SECONDS and rebuilt when the published answers changed; a save in
the same process rebuilds it at once. What the agent opens (the panel) and what an enquiry
names are always read from the database.
"""
import threading
import time
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from flask import current_app
from sqlalchemy import event, text

from kundweb.answers.models import Answer
from kundweb.caching import per_app
from kundweb.companies.models import Company
from kundweb.directory.models import Person, Unit
from kundweb.directory.search import fold, parse_query, sort_key
from kundweb.enquiries.models import EnquiryCategory
from kundweb.extensions import db

RESULT_LIMIT = 5  # answers shown among the directory's hits
OPTION_LIMIT = 10  # answers offered in the enquiry form's list
# However seldom the published answers change, the index is rebuilt at least this often.
REBUILD_SECONDS = 300
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


@event.listens_for(Answer, "after_insert")
@event.listens_for(Answer, "after_update")
def _rebuild_after_save(mapper, connection, answer):
    # This process searches a changed answer at once; the others within ANSWER_SEARCH_CACHE_SECONDS.
    kept = current_app.extensions.get(_KEPT_INDEX) if current_app else None
    if kept is not None:
        kept.forget()


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
    index = _kept_index().get()
    matching = index.matching(query.terms)
    if not matching:
        return NO_ANSWERS
    folded = query.folded
    first = index.beginning(index.questions, folded) & matching
    second = (index.beginning(index.openings, folded) & matching) - first
    ranked = []
    for group in (first, second, matching - first - second):
        wanted = limit + 1 - len(ranked)
        if wanted <= 0:
            break
        ranked.extend(sorted(group, key=index.order.__getitem__)[:wanted])  # C sort: faster than heapq here
    hits = [AnswerHit(*index.shown[answer_id], index.shown[answer_id][4] < today) for answer_id in ranked[:limit]]
    return AnswerResults(hits, len(ranked) > limit)


@dataclass(frozen=True)
class _Index:
    """The published answers as the search reads them, built from their folded search columns."""

    signature: tuple  # what the published answers looked like when it was built (see _read_signature)
    words: list  # every word of their search text, sorted (for prefixes by bisect)
    ids_by_word: dict  # word -> ids of the answers holding it
    questions: list  # (folded question, id), sorted
    openings: list  # (folded phrasing, or the question from its second word on, id), sorted
    order: dict  # id -> its place in Swedish alphabetical order of the questions (ties by id)
    shown: dict  # id -> (id, question, owner, visibility, review_by): an AnswerHit but for `stale`

    def matching(self, terms):
        """Ids of the answers where every term begins a word."""
        found = None
        for term in terms:
            ids = set()
            at = bisect_left(self.words, term)
            while at < len(self.words) and self.words[at].startswith(term):
                ids |= self.ids_by_word[self.words[at]]
                at += 1
            found = ids if found is None else found & ids
            if not found:
                return set()
        return found

    @staticmethod
    def beginning(pairs, prefix):
        """Ids of the (text, id) pairs whose text begins with `prefix`."""
        ids = set()
        at = bisect_left(pairs, (prefix,))
        while at < len(pairs) and pairs[at][0].startswith(prefix):
            ids.add(pairs[at][1])
            at += 1
        return ids


_KEPT_INDEX = "kundweb.answers.search_index"
_SIGNATURE = text("SELECT count(*), max(updated_at), sum(version), max(id) FROM answer WHERE status = 'published'")
_PUBLISHED = text("""
SELECT a.id, a.question, coalesce(u.name, c.name), a.visibility, a.review_by, a.search_text, a.name_folded,
       a.phrasings_folded, a.sort_key
FROM answer a
LEFT JOIN directory_unit u ON u.id = a.unit_id
LEFT JOIN company c ON c.id = a.company_id
WHERE a.status = 'published'""")


class _KeptIndex:
    """A web process's index, compared with the database at most every `seconds` and rebuilt when it changed."""

    def __init__(self, seconds):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._index, self._checked_at, self._built_at = None, 0.0, 0.0

    def get(self):
        with self._lock:
            index, checked_at, built_at = self._index, self._checked_at, self._built_at
        now = time.monotonic()
        if index is not None and now - checked_at < self.seconds:
            return index
        # Outside the lock: a slow read never blocks the other threads' searches.
        with db.engine.connect() as connection:
            signature = tuple(connection.execute(_SIGNATURE).one())
            if index is None or index.signature != signature or now - built_at >= REBUILD_SECONDS:
                index, built_at = _build(signature, connection.execute(_PUBLISHED)), now
        with self._lock:
            self._index, self._checked_at, self._built_at = index, now, built_at
        return index

    def forget(self):
        with self._lock:
            self._index = None


def _kept_index():
    return per_app(_KEPT_INDEX, lambda app: _KeptIndex(app.config.get("ANSWER_SEARCH_CACHE_SECONDS", 5)))


def _build(signature, rows):
    ids_by_word, questions, openings, order, shown = {}, [], [], {}, {}
    for answer_id, question, owner, visibility, review_by, search_text, name_folded, phrasings, key in rows:
        for word in set(search_text.split()):
            ids_by_word.setdefault(word, set()).add(answer_id)
        questions.append((name_folded, answer_id))
        words = name_folded.split(" ")
        openings.extend((" ".join(words[at:]), answer_id) for at in range(1, len(words)))
        openings.extend((phrasing, answer_id) for phrasing in phrasings.split("|") if phrasing)
        order[answer_id] = (key, answer_id)
        shown[answer_id] = (answer_id, question, owner, visibility, _as_date(review_by))
    # Places, not the (key, id) pairs: the search sorts by them on every keystroke, and ints compare cheaper.
    order = {answer_id: place for place, answer_id in enumerate(sorted(order, key=order.__getitem__))}
    return _Index(signature, sorted(ids_by_word), ids_by_word, sorted(questions), sorted(openings), order, shown)


def _as_date(value):
    # sqlite3 gives the stored ISO text, psycopg a date.
    return date.fromisoformat(value) if isinstance(value, str) else value


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
