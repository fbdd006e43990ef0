"""Answers, their versions and the agents' proposals."""
from kundweb.database import UTCDateTime
from kundweb.extensions import db

VISIBILITIES = {"intern": "Intern", "publik": "Publik"}
STATUSES = {"draft": "Utkast", "published": "Publicerad", "archived": "Arkiverad"}
PROPOSAL_KINDS = {"missing": "Saknas svar", "error": "Fel i svaret"}
PROPOSAL_STATES = {"open": "Öppet", "accepted": "Genomfört", "rejected": "Avböjt"}


class Answer(db.Model):
    """A prepared answer to a question citizens ask, in its current version.

    Owned by exactly one department (directory unit) or municipal company. Published
    answers are archived, never deleted; every change adds an AnswerVersion.
    """

    __tablename__ = "answer"
    __table_args__ = (
        db.CheckConstraint("(unit_id IS NULL) <> (company_id IS NULL)", name="one_owner"),
        db.Index("ix_answer_status_visibility", "status", "visibility"),
    )

    id = db.Column(db.Integer, primary_key=True)
    question = db.Column(db.String(300), nullable=False)  # as a citizen asks it
    phrasings = db.Column(db.Text, nullable=False, default="")  # other ways to ask, one per line
    keywords = db.Column(db.String(500), nullable=False, default="")
    body = db.Column(db.Text, nullable=False)  # the same safe markup as crisis texts
    links = db.Column(db.JSON, nullable=False, default=list)  # [{"label": ..., "url": ...}]
    unit_id = db.Column(db.Integer, db.ForeignKey("directory_unit.id"), index=True)
    company_id = db.Column(db.Integer, db.ForeignKey("company.id"), index=True)
    responsible_id = db.Column(db.Integer, db.ForeignKey("directory_person.id"), index=True)
    category_id = db.Column(db.Integer, db.ForeignKey("enquiry_category.id"), index=True)
    visibility = db.Column(db.String(8), nullable=False, default="intern")  # VISIBILITIES
    status = db.Column(db.String(16), nullable=False, default="draft")  # STATUSES
    review_by = db.Column(db.Date, nullable=False, index=True)  # "granska senast"
    review_reminder_sent_at = db.Column(UTCDateTime)  # the last review e-mail to the owner
    version = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(UTCDateTime, nullable=False)
    created_by = db.Column(db.String(128), nullable=False)
    updated_at = db.Column(UTCDateTime, nullable=False)
    updated_by = db.Column(db.String(128), nullable=False)
    published_at = db.Column(UTCDateTime)
    archived_at = db.Column(UTCDateTime)
    # Accent-folded text for the agents' search, written by answers.search.index_answer on every save.
    search_text = db.Column(db.Text, nullable=False, default="", server_default="")  # question, phrasings, keywords
    name_folded = db.Column(db.String(300), nullable=False, default="", server_default="")  # the question
    phrasings_folded = db.Column(db.Text, nullable=False, default="", server_default="")  # "|each|phrasing|"
    sort_key = db.Column(db.String(300).with_variant(db.String(300, collation="C"), "postgresql"),
                         nullable=False, default="", server_default="")


class AnswerVersion(db.Model):
    """One saved state of an answer: a snapshot of its fields, who saved it and which fields changed."""

    __tablename__ = "answer_version"
    __table_args__ = (db.UniqueConstraint("answer_id", "number"),)

    id = db.Column(db.Integer, primary_key=True)
    answer_id = db.Column(db.Integer, db.ForeignKey("answer.id"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    snapshot = db.Column(db.JSON, nullable=False)  # the answer's fields as saved
    changed_fields = db.Column(db.String(300), nullable=False, default="")  # comma-separated
    changed_at = db.Column(UTCDateTime, nullable=False)
    changed_by = db.Column(db.String(128), nullable=False)


class AnswerProposal(db.Model):
    """An agent's proposal: a missing answer, or an error in an existing one, for the owner's editors."""

    __tablename__ = "answer_proposal"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(16), nullable=False)  # PROPOSAL_KINDS
    answer_id = db.Column(db.Integer, db.ForeignKey("answer.id"), index=True)  # None for "missing"
    enquiry_id = db.Column(db.Integer, db.ForeignKey("enquiry.id"))  # the enquiry it came from, if any
    # Whose editors handle it: the answer's owner, or the department the agent chose.
    unit_id = db.Column(db.Integer, db.ForeignKey("directory_unit.id"), index=True)
    company_id = db.Column(db.Integer, db.ForeignKey("company.id"), index=True)
    text = db.Column(db.Text, nullable=False)
    state = db.Column(db.String(16), nullable=False, default="open", index=True)  # PROPOSAL_STATES
    proposed_at = db.Column(UTCDateTime, nullable=False)
    proposed_by = db.Column(db.String(128), nullable=False, index=True)
    handled_at = db.Column(UTCDateTime)
    handled_by = db.Column(db.String(128))
    response = db.Column(db.Text)  # the editor's word back to the agent
    notified_at = db.Column(UTCDateTime)  # when the editors were e-mailed
