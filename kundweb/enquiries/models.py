"""Enquiries logged by agents, the categories they are logged under and where they are forwarded."""
from kundweb.database import UTCDateTime
from kundweb.extensions import db

# Stored keys -> Swedish labels, in the order the form shows them.
CHANNELS = {
    "telefon": "Telefon",
    "epost": "E-post",
    "besok": "Besök",
    "chatt": "Chatt",
    "facebook": "Facebook",
    "etjanst": "E-tjänst",
    "brev": "Brev",
}
OUTCOMES = {
    "direct": "Besvarad direkt i Kundcenter",
    "forwarded": "Vidarebefordrad",
    "registry": "Lämnad för registrering som allmän handling",
    "callback": "Återkoppling",
}
# The public-record kind (kundweb/records) an enquiry handed over for registration most likely is;
# other channels leave the kind to the agent.
RECORD_KINDS = {"telefon": "call", "epost": "email"}
TARGET_KINDS = {
    "unit": "Förvaltning eller enhet",
    "company": "Kommunalt bolag",
    "function": "Funktion (t.ex. badhus, bibliotek)",
    "other": "Annat",
}


class EnquiryLabels:
    """What pages show of an enquiry's codes; shared by a stored Enquiry and a just-logged one."""

    @property
    def channel_label(self):
        return CHANNELS.get(self.channel, self.channel)

    @property
    def outcome_label(self):
        return OUTCOMES.get(self.outcome, self.outcome)

    @property
    def record_kind(self):
        return RECORD_KINDS.get(self.channel)


class EnquiryCategory(db.Model):
    """A "volume question" enquiries are logged under, grouped by department or company.

    Retired categories are never deleted: old enquiries and closed reports keep their name.
    """

    __tablename__ = "enquiry_category"
    __table_args__ = (db.UniqueConstraint("group_name", "name"),)

    id = db.Column(db.Integer, primary_key=True)
    group_name = db.Column(db.String(120), nullable=False)
    name = db.Column(db.String(120), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False)
    retired_at = db.Column(UTCDateTime)

    @property
    def label(self):
        return f"{self.group_name}: {self.name}"


class EnquiryTarget(db.Model):
    """Where an enquiry can be forwarded: a unit, a company, a functional entry or something else.

    `ref` is the key of the same thing in the feature that owns it (e.g. "company:12"),
    so the directory and the company register can later keep this list in step.
    """

    __tablename__ = "enquiry_target"
    __table_args__ = (db.UniqueConstraint("kind", "name"),)

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(16), nullable=False)
    name = db.Column(db.String(200), nullable=False)
    ref = db.Column(db.String(64), unique=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False)

    @property
    def kind_label(self):
        return TARGET_KINDS.get(self.kind, self.kind)


class Enquiry(EnquiryLabels, db.Model):
    """One logged enquiry. The official counts behind the service goals.

    `local_date` and `month` are the Europe/Stockholm date and month of `created_at`,
    stored when the row is written so reports are plain indexed GROUP BYs on every database.
    """

    __tablename__ = "enquiry"
    __table_args__ = (
        # Covers the goals' aggregate: month, channel and outcome counts without touching the rows.
        db.Index("ix_enquiry_month_channel_outcome", "month", "channel", "outcome", "category_id"),
        db.Index("ix_enquiry_agent_local_date", "agent", "local_date"),
        # Covers Kunskapsbanken's gap report: per month and category, with and without the answer used.
        db.Index("ix_enquiry_month_category_outcome_answer", "month", "category_id", "outcome", "answer_id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(UTCDateTime, nullable=False, index=True)
    local_date = db.Column(db.Date, nullable=False, index=True)
    month = db.Column(db.String(7), nullable=False)  # YYYY-MM, Europe/Stockholm
    agent = db.Column(db.String(128), nullable=False)
    channel = db.Column(db.String(16), nullable=False)
    category_id = db.Column(db.Integer, db.ForeignKey("enquiry_category.id"), nullable=False)
    outcome = db.Column(db.String(16), nullable=False)
    target_id = db.Column(db.Integer, db.ForeignKey("enquiry_target.id"))
    wait_seconds = db.Column(db.Integer)
    note = db.Column(db.String(300))  # purged after ENQUIRY_NOTE_RETENTION_DAYS; the row stays
    crisis_id = db.Column(db.Integer)  # the crisis message it was tagged with (no FK: messages stay)
    answer_id = db.Column(db.Integer, db.ForeignKey("answer.id"), index=True)  # "svar som användes"
    # One per rendered form: a second POST of the same form finds the first enquiry instead.
    submission_key = db.Column(db.String(64), unique=True)

    category = db.relationship(EnquiryCategory, lazy="joined")
    target = db.relationship(EnquiryTarget, lazy="joined")


class CallBack(db.Model):
    """An enquiry ended in *Återkoppling*: who calls the customer back (a person or a unit from the
    directory), by when, and the number to call.

    The number is personal data: it is purged together with the notes (ENQUIRY_NOTE_RETENTION_DAYS,
    see services.purge_notes); the row, who and when, stays. Never audited with the number.
    """

    __tablename__ = "enquiry_callback"
    __table_args__ = (
        db.CheckConstraint("(person_id IS NULL) <> (unit_id IS NULL)", name="one_assignee"),
        db.Index("ix_enquiry_callback_open_due", "done_at", "due_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    enquiry_id = db.Column(db.Integer, db.ForeignKey(Enquiry.id), nullable=False, unique=True)
    person_id = db.Column(db.Integer, db.ForeignKey("directory_person.id"), index=True)
    unit_id = db.Column(db.Integer, db.ForeignKey("directory_unit.id"), index=True)
    due_at = db.Column(UTCDateTime, nullable=False)
    phone = db.Column(db.String(20))  # E.164; None once purged
    created_at = db.Column(UTCDateTime, nullable=False, index=True)
    created_by = db.Column(db.String(128), nullable=False)
    done_at = db.Column(UTCDateTime)
    done_by = db.Column(db.String(128))

    enquiry = db.relationship(Enquiry, lazy="joined")
    person = db.relationship("Person", lazy="joined")
    unit = db.relationship("Unit", lazy="joined")

    @property
    def assignee_name(self):
        if self.person is not None:
            return self.person.display_name
        return self.unit.name if self.unit is not None else ""
