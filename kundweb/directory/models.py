"""People (from AD) with the contact details they own, units, functional entries and their history."""
from kundweb.database import UTCDateTime
from kundweb.extensions import db

# Who writes which column of a person: the AD sync, or the person (and admins).
AD_FIELDS = ("username", "display_name", "given_name", "surname", "title", "unit", "email", "active")
OWNED_FIELDS = ("extension", "direct_number", "mobile", "location", "reach_note")


class SearchColumns:
    """Denormalised, accent-folded text the search index is built from (see search.py)."""

    search_text = db.Column(db.Text, nullable=False, default="")  # folded words: name, title, unit ...
    search_numbers = db.Column(db.String(400), nullable=False, default="")  # digit strings of every number
    name_folded = db.Column(db.String(300), nullable=False, default="")  # for "name starts with" ranking
    # The names' spelling keys (search.tolerant_keys), under a trigram index: tolerant matching.
    name_tolerant = db.Column(db.Text, nullable=False, default="")
    # Byte order on PostgreSQL too, whatever the database's collation: see search.sort_key().
    sort_key = db.Column(db.String(300).with_variant(db.String(300, collation="C"), "postgresql"),
                         nullable=False, default="")


class Unit(db.Model):
    """A department or unit, as AD's `department` names it; functional entries belong to one too."""

    __tablename__ = "directory_unit"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False)


class Person(SearchColumns, db.Model):
    """An employee, keyed by AD's objectGUID; never deleted, only deactivated."""

    __tablename__ = "directory_person"

    id = db.Column(db.Integer, primary_key=True)
    # From AD: only the sync writes these.
    guid = db.Column(db.String(36), nullable=False, unique=True)
    username = db.Column(db.String(64), nullable=False, index=True)
    display_name = db.Column(db.String(256), nullable=False)
    given_name = db.Column(db.String(128), nullable=False, default="")
    surname = db.Column(db.String(128), nullable=False, default="")
    title = db.Column(db.String(256), nullable=False, default="")
    unit_id = db.Column(db.Integer, db.ForeignKey("directory_unit.id"), index=True)
    email = db.Column(db.String(256), nullable=False, default="")
    active = db.Column(db.Boolean, nullable=False, default=True)
    deactivated_at = db.Column(UTCDateTime)
    # Owned by the person (and admins): the sync only fills them in when it creates the person.
    extension = db.Column(db.String(5))  # 4-5 digits, unique among active people
    direct_number = db.Column(db.String(20))  # E.164
    mobile = db.Column(db.String(20))  # E.164
    location = db.Column(db.String(100), nullable=False, default="")
    reach_note = db.Column(db.String(200), nullable=False, default="")
    confirmed_at = db.Column(UTCDateTime)
    # A simple absence the person sets: away until this date (inclusive), a deputy to forward to.
    absent_until = db.Column(db.Date)
    deputy_id = db.Column(db.Integer, db.ForeignKey("directory_person.id"))
    # Protected identity: hidden everywhere but from admins. Set by admins only.
    hidden = db.Column(db.Boolean, nullable=False, default=False)
    reminder_sent_at = db.Column(UTCDateTime)  # the last "are your details current?" e-mail
    created_at = db.Column(UTCDateTime, nullable=False)
    updated_at = db.Column(UTCDateTime, nullable=False)

    unit = db.relationship(Unit, lazy="joined")
    deputy = db.relationship("Person", foreign_keys=[deputy_id], remote_side=[id])

    @property
    def unit_name(self):
        return self.unit.name if self.unit else ""


# An extension rings one active phone; a leaver's old extension can be given to someone new.
db.Index("uq_directory_person_active_extension", Person.extension, unique=True,
         sqlite_where=db.text("active = 1"), postgresql_where=db.text("active"))


class FunctionalEntry(SearchColumns, db.Model):
    """A number for a service rather than a person (bath house, library ...); the only public kind."""

    __tablename__ = "directory_function"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)
    phone = db.Column(db.String(20))  # E.164
    email = db.Column(db.String(256), nullable=False, default="")
    unit_id = db.Column(db.Integer, db.ForeignKey("directory_unit.id"), index=True)
    opening_hours = db.Column(db.String(500), nullable=False, default="")
    responsible_id = db.Column(db.Integer, db.ForeignKey("directory_person.id"), index=True)
    public = db.Column(db.Boolean, nullable=False, default=False)
    keywords = db.Column(db.String(500), nullable=False, default="")
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False)
    updated_at = db.Column(UTCDateTime, nullable=False)

    unit = db.relationship(Unit, lazy="joined")
    responsible = db.relationship(Person, lazy="joined")

    @property
    def unit_name(self):
        return self.unit.name if self.unit else ""


class EntryChange(db.Model):
    """One changed field of a person's or a functional entry's record: who, when, old and new value."""

    __tablename__ = "directory_change"
    __table_args__ = (
        db.CheckConstraint("(person_id IS NULL) <> (function_id IS NULL)", name="one_entry"),
    )

    id = db.Column(db.Integer, primary_key=True)
    person_id = db.Column(db.Integer, db.ForeignKey("directory_person.id"), index=True)
    function_id = db.Column(db.Integer, db.ForeignKey("directory_function.id"), index=True)
    field = db.Column(db.String(32), nullable=False)
    old_value = db.Column(db.String(500))
    new_value = db.Column(db.String(500))
    changed_at = db.Column(UTCDateTime, nullable=False, index=True)
    changed_by = db.Column(db.String(128))  # sAMAccountName; None = the AD sync or another job
    source = db.Column(db.String(16), nullable=False)  # "self", "admin", "sync" or "system" (a scheduled job)

    person = db.relationship(Person)
    function = db.relationship(FunctionalEntry)


class SwitchboardTokenFailure(db.Model):
    """A request for the switchboard file without the right token, counted to throttle guessing per address."""

    __tablename__ = "switchboard_token_failure"
    __table_args__ = (
        db.Index("ix_switchboard_token_failure_address_time", "remote_addr", "failed_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    remote_addr = db.Column(db.String(64), nullable=False)
    failed_at = db.Column(UTCDateTime, nullable=False, index=True)
