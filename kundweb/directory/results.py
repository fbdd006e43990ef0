"""What "Sök i katalogen" shows: groups of hits, one per kind, in the order an agent needs them.

Departments and units first (the public entry points, with their functional numbers), then
questions and where they go (enquiry categories), prepared answers (Kunskapsbanken), municipal companies, and people and
functional entries (functional entries first, see search.py). Each group is a kind, a
label and its hits, shown by the template `directory/_group_<kind>.html`; another kind
is one more Group in grouped_search's list and one more template. The hit count counts
every group.
"""
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import func, select

from kundweb.answers import search as answer_search
from kundweb.caching import Expiring, per_app
from kundweb.database import utcnow
from kundweb.companies import services as companies
from kundweb.directory import phones, services, topics
from kundweb.directory.models import FunctionalEntry, Person, Unit
from kundweb.directory.search import RESULT_LIMIT, Results, fold, parse_query, search, sort_key, words_begun
from kundweb.extensions import db
from kundweb.hours.calendar import STOCKHOLM


# A tuple, not a frozen dataclass: five groups are made for every keystroke of every agent, and a
# frozen dataclass's __init__ costs several times a tuple's.
class Group(NamedTuple):
    kind: str  # "unit", "topic", "company", "directory" ...; its template is directory/_group_<kind>.html
    label: str  # the list's accessible name
    hits: list
    more: bool = False  # more of this kind matched than are shown


@dataclass
class GroupedResults:
    query: object  # search.Query, or None when nothing was searched for
    groups: list  # Groups, in the order shown; empty ones included
    directory: object  # the people and functional entries (search.Results)
    company_notes: object  # companies.SearchNotes: the company hits and the companies owning hit units
    # Worked out once here, not in the templates: they render on every keystroke, where each
    # attribute lookup and loop filter of Jinja's costs more than the same in Python.
    other_groups: tuple = field(init=False)  # the groups with hits shown before the people, in order
    count: int = field(init=False)  # hits of every kind

    def __post_init__(self):
        self.other_groups = tuple([group for group in self.groups if group.hits and group.kind != "directory"])
        self.count = sum([len(group.hits) for group in self.groups])

    @property
    def searched(self):
        return self.query is not None

    @property
    def more(self):
        return self.directory.more

    @property
    def hits(self):
        """The people and functional entries (the "directory" group)."""
        return self.directory.hits


@dataclass(frozen=True)
class FunctionNumber:
    id: int
    name: str
    phone: str  # shown the Swedish way ('' if none)
    public: bool
    opening_hours: str


@dataclass(frozen=True)
class UnitHit:
    """A department or unit: its functional entries (public first) and how many staff it has."""

    id: int
    name: str
    functions: tuple  # FunctionNumbers
    staff: int  # active people in the unit, hidden ones not counted


def grouped_search(raw, include_hidden=False, now=None, limit=RESULT_LIMIT):
    """Every kind of hit for the typed text `raw`, grouped (see the module's docstring)."""
    now = now or utcnow()
    today = now.astimezone(STOCKHOLM).date()
    query = parse_query(raw)
    if query is None:  # too short to search for (the first key typed, or a cleared box)
        return GroupedResults(None, [], Results(None, [], False), companies.NO_SEARCH_NOTES)
    terms = query.terms if query.number is None else ()
    units = matching_units(terms)
    answers = answer_search.search_query(query, today)  # a few (RESULT_LIMIT), none for a typed number
    # A query that names a unit or a prepared answer is a question, not a misspelt name: the
    # spelling-tolerant name search (the costly part for a typo) is not asked then.
    directory = search(raw, include_hidden=include_hidden, limit=limit, today=today,
                       stale_before=services.stale_before(now), tolerant=not (units or answers.hits), parsed=query)
    company_notes = companies.search_notes(" ".join(terms),
                                           [hit.unit for hit in directory.hits if hit.kind == "function"])
    groups = [
        Group("unit", "Förvaltningar och enheter", units),
        Group("topic", "Frågor och vart de går",
              topics.matching(terms, {note.company_id for note in company_notes.companies})),
        Group("answer", "Svar i Kunskapsbanken", answers.hits, answers.more),
        Group("company", "Kommunala bolag", company_notes.companies),
        Group("directory", "Träffar", directory.hits),
    ]
    return GroupedResults(directory.query, groups, directory, company_notes)


def matching_units(query_terms):
    """Units whose name every typed (folded) term begins a word of, that have functional entries or staff."""
    if not query_terms:
        return []
    return words_begun(_unit_index(), query_terms)


def _read_unit_index():
    """[(folded words of the name, each after a space, UnitHit)] of every unit with an active functional entry or visible person."""
    staff = Counter(dict(db.session.execute(
        select(Person.unit_id, func.count()).where(Person.active.is_(True), Person.hidden.is_(False))
        .group_by(Person.unit_id)).all()))
    functions = {}
    # Columns, not entities: this is read again every few seconds in every web process.
    for unit_id, *entry in db.session.execute(
            select(FunctionalEntry.unit_id, FunctionalEntry.id, FunctionalEntry.name, FunctionalEntry.phone,
                   FunctionalEntry.public, FunctionalEntry.opening_hours)
            .where(FunctionalEntry.active.is_(True), FunctionalEntry.unit_id.is_not(None))
            .order_by(FunctionalEntry.public.desc(), FunctionalEntry.sort_key)):
        entry_id, name, phone, public, opening_hours = entry
        functions.setdefault(unit_id, []).append(FunctionNumber(
            entry_id, name, phones.display_phone(phone), public, opening_hours))
    units = db.session.execute(select(Unit.id, Unit.name)).all()
    return [(" " + fold(name), UnitHit(unit_id, name, tuple(functions.get(unit_id, ())), staff[unit_id]))
            for unit_id, name in sorted(units, key=lambda unit: sort_key(unit.name))
            if staff[unit_id] or unit_id in functions]


def _unit_index():
    return per_app("kundweb_directory_unit_index", lambda app: Expiring(
        app.config.get("DIRECTORY_TOPIC_CACHE_SECONDS", 5), _read_unit_index)).get()
