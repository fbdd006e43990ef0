"""The review cycle (issue 14, item 6): owners are reminded when an answer reaches its review date.

A published answer whose *granska senast* has come is e-mailed to its responsible person
and its owner's editors at most once per ANSWER_REVIEW_REMINDER_DAYS (30), remembered in
answer.review_reminder_sent_at like the directory's reminders; the e-mails go through the
outbox (sent by its own job, the only sender), so an SMTP outage delays them and loses none. "Granskad" moves the date
ANSWER_REVIEW_MONTHS (12) ahead of today, audited.
"""
import calendar
import logging
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from kundweb.answers import editors, outbox
from kundweb.answers.access import editor_scope, may_edit
from kundweb.answers.models import Answer
from kundweb.audit import services as audit
from kundweb.directory.models import Person
from kundweb.extensions import db
from kundweb.external_urls import external_url
from kundweb.templating import LOCAL_TZ

log = logging.getLogger(__name__)


class AnswerNotFound(Exception):
    """No such answer."""


class OutsideScope(Exception):
    """The actor does not keep this answer (refused and audited)."""


class NotReviewable(Exception):
    """An archived answer is not reviewed."""

    message = "Ett arkiverat svar granskas inte."


def local_date(now):
    return now.astimezone(LOCAL_TZ).date()


def add_months(day, months):
    """`day` moved `months` ahead; the 31st becomes the month's last day when the month is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_for_review(actor, now):
    """The published answers past or at their review date that `actor` keeps, oldest date first."""
    scope = editor_scope(actor)
    if scope.empty:
        return []
    statement = select(Answer).where(Answer.status == "published", Answer.review_by <= local_date(now))
    if not scope.everything:
        owner = [Answer.unit_id == scope.unit_id] if scope.unit_id is not None else []
        if scope.company_id is not None:
            owner.append(Answer.company_id == scope.company_id)
        statement = statement.where(or_(*owner))
    return db.session.scalars(statement.order_by(Answer.review_by, Answer.question)).all()


def mark_reviewed(actor, answer_id, now):
    """"Granskad": the answer's review date becomes ANSWER_REVIEW_MONTHS from today; audited.

    Raises AnswerNotFound, OutsideScope (audited) or NotReviewable.
    """
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        raise AnswerNotFound()
    if not may_edit(actor, answer):
        audit.record("access.denied", actor, "answer", answer.id,
                     {"reason": "outside editor scope", "action": "review"}, now)
        db.session.commit()
        raise OutsideScope()
    if answer.status == "archived":
        raise NotReviewable()
    previous = answer.review_by
    answer.review_by = add_months(local_date(now), current_app.config["ANSWER_REVIEW_MONTHS"])
    # The next time it comes due is a new occasion to remind, whenever that is.
    answer.review_reminder_sent_at = None
    audit.record("answer.reviewed", actor, "answer", answer.id,
                 {"review_by_before": previous.isoformat(), "review_by": answer.review_by.isoformat()}, now)
    db.session.commit()
    return answer


def queue_review_reminders(now):
    """Queue a reminder for each published answer come due and not reminded within the interval.

    Each answer is claimed with one conditional UPDATE of review_reminder_sent_at before
    its e-mails are queued in the same transaction, so a second run (a restarted
    scheduler) within the interval queues nothing again. An answer with nobody to tell
    (no responsible person's address, no editor known) is left unclaimed and logged, so
    it is reminded once someone is there. Returns the ids of the answers reminded.
    """
    config = current_app.config
    reminded_before = now - timedelta(days=config["ANSWER_REVIEW_REMINDER_DAYS"])
    not_recently = or_(Answer.review_reminder_sent_at.is_(None), Answer.review_reminder_sent_at <= reminded_before)
    due = db.session.scalars(select(Answer).where(
        Answer.status == "published", Answer.review_by <= local_date(now), not_recently,
    ).order_by(Answer.id)).all()
    reminded = []
    for answer in due:
        recipients = _owners(answer)
        if not recipients:
            log.warning("answer %s is due for review but has nobody to remind", answer.id)
            continue
        claimed = db.session.execute(update(Answer).where(Answer.id == answer.id, not_recently)
                                     .values(review_reminder_sent_at=now)
                                     .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            db.session.rollback()
            continue
        outbox.queue("review", recipients, *review_mail(answer), now, answer_id=answer.id)
        audit.record("answer.review_reminder_queued", audit.SYSTEM, "answer", answer.id,
                     {"review_by": answer.review_by.isoformat(), "to": [email for _, email in recipients]}, now)
        db.session.commit()
        reminded.append(answer.id)
    return reminded


def review_mail(answer):
    """Subject and body of the reminder to an answer's owners."""
    lines = [
        "Hej!", "",
        f"Svaret ”{answer.question}” i Kunskapsbanken skulle granskas senast {answer.review_by.isoformat()}.",
        "Kundcenter läser det för kommunens invånare varje dag: stämmer det fortfarande?", "",
        f"Läs igenom det och tryck på ”Granskad” i Kundweb: {external_url('answers.review_due')}",
        "Behöver det ändras, ändra det först.", "",
        "Hälsningar", "Kundcenter, Luleå kommun", "",
        "Det här är ett automatiskt meddelande. Det kommer högst en gång i månaden tills svaret är granskat.",
    ]
    return f"Dags att granska svaret ”{answer.question}”"[:300], "\n".join(lines) + "\n"


def _owners(answer):
    """(username, email) of the responsible person and the owner's editors, each address once."""
    recipients = []
    if answer.responsible_id is not None:
        person = db.session.get(Person, answer.responsible_id)
        if person is not None and person.active and person.email:
            recipients.append((person.username, person.email))
    recipients += editors.editors_of(answer.unit_id, answer.company_id)
    seen, unique = set(), []
    for username, email in recipients:
        if email.lower() not in seen:
            seen.add(email.lower())
            unique.append((username, email))
    return unique
