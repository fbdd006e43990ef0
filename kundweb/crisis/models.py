"""Crisis messages, their agent scripts, subscribers, and the once-only record of transitions."""
from kundweb.database import UTCDateTime
from kundweb.extensions import db

SEVERITIES = {"info": "Information", "warning": "Varning", "critical": "Allvarlig"}


class CrisisMessage(db.Model):
    """A crisis message. Active when published and starts_at <= now < ends_at (or no end).

    Whether it is active is always computed from these columns at request time,
    never from a flag a job sets, so a stopped scheduler cannot leave a wrong banner.
    """

    __tablename__ = "crisis_message"

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)
    severity = db.Column(db.String(16), nullable=False, default="info")
    starts_at = db.Column(UTCDateTime, index=True)  # None: a draft, not published
    ends_at = db.Column(UTCDateTime, index=True)
    hours_opens = db.Column(db.Time)  # Kundcenter's extended hours while the message is active
    hours_closes = db.Column(db.Time)
    # The days the extension applies (inclusive); both empty: the active days, a few days ahead at most.
    hours_from = db.Column(db.Date)
    hours_until = db.Column(db.Date)
    hours_on_holidays = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    # The four-eyes rule: a critical message waits here, unpublished, for a second communicator.
    approval_requested_at = db.Column(UTCDateTime)
    approval_requested_by = db.Column(db.String(128))
    requested_starts_at = db.Column(UTCDateTime)  # None: "now", decided when it is approved
    requested_ends_at = db.Column(UTCDateTime)
    # Why the last request was rejected, shown to the author until the next request.
    rejected_by = db.Column(db.String(128))
    rejection_reason = db.Column(db.Text)
    created_at = db.Column(UTCDateTime, nullable=False)
    created_by = db.Column(db.String(128), nullable=False)
    updated_at = db.Column(UTCDateTime, nullable=False)
    updated_by = db.Column(db.String(128), nullable=False)

    scripts = db.relationship("CrisisScript", back_populates="message", order_by="CrisisScript.position",
                              cascade="all, delete-orphan")

    def status(self, now):
        if self.starts_at is None:
            return "pending" if self.approval_requested_at is not None else "draft"
        if now < self.starts_at:
            return "scheduled"
        if self.ends_at is not None and now >= self.ends_at:
            return "ended"
        return "active"

    @property
    def severity_label(self):
        return SEVERITIES.get(self.severity, self.severity)


class CrisisScript(db.Model):
    """A question callers ask during the crisis and the prepared answer agents give."""

    __tablename__ = "crisis_script"

    id = db.Column(db.Integer, primary_key=True)
    message_id = db.Column(db.Integer, db.ForeignKey("crisis_message.id"), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    question = db.Column(db.String(300), nullable=False)
    answer = db.Column(db.Text, nullable=False)

    message = db.relationship("CrisisMessage", back_populates="scripts")


class CrisisTransition(db.Model):
    """That a message's start (or end) side effects were handled; unique, so they happen once."""

    __tablename__ = "crisis_transition"
    __table_args__ = (db.UniqueConstraint("message_id", "transition", "starts_at"),)

    id = db.Column(db.Integer, primary_key=True)
    message_id = db.Column(db.Integer, db.ForeignKey("crisis_message.id"), nullable=False)
    transition = db.Column(db.String(16), nullable=False)  # "start"
    # A rescheduled start is a new transition; notifying about the old one does not count.
    starts_at = db.Column(UTCDateTime, nullable=False)
    handled_at = db.Column(UTCDateTime, nullable=False)
    recipients = db.Column(db.Integer, nullable=False, default=0)


class CrisisSubscriber(db.Model):
    """A staff member who wants an e-mail when a crisis message starts."""

    __tablename__ = "crisis_subscriber"

    username = db.Column(db.String(128), primary_key=True)
    email = db.Column(db.String(256), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False)


class CrisisNotice(db.Model):
    """The outbox: one start notice for one subscriber, kept until it is sent or given up.

    Rows are written in the same transaction that records the start, and each is marked
    sent right after its mail goes out, so a crash or an SMTP outage loses no notice; a
    crash between sending and marking repeats that one mail at most.
    """

    __tablename__ = "crisis_notice"
    __table_args__ = (db.UniqueConstraint("message_id", "starts_at", "username"),
                      db.Index("ix_crisis_notice_pending", "sent_at", "given_up_at", "next_attempt_at"))

    id = db.Column(db.Integer, primary_key=True)
    message_id = db.Column(db.Integer, db.ForeignKey("crisis_message.id"), nullable=False)
    starts_at = db.Column(UTCDateTime, nullable=False)  # the start this notice is about (as the transition)
    username = db.Column(db.String(128), nullable=False)
    email = db.Column(db.String(256), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(UTCDateTime, nullable=False)
    last_error = db.Column(db.String(300))
    sent_at = db.Column(UTCDateTime)
    given_up_at = db.Column(UTCDateTime)
