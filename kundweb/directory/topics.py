"""Questions and where they go, for the directory search: the active enquiry categories, each with its route.

An agent who types `elavbrott` needs the answer to "who takes this?", not a person. A
category's route follows from what the register already knows:
- its group is a municipal company: the company's routing (through Kundcenter, or the
  company's own customer service since a date, with its number);
- a functional entry covers it (every word of the category among the entry's name and
  keywords, the category's own department's entries first): forward to that entry;
- otherwise the category is a volume question Kundcenter answers itself.
The list is small (tens of categories) and read at most every DIRECTORY_TOPIC_CACHE_SECONDS
per process, so matching it on every keystroke costs no database query.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from kundweb.caching import Expiring, per_app
from kundweb.companies import services as companies
from kundweb.directory import phones
from kundweb.directory.models import FunctionalEntry, Unit
from kundweb.directory.search import fold, sort_key, words_begun
from kundweb.enquiries.models import EnquiryCategory
from kundweb.extensions import db

ROUTES = {"kundcenter": "Kundcenter svarar", "forward": "Koppla vidare", "company_own": "Bolagets egen kundtjänst"}
# Words that say nothing about who covers a question ("Snöröjning och halka").
FILLER_WORDS = frozenset({"och", "i", "av", "for", "om", "pa", "med", "till", "eller"})


@dataclass(frozen=True)
class TopicHit:
    """One question (an enquiry category) and where it goes."""

    name: str  # "Elavbrott"
    owner: str  # the department or company the category is grouped under
    route: str  # a key of ROUTES
    target: str | None  # "forward": the functional entry; company routes: the company
    target_id: int | None  # the functional entry's id ("forward")
    phone: str  # the number to forward to or give the caller, shown the Swedish way ('' if none)
    since: date | None  # "company_own": since when the company answers itself
    company_id: int | None

    @property
    def route_label(self):
        return ROUTES[self.route]


def matching(query_terms, exclude_company_ids=()):
    """The categories every typed (folded) term begins a word of, in Swedish alphabetical order.

    Categories of a company in `exclude_company_ids` are left out: that company is a hit of its own.
    """
    if not query_terms:
        return []
    hits = words_begun(_index(), query_terms)
    return [hit for hit in hits if hit.company_id not in exclude_company_ids] if exclude_company_ids else hits


def _read_index():
    """[(the category name's folded words, each after a space, TopicHit)] of every active category."""
    categories = db.session.execute(select(EnquiryCategory.name, EnquiryCategory.group_name)
                                    .where(EnquiryCategory.active.is_(True))).all()
    if not categories:
        return []
    notes = {fold(note.name): note for note in companies.routing_notes()}
    # Columns, not entities: this is read again every few seconds in every web process.
    functions = db.session.execute(
        select(FunctionalEntry.id, FunctionalEntry.name, FunctionalEntry.keywords, FunctionalEntry.phone, Unit.name)
        .outerjoin(Unit, Unit.id == FunctionalEntry.unit_id).where(FunctionalEntry.active.is_(True))
        .order_by(FunctionalEntry.public.desc(), FunctionalEntry.sort_key)).all()
    covers = [(set(fold(f"{entry.name} {entry.keywords}").split()), entry) for entry in functions]
    index = []
    for category in sorted(categories, key=lambda category: sort_key(category.name)):
        words = tuple(fold(category.name).split())
        index.append((" " + " ".join(words), _route(category, words, notes.get(fold(category.group_name)), covers)))
    return index


def _route(category, words, company, covers):
    if company is not None:
        if company.through_kundcenter:
            return TopicHit(category.name, category.group_name, "kundcenter", company.name, None, company.phone,
                            None, company.company_id)
        return TopicHit(category.name, category.group_name, "company_own", company.name, None, company.phone,
                        company.since, company.company_id)
    needed = {word for word in words if word not in FILLER_WORDS}
    covering = [entry for entry_words, entry in covers if needed and needed <= entry_words]
    covering.sort(key=lambda entry: entry[4] != category.group_name)  # stable: own department's entries first
    if covering:
        entry_id, name, _, phone, _ = covering[0]
        return TopicHit(category.name, category.group_name, "forward", name, entry_id, phones.display_phone(phone),
                        None, None)
    return TopicHit(category.name, category.group_name, "kundcenter", None, None, "", None, None)


def _index():
    return per_app("kundweb_directory_topic_index", lambda app: Expiring(
        app.config.get("DIRECTORY_TOPIC_CACHE_SECONDS", 5), _read_index)).get()
