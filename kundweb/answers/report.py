"""The gap and usage report of Kunskapsbanken (R-KB-4): which questions lack an answer, which
answers are used, unused or stale, and the proposals still open.

Counts come from plain indexed GROUP BYs on the enquiries' stored month (the covering
index ix_enquiry_month_category_outcome_answer), like the goals dashboard's. The report
covers every department and company: it is the network's common view of where answers
are missing, and holds counts and answers, never who logged an enquiry.
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select

from kundweb.answers.models import PROPOSAL_KINDS, STATUSES, Answer, AnswerProposal
from kundweb.companies.models import Company
from kundweb.database import utcnow
from kundweb.directory.models import Unit
from kundweb.enquiries.models import Enquiry, EnquiryCategory
from kundweb.extensions import db
from kundweb.goals.services import STOCKHOLM, add_months, csv_number, current_month, month_label, month_range, period_label
from kundweb.spreadsheet import BOM, safe_cell

# "Never used in six months": no enquiry named the answer in the current month or the six before it.
UNUSED_MONTHS = 6
MOST_USED_LIMIT = 20


@dataclass
class Counts:
    """Enquiries of a month, a category or a period, by what became of them."""

    direct_with_answer: int = 0
    direct_without_answer: int = 0
    forwarded: int = 0
    other: int = 0  # handed over for registration or to be called back

    @property
    def direct(self):
        return self.direct_with_answer + self.direct_without_answer

    @property
    def total(self):
        return self.direct + self.forwarded + self.other

    @property
    def share_with_answer(self):
        """Per cent of the directly answered enquiries that named an answer; None without any."""
        return round(100 * self.direct_with_answer / self.direct, 1) if self.direct else None

    def add(self, outcome, count, with_answer):
        if outcome == "direct":
            self.direct_with_answer += with_answer
            self.direct_without_answer += count - with_answer
        elif outcome == "forwarded":
            self.forwarded += count
        else:
            self.other += count


@dataclass
class CategoryUse:
    """A category's enquiries in the period and how many published answers it has."""

    category_id: int
    group: str
    name: str
    active: bool
    published_answers: int
    counts: Counts = field(default_factory=Counts)

    @property
    def label(self):
        return f"{self.group}: {self.name}"


@dataclass(frozen=True)
class AnswerRow:
    """An answer as the report lists it."""

    id: int
    question: str
    owner: str
    status: str
    visibility: str
    review_by: date
    published_at: datetime | None
    uses: int = 0

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class ProposalRow:
    id: int
    kind: str
    question: str | None
    owner: str
    text: str
    proposed_at: datetime

    @property
    def kind_label(self):
        return PROPOSAL_KINDS.get(self.kind, self.kind)


@dataclass
class Report:
    first: str
    last: str
    label: str
    months: list  # [(month, label, Counts)]
    categories: list  # [CategoryUse], most enquiries first
    cells: dict  # {(month, category_id): Counts}, for the CSV
    totals: Counts
    gaps: list  # [CategoryUse] without a published answer, most forwarded first
    most_used: list  # [AnswerRow]
    unused: list  # [AnswerRow]
    unused_since: str  # the first month of the unused window
    overdue: list  # [AnswerRow]
    proposals: list  # [ProposalRow]


@dataclass(frozen=True)
class Summary:
    """The goals dashboard's few figures from the report."""

    direct: int
    direct_with_answer: int
    gaps: int
    overdue: int
    open_proposals: int

    @property
    def share_with_answer(self):
        return round(100 * self.direct_with_answer / self.direct, 1) if self.direct else None


def default_period(now=None):
    """The twelve months up to and including the current one."""
    last = current_month(now)
    return add_months(last, -11), last


def _usage(first, last):
    """{(month, category_id): Counts} from one GROUP BY over the covering index."""
    cells = {}
    rows = db.session.execute(
        select(Enquiry.month, Enquiry.category_id, Enquiry.outcome, func.count(), func.count(Enquiry.answer_id))
        .where(Enquiry.month.between(first, last))
        .group_by(Enquiry.month, Enquiry.category_id, Enquiry.outcome))
    for month, category_id, outcome, count, with_answer in rows:
        cells.setdefault((month, category_id), Counts()).add(outcome, count, with_answer)
    return cells


