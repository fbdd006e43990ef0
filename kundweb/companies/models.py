"""Municipal companies, the questions they own, and their opt-out (and re-entry) cases with history."""
from kundweb.database import UTCDateTime
from kundweb.extensions import db

ROUTINGS = {"kundcenter": "Via Kundcenter", "own": "Egen kundtjänst"}
CASE_KINDS = {"opt_out": "Utträde ur Kundcenter", "re_entry": "Återinträde i Kundcenter"}
CASE_STATES = {
    "submitted": "Inlämnat",
    "prepared": "Berett",
    "approved": "Beviljat",
    "rejected": "Avslaget",
    "effective": "Genomfört",
    "withdrawn": "Återkallat",
}
# The history's words for each step (CaseEvent.action).
EVENT_LABELS = {
    "submitted": "Inlämnat",
    "edited": "Ändrat",
    "attachment_added": "Bilaga tillagd",
    "prepared": "Berett",
    "approved": "Bifall av kommundirektören",
    "rejected": "Avslag av kommundirektören",
    "withdrawn": "Återkallat",
    "applied": "Genomfört",
}
# What an attachment is, as a registrar files it (CaseAttachment.label).
ATTACHMENT_LABELS = {"request": "Ansökan", "assessment": "Bedömning", "decision": "Beslut", "other": "Övrigt"}
# Kundweb's own case numbers: UT-2026-0006, counted per year from 1 without gaps.
CASE_NUMBER_SERIES = "UT"
# A case in one of these states still waits for something; a company has at most one.
OPEN_STATES = ("submitted", "prepared", "approved")
_OPEN_CONDITION = "state IN ('submitted', 'prepared', 'approved')"


class Company(db.Model):
    """A municipal company and where its customers' questions go now.

    `routing` changes only when an approved case takes effect (see services.apply_due_cases).
    """

    __tablename__ = "company"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False, unique=True)
    org_number = db.Column(db.String(11), nullable=False, unique=True)  # NNNNNN-NNNN
    phone = db.Column(db.String(20), nullable=False)  # E.164
    email = db.Column(db.String(256), nullable=False, default="")
    web = db.Column(db.String(300), nullable=False, default="")
    routing = db.Column(db.String(16), nullable=False, default="kundcenter")
    routing_since = db.Column(db.Date)  # None: through Kundcenter since before the register
    created_at = db.Column(UTCDateTime, nullable=False)
    created_by = db.Column(db.String(128), nullable=False)
    updated_at = db.Column(UTCDateTime, nullable=False)
    updated_by = db.Column(db.String(128))  # None: the scheduler applied a decision

    topics = db.relationship("CompanyTopic", back_populates="company", order_by="CompanyTopic.name",
                             cascade="all, delete-orphan")
    cases = db.relationship("OptOutCase", back_populates="company", order_by="OptOutCase.id.desc()")

    @property
    def routing_label(self):
        return ROUTINGS[self.routing]

    @property
    def topic_names(self):
        return [topic.name for topic in self.topics]


class CompanyTopic(db.Model):
    """A unit or category of questions the company owns, e.g. "Fjärrvärme" or "Hyresrätter"."""

    __tablename__ = "company_topic"
    __table_args__ = (db.UniqueConstraint("company_id", "name"),)

    id = db.Column(db.Integer, primary_key=True)
    company_id = db.Column(db.Integer, db.ForeignKey("company.id"), nullable=False, index=True)
    name = db.Column(db.String(100), nullable=False)

    company = db.relationship(Company, back_populates="topics")


