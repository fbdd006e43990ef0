"""The Kunskapsbanken e-mails' outbox: proposals to editors and review reminders to owners.

Each e-mail is a row written in the same transaction as what it is about (the proposal,
the reminder's mark on the answer), and the scheduler sends it and marks it sent right
after. So an SMTP server that is down, or a scheduler killed mid-round, loses no e-mail:
the row waits and is tried again with back-off; a crash between sending and marking
repeats that one e-mail at most. The same pattern as the crisis notices
(kundweb/crisis/models.CrisisNotice); the model lives here beside its delivery so the
answer models others edit stay untouched.
"""
import logging
import smtplib
from datetime import timedelta

from flask import current_app

from kundweb.answers.models import Answer, AnswerProposal
from kundweb.audit import services as audit
from kundweb.database import UTCDateTime
from kundweb.extensions import db
from kundweb.templating import LOCAL_TZ

log = logging.getLogger(__name__)

PURPOSES = {"proposal": "Förslag till redaktörer", "review": "Påminnelse om granskning"}
# An e-mail still failing after this long is given up (audited): a week-old proposal notice
# or reminder is stale, and the queue page and the next reminder take over.
GIVE_UP_AFTER = timedelta(days=7)


class AnswerMail(db.Model):
    """One e-mail of Kunskapsbanken for one recipient, kept until it is sent or given up."""

    __tablename__ = "answer_mail"
    __table_args__ = (db.Index("ix_answer_mail_pending", "sent_at", "given_up_at", "next_attempt_at"),)

    id = db.Column(db.Integer, primary_key=True)
    purpose = db.Column(db.String(16), nullable=False)  # PURPOSES
    proposal_id = db.Column(db.Integer, db.ForeignKey("answer_proposal.id"), index=True)
    answer_id = db.Column(db.Integer, db.ForeignKey("answer.id"), index=True)
    username = db.Column(db.String(128))  # the recipient, when known by user name
    email = db.Column(db.String(256), nullable=False)
    subject = db.Column(db.String(300), nullable=False)
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(UTCDateTime, nullable=False)
    last_error = db.Column(db.String(300))
    sent_at = db.Column(UTCDateTime)
    given_up_at = db.Column(UTCDateTime)


def queue(purpose, recipients, subject, body, now, proposal_id=None, answer_id=None):
    """Add one outbox row per (username, email) to the current transaction; the caller commits."""
    # A header may hold no line break (the e-mail library refuses it): the question goes on one line.
    subject = " ".join(subject.split())[:300]
    rows = [AnswerMail(purpose=purpose, proposal_id=proposal_id, answer_id=answer_id, username=username,
                       email=email, subject=subject, body=body, created_at=now, attempts=0,
                       next_attempt_at=now)
            for username, email in recipients]
    db.session.add_all(rows)
    return rows


def deliver(send_mail, now):
    """Send the due e-mails one by one, each marked sent at once; failures wait and are tried again.

    The scheduler's answer_mail job is the only caller (APScheduler runs it one at a time), so
    no row is sent by two rounds at once.

    A failed e-mail is tried again after ANSWER_MAIL_RETRY_SECONDS, doubling up to
    ANSWER_MAIL_RETRY_MAX_SECONDS. One no longer needed (the proposal was handled, the
    answer reviewed or no longer published) or still failing after GIVE_UP_AFTER is given
    up, logged and audited. When the mail server cannot be reached the round stops: the
    others would only fail the same way. Without MAIL_SERVER nothing is sent (the rows
    wait). Returns the number sent.
    """
    if not current_app.config.get("MAIL_SERVER"):
        return 0
    sent = 0
    due = db.session.scalars(db.select(AnswerMail).where(
        AnswerMail.sent_at.is_(None), AnswerMail.given_up_at.is_(None), AnswerMail.next_attempt_at <= now,
    ).order_by(AnswerMail.id)).all()
    for mail in due:
        reason = _no_longer_needed(mail, now) or (
            "för gammalt" if now - mail.created_at > GIVE_UP_AFTER else None)
        if reason:
            _give_up(mail, reason, now)
            continue
        try:
            send_mail(mail.email, mail.subject, mail.body)
        except ValueError as exc:
            # The message cannot be built (an address the e-mail library refuses): no retry mends that,
            # and the round goes on, so one such row never holds up the rest.
            mail.last_error = str(exc)[:300]
            _give_up(mail, "kan inte skickas", now)
            continue
        except (smtplib.SMTPException, OSError) as exc:
            _retry_later(mail, exc, now)
            if not isinstance(exc, (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException)):
                break  # the server itself is unreachable
            continue
        mail.sent_at = now
        if mail.proposal_id is not None:
            proposal = db.session.get(AnswerProposal, mail.proposal_id)
            proposal.notified_at = proposal.notified_at or now
        audit.record("answer.mail_sent", audit.SYSTEM, "answer_mail", mail.id,
                     {"purpose": mail.purpose, "to": mail.email, "proposal_id": mail.proposal_id,
                      "answer_id": mail.answer_id, "attempts": mail.attempts + 1}, now)
        db.session.commit()
        sent += 1
    return sent


def _no_longer_needed(mail, now):
    if mail.purpose == "proposal":
        proposal = db.session.get(AnswerProposal, mail.proposal_id)
        return "förslaget redan hanterat" if proposal.state != "open" else None
    answer = db.session.get(Answer, mail.answer_id)
    if answer.status != "published":
        return "svaret är inte publicerat"
    if answer.review_by > now.astimezone(LOCAL_TZ).date():
        return "svaret redan granskat"
    return None


def _retry_later(mail, exc, now):
    config = current_app.config
    mail.attempts += 1
    wait = min(config["ANSWER_MAIL_RETRY_SECONDS"] * 2 ** (mail.attempts - 1), config["ANSWER_MAIL_RETRY_MAX_SECONDS"])
    mail.next_attempt_at = now + timedelta(seconds=wait)
    mail.last_error = str(exc)[:300]
    db.session.commit()
    log.warning("answer mail %s to %s failed (attempt %s, next in %s s): %s", mail.id, mail.email, mail.attempts,
                wait, exc)


def _give_up(mail, reason, now):
    mail.given_up_at = now
    audit.record("answer.mail_given_up", audit.SYSTEM, "answer_mail", mail.id,
                 {"purpose": mail.purpose, "to": mail.email, "reason": reason, "attempts": mail.attempts,
                  "last_error": mail.last_error}, now)
    db.session.commit()
    log.warning("answer mail %s to %s given up (%s) after %s attempts", mail.id, mail.email, reason, mail.attempts)