def _published_per_category():
    return dict(db.session.execute(
        select(Answer.category_id, func.count()).where(Answer.status == "published", Answer.category_id.is_not(None))
        .group_by(Answer.category_id)).all())


def _owner_name():
    return func.coalesce(Unit.name, Company.name, "")


def _answer_rows(query, uses=None):
    query = (query.add_columns(_owner_name()).outerjoin(Unit, Unit.id == Answer.unit_id)
             .outerjoin(Company, Company.id == Answer.company_id))
    return [AnswerRow(a.id, a.question, owner, a.status, a.visibility, a.review_by, a.published_at,
                      (uses or {}).get(a.id, 0))
            for a, owner in db.session.execute(query).all()]


def _most_used(first, last):
    counts = db.session.execute(
        select(Enquiry.answer_id, func.count().label("uses"))
        .where(Enquiry.month.between(first, last), Enquiry.answer_id.is_not(None))
        .group_by(Enquiry.answer_id).order_by(func.count().desc(), Enquiry.answer_id).limit(MOST_USED_LIMIT)).all()
    uses = dict(counts)
    rows = {row.id: row for row in _answer_rows(select(Answer).where(Answer.id.in_(uses)), uses)} if uses else {}
    return [rows[answer_id] for answer_id, _ in counts if answer_id in rows]


def unused_window(now):
    """The first month of the unused window and the moment it starts (published before it: old enough to judge)."""
    since = add_months(current_month(now), -UNUSED_MONTHS)
    start = datetime.combine(date(int(since[:4]), int(since[5:7]), 1), time(), STOCKHOLM)
    return since, start


def _unused(now):
    since, start = unused_window(now)
    used = select(Enquiry.answer_id).where(Enquiry.month >= since, Enquiry.answer_id.is_not(None))
    return since, _answer_rows(
        select(Answer).where(Answer.status == "published", Answer.published_at < start, Answer.id.not_in(used))
        .order_by(Answer.published_at, Answer.id))


def _overdue(today):
    return _answer_rows(select(Answer).where(Answer.status == "published", Answer.review_by < today)
                        .order_by(Answer.review_by, Answer.id))


def _open_proposals():
    owner = func.coalesce(Unit.name, Company.name, "")
    rows = db.session.execute(
        select(AnswerProposal, Answer.question, owner)
        .outerjoin(Answer, Answer.id == AnswerProposal.answer_id)
        .outerjoin(Unit, Unit.id == AnswerProposal.unit_id).outerjoin(Company, Company.id == AnswerProposal.company_id)
        .where(AnswerProposal.state == "open").order_by(AnswerProposal.proposed_at, AnswerProposal.id)).all()
    return [ProposalRow(p.id, p.kind, question, owner_name, p.text, p.proposed_at) for p, question, owner_name in rows]


def gap_report(first, last, now=None):
    """The report for the months first..last (YYYY-MM, checked by the caller); the unused, overdue
    and open lists are as of `now`."""
    now = now or utcnow()
    today = now.astimezone(STOCKHOLM).date()
    cells = _usage(first, last)
    published = _published_per_category()
    categories = {c.id: CategoryUse(c.id, c.group_name, c.name, c.active, published.get(c.id, 0))
                  for c in db.session.scalars(select(EnquiryCategory))}
    months = {m: Counts() for m in month_range(first, last)}
    totals = Counts()
    for (month, category_id), counts in cells.items():
        for target in (months[month], categories[category_id].counts, totals):
            target.direct_with_answer += counts.direct_with_answer
            target.direct_without_answer += counts.direct_without_answer
            target.forwarded += counts.forwarded
            target.other += counts.other
    used = sorted((c for c in categories.values() if c.counts.total), key=lambda c: (-c.counts.total, c.label))
    gaps = sorted((c for c in used if not c.published_answers and (c.counts.forwarded or c.counts.direct_without_answer)),
                  key=lambda c: (-c.counts.forwarded, -c.counts.direct_without_answer, c.label))
    since, unused = _unused(now)
    return Report(first, last, period_label(first, last), [(m, month_label(m), c) for m, c in months.items()],
                  used, cells, totals, gaps, _most_used(first, last), unused, since, _overdue(today),
                  _open_proposals())