class OptOutCase(db.Model):
    """A company's request to leave Kundcenter (or come back), decided by the municipal director.

    submitted -> prepared -> approved | rejected; approved -> effective (the scheduler, on
    `effective_from`); submitted, prepared or approved -> withdrawn. services.TRANSITIONS is the rule.
    """

    __tablename__ = "company_optout_case"

    id = db.Column(db.Integer, primary_key=True)
    company_id = db.Column(db.Integer, db.ForeignKey("company.id"), nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False)  # "opt_out" or "re_entry"
    state = db.Column(db.String(16), nullable=False, index=True)
    # Kundweb's own number, given once at submission (services.next_case_number), never reused.
    number_year = db.Column(db.Integer, nullable=False)
    number = db.Column(db.Integer, nullable=False)
    # The municipality's diarienummer, written as the diarium writes it ("KS 2026/0123"); "" until known.
    diary_number = db.Column(db.String(100), nullable=False, default="")
    # When the request reached the municipality (a letter may be typed in days later).
    received_on = db.Column(db.Date, nullable=False)
    # Submitted by an admin on the company's behalf.
    reasons = db.Column(db.Text, nullable=False)
    requested_from = db.Column(db.Date, nullable=False)
    submitted_at = db.Column(UTCDateTime, nullable=False)
    submitted_by = db.Column(db.String(128), nullable=False)
    # The admin's assessment.
    assessment = db.Column(db.Text)
    prepared_at = db.Column(UTCDateTime)
    prepared_by = db.Column(db.String(128))
    # The municipal director's decision, recorded by an admin.
    decision_date = db.Column(db.Date)
    decision_reference = db.Column(db.String(100))
    director_name = db.Column(db.String(200))
    decided_at = db.Column(UTCDateTime)
    decided_by = db.Column(db.String(128))
    effective_from = db.Column(db.Date, index=True)
    applied_at = db.Column(UTCDateTime)
    withdrawn_at = db.Column(UTCDateTime)
    withdrawn_by = db.Column(db.String(128))
    withdrawal_reason = db.Column(db.Text)
    updated_at = db.Column(UTCDateTime, nullable=False)

    company = db.relationship(Company, back_populates="cases")
    events = db.relationship("CaseEvent", back_populates="case", order_by="CaseEvent.id",
                             cascade="all, delete-orphan")
    attachments = db.relationship("CaseAttachment", back_populates="case", order_by="CaseAttachment.id",
                                  cascade="all, delete-orphan")

    @property
    def case_number(self):
        """'UT-2026-0006'."""
        return f"{CASE_NUMBER_SERIES}-{self.number_year}-{self.number:04d}"

    @property
    def kind_label(self):
        return CASE_KINDS[self.kind]

    @property
    def kind_phrase(self):
        """The kind mid-sentence: 'utträde ur Kundcenter'."""
        return self.kind_label[0].lower() + self.kind_label[1:]

    @property
    def state_label(self):
        return CASE_STATES[self.state]

    @property
    def is_open(self):
        return self.state in OPEN_STATES


db.Index("uq_company_optout_case_number", OptOutCase.number_year, OptOutCase.number, unique=True)
# At most one open case per company: two requests at once would race for the routing.
db.Index("uq_company_optout_case_open", OptOutCase.company_id, unique=True,
         sqlite_where=db.text(_OPEN_CONDITION), postgresql_where=db.text(_OPEN_CONDITION))


class CaseNumberCounter(db.Model):
    """The last case number given in a year; taken inside the submission's transaction, so a
    submission that fails gives its number back (no gaps). The database lets it only count up by one."""

    __tablename__ = "company_case_counter"

    series = db.Column(db.String(16), primary_key=True)
    year = db.Column(db.Integer, primary_key=True, autoincrement=False)
    last_number = db.Column(db.Integer, nullable=False)


class CaseEvent(db.Model):
    """One step in a case's history: who (None: the scheduler), when, from which state to which."""

    __tablename__ = "company_case_event"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("company_optout_case.id"), nullable=False, index=True)
    occurred_at = db.Column(UTCDateTime, nullable=False)
    actor = db.Column(db.String(128))
    action = db.Column(db.String(32), nullable=False)
    from_state = db.Column(db.String(16))
    to_state = db.Column(db.String(16), nullable=False)
    details = db.Column(db.JSON, nullable=False, default=dict)

    case = db.relationship(OptOutCase, back_populates="events")

    @property
    def label(self):
        return EVENT_LABELS[self.action]


class CaseAttachment(db.Model):
    """A file handed in with a case, stored outside the web root under a generated name.

    Kept as a registrar keeps documents: added in any state, never changed or removed
    (the database refuses UPDATE and DELETE, see kundweb/audit/append_only.py).
    """

    __tablename__ = "company_case_attachment"

    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("company_optout_case.id"), nullable=False, index=True)
    filename = db.Column(db.String(200), nullable=False)  # as uploaded, without any path
    stored_name = db.Column(db.String(64), nullable=False, unique=True)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    label = db.Column(db.String(16), nullable=False)  # a key of ATTACHMENT_LABELS
    uploaded_at = db.Column(UTCDateTime, nullable=False)
    uploaded_by = db.Column(db.String(128), nullable=False)

    case = db.relationship(OptOutCase, back_populates="attachments")

    @property
    def label_text(self):
        return ATTACHMENT_LABELS[self.label]

    @property
    def size_label(self):
        """The size the Swedish way: '812 byte', '2,9 kB', '1,2 MB'."""
        if self.size < 1024:
            return f"{self.size} byte"
        for unit, factor in (("kB", 1024), ("MB", 1024 * 1024)):
            if self.size < factor * 1024 or unit == "MB":
                return f"{self.size / factor:.1f} {unit}".replace(".", ",")
