"""Public records (allmänna handlingar): registrations, their revisions, files, numbers, systems.

record_item, record_revision and record_attachment are append-only: the database
refuses UPDATE and DELETE on them (triggers, see the migration). A correction or a
status change is a new revision holding the item's whole state after it.
"""
from kundweb.database import UTCDateTime
from kundweb.extensions import db

KINDS = {"voicemail": "Röstbrevlåda", "mobile": "Mobilsvar", "call": "Telefonsamtal", "email": "E-post"}
STATUSES = {"open": "Öppen", "documented": "Dokumenterad", "closed": "Avslutad"}
CHANGES = {"registered": "Registrerad", "corrected": "Rättad", "documented": "Dokumenterad i verksamhetssystem",
           "closed": "Avslutad", "reopened": "Öppnad igen"}


class BusinessSystem(db.Model):
    """A business system (verksamhetssystem) items are documented in; admins keep the list."""

    __tablename__ = "record_business_system"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False, unique=True)
    description = db.Column(db.String(300), nullable=False, default="")
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False)
    created_by = db.Column(db.String(128), nullable=False)


class RecordCounter(db.Model):
    """The last registration number given in a series and year; taken inside the registration's
    transaction, so a rolled-back registration gives its number back (no gaps)."""

    __tablename__ = "record_counter"

    series = db.Column(db.String(16), primary_key=True)
    year = db.Column(db.Integer, primary_key=True, autoincrement=False)
    last_number = db.Column(db.Integer, nullable=False)


class RecordItem(db.Model):
    """A registration: its number and who registered it when. Never changed or removed."""

    __tablename__ = "record_item"
    __table_args__ = (db.UniqueConstraint("series", "year", "number"),)

    id = db.Column(db.Integer, primary_key=True)
    series = db.Column(db.String(16), nullable=False)
    year = db.Column(db.Integer, nullable=False)
    number = db.Column(db.Integer, nullable=False)
    registered_at = db.Column(UTCDateTime, nullable=False, index=True)
    registered_by = db.Column(db.String(128), nullable=False, index=True)  # the owner
    registered_by_name = db.Column(db.String(256), nullable=False)
    registered_by_email = db.Column(db.String(256), nullable=False, default="")
    # The registration form's one-time key: a retried submission finds this row instead of adding one.
    idempotency_key = db.Column(db.String(64), nullable=False, unique=True)

    revisions = db.relationship("RecordRevision", back_populates="item", order_by="RecordRevision.revision_no")
    attachments = db.relationship("RecordAttachment", back_populates="item", order_by="RecordAttachment.id")

    @property
    def registration_number(self):
        return format_number(self.series, self.year, self.number)


def format_number(series, year, number):
    return f"{series} {year}/{number:06d}"


class RecordRevision(db.Model):
    """The whole state of an item after one change; the newest revision is the current state."""

    __tablename__ = "record_revision"
    __table_args__ = (db.UniqueConstraint("item_id", "revision_no"),)

    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(db.Integer, db.ForeignKey("record_item.id"), nullable=False)
    revision_no = db.Column(db.Integer, nullable=False)
    change = db.Column(db.String(16), nullable=False)  # a key of CHANGES
    reason = db.Column(db.Text)  # why it was corrected, closed or reopened
    created_at = db.Column(UTCDateTime, nullable=False)
    created_by = db.Column(db.String(128), nullable=False)
    created_by_name = db.Column(db.String(256), nullable=False)

    kind = db.Column(db.String(16), nullable=False)
    arrived_at = db.Column(UTCDateTime, nullable=False, index=True)
    sender = db.Column(db.String(300))
    received_by = db.Column(db.String(200), nullable=False)  # a person's name, or "Kundcenter"
    received_by_username = db.Column(db.String(128))  # None when a unit received it
    description = db.Column(db.Text, nullable=False)
    concerns_matter = db.Column(db.Boolean, nullable=False)
    confidential = db.Column(db.Boolean, nullable=False, default=False)
    legal_ground = db.Column(db.String(200))  # the secrecy provision, e.g. "OSL 26 kap. 1 §"
    status = db.Column(db.String(16), nullable=False, index=True)  # a key of STATUSES
    business_system_id = db.Column(db.Integer, db.ForeignKey("record_business_system.id"))
    business_reference = db.Column(db.String(120))
    closing_reason = db.Column(db.Text)

    item = db.relationship("RecordItem", back_populates="revisions")
    business_system = db.relationship("BusinessSystem")

    @property
    def kind_label(self):
        return KINDS.get(self.kind, self.kind)

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def change_label(self):
        return CHANGES.get(self.change, self.change)


class RecordAttachment(db.Model):
    """A file kept with an item: the stored bytes are named by their SHA-256."""

    __tablename__ = "record_attachment"

    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(db.Integer, db.ForeignKey("record_item.id"), nullable=False, index=True)
    sha256 = db.Column(db.String(64), nullable=False, index=True)
    size = db.Column(db.BigInteger, nullable=False)
    file_kind = db.Column(db.String(8), nullable=False)  # wav, mp3, m4a, ogg, eml (from the content)
    content_type = db.Column(db.String(64), nullable=False)
    original_name = db.Column(db.String(200), nullable=False, default="")  # cleaned, shown only
    uploaded_at = db.Column(UTCDateTime, nullable=False)
    uploaded_by = db.Column(db.String(128), nullable=False)
    # For an .eml: what was read from it, and what was wrong with it (kept anyway).
    email_sender = db.Column(db.String(300))
    email_subject = db.Column(db.String(300))
    email_date = db.Column(UTCDateTime)
    email_problems = db.Column(db.JSON)

    item = db.relationship("RecordItem", back_populates="attachments")

    @property
    def malformed(self):
        return bool(self.email_problems)


class RecordReminder(db.Model):
    """That an open item's owner was reminded for one period; unique, so once per period."""

    __tablename__ = "record_reminder"
    __table_args__ = (db.UniqueConstraint("item_id", "period"),)

    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(db.Integer, db.ForeignKey("record_item.id"), nullable=False)
    period = db.Column(db.Integer, nullable=False)  # whole reminder periods the item had been open
    sent_at = db.Column(UTCDateTime, nullable=False)
    recipient = db.Column(db.String(256), nullable=False)