def summary(first, last, now=None):
    """The goals dashboard's Kunskapsbanken figures for first..last: direct answers with an answer,
    categories with forwarded enquiries but no published answer, stale answers and open proposals."""
    now = now or utcnow()
    direct, with_answer = db.session.execute(
        select(func.count(), func.count(Enquiry.answer_id))
        .where(Enquiry.month.between(first, last), Enquiry.outcome == "direct")).one()
    forwarded_categories = select(Enquiry.category_id).where(Enquiry.month.between(first, last),
                                                             Enquiry.outcome == "forwarded").distinct()
    answered_categories = select(Answer.category_id).where(Answer.status == "published",
                                                           Answer.category_id.is_not(None))
    gaps = db.session.scalar(select(func.count()).select_from(
        forwarded_categories.where(Enquiry.category_id.not_in(answered_categories)).subquery()))
    overdue = db.session.scalar(select(func.count()).select_from(Answer).where(
        Answer.status == "published", Answer.review_by < now.astimezone(STOCKHOLM).date()))
    proposals = db.session.scalar(select(func.count()).select_from(AnswerProposal)
                                  .where(AnswerProposal.state == "open"))
    return Summary(direct, with_answer, gaps, overdue, proposals)


# --- CSV ------------------------------------------------------------------------------------

USAGE_HEADER = ["Månad", "Förvaltning eller bolag", "Kategori", "Besvarade direkt med svar",
                "Besvarade direkt utan svar", "Andel direkt med svar (%)", "Vidarebefordrade", "Övriga", "Alla ärenden",
                "Publicerade svar i kategorin"]


def export_csv(report):
    """The report for Swedish Excel: UTF-8 with BOM, semicolons, decimal commas, CRLF; one section per
    list, each under its own title row and header, an empty row between; every text cell guarded
    against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")

    def section(title, header, rows, first=False):
        if not first:
            writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        for row in rows:
            writer.writerow([value if isinstance(value, int) else safe_cell(value) for value in row])

    categories = {c.category_id: c for c in report.categories}
    section(f"Användning per kategori och månad, {report.label}", USAGE_HEADER, [
        [month, categories[category_id].group, categories[category_id].name, c.direct_with_answer,
         c.direct_without_answer, csv_number(c.share_with_answer), c.forwarded, c.other, c.total,
         categories[category_id].published_answers]
        for (month, category_id), c in sorted(report.cells.items(),
                                              key=lambda item: (item[0][0], categories[item[0][1]].label))],
        first=True)
    section("Frågor att skriva svar på (kategorier utan publicerat svar)",
            ["Förvaltning eller bolag", "Kategori", "Vidarebefordrade", "Besvarade direkt utan svar", "Alla ärenden"],
            [[c.group, c.name, c.counts.forwarded, c.counts.direct_without_answer, c.counts.total] for c in report.gaps])
    section("Mest använda svar", ["Svar", "Ägare", "Status", "Använt (ärenden)"],
            [[a.question, a.owner, a.status_label, a.uses] for a in report.most_used])
    section(f"Publicerade svar som inte använts sedan {report.unused_since}", ["Svar", "Ägare", "Publicerat"],
            [[a.question, a.owner, _local_date(a.published_at)] for a in report.unused])
    section("Publicerade svar som passerat Granska senast", ["Svar", "Ägare", "Granska senast"],
            [[a.question, a.owner, a.review_by.isoformat()] for a in report.overdue])
    section("Öppna förslag", ["Typ", "Svar", "Ägare", "Föreslaget", "Förslag"],
            [[p.kind_label, p.question or "", p.owner, _local_date(p.proposed_at), p.text] for p in report.proposals])
    return BOM + out.getvalue()


def _local_date(moment):
    return moment.astimezone(STOCKHOLM).date().isoformat() if moment else ""
