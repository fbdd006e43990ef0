"""Public answers (R-KB-5): what the web site may show of Kunskapsbanken.

Only answers that are both published and public ever leave through here: every read
goes through `_public()`, which is the one place that condition is written. The web
site reads them as JSON (`/api/v1/answers`) and citizens as pages with schema.org
FAQPage data (`/svar`). The items of every public answer are built once per change of
the list (its ETag) and kept per web process, so the API answers from memory.
"""
import hashlib
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from markupsafe import Markup
from sqlalchemy import func, select

from kundweb.answers.models import Answer
from kundweb.caching import per_app
from kundweb.companies.models import Company
from kundweb.safe_markup import body_html, plain_text
from kundweb.directory.models import Unit
from kundweb.directory.search import fold
from kundweb.enquiries.models import EnquiryCategory
from kundweb.extensions import db
from kundweb.external_urls import external_url
from kundweb.hours.calendar import STOCKHOLM

MAX_QUERY = 200


class PublicAnswerError(Exception):
    """A public request that cannot be answered; the message is Swedish and safe to show."""


class AnswerNotPublic(PublicAnswerError):
    """No published public answer has this id (it may be internal, a draft, archived or missing)."""

    def __init__(self):
        super().__init__("Svaret finns inte.")


@dataclass(frozen=True)
class PublicAnswer:
    """One published public answer as the API, the pages and the search use it."""

    id: int
    item: dict  # the /api/v1/answers item
    question: str
    answer_html: Markup  # sanitised by the renderer, so templates show it as is
    category_id: int | None
    category_label: str | None
    department: str | None
    searched: str  # the folded question, phrasings, keywords and answer text that ?q= matches


@dataclass(frozen=True)
class PublicList:
    """Every public answer, ordered by question, the ETag of that list and the API's JSON of all of it."""

    answers: tuple
    etag: str
    json: str


def _public(query):
    """The one condition that makes an answer public: published and visible to the public."""
    return query.where(Answer.status == "published", Answer.visibility == "publik")


def _with_owner_and_category(query):
    return (query.outerjoin(Unit, Unit.id == Answer.unit_id).outerjoin(Company, Company.id == Answer.company_id)
            .outerjoin(EnquiryCategory, EnquiryCategory.id == Answer.category_id))


# The two aggregates behind the ETag, built once: the API reads them on every request.
_ETAG_TOTALS = _public(select(func.count(), func.max(Answer.updated_at), func.coalesce(func.sum(Answer.version), 0),
                              func.coalesce(func.sum(Answer.id), 0)))
_ETAG_NAMES = _public(_with_owner_and_category(
    select(Unit.name, Company.name, EnquiryCategory.group_name, EnquiryCategory.name).select_from(Answer).distinct()))


def list_etag():
    """The ETag of the public list, from two aggregate queries (no row per answer reaches Python).

    Every change to an answer sets its updated_at to now, so an edit, a publication or an answer
    joining the list moves the newest updated_at, and one leaving it lowers the count; the owners'
    and categories' names are in it too, as the items carry them.
    """
    count, newest, versions, ids = db.session.execute(_ETAG_TOTALS).one()
    names = sorted(repr(tuple(row)) for row in db.session.execute(_ETAG_NAMES))
    basis = f"answers|{count}|{newest}|{versions}|{ids}|" + ";".join(names)
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def public_answers():
    """Every published public answer, read from the database only when the list's ETag changed."""
    return _cache().current(list_etag())


def filtered(public_list, q=None, category=None):
    """(answers, etag) of `public_list` matching the words of `q` (accents and case ignored) and the
    category id `category`. Raises PublicAnswerError for a query that is too long or a bad category."""
    q = (q or "").strip()
    if len(q) > MAX_QUERY:
        raise PublicAnswerError(f"Sökningen får vara högst {MAX_QUERY} tecken.")
    category_id = None
    if category not in (None, ""):
        if not category.isdigit() or len(category) > 9:
            raise PublicAnswerError("Kategorin anges med sitt nummer, till exempel category=12.")
        category_id = int(category)
    words = fold(q).split()
    answers = [a for a in public_list.answers
               if (category_id is None or a.category_id == category_id) and all(w in a.searched for w in words)]
    if not words and category_id is None:
        return answers, public_list.etag
    variant = hashlib.sha256(f"{public_list.etag}|{' '.join(words)}|{category_id}".encode()).hexdigest()[:32]
    return answers, variant


def get_public_answer(answer_id):
    """One published public answer. Raises AnswerNotPublic for any other id."""
    for answer in public_answers().answers:
        if answer.id == answer_id:
            return answer
    raise AnswerNotPublic()


def answer_html(body):
    """The answer as sanitised HTML (Markup): paragraphs and http(s) links, the same rules as crisis texts (numbered steps too)."""
    return body_html(body)


def faq_page(answers):
    """schema.org FAQPage data for `answers` (a dict for json.dumps; embed it with |tojson)."""
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [{
            "@type": "Question",
            "name": a.question,
            "url": a.item["url"],
            "acceptedAnswer": {"@type": "Answer", "text": str(a.answer_html), "url": a.item["url"]},
        } for a in answers],
    }


def _safe_links(links):
    """The answer's links whose address is http(s) with a host: no javascript: or data: ever reaches the web site."""
    safe = []
    for link in links or []:
        if not isinstance(link, dict):
            continue
        url, label = str(link.get("url") or "").strip(), str(link.get("label") or "").strip()
        parts = urlsplit(url)
        if parts.scheme.lower() in ("http", "https") and parts.netloc:
            safe.append({"label": label or url, "url": url})
    return safe


def _read_all():
    query = _with_owner_and_category(select(Answer, Unit.name, Company.name, EnquiryCategory.group_name,
                                            EnquiryCategory.name))
    rows = db.session.execute(_public(query).order_by(Answer.question, Answer.id)).all()
    answers = []
    for answer, unit_name, company_name, group_name, category_name in rows:
        department = unit_name or company_name
        category_label = f"{group_name}: {category_name}" if category_name else None
        html = answer_html(answer.body)
        text = plain_text(answer.body)
        item = {
            "id": answer.id,
            "question": answer.question,
            "answer_text": text,
            "answer_html": str(html),
            "links": _safe_links(answer.links),
            "department": department,
            "category": ({"id": answer.category_id, "name": category_name, "group": group_name}
                         if category_name else None),
            "url": external_url("answers.public_answer", answer_id=answer.id),
            "updated_at": answer.updated_at.astimezone(STOCKHOLM).isoformat(),
        }
        searched = fold(" ".join([answer.question, answer.phrasings or "", answer.keywords or "", text]))
        answers.append(PublicAnswer(answer.id, item, answer.question, html, answer.category_id, category_label,
                                    department, searched))
    return tuple(answers)


class PublicCache:
    """The public answers as built at one ETag; rebuilt when the list's ETag differs.

    The ETag query runs on every request, so a change made by any process shows at once.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._list = None

    def current(self, etag):
        with self._lock:
            if self._list is not None and self._list.etag == etag:
                return self._list
        answers = _read_all()
        # The whole list is what the web site fetches: serialised once per change, not per request.
        fresh = PublicList(answers, etag, current_app.json.dumps({"answers": [a.item for a in answers]}))
        with self._lock:
            self._list = fresh
        return fresh


def _cache():
    return per_app("kundweb_public_answers", lambda app: PublicCache())
